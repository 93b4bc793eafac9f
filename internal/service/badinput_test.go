package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// Text the stores cannot keep (NUL: PostgreSQL refuses it, SQLite stores
// it) or that only serves to forge displays (control characters) is refused
// at the edge, naming the field, on both stores alike; nothing is written.
func TestNonStorableTextIsRefusedWithTheField(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		cit := testenv.CitizenID(21)
		ctx := e.As(t, testenv.Citizen(cit))
		clerk := e.As(t, testenv.Clerk)
		d := dr.Submit(testenv.Draft(cit)) // an existing dossier, so reads write the access log
		submit := func(edit func(d *pb.DossierDraft)) func() error {
			return func() error {
				draft := testenv.Draft(cit)
				edit(draft)
				_, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "nul-1", Dossier: draft})
				return err
			}
		}
		cases := []struct {
			name  string
			call  func() error
			field string
		}{
			{"NUL in the applicant's name", submit(func(d *pb.DossierDraft) { d.Applicant.Name = "Nguyễn\x00Văn An" }), "dossier.applicant.name"},
			{"NUL in the summary", submit(func(d *pb.DossierDraft) { d.Summary = "\x00" }), "dossier.summary"},
			{"escape sequence in the summary", submit(func(d *pb.DossierDraft) { d.Summary = "Cấp phiếu\x1b[2J" }), "dossier.summary"},
			{"C1 control in a file reference", submit(func(d *pb.DossierDraft) { d.Components[0].FileRef = "files/\u0085a.pdf" }),
				"dossier.components[0].file_ref"},
			{"DEL in the phone", submit(func(d *pb.DossierDraft) { d.Applicant.Phone = "0912\x7f" }), "dossier.applicant.phone"},
			{"NUL in a staff read's purpose", func() error {
				_, err := e.Dossiers.GetDossier(clerk, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}, Purpose: "kiểm tra\x00"})
				return err
			}, "purpose"},
			{"NUL in a list's purpose", func() error {
				_, err := e.Dossiers.ListDossiers(clerk, &pb.ListDossiersRequest{Purpose: "\x00"})
				return err
			}, "purpose"},
			{"NUL in a refusal reason", func() error {
				_, err := e.Dossiers.NotAcceptDossier(clerk, &pb.NotAcceptDossierRequest{RequestId: "na-1", DossierId: d.GetId(),
					ExpectedVersion: d.GetVersion(), Reason: "sai\x00"})
				return err
			}, "reason"},
			{"NUL in a note", func() error {
				_, err := e.Dossiers.ReceiveDossier(clerk, &pb.ReceiveDossierRequest{RequestId: "rc-1",
					Target: &pb.ReceiveDossierRequest_DossierId{DossierId: d.GetId()}, ExpectedVersion: d.GetVersion(), Note: "a\x00"})
				return err
			}, "note"},
			{"NUL in an agency name", func() error {
				_, err := e.Catalog.CreateAgency(e.As(t, testenv.Admin), &pb.CreateAgencyRequest{RequestId: "ag-1",
					Agency: &pb.Agency{Code: "000.00.01.H56", Name: "Trung tâm\x00"}})
				return err
			}, "agency.name"},
			{"a time beyond year 9999", func() error {
				_, err := e.Dossiers.ListDossiers(ctx, &pb.ListDossiersRequest{ReceivedAfter: &timestamppb.Timestamp{Seconds: 1 << 40}})
				return err
			}, "received_after"},
		}
		before := e.CountRows(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { wantStatus(t, c.call(), codes.InvalidArgument, c.field) })
		}
		if after := e.CountRows(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("refused requests changed the database: %v -> %v", before, after)
		}
		var accesses int64
		if err := e.Store.DB().Table("dossier_accesses").Where("purpose LIKE ?", "kiểm tra%").Count(&accesses).Error; err != nil || accesses != 0 {
			t.Fatalf("a refused read was logged: %d rows (%v)", accesses, err)
		}
		// Tabs and line breaks are ordinary text and stay accepted.
		draft := testenv.Draft(cit)
		draft.Summary = "Dòng 1\nDòng 2\r\n\tthụt lề"
		r, err := e.Dossiers.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: "nl-1", Dossier: draft})
		if err != nil || r.GetDossier().GetSummary() != draft.Summary {
			t.Fatalf("multi-line summary: %v %q", err, r.GetDossier().GetSummary())
		}
	})
}

