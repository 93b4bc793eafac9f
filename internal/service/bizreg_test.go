package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/bizreg"
	"github.com/motcua/motcua/internal/bizregsim"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// bizProc is a business-registration procedure with a structured form,
// received by the one-stop centre.
const bizProc = "2.000001"

func createBizProcedure(t *testing.T, e *testenv.Env) {
	t.Helper()
	admin := e.As(t, testenv.Admin)
	_, err := e.Catalog.CreateProcedure(admin, &pb.CreateProcedureRequest{RequestId: "biz-proc",
		Procedure: &pb.Procedure{Code: bizProc, Name: "Đăng ký thành lập doanh nghiệp tư nhân", FieldCode: "DKKD",
			FieldName: "Thành lập và phát triển doanh nghiệp", AgencyCode: seed.OneStopCentre},
		Version: &pb.ProcedureVersion{ServiceLevel: pb.ServiceLevel_SERVICE_LEVEL_FULL_ONLINE, StatutoryWorkingDays: 3,
			Components: []*pb.DocumentComponent{{Code: "GDN", Name: "Giấy đề nghị", Mandatory: true}},
			Form: []*pb.FormField{
				{Name: "ten_doanh_nghiep", Label: "Tên doanh nghiệp", Type: "text", Required: true, MaxLen: 200},
				{Name: "von_dieu_le", Label: "Vốn điều lệ (đồng)", Type: "number", Required: true},
				{Name: "loai_hinh", Label: "Loại hình", Type: "enum", Required: true, Options: []string{"DNTN", "TNHH1TV"}},
				{Name: "ngay_bat_dau", Label: "Ngày bắt đầu hoạt động", Type: "date"},
			}}})
	if err != nil {
		t.Fatal(err)
	}
}

func bizDraft(id string, form map[string]string) *pb.DossierDraft {
	return &pb.DossierDraft{ProcedureCode: bizProc, AgencyCode: seed.OneStopCentre,
		Applicant: &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN, IdNumber: id, Name: "Nguyễn Văn An"},
		Components: []*pb.DossierComponent{{Code: "GDN", FileRef: "files/" + id + "/gdn.pdf", FileSha256: testenv.Sha256(id + "gdn"),
			Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED}},
		Form: form}
}

