package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDossierCode(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	day := time.Date(2026, 2, 13, 23, 59, 0, 0, loc)
	cases := []struct {
		seq  int64
		want string
	}{
		{1, "000.00.01.H55-260213-0001"},
		{9999, "000.00.01.H55-260213-9999"},
		{12345, "000.00.01.H55-260213-12345"}, // more digits when needed (Circular 03/2025)
	}
	for _, c := range cases {
		got := DossierCode("000.00.01.H55", day, c.seq)
		if got != c.want {
			t.Errorf("seq %d: %s, want %s", c.seq, got, c.want)
		}
		a, d, s, err := ParseDossierCode(got)
		if err != nil || a != "000.00.01.H55" || d != "260213" || s != c.seq {
			t.Errorf("parse %s: %s %s %d %v", got, a, d, s, err)
		}
	}
	for _, bad := range []string{"", "h55-260213-0001", "000.00.01.H55-261313-0001", "000.00.01.H55-260213-001", "000.00.01.H55-260213-0000"} {
		if _, _, _, err := ParseDossierCode(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestValidateIDNumber(t *testing.T) {
	cases := []struct {
		kind ApplicantKind
		id   string
		ok   bool
	}{
		{ApplicantCitizen, "001090000123", true},
		{ApplicantCitizen, "079203000001", true},
		{ApplicantCitizen, "00109000012", false},  // 11 digits
		{ApplicantCitizen, "003090000123", false}, // 003 is no province
		{ApplicantCitizen, "001490000123", false}, // born in the 22nd century
		{ApplicantCitizen, "00109000012a", false},
		{ApplicantEnterprise, "0100112437", true}, // real tax codes: check digit holds
		{ApplicantEnterprise, "0100109106", true},
		{ApplicantEnterprise, "0101248141-001", true},
		{ApplicantEnterprise, "0100112438", false}, // wrong check digit
		{ApplicantEnterprise, "010011243", false},
		{ApplicantAgency, "QHNS-1034567", true},
		{ApplicantAgency, "bad id!", false},
		{0, "001090000123", false},
	}
	for _, c := range cases {
		msg := ValidateIDNumber(c.kind, c.id)
		if (msg == "") != c.ok {
			t.Errorf("%d %q: %q", c.kind, c.id, msg)
		}
	}
}

func TestAttribute(t *testing.T) {
	app := Applicant{Kind: ApplicantCitizen, IDNumber: "001090000001"}
	rep := &Representative{IDNumber: "001090000002", MandateRef: "UQ-7"}
	cases := []struct {
		name string
		p    Principal
		a    Action
		ch   Channel
		want ActorKind
	}{
		{"citizen files own", Principal{Role: RoleCitizen, CitizenID: "001090000001"}, ActionSubmit, ChannelOnline, ActorCitizen},
		{"representative files", Principal{Role: RoleCitizen, CitizenID: "001090000002"}, ActionSubmit, ChannelOnline, ActorRepresentative},
		{"portal relays citizen", Principal{Role: RoleIntegration, CitizenID: "001090000001"}, ActionSubmit, ChannelOnline, ActorCitizen},
		{"clerk files online for citizen", Principal{Role: RoleClerk}, ActionSubmit, ChannelOnline, ActorStaffOnBehalf},
		{"clerk supplements online", Principal{Role: RoleClerk}, ActionProvideSupplement, ChannelOnline, ActorStaffOnBehalf},
		{"clerk records counter supplement", Principal{Role: RoleClerk}, ActionProvideSupplement, ChannelCounter, ActorStaff},
		{"clerk receives", Principal{Role: RoleClerk}, ActionReceive, ChannelCounter, ActorStaff},
		{"helper files", Principal{Role: RoleCommunityHelper}, ActionSubmit, ChannelOnline, ActorCommunityHelper},
		{"system", Principal{Role: RoleSystem}, ActionStop, ChannelOnline, ActorSystem},
	}
	for _, c := range cases {
		got, err := Attribute(c.p, c.a, c.ch, app, rep)
		if err != nil || got.ActorKind != c.want {
			t.Errorf("%s: %v %v, want %v", c.name, got.ActorKind, err, c.want)
		}
		if c.want == ActorRepresentative && (got.MandateRef != "UQ-7" || got.OnBehalfOf != app.IDNumber) {
			t.Errorf("%s: mandate %q on behalf of %q", c.name, got.MandateRef, got.OnBehalfOf)
		}
		if c.want == ActorStaffOnBehalf && got.OnBehalfOf != app.IDNumber {
			t.Errorf("%s: on behalf of %q", c.name, got.OnBehalfOf)
		}
	}
	// A citizen acting for someone who named no representative is refused.
	_, err := Attribute(Principal{Role: RoleCitizen, CitizenID: "001090000009"}, ActionSubmit, ChannelOnline, app, nil)
	if !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("stranger: %v", err)
	}
	// A helper cannot perform an office step.
	if _, err := Attribute(Principal{Role: RoleCommunityHelper}, ActionResolve, ChannelOnline, app, nil); !errors.Is(err, ErrPermissionDenied) {
		t.Fatalf("helper resolving: %v", err)
	}
}

func TestDraftValidate(t *testing.T) {
	pv := &ProcedureVersion{Version: 1, Components: []DocumentComponent{{Code: "A", Name: "Đơn", Mandatory: true}, {Code: "B", Name: "Ảnh"}}}
	good := Draft{Applicant: Applicant{Kind: ApplicantCitizen, IDNumber: "001090000001"},
		Components: []Component{{Code: "A", Source: SourcePaper}}}
	if err := good.Validate("d", pv, ChannelCounter); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Representative = &Representative{IDNumber: "001090000001"}
	bad.Components = []Component{{Code: "B", Source: SourceDigitised}}
	err := bad.Validate("d", pv, ChannelOnline)
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("want InvalidError, got %v", err)
	}
	fields := map[string]bool{}
	for _, v := range inv.Violations {
		fields[v.Field] = true
	}
	for _, f := range []string{"d.representative.id_number", "d.components[0].file_ref", "d.components[0].source", "d.components"} {
		if !fields[f] {
			t.Errorf("no violation on %s: %v", f, inv)
		}
	}
	if !strings.Contains(err.Error(), `mandatory component "A"`) {
		t.Errorf("message: %v", err)
	}
}

func FuzzParseDossierCode(f *testing.F) {
	f.Add("000.00.01.H55-260213-0001")
	f.Add("G09.20-260609-92637")
	f.Fuzz(func(t *testing.T, s string) {
		a, d, seq, err := ParseDossierCode(s)
		if err != nil {
			return
		}
		day, perr := time.Parse("060102", d)
		if perr != nil {
			t.Fatalf("accepted bad day %q", d)
		}
		// What parses, formats back to a code that parses to the same parts.
		a2, d2, seq2, err := ParseDossierCode(DossierCode(a, day, seq))
		if err != nil || a2 != a || d2 != d || seq2 != seq {
			t.Fatalf("%q does not round-trip: %v", s, err)
		}
	})
}

func FuzzValidateIDNumber(f *testing.F) {
	f.Add(1, "001090000123")
	f.Add(2, "0100112437-001")
	f.Fuzz(func(t *testing.T, kind int, id string) {
		_ = ValidateIDNumber(ApplicantKind(kind), id) // must not panic
	})
}

// The portal's digitisation states (0 not digitised, 1 digitised, 2 reused,
// 3 reused from another dossier's result) follow from how a component came.
func TestPortalDigitisationState(t *testing.T) {
	for src, want := range map[ComponentSource]int{SourcePaper: 0, SourceUploaded: 0, SourceDigitised: 1, SourceReused: 2, SourceReusedResult: 3} {
		if got := src.PortalDigitisationState(); got != want {
			t.Errorf("%d: %d, want %d", src, got, want)
		}
	}
}