// A required text of only white space is as absent as an empty one.
func TestBlankRequiredTextIsRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		dr := e.NewDriver(t)
		cit := testenv.CitizenID(22)
		clerk := e.As(t, testenv.Clerk)
		d := dr.Submit(testenv.Draft(cit))
		cases := []struct {
			name  string
			call  func() error
			field string
		}{
			{"staff read with a purpose of spaces", func() error {
				_, err := e.Dossiers.GetDossier(clerk, &pb.GetDossierRequest{Key: &pb.GetDossierRequest_Id{Id: d.GetId()}, Purpose: "   "})
				return err
			}, "purpose"},
			{"staff list with a purpose of white space", func() error {
				_, err := e.Dossiers.ListDossiers(clerk, &pb.ListDossiersRequest{Purpose: "\t \n\u00a0"})
				return err
			}, "purpose"},
			{"events with a blank purpose", func() error {
				_, err := e.Dossiers.ListDossierEvents(clerk, &pb.ListDossierEventsRequest{DossierId: d.GetId(), Purpose: " "})
				return err
			}, "purpose"},
			{"slip with a blank purpose", func() error {
				_, err := e.Dossiers.GetProcessControlSlip(clerk, &pb.GetProcessControlSlipRequest{DossierId: d.GetId(), Purpose: "  "})
				return err
			}, "purpose"},
			{"refusal with a blank reason", func() error {
				_, err := e.Dossiers.NotAcceptDossier(clerk, &pb.NotAcceptDossierRequest{RequestId: "na-2", DossierId: d.GetId(),
					ExpectedVersion: d.GetVersion(), Reason: "    "})
				return err
			}, "reason"},
			{"agency with a blank name", func() error {
				_, err := e.Catalog.CreateAgency(e.As(t, testenv.Admin), &pb.CreateAgencyRequest{RequestId: "ag-2",
					Agency: &pb.Agency{Code: "000.00.01.H56", Name: "   "}})
				return err
			}, "agency.name"},
		}
		before := e.CountRows(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { wantStatus(t, c.call(), codes.InvalidArgument, c.field) })
		}
		if after := e.CountRows(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("refused requests changed the database: %v -> %v", before, after)
		}
		var accesses int64
		if err := e.Store.DB().Table("dossier_accesses").Count(&accesses).Error; err != nil || accesses != 0 {
			t.Fatalf("refused reads were logged: %d rows (%v)", accesses, err)
		}
	})
}

// signClaims signs a token with the environment's key and arbitrary claims,
// bypassing auth.Issue (which refuses what the server must also refuse).
func signClaims(t *testing.T, e *testenv.Env, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	b := jwt.NewBuilder().Issuer(auth.DevIssuer).Audience([]string{auth.DefaultAudience}).
		IssuedAt(now).NotBefore(now).Expiration(now.Add(time.Hour))
	for k, v := range claims {
		b = b.Claim(k, v)
	}
	tok, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwk.Import(e.Key)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.EdDSA(), k))
	if err != nil {
		t.Fatal(err)
	}
	return string(signed)
}

