package domain

import "testing"

func TestIdentityKey(t *testing.T) {
	clerk := Principal{Issuer: "https://id.gov.vn", Subject: "an.nv", Role: RoleClerk}
	if got := clerk.Key(); got != "https://id.gov.vn|staff|an.nv" {
		t.Fatalf("key = %q", got)
	}
	// A role of the same kind is the same person; another kind or issuer
	// is not.
	leader := clerk
	leader.Role = RoleLeader
	if leader.Key() != clerk.Key() {
		t.Fatal("a clerk promoted to leader changed identity")
	}
	for _, other := range []Principal{
		{Issuer: clerk.Issuer, Subject: clerk.Subject, Role: RoleCitizen},
		{Issuer: clerk.Issuer, Subject: clerk.Subject, Role: RoleRepresentative},
		{Issuer: clerk.Issuer, Subject: clerk.Subject, Role: RoleIntegration},
		{Issuer: clerk.Issuer, Subject: clerk.Subject, Role: RoleCommunityHelper},
		{Issuer: "other", Subject: clerk.Subject, Role: RoleClerk},
	} {
		if other.Key() == clerk.Key() {
			t.Errorf("%+v has the clerk's key", other)
		}
	}
	// "|" in the issuer cannot shift the boundary between the parts.
	a := Principal{Issuer: "a|staff", Subject: "b", Role: RoleCitizen}
	b := Principal{Issuer: "a", Subject: "applicant|b", Role: RoleClerk}
	c := Principal{Issuer: "a%7Cstaff", Subject: "b", Role: RoleCitizen}
	if a.Key() == b.Key() || a.Key() == c.Key() {
		t.Fatalf("ambiguous keys: %q %q %q", a.Key(), b.Key(), c.Key())
	}
}

func TestOnlinePaymentNeedsProvenance(t *testing.T) {
	pay := func(role Role, source, ref, online string) *Event {
		return &Event{Action: ActionConfirmPayment, Details: map[string]string{"paid_online": online, "receipt_ref": ref},
			Attribution: Attribution{ActorRole: role, SourceSystem: source}}
	}
	for _, c := range []struct {
		name string
		e    *Event
		want bool
	}{
		{"payment platform with reference", pay(RoleIntegration, "iss/payment-platform", "PAYGOV-1", "true"), true},
		{"clerk claiming online", pay(RoleClerk, "", "VNPAY-1", "true"), false},
		{"integration without reference", pay(RoleIntegration, "iss/p", "", "true"), false},
		{"counter payment", pay(RoleIntegration, "iss/p", "BL-1", "false"), false},
	} {
		if got := c.e.OnlinePayment(); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
