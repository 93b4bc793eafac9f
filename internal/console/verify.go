package console

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func invalid(field, msg string) error {
	return status.Errorf(codes.InvalidArgument, "%s: %s", field, msg)
}

// verifyEvent is one line of the progress stream the page's script reads.
type verifyEvent struct {
	Kind    string       `json:"kind"` // progress, broken, summary, error
	Checked int64        `json:"checked,omitempty"`
	Total   int64        `json:"total,omitempty"`
	Events  int64        `json:"events,omitempty"`
	Broken  *brokenJSON  `json:"broken,omitempty"`
	Summary *summaryJSON `json:"summary,omitempty"`
	Error   string       `json:"error,omitempty"`
	Code    string       `json:"code,omitempty"`
}

type brokenJSON struct {
	DossierID   string `json:"dossier_id"`
	DossierCode string `json:"dossier_code"`
	Sequence    int64  `json:"sequence"`
	Problem     string `json:"problem"`
	Detail      string `json:"detail"`
	Link        string `json:"link"`
}

type summaryJSON struct {
	Checked int64  `json:"checked"`
	Events  int64  `json:"events"`
	Broken  int64  `json:"broken"`
	Intact  bool   `json:"intact"`
	Text    string `json:"text"`
}

// verify runs VerifyAuditChain for an agency and period. The page's script
// posts with Accept: application/x-ndjson and draws the progress as the
// lines arrive; without script the form posts normally and the page shows
// the outcome when the stream has ended.
func (c *Console) verify(w http.ResponseWriter, r *http.Request, v *view) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	d, err := c.integrityForm(r, v)
	v.Data = d
	if err != nil {
		c.fail(w, r, "integrity", v, err)
		return
	}
	from, to, _ := (scopeForm{From: d.From, To: d.To}).window()
	ctx := v.User.call(r.Context())
	stream, err := c.audit.VerifyAuditChain(ctx, &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_AgencyPeriod{
		AgencyPeriod: &pb.AgencyPeriod{AgencyCode: d.Agency, FromTime: timestamppb.New(from), ToTime: timestamppb.New(to)}}})
	ndjson := strings.Contains(r.Header.Get("Accept"), "application/x-ndjson")
	if !ndjson {
		res := &verifyResult{}
		d.Verified = res
		for err == nil {
			var m *pb.VerifyAuditChainResponse
			if m, err = stream.Recv(); err == nil {
				if b := m.GetBroken(); b != nil {
					res.Broken = append(res.Broken, b)
				}
				if s := m.GetSummary(); s != nil {
					res.Summary = s
				}
			}
		}
		if !errors.Is(err, io.EOF) {
			res.Err = toAPIError(err)
		}
		c.signals(r.Context(), v, d)
		c.render(w, r, "integrity", v)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	enc := json.NewEncoder(w)
	flusher, _ := w.(http.Flusher)
	send := func(e verifyEvent) {
		_ = enc.Encode(e)
		if flusher != nil {
			flusher.Flush()
		}
	}
	for err == nil {
		var m *pb.VerifyAuditChainResponse
		if m, err = stream.Recv(); err != nil {
			break
		}
		switch {
		case m.GetProgress() != nil:
			p := m.GetProgress()
			send(verifyEvent{Kind: "progress", Checked: p.GetDossiersChecked(), Total: p.GetDossiersTotal(), Events: p.GetEventsChecked()})
		case m.GetBroken() != nil:
			b := m.GetBroken()
			send(verifyEvent{Kind: "broken", Broken: &brokenJSON{DossierID: b.GetDossierId(), DossierCode: b.GetDossierCode(),
				Sequence: b.GetSequence(), Problem: b.GetProblem(), Detail: b.GetDetail(), Link: c.opts.Prefix + "dossier/" + b.GetDossierId()}})
		case m.GetSummary() != nil:
			s := m.GetSummary()
			text := v.Tf("integrity.summary", v.Num(s.GetDossiersChecked()), v.Num(s.GetEventsChecked()), v.Num(s.GetBrokenDossiers()))
			send(verifyEvent{Kind: "summary", Summary: &summaryJSON{Checked: s.GetDossiersChecked(), Events: s.GetEventsChecked(),
				Broken: s.GetBrokenDossiers(), Intact: s.GetIntact(), Text: text}})
		}
	}
	if !errors.Is(err, io.EOF) {
		e := toAPIError(err)
		send(verifyEvent{Kind: "error", Error: v.T(e.Key) + " — " + e.Message, Code: e.CodeName()})
	}
}
