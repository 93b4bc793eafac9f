package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/checkpoint"
	"github.com/motcua/motcua/internal/cli"
	"github.com/motcua/motcua/internal/domain"
	report "github.com/motcua/motcua/internal/indicators"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// allBreaks runs VerifyAuditChain and returns every broken link by
// dossier, and the summary.
func allBreaks(t *testing.T, e *testenv.Env, req *pb.VerifyAuditChainRequest) (map[string][]*pb.BrokenLink, *pb.VerifyAuditChainResponse_Summary, error) {
	t.Helper()
	stream, err := pb.NewAuditServiceClient(e.Conn).VerifyAuditChain(e.As(t, testenv.Auditor), req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*pb.BrokenLink{}
	var sum *pb.VerifyAuditChainResponse_Summary
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			return out, sum, nil
		}
		if err != nil {
			return out, sum, err
		}
		if b := m.GetBroken(); b != nil {
			out[b.GetDossierId()] = append(out[b.GetDossierId()], b)
		}
		if s := m.GetSummary(); s != nil {
			sum = s
		}
	}
}

func oneDossier(id string) *pb.VerifyAuditChainRequest {
	return &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_DossierId{DossierId: id}}
}

func wholeProvince() *pb.VerifyAuditChainRequest {
	return &pb.VerifyAuditChainRequest{Scope: &pb.VerifyAuditChainRequest_AgencyPeriod{AgencyPeriod: &pb.AgencyPeriod{
		AgencyCode: seed.Province, FromTime: timestamppb.New(fixedNow.Add(-time.Hour)), ToTime: timestamppb.New(fixedNow.Add(time.Hour))}}}
}

// submitOnBehalf files a draft online as a clerk of its agency: the
// filing is STAFF_ON_BEHALF (assisted).
func submitOnBehalf(t *testing.T, e *testenv.Env, draft *pb.DossierDraft) *pb.Dossier {
	t.Helper()
	ctx := e.As(t, auth.TokenSpec{Subject: "clerk@" + draft.GetAgencyCode(), Role: domain.RoleClerk, Agency: draft.GetAgencyCode()})
	r, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "obo-" + draft.GetApplicant().GetIdNumber(), Dossier: draft})
	if err != nil {
		t.Fatal(err)
	}
	if r.GetDossier().GetFiledBy() != pb.ActorKind_ACTOR_KIND_STAFF_ON_BEHALF {
		t.Fatalf("filed by %v", r.GetDossier().GetFiledBy())
	}
	return r.GetDossier()
}

