package server_test

import (
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/testenv"
)

// TestRateLimitPerPrincipal: a principal past its burst gets
// RESOURCE_EXHAUSTED with RetryInfo and a RATE_LIMITED reason, while
// another principal, and an integration under its own larger limit, are
// served.
func TestRateLimitPerPrincipal(t *testing.T) {
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{Operations: server.Operations{
		Limits: server.Limits{Rate: 0.5, Burst: 3, IntegrationRate: 0.5, IntegrationBurst: 6}}})
	a := e.As(t, testenv.Citizen(testenv.CitizenID(1)))
	b := e.As(t, testenv.Citizen(testenv.CitizenID(2)))
	portal := e.As(t, auth.TokenSpec{Subject: "portal", Role: domain.RoleIntegration})
	list := &pb.ListDossiersRequest{}
	for i := range 3 {
		if _, err := e.Dossiers.ListDossiers(a, list); err != nil {
			t.Fatalf("call %d within the burst: %v", i+1, err)
		}
	}
	_, err := e.Dossiers.ListDossiers(a, list)
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("past the burst: %v, want RESOURCE_EXHAUSTED", err)
	}
	var retry *errdetails.RetryInfo
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.RetryInfo:
			retry = d
		case *errdetails.ErrorInfo:
			info = d
		}
	}
	if retry == nil || retry.GetRetryDelay().AsDuration() <= 0 || retry.GetRetryDelay().AsDuration() > 2*time.Second+time.Millisecond {
		t.Fatalf("RetryInfo %v, want a delay of about 2 s (one call at 0.5/s)", retry)
	}
	if info.GetReason() != "RATE_LIMITED" || info.GetMetadata()["limit"] != "rate" {
		t.Fatalf("ErrorInfo %v", info)
	}
	if _, err := e.Dossiers.ListDossiers(b, list); err != nil {
		t.Fatalf("another principal is limited too: %v", err)
	}
	for i := range 6 { // the integration has its own, larger burst
		_, err := e.Catalog.ListAgencies(portal, &pb.ListAgenciesRequest{})
		if status.Code(err) == codes.ResourceExhausted {
			t.Fatalf("integration call %d refused: %v", i+1, err)
		}
	}
	if _, err := e.Catalog.ListAgencies(portal, &pb.ListAgenciesRequest{}); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("integration past its burst: %v", err)
	}
}