// A token may carry only the documented roles; "system" names the server's
// own steps and no caller may claim it.
func TestTokenRolesAreTheDocumentedSet(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testenv.Env) {
		call := func(tok string) error {
			_, err := e.Catalog.ListAgencies(testenv.WithToken(context.Background(), tok), &pb.ListAgenciesRequest{})
			return err
		}
		if err := call(signClaims(t, e, map[string]any{"sub": "admin-9", "role": "admin"})); err != nil {
			t.Fatalf("a documented role is refused: %v", err)
		}
		for _, c := range []struct {
			name   string
			claims map[string]any
		}{
			{"role system", map[string]any{"sub": "sys-1", "role": "system"}},
			{"role system with an agency", map[string]any{"sub": "sys-1", "role": "system", "agency": seed.OneStopCentre}},
			{"unknown role", map[string]any{"sub": "x", "role": "root"}},
			{"no role", map[string]any{"sub": "x"}},
			{"role of another case", map[string]any{"sub": "x", "role": "Admin"}},
			{"blank subject", map[string]any{"sub": "   ", "role": "admin"}},
			{"NUL in the subject", map[string]any{"sub": "admin\x00", "role": "admin"}},
			{"control character in the name", map[string]any{"sub": "admin-2", "role": "admin", "name": "Quản trị\x1b[31m"}},
		} {
			t.Run(c.name, func(t *testing.T) { wantStatus(t, call(signClaims(t, e, c.claims)), codes.Unauthenticated, "") })
		}
	})
}

// An extension sets a new appointment within the procedure's rules: after
// the current one, in the future, and no later than the legal deadline plus
// the statutory time once more (at least five working days).
func TestExtensionIsBoundedByTheProcedure(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			de := newDeadlineEnv(t, kind)
			// Enterprise registration, 3 working days: received Mon 2 Mar
			// 09:00, due Thu 5 Mar 09:00; room max(3, 5) = 5 working days,
			// so the latest appointment is Thu 12 Mar 09:00.
			d := de.intake(t, seed.ProcEnterprise, testenv.Local(2026, 3, 2, 9, 0))
			wantTime(t, "due", d.GetDueTime(), testenv.Local(2026, 3, 5, 9, 0))
			de.clock.Set(testenv.Local(2026, 3, 4, 15, 0))
			extend := func(d *pb.Dossier, rid string, to time.Time) (*pb.Dossier, error) {
				r, err := de.Dossiers.ExtendDeadline(de.dr.ClerkCtx(d), &pb.ExtendDeadlineRequest{RequestId: rid, DossierId: d.GetId(),
					ExpectedVersion: d.GetVersion(), Reason: "chờ xác minh", NewDueTime: timestamppb.New(to)})
				return r.GetDossier(), err
			}
			before := de.CountRows(t)
			for i, c := range []struct {
				name string
				to   time.Time
			}{
				{"to 9999-12-31", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
				{"a minute past the bound", testenv.Local(2026, 3, 12, 9, 1)},
				{"a year later", testenv.Local(2027, 3, 5, 9, 0)},
				{"before the current appointment", testenv.Local(2026, 3, 5, 8, 0)},
			} {
				t.Run(c.name, func(t *testing.T) {
					_, err := extend(d, fmt.Sprintf("ext-%d", i), c.to)
					st := wantStatus(t, err, codes.InvalidArgument, "new_due_time")
					if c.to.Year() > 2026 && !strings.Contains(st.Message(), "12/03/2026 09:00") {
						t.Fatalf("the message does not state the latest appointment: %q", st.Message())
					}
				})
			}
			if after := de.CountRows(t); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused extensions changed the database: %v -> %v", before, after)
			}
			d, err := extend(d, "ext-ok", testenv.Local(2026, 3, 10, 9, 0))
			if err != nil {
				t.Fatalf("an extension within the bound: %v", err)
			}
			// The bound is cumulative: a second apology cannot go past it either.
			if _, err := extend(d, "ext-again", testenv.Local(2026, 3, 12, 10, 0)); err == nil {
				t.Fatal("a second extension went past the bound")
			}
			d, err = extend(d, "ext-last", testenv.Local(2026, 3, 12, 9, 0))
			if err != nil {
				t.Fatalf("a second extension up to the bound: %v", err)
			}
			wantTime(t, "appointment", d.GetDueTime(), testenv.Local(2026, 3, 12, 9, 0))
			wantTime(t, "legal deadline", d.GetOriginalDueTime(), testenv.Local(2026, 3, 5, 9, 0))
			// Once the appointment has passed, a new one must be in the future.
			de.clock.Set(testenv.Local(2026, 3, 12, 10, 0))
			if _, err := extend(d, "ext-past", testenv.Local(2026, 3, 12, 9, 30)); err == nil {
				t.Fatal("an extension to a time already past was accepted")
			}
		})
	}
}