// TestRowEditsAreDetected edits one field of a dossier row directly in the
// database, with no event, and shows VerifyAuditChain names the dossier and
// the field (issue 9, defect 1; before the row was bound to its chain,
// every one of these verified "intact").
func TestRowEditsAreDetected(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		db := e.Store.DB()
		exec := func(sql string, args ...any) {
			t.Helper()
			if err := db.Exec(sql, args...).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		processing := func(n int) *pb.Dossier {
			d := dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(testenv.CitizenID(n))))
			return dr.Must(domain.ActionForward, d)
		}
		resolved := func(n int) *pb.Dossier {
			d := dr.ForwardToLastStep(dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(testenv.CitizenID(n)))))
			return dr.Must(domain.ActionResolve, d)
		}
		later := fixedNow.Add(30 * 24 * time.Hour).UTC()
		cases := []struct {
			name   string
			make   func(n int) *pb.Dossier
			sql    string
			args   []any
			fields []string
		}{
			{"status PROCESSING → RETURNED", processing, `UPDATE dossiers SET status = ? WHERE id = ?`, []any{int(domain.StatusReturned)}, []string{"status"}},
			{"filed_by STAFF_ON_BEHALF → CITIZEN", func(n int) *pb.Dossier {
				return submitOnBehalf(t, e, testenv.Draft(testenv.CitizenID(n)))
			}, `UPDATE dossiers SET filed_by = ? WHERE id = ?`, []any{int(domain.ActorCitizen)}, []string{"filed_by"}},
			{"channel ONLINE → COUNTER", processing, `UPDATE dossiers SET channel = ? WHERE id = ?`, []any{int(domain.ChannelCounter)}, []string{"channel"}},
			{"legal deadline moved", processing, `UPDATE dossiers SET original_due_at = ? WHERE id = ?`, []any{later}, []string{"original_due_at"}},
			{"appointment moved", processing, `UPDATE dossiers SET due_at = ? WHERE id = ?`, []any{later}, []string{"due_at"}},
			{"received later", processing, `UPDATE dossiers SET received_at = ? WHERE id = ?`, []any{later}, []string{"received_at"}},
			{"step moved back", processing, `UPDATE dossiers SET step_index = 0 WHERE id = ?`, nil, []string{"step_index"}},
			{"assignee changed", processing, `UPDATE dossiers SET step_assignee = 'someone-else' WHERE id = ?`, nil, []string{"step_assignee"}},
			{"step deadline moved", processing, `UPDATE dossiers SET step_due_at = ? WHERE id = ?`, []any{later}, []string{"step_due_at"}},
			{"paused time added", processing, `UPDATE dossiers SET paused_working_seconds = 7200 WHERE id = ?`, nil, []string{"paused_working_seconds"}},
			{"result rewritten (documents dropped, made paper)", resolved, `UPDATE dossiers SET result = ? WHERE id = ?`,
				[]any{`{"documents":[],"electronic":false,"issued_at":"2026-03-02T09:00:00Z"}`}, []string{"result", "result_electronic"}},
			{"finished earlier", resolved, `UPDATE dossiers SET finished_at = ? WHERE id = ?`, []any{fixedNow.Add(-time.Hour).UTC()}, []string{"finished_at"}},
			{"processing time shortened", resolved, `UPDATE dossiers SET processing_minutes = 1 WHERE id = ?`, nil, []string{"processing_minutes"}},
			{"online payment added", processing, `UPDATE dossiers SET payments_online = 1, payments_confirmed = 1 WHERE id = ?`, nil,
				[]string{"payments_confirmed", "payments_online"}},
			{"version bumped", processing, `UPDATE dossiers SET version = version + 1 WHERE id = ?`, nil, []string{"version"}},
			// The derived filter columns behind the console's figure lists.
			{"digitised column flipped", processing, `UPDATE dossiers SET digitised = NOT digitised WHERE id = ?`, nil, []string{"digitised"}},
			{"electronic_result column flipped", resolved, `UPDATE dossiers SET electronic_result = NOT electronic_result WHERE id = ?`, nil,
				[]string{"electronic_result"}},
		}
		intact := processing(99)
		want := map[string][]string{}
		for i, c := range cases {
			d := c.make(i + 1)
			exec(c.sql, append(c.args, d.GetId())...)
			want[d.GetId()] = c.fields
			breaks, sum, err := allBreaks(t, e, oneDossier(d.GetId()))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range breaks[d.GetId()] {
				if b.GetProblem() != audit.RowMismatch || b.GetSequence() != 0 || b.GetDossierCode() != d.GetCode() {
					t.Errorf("%s: unexpected break %v", c.name, b)
				}
				got = append(got, b.GetField())
			}
			if strings.Join(got, ",") != strings.Join(c.fields, ",") || sum.GetIntact() || sum.GetBrokenDossiers() != 1 {
				t.Errorf("%s: fields %v (summary %v), want %v", c.name, got, sum, c.fields)
			}
		}
		// The whole province: exactly the edited dossiers, each with its fields.
		breaks, sum, err := allBreaks(t, e, wholeProvince())
		if err != nil {
			t.Fatal(err)
		}
		if len(breaks) != len(cases) || breaks[intact.GetId()] != nil || sum.GetBrokenDossiers() != int64(len(cases)) {
			t.Fatalf("province: %d dossiers broken of %d edited, summary %v", len(breaks), len(cases), sum)
		}
		// report verify names the same dossiers and fields.
		diffs, err := e.App.VerifyStats(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		rowDiffs := map[string][]string{}
		for _, d := range diffs {
			if d.Table == "dossiers" {
				rowDiffs[d.Key] = append(rowDiffs[d.Key], d.Metric)
			}
		}
		if len(rowDiffs) != len(cases) {
			t.Errorf("report verify found row differences in %d dossiers, want %d: %v", len(rowDiffs), len(cases), rowDiffs)
		}
	})
}

