package popdb_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/popdb"
	"github.com/motcua/motcua/internal/popsim"
	"github.com/motcua/motcua/internal/testenv"
)

var meta = domain.QueryMeta{RequestRef: "r-1", Officer: "clerk-1", Purpose: "test"}

func start(t *testing.T) *popsim.Sim {
	t.Helper()
	s, err := popsim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func client(t *testing.T, c popdb.Config) *popdb.Client {
	t.Helper()
	if c.ClientID == "" {
		c.ClientID, c.ClientSecret = popsim.ClientID, popsim.ClientSecret
	}
	cl, err := popdb.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestAnswers: match, no match (with the field), not found, and the
// registered data; one token serves every call.
func TestAnswers(t *testing.T) {
	s := start(t)
	cl := client(t, popdb.Config{BaseURL: s.URL(), CacheTTL: -1})
	fx := popsim.Fixtures[1]
	ctx := context.Background()
	a, err := cl.Verify(ctx, domain.PersonQuery{IDNumber: fx.SoDinhDanh, Name: fx.HoVaTen, BirthDate: fx.NgayThangNamSinh}, meta)
	if err != nil || a.Outcome != domain.OutcomeMatch || len(a.FieldsMatched) != 3 || a.QueryID == "" || a.Cached {
		t.Fatalf("match: %+v %v", a, err)
	}
	a, err = cl.Verify(ctx, domain.PersonQuery{IDNumber: fx.SoDinhDanh, Name: fx.HoVaTen, BirthDate: "1991-01-01"}, meta)
	if err != nil || a.Outcome != domain.OutcomeNoMatch || len(a.FieldsMismatched) != 1 || a.FieldsMismatched[0] != "birth_date" {
		t.Fatalf("no match: %+v %v", a, err)
	}
	a, err = cl.Verify(ctx, domain.PersonQuery{IDNumber: "001099999999", Name: "X"}, meta)
	if err != nil || a.Outcome != domain.OutcomeNotFound {
		t.Fatalf("not found: %+v %v", a, err)
	}
	z, err := cl.Citizen(ctx, fx.SoDinhDanh, meta)
	if err != nil || z.FullName != fx.HoVaTen || z.CurrentAddress != fx.NoiOHienTai || z.Sex != "NU" {
		t.Fatalf("lookup: %+v %v", z, err)
	}
	if _, err := cl.Citizen(ctx, "001099999999", meta); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("lookup of an unknown number: %v", err)
	}
	if n := s.TokenRequests(); n != 1 {
		t.Fatalf("%d tokens for 5 calls, want 1", n)
	}
	if q := s.Requests(); q[0].MaYeuCau != "r-1" || q[0].MaCanBo != "clerk-1" || q[0].MucDich != "test" {
		t.Fatalf("who and why not sent: %+v", q[0])
	}
}

// TestWrongCredentialsAreUnavailable: a refused token is a failure to get an
// answer (UNAVAILABLE), never an answer.
func TestWrongCredentialsAreUnavailable(t *testing.T) {
	s := start(t)
	cl := client(t, popdb.Config{BaseURL: s.URL(), ClientID: "motcua", ClientSecret: "wrong"})
	_, err := cl.Verify(context.Background(), domain.PersonQuery{IDNumber: popsim.Fixtures[0].SoDinhDanh, Name: "x"}, meta)
	if !errors.Is(err, domain.ErrUnavailable) || s.Queries() != 0 {
		t.Fatalf("wrong secret: %v (queries %d)", err, s.Queries())
	}
}

// TestCacheIsBoundedInTime: the same question within the TTL is answered
// from the cache (marked), after it the database is asked again.
func TestCacheIsBoundedInTime(t *testing.T) {
	s := start(t)
	cl := client(t, popdb.Config{BaseURL: s.URL(), CacheTTL: 300 * time.Millisecond})
	fx := popsim.Fixtures[0]
	q := domain.PersonQuery{IDNumber: fx.SoDinhDanh, Name: fx.HoVaTen}
	ctx := context.Background()
	for i, wantCached := range []bool{false, true} {
		a, err := cl.Verify(ctx, q, meta)
		if err != nil || a.Cached != wantCached {
			t.Fatalf("call %d: %+v %v", i, a, err)
		}
	}
	time.Sleep(400 * time.Millisecond)
	if a, err := cl.Verify(ctx, q, meta); err != nil || a.Cached || s.Queries() != 2 {
		t.Fatalf("after the TTL: %+v %v (queries %d)", a, err, s.Queries())
	}
}

// TestOutagesOpenTheCircuit: after the configured consecutive failures
// calls stop reaching the database until the open period ends; timeouts
// are UNAVAILABLE with their own reason.
func TestOutagesOpenTheCircuit(t *testing.T) {
	s := start(t)
	cl := client(t, popdb.Config{BaseURL: s.URL(), CacheTTL: -1, BreakerFailures: 3, BreakerOpen: 300 * time.Millisecond,
		Timeout: 200 * time.Millisecond})
	ctx := context.Background()
	q := domain.PersonQuery{IDNumber: popsim.Fixtures[0].SoDinhDanh, Name: popsim.Fixtures[0].HoVaTen}
	if _, err := cl.Verify(ctx, q, meta); err != nil { // fetch the token while up
		t.Fatal(err)
	}
	s.SetDown(true)
	reason := func(err error) string {
		var fe *domain.FailureError
		if errors.As(err, &fe) && errors.Is(err, domain.ErrUnavailable) {
			return fe.Reason
		}
		return "not a failure: " + err.Error()
	}
	for i := range 3 {
		if _, err := cl.Verify(ctx, q, meta); reason(err) != popdb.ReasonUnavailable {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, err := cl.Verify(ctx, q, meta); reason(err) != popdb.ReasonCircuitOpen {
		t.Fatalf("after 3 failures: %v", err)
	}
	s.SetDown(false)
	time.Sleep(350 * time.Millisecond)
	if a, err := cl.Verify(ctx, q, meta); err != nil || a.Outcome != domain.OutcomeMatch {
		t.Fatalf("half-open probe: %+v %v", a, err)
	}
	s.SetDelay(time.Second)
	if _, err := cl.Verify(ctx, q, meta); reason(err) != popdb.ReasonTimeout {
		t.Fatalf("slow: %v", err)
	}
}

// TestMutualTLS: the connector presents its client certificate and trusts
// only the configured CA; without the certificate the database refuses.
func TestMutualTLS(t *testing.T) {
	ca := testenv.NewCA(t, "population-db")
	pool := ca.Pool
	sim := popsim.New()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: sim.Handler(), TLSConfig: &tls.Config{Certificates: []tls.Certificate{ca.Issue(t, "db", true)},
		ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	url := "https://" + ln.Addr().String()
	q := domain.PersonQuery{IDNumber: popsim.Fixtures[0].SoDinhDanh, Name: popsim.Fixtures[0].HoVaTen}

	with := client(t, popdb.Config{BaseURL: url, CacheTTL: -1,
		TLS: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{ca.Issue(t, "motcua", false)}}})
	if a, err := with.Verify(context.Background(), q, meta); err != nil || a.Outcome != domain.OutcomeMatch {
		t.Fatalf("with a client certificate: %+v %v", a, err)
	}
	without := client(t, popdb.Config{BaseURL: url, CacheTTL: -1, TLS: &tls.Config{RootCAs: pool}})
	if _, err := without.Verify(context.Background(), q, meta); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("without a client certificate: %v", err)
	}
}
