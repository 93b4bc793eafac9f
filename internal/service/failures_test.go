package service_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/service"
)

func TestFailureStatuses(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	secret := errors.New(`pq: relation "dossiers" in /var/lib/postgresql: No space left on device`)
	for _, tc := range []struct {
		err    error
		code   codes.Code
		reason string
	}{
		{domain.Exhausted(domain.ReasonStoreFull, "the database's disk is full", time.Minute, secret), codes.ResourceExhausted, domain.ReasonStoreFull},
		{domain.Unavailable(domain.ReasonStoreReadOnly, "read-only", 30*time.Second, secret), codes.Unavailable, domain.ReasonStoreReadOnly},
		{domain.Unavailable(domain.ReasonStoreUnreachable, "unreachable", 2*time.Second, secret), codes.Unavailable, domain.ReasonStoreUnreachable},
	} {
		logs.Reset()
		st := status.Convert(service.Status(context.Background(), log, tc.err))
		if st.Code() != tc.code {
			t.Errorf("%v: %v, want %v", tc.err, st.Code(), tc.code)
		}
		if strings.Contains(st.Message(), "/var/lib") {
			t.Errorf("the driver's message reached the client: %q", st.Message())
		}
		var reason string
		var delay time.Duration
		for _, d := range st.Details() {
			switch d := d.(type) {
			case *errdetails.ErrorInfo:
				reason = d.GetReason()
			case *errdetails.RetryInfo:
				delay = d.GetRetryDelay().AsDuration()
			}
		}
		if reason != tc.reason || delay <= 0 {
			t.Errorf("%v: reason %q delay %s", tc.err, reason, delay)
		}
		if n := strings.Count(logs.String(), "\n"); n != 1 || !strings.Contains(logs.String(), "/var/lib") {
			t.Errorf("want exactly one log line with the cause, got %d:\n%s", n, logs.String())
		}
	}
}

// The server's own bound on a call cancels the handler's context with a
// FailureError cause: whatever the driver then returns, the client gets
// UNAVAILABLE; the client's own deadline stays DEADLINE_EXCEEDED.
func TestServerTimeoutIsUnavailable(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithTimeoutCause(context.Background(), time.Millisecond,
		domain.Unavailable(domain.ReasonCallTimeout, "the call did not finish within the server's limit", time.Second, nil))
	defer cancel()
	<-ctx.Done()
	for _, driverErr := range []error{context.DeadlineExceeded, errors.New("conn closed"), errors.New("interrupted (9)")} {
		logs.Reset()
		if c := status.Code(service.Status(ctx, log, driverErr)); c != codes.Unavailable {
			t.Errorf("server bound + %v: %v, want UNAVAILABLE", driverErr, c)
		}
		if n := strings.Count(logs.String(), "\n"); n != 1 || !strings.Contains(logs.String(), "CALL_TIMEOUT") {
			t.Errorf("want one log line naming CALL_TIMEOUT, got %d:\n%s", n, logs.String())
		}
	}
	client, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	<-client.Done()
	if c := status.Code(service.Status(client, log, context.DeadlineExceeded)); c != codes.DeadlineExceeded {
		t.Errorf("client deadline: %v, want DEADLINE_EXCEEDED", c)
	}
}

// An outcome the use case decided stays what it is even if the server's
// bound fired meanwhile.
func TestServerTimeoutKeepsDomainOutcomes(t *testing.T) {
	log := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	ctx, cancel := context.WithTimeoutCause(context.Background(), time.Millisecond,
		domain.Unavailable(domain.ReasonCallTimeout, "limit", time.Second, nil))
	defer cancel()
	<-ctx.Done()
	if c := status.Code(service.Status(ctx, log, domain.NotFound("dossier", "x"))); c != codes.NotFound {
		t.Errorf("NOT_FOUND became %v", c)
	}
}