// padOnline rewrites a dossier's filed_by from STAFF_ON_BEHALF to CITIZEN
// in its row and moves its contribution between the aggregate rows
// consistently: the padding of issue 9, defect 1.
func padOnline(t *testing.T, e *testenv.Env, id string) {
	t.Helper()
	db := e.Store.DB()
	staff, citizen := int(domain.ActorStaffOnBehalf), int(domain.ActorCitizen)
	var set []string
	for _, m := range report.MetricNames {
		set = append(set, m+" = dossier_stats."+m+" + s."+m)
	}
	for _, sql := range []string{
		`UPDATE dossiers SET filed_by = ? WHERE id = ?`,
		`UPDATE dossier_stats SET ` + strings.Join(set, ", ") + ` FROM (SELECT * FROM dossier_stats WHERE filed_by = ?) AS s
		 WHERE dossier_stats.period = s.period AND dossier_stats.agency_code = s.agency_code AND dossier_stats.day = s.day
		   AND dossier_stats.procedure_code = s.procedure_code AND dossier_stats.channel = s.channel AND dossier_stats.filed_by = ?`,
		`DELETE FROM dossier_stats WHERE filed_by = ?`,
	} {
		var args []any
		switch {
		case strings.HasPrefix(sql, "UPDATE dossiers"):
			args = []any{citizen, id}
		case strings.HasPrefix(sql, "UPDATE dossier_stats"):
			args = []any{staff, citizen}
		default:
			args = []any{staff}
		}
		if err := db.Exec(sql, args...).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// TestPaddedFilingIsDetected reproduces the padding of issue 9: an
// assisted filing rewritten as genuine in the dossier row and in its
// aggregate rows, consistently. VerifyAuditChain and report verify must
// both find it and name the dossier and the field (before: "intact", and
// report verify exited 0, since it keyed the aggregates from the row).
func TestPaddedFilingIsDetected(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		for n := 1; n <= 2; n++ {
			dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(testenv.CitizenID(n))))
		}
		assisted := dr.Must(domain.ActionReceive, submitOnBehalf(t, e, testenv.Draft(testenv.CitizenID(3))))
		if diffs, err := e.App.VerifyStats(t.Context(), nil); err != nil || len(diffs) != 0 {
			t.Fatalf("before the edit: %v %v", diffs, err)
		}
		padOnline(t, e, assisted.GetId())

		breaks, sum, err := allBreaks(t, e, wholeProvince())
		if err != nil {
			t.Fatal(err)
		}
		bs := breaks[assisted.GetId()]
		if len(bs) != 1 || bs[0].GetProblem() != audit.RowMismatch || bs[0].GetField() != "filed_by" || sum.GetIntact() ||
			!strings.Contains(bs[0].GetDetail(), "STAFF_ON_BEHALF") {
			t.Fatalf("VerifyAuditChain: %v, summary %v", bs, sum)
		}
		diffs, err := e.App.VerifyStats(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var row, staffFiled bool
		for _, d := range diffs {
			if d.Table == "dossiers" && d.Key == assisted.GetCode() && d.Metric == "filed_by" &&
				d.StoredValue == "CITIZEN" && d.RecomputedValue == "STAFF_ON_BEHALF" {
				row = true
			}
			if d.Table == "dossier_stats/D" && strings.HasSuffix(d.Key, "/STAFF_ON_BEHALF") && d.Metric == "filed" && d.Stored == 0 && d.Recomputed == 1 {
				staffFiled = true
			}
		}
		if !row || !staffFiled {
			t.Fatalf("report verify: row %v, staff aggregate %v in %v", row, staffFiled, diffs)
		}
		// The CLI exits non-zero (verifyFailed) and prints the dossier.
		var out, errOut bytes.Buffer
		root := cli.NewRoot(&out, &errOut)
		root.SetArgs([]string{"report", "verify", "--database-url", e.URL})
		if err := root.ExecuteContext(t.Context()); err == nil || !strings.Contains(out.String(), assisted.GetCode()) {
			t.Fatalf("motcua report verify: %v\n%s", err, out.String())
		}
	})
}