// TestBusinessRegistrationHandOff: the form is validated at intake; on
// acceptance the dossier reaches the registry once — with two workers at
// once, after a crash between sending and recording, and across the
// registry being down — the enterprise code is stored, and the registry's
// later decision is recorded as an event by SYSTEM with its source.
func TestBusinessRegistrationHandOff(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			sim, err := bizregsim.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sim.Close() })
			reg, err := bizreg.New(bizreg.Config{BaseURL: sim.URL(), ClientID: bizregsim.ClientID, ClientSecret: bizregsim.ClientSecret,
				Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			e := testenv.Start(t, testenv.StoreURL(t, kind), testenv.Options{Now: func() time.Time { return fixedNow },
				AppOptions: []app.Option{app.WithBusinessRegistry(reg)}})
			createBizProcedure(t, e)
			dr := e.NewDriver(t)
			id := testenv.CitizenID(40)
			form := map[string]string{"ten_doanh_nghiep": "Doanh nghiệp tư nhân An Phát", "von_dieu_le": "500000000", "loai_hinh": "DNTN"}

			// Validated at intake, with a field path per problem.
			bad := map[string]string{"ten_doanh_nghiep": "X", "von_dieu_le": "năm trăm", "loai_hinh": "CTCP", "thua": "1"}
			_, err = e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(id)), &pb.SubmitDossierRequest{RequestId: "biz-bad", Dossier: bizDraft(id, bad)})
			for _, f := range []string{"dossier.form.von_dieu_le", "dossier.form.loai_hinh", "dossier.form.thua"} {
				wantStatus(t, err, 3, f)
			}
			_, err = e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(id)), &pb.SubmitDossierRequest{RequestId: "biz-missing",
				Dossier: bizDraft(id, map[string]string{"ten_doanh_nghiep": "X"})})
			wantStatus(t, err, 3, "dossier.form.von_dieu_le")

			d := dr.Submit(bizDraft(id, form))
			if d.GetBusinessHandoff() != nil || d.GetForm()["loai_hinh"] != "DNTN" {
				t.Fatalf("submitted: %v", d)
			}
			// Not accepted yet: nothing to send.
			if n, err := e.App.RunHandoffs(context.Background()); err != nil || n != 0 || sim.Calls() != 0 {
				t.Fatalf("before acceptance: %d %v (calls %d)", n, err, sim.Calls())
			}
			sim.SetDown(true)
			d = dr.Must(domain.ActionReceive, d)
			if h := d.GetBusinessHandoff(); h.GetStatus() != "PENDING" {
				t.Fatalf("accepted: %v", h)
			}
			// The registry down: the hand-off waits.
			if n, err := e.App.RunHandoffs(context.Background()); err != nil || n != 0 {
				t.Fatalf("registry down: %d %v", n, err)
			}
			handoffs := func(want string) {
				t.Helper()
				r := provinceIndicators(t, e).GetHandoffsWithoutRekeying()
				if got := fmt.Sprintf("%d/%d", r.GetNumerator(), r.GetDenominator()); got != want {
					t.Fatalf("hand-offs without re-keying %s, want %s", got, want)
				}
			}
			handoffs("0/1")
			sim.SetDown(false)
			// A previous run sent it and died before recording the answer.
			if _, err := reg.Register(context.Background(), domain.Registration{DossierID: d.GetId(), Form: form}); err != nil {
				t.Fatal(err)
			}
			// Two workers at once.
			var wg sync.WaitGroup
			counts := make([]int, 2)
			for w := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := e.App.RunHandoffs(context.Background())
					if err != nil {
						t.Error(err)
					}
					counts[w] = n
				}()
			}
			wg.Wait()
			if counts[0]+counts[1] != 1 || sim.Registrations() != 1 || sim.Form(d.GetId())["ten_doanh_nghiep"] != form["ten_doanh_nghiep"] {
				t.Fatalf("hand-off recorded %v times, registry has %d registrations", counts, sim.Registrations())
			}
			got := (&popEnv{Env: e, dr: dr}).get(t, d)
			h := got.GetBusinessHandoff()
			if h.GetStatus() != "SENT" || h.GetEnterpriseCode() == "" || h.GetRegistryStatus() != domain.RegistryReceived ||
				h.GetSource() != domain.SourceBusinessRegistry || h.GetSendTime() == nil {
				t.Fatalf("handed off: %v", h)
			}
			handoffs("1/1")
			// Nothing more to send.
			if n, _ := e.App.RunHandoffs(context.Background()); n != 0 {
				t.Fatalf("sent again: %d", n)
			}
			// The registry decides; the change comes back once, by SYSTEM.
			if n, _ := e.App.PollRegistry(context.Background()); n != 0 {
				t.Fatalf("no change yet, recorded %d", n)
			}
			sim.SetStatus(d.GetId(), domain.RegistryIssued)
			if n, err := e.App.PollRegistry(context.Background()); err != nil || n != 1 {
				t.Fatalf("issued: %d %v", n, err)
			}
			if n, _ := e.App.PollRegistry(context.Background()); n != 0 {
				t.Fatalf("final status polled again: %d", n)
			}
			pe := &popEnv{Env: e, dr: dr}
			got = pe.get(t, d)
			if h := got.GetBusinessHandoff(); h.GetStatus() != "DONE" || h.GetRegistryStatus() != domain.RegistryIssued {
				t.Fatalf("after the decision: %v", h)
			}
			handoffs("1/1")
			var kinds []pb.Action
			for _, ev := range pe.events(t, got) {
				switch ev.GetAction() {
				case pb.Action_ACTION_HAND_OFF, pb.Action_ACTION_REGISTRY_STATUS:
					if ev.GetAttribution().GetActorKind() != pb.ActorKind_ACTOR_KIND_SYSTEM || ev.GetDetails()["source"] != domain.SourceBusinessRegistry {
						t.Fatalf("event %v", ev)
					}
					kinds = append(kinds, ev.GetAction())
				}
			}
			if len(kinds) != 2 || kinds[0] != pb.Action_ACTION_HAND_OFF || kinds[1] != pb.Action_ACTION_REGISTRY_STATUS {
				t.Fatalf("registry events: %v", kinds)
			}
			pe.chainIntact(t, got)
		})
	}
}