// rewriteChain rewrites a dossier's whole chain as a forger with database
// access and the code would: the filing made genuine in event 1 and in
// every sealed state, every hash recomputed, the row's head and filed_by
// and the aggregates moved to match. Hashing alone cannot see it.
func rewriteChain(t *testing.T, e *testenv.Env, id string) {
	t.Helper()
	ctx := context.Background()
	db := e.Store.DB()
	evs, err := e.Store.ListEvents(ctx, id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for i := range evs {
		ev := &evs[i]
		if ev.Seq == 1 {
			ev.Attribution.ActorKind = domain.ActorCitizen
		}
		if ev.State != nil {
			ev.State[audit.FFiledBy] = "1"
		}
		audit.Seal(ev, prev)
		prev = ev.Hash
		// The state goes in the JSON column, which readers use when the
		// compact one (migration 18) is empty.
		state, _ := json.Marshal(ev.State)
		if err := db.Exec(`UPDATE dossier_events SET actor_kind = ?, state = ?, state_z = NULL, prev_hash = ?, hash = ? WHERE id = ?`,
			int(ev.Attribution.ActorKind), string(state), ev.PrevHash, ev.Hash, ev.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	padOnline(t, e, id)
	if err := db.Exec(`UPDATE dossiers SET last_event_hash = ? WHERE id = ?`, prev, id).Error; err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointsAnchorChains: a chain rewritten with its head (issue 9,
// defect 2) verifies without checkpoints and is detected against a signed
// checkpoint, by VerifyAuditChain and by the auditor's standalone
// `motcua audit verify`; the checkpoint reaches the directory and the HTTP
// witness; deleting or editing the stored checkpoint is detected too.
func TestCheckpointsAnchorChains(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			var mu sync.Mutex
			var witnessed []string
			witness := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				witnessed = append(witnessed, string(b))
				mu.Unlock()
			}))
			defer witness.Close()
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow }, CheckpointWitness: witness.URL})
			dr := e.NewDriver(t)
			ctx := t.Context()
			genuine := dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(testenv.CitizenID(1))))
			assisted := dr.Must(domain.ActionForward, dr.Must(domain.ActionReceive, submitOnBehalf(t, e, testenv.Draft(testenv.CitizenID(2)))))

			// Without a checkpoint, a consistent rewrite is invisible: this
			// is the defect, shown on a twin dossier.
			twin := dr.Must(domain.ActionReceive, submitOnBehalf(t, e, testenv.Draft(testenv.CitizenID(3))))
			rewriteChain(t, e, twin.GetId())
			if breaks, sum, err := allBreaks(t, e, oneDossier(twin.GetId())); err != nil || !sum.GetIntact() {
				t.Fatalf("without a checkpoint the rewrite was expected to pass unseen (the documented limit): %v %v %v", breaks, sum, err)
			}

			rec, err := e.App.SealCheckpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Seq != 1 || rec.TreeSize != 3 {
				t.Fatalf("checkpoint %+v", rec)
			}
			file := filepath.Join(e.CheckpointDir, app.CheckpointFile(1))
			onDisk, err := os.ReadFile(file)
			if err != nil || string(onDisk) != rec.Note {
				t.Fatalf("checkpoint file: %v", err)
			}
			mu.Lock()
			if len(witnessed) != 1 || witnessed[0] != rec.Note {
				t.Fatalf("witness received %q", witnessed)
			}
			mu.Unlock()
			cp, err := checkpoint.Open(onDisk, e.CheckpointPublicKey)
			if err != nil || cp.Size != 3 || cp.Origin != "motcua-test" {
				t.Fatalf("open checkpoint: %+v %v", cp, err)
			}
			// Nothing moved: sealing again publishes the same checkpoint.
			if again, err := e.App.SealCheckpoint(ctx); err != nil || again.Seq != 1 {
				t.Fatalf("reseal: %+v %v", again, err)
			}
			if _, sum, err := allBreaks(t, e, wholeProvince()); err != nil || !sum.GetIntact() {
				t.Fatalf("intact store: %v %v", sum, err)
			}

			// GetInclusionProof verifies against the file's root.
			pr, err := pb.NewAuditServiceClient(e.Conn).GetInclusionProof(e.As(t, testenv.Auditor),
				&pb.GetInclusionProofRequest{DossierId: assisted.GetId(), CheckpointSequence: 1})
			if err != nil {
				t.Fatal(err)
			}
			if pr.GetLastSequence() != 3 || pr.GetCheckpoint().GetNote() != rec.Note || pr.GetDossierCode() != assisted.GetCode() {
				t.Fatalf("proof %v", pr)
			}
			gc, err := pb.NewAuditServiceClient(e.Conn).GetCheckpoint(e.As(t, testenv.Admin), &pb.GetCheckpointRequest{})
			if err != nil || gc.GetPublicKey() != e.CheckpointPublicKey || gc.GetCheckpoint().GetSequence() != 1 {
				t.Fatalf("GetCheckpoint: %v %v", gc, err)
			}

			// The auditor's standalone command: checkpoint file, public key,
			// an auditor token.
			keyFile := filepath.Join(t.TempDir(), "checkpoint.pub")
			if err := os.WriteFile(keyFile, []byte(e.CheckpointPublicKey+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			auditCmd := func(id string) (string, error) {
				var out, errOut bytes.Buffer
				root := cli.NewRoot(&out, &errOut)
				root.SetArgs([]string{"audit", "verify", id, "--checkpoint", file, "--public-key", keyFile,
					"--addr", e.Addr, "--token", e.Token(t, testenv.Auditor)})
				err := root.ExecuteContext(ctx)
				return out.String() + errOut.String(), err
			}
			for _, d := range []*pb.Dossier{genuine, assisted} {
				if out, err := auditCmd(d.GetCode()); err != nil || !strings.Contains(out, "VERIFIED") {
					t.Fatalf("motcua audit verify %s: %v\n%s", d.GetCode(), err, out)
				}
			}

			// Now rewrite the anchored chain with its head.
			rewriteChain(t, e, assisted.GetId())
			breaks, sum, err := allBreaks(t, e, wholeProvince())
			if err != nil {
				t.Fatal(err)
			}
			bs := breaks[assisted.GetId()]
			if len(bs) != 1 || bs[0].GetProblem() != app.CheckpointMismatch || bs[0].GetSequence() != 3 || sum.GetBrokenDossiers() != 1 {
				t.Fatalf("rewrite against the checkpoint: %v (summary %v)", breaks, sum)
			}
			if out, err := auditCmd(assisted.GetId()); err == nil || !strings.Contains(err.Error(), "rewritten") {
				t.Fatalf("motcua audit verify after the rewrite: %v\n%s", err, out)
			}
			// The sealer refuses to anchor the rewrite.
			if _, err := e.App.SealCheckpoint(ctx); err == nil || !strings.Contains(err.Error(), "rewritten") {
				t.Fatalf("sealing over a rewrite: %v", err)
			}

			// Editing the stored leaf to the forged head: the running server
			// keeps checking against the leaves it verified; a fresh one
			// (a restart) refuses the edited leaves.
			db := e.Store.DB()
			if err := db.Exec(`UPDATE checkpoint_leaves SET last_hash = ? WHERE dossier_id = ?`, evHash(t, e, assisted.GetId(), 3), assisted.GetId()).Error; err != nil {
				t.Fatal(err)
			}
			if breaks, _, err := allBreaks(t, e, oneDossier(assisted.GetId())); err != nil || len(breaks[assisted.GetId()]) != 1 ||
				breaks[assisted.GetId()][0].GetProblem() != app.CheckpointMismatch {
				t.Fatalf("edited leaves, running server: %v %v", breaks, err)
			}
			fresh := app.New(e.Store, app.WithCheckpoints(&app.CheckpointConfig{PublicKey: e.CheckpointPublicKey, Dir: e.CheckpointDir}))
			auditor := domain.Principal{Subject: "auditor-1", Role: domain.RoleAuditor, AgencyCode: seed.Province}
			_, err = fresh.VerifyAuditChain(ctx, auditor, app.ChainScope{DossierID: assisted.GetId()},
				func(app.ChainProgress) error { return nil }, func(app.ChainBreak) error { return nil })
			if pe := (*domain.PreconditionError)(nil); !errors.As(err, &pe) || pe.Reason != "CHECKPOINT_LEAVES_ALTERED" {
				t.Fatalf("edited leaves, fresh server: %v", err)
			}
			// Deleting the stored checkpoint (the file outside the database
			// remains) is detected.
			if err := db.Exec(`DELETE FROM checkpoints`).Error; err != nil {
				t.Fatal(err)
			}
			if _, _, err := allBreaks(t, e, wholeProvince()); status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "deleted or replaced") {
				t.Fatalf("deleted checkpoint: %v", err)
			}
		})
	}
}

func evHash(t *testing.T, e *testenv.Env, id string, seq int64) string {
	t.Helper()
	evs, err := e.Store.ListEvents(context.Background(), id, seq-1, 1)
	if err != nil || len(evs) != 1 {
		t.Fatal(errors.Join(err, errors.New("no such event")))
	}
	return evs[0].Hash
}

// TestWitnessFailureIsRetried: a witness that fails does not lose the
// checkpoint (stored and written to the directory first); the next round
// posts it again.
func TestWitnessFailureIsRetried(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			var mu sync.Mutex
			var posts []string
			witness := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				posts = append(posts, string(b))
				if len(posts) == 1 {
					http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
				}
			}))
			defer witness.Close()
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow }, CheckpointWitness: witness.URL})
			dr := e.NewDriver(t)
			dr.Submit(testenv.Draft(testenv.CitizenID(1)))
			if _, err := e.App.SealCheckpoint(t.Context()); err == nil || !strings.Contains(err.Error(), "503") {
				t.Fatalf("failing witness: %v", err)
			}
			rec, err := e.App.SealCheckpoint(t.Context())
			if err != nil || rec.Seq != 1 {
				t.Fatalf("retry: %+v %v", rec, err)
			}
			if _, err := os.Stat(filepath.Join(e.CheckpointDir, app.CheckpointFile(1))); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(posts) != 2 || posts[0] != rec.Note || posts[1] != rec.Note {
				t.Fatalf("witness got %d posts", len(posts))
			}
		})
	}
}

// TestEventStateEditsAreDetected damages the stored state of a dossier's
// last event (migration 18 keeps it compact, in state_z): garbage bytes,
// and another dossier's genuine state. Each is a broken chain at that
// event, named by VerifyAuditChain — not an error that stops the
// verification of every other dossier, nor a read that fails.
func TestEventStateEditsAreDetected(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		db := e.Store.DB()
		processing := func(n int) *pb.Dossier {
			return dr.Must(domain.ActionForward, dr.Must(domain.ActionReceive, dr.Submit(testenv.Draft(testenv.CitizenID(n)))))
		}
		lastSeq := func(d *pb.Dossier) int64 {
			evs, err := e.Store.ListEvents(t.Context(), d.GetId(), 0, 100)
			if err != nil || len(evs) < 2 {
				t.Fatalf("events: %v %v", evs, err)
			}
			return evs[len(evs)-1].Seq
		}
		garbage, swapped, intact := processing(1), processing(2), processing(3)
		damage := map[string]int64{garbage.GetId(): lastSeq(garbage), swapped.GetId(): lastSeq(swapped)}
		for _, c := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE dossier_events SET state_z = ? WHERE dossier_id = ? AND seq = ?`,
				[]any{[]byte{1, 0x28, 0xb5, 0x2f, 0xfd, 0xff}, garbage.GetId(), damage[garbage.GetId()]}},
			{`UPDATE dossier_events SET state_z = (SELECT state_z FROM dossier_events WHERE dossier_id = ? AND seq = 1)
			  WHERE dossier_id = ? AND seq = ?`, []any{intact.GetId(), swapped.GetId(), damage[swapped.GetId()]}},
		} {
			if res := db.Exec(c.sql, c.args...); res.Error != nil || res.RowsAffected != 1 {
				t.Fatalf("%s: %v (%d rows)", c.sql, res.Error, res.RowsAffected)
			}
		}
		breaks, sum, err := allBreaks(t, e, wholeProvince())
		if err != nil {
			t.Fatal(err)
		}
		for id, seq := range damage {
			if len(breaks[id]) == 0 || breaks[id][0].GetSequence() != seq {
				t.Errorf("%s: breaks %v, want one at event %d", id, breaks[id], seq)
			}
		}
		if len(breaks) != 2 || breaks[intact.GetId()] != nil || sum.GetBrokenDossiers() != 2 {
			t.Fatalf("province: %d dossiers broken, summary %v", len(breaks), sum)
		}
		// The damaged history still reads, through the API too.
		evs, err := e.Dossiers.ListDossierEvents(e.As(t, testenv.Auditor), &pb.ListDossierEventsRequest{DossierId: garbage.GetId(), Purpose: "kiểm tra"})
		if err != nil || int64(len(evs.GetEvents())) != damage[garbage.GetId()] {
			t.Fatalf("events of the damaged dossier: %v %v", evs, err)
		}
	})
}
