package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/telemetry"
	"github.com/motcua/motcua/internal/testenv"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
)

// lazyStore counts overdue dossiers in the store of an Env started later.
type lazyStore struct{ e **testenv.Env }

func (l lazyStore) CountOverdueByAgency(ctx context.Context, now time.Time) (map[string]int64, error) {
	return (*l.e).Store.CountOverdueByAgency(ctx, now)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// TestAdminMetrics: /metrics and health are on the admin listener only,
// the public port serves the JSON API; the domain metrics count committed
// intake, the overdue gauge reads the store, and every metric the Grafana
// dashboard queries exists.
func TestAdminMetrics(t *testing.T) {
	dm := telemetry.NewDossierMetrics()
	// The service clock is in 2024, so the dossier received then is overdue now.
	now := time.Date(2024, 3, 4, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var e *testenv.Env
	overdue := telemetry.NewOverdueCollector(lazyStore{&e}, time.Minute, log)
	cs := append(dm.Collectors(), overdue)
	e = testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{Now: func() time.Time { return now }, HTTP: true,
		CommitHooks: []app.CommitHook{dm.Observe},
		Operations: server.Operations{AdminAddr: "127.0.0.1:0", Collectors: append(cs, telemetry.ProcessCollectors("test", nil)...),
			Limits: server.Limits{IntegrationRate: 0.001, IntegrationBurst: 1}}})
	dr := e.NewDriver(t)
	dr.Submit(testenv.Draft(testenv.CitizenID(1)))
	dr.Intake(testenv.CounterDraft(testenv.CitizenID(2)))
	portal := e.As(t, auth.TokenSpec{Subject: "portal", Role: domain.RoleIntegration})
	for range 2 {
		_, _ = e.Catalog.ListAgencies(portal, &pb.ListAgenciesRequest{})
	}

	admin := "http://" + e.Server.AdminAddr()
	public := "http://" + e.Server.HTTPAddr()
	for _, p := range []string{"/metrics", "/readyz", "/healthz"} {
		if code, _ := get(t, public+p); code != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404 (admin listener only)", p, code)
		}
	}
	if code, _ := get(t, public+"/v1/dossiers"); code == http.StatusNotFound {
		t.Error("the public port no longer serves the JSON API")
	}
	if code, _ := get(t, admin+"/readyz"); code != http.StatusOK {
		t.Errorf("admin /readyz: %d", code)
	}
	code, metrics := get(t, admin+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("admin /metrics: %d", code)
	}
	for _, want := range []string{
		`motcua_dossiers_received_total{actor_kind="CITIZEN",channel="ONLINE"} 1`,
		`motcua_dossiers_received_total{actor_kind="STAFF",channel="COUNTER"} 1`,
		`motcua_dossiers_overdue{agency="000.00.01.H55"} 1`,
		`motcua_rate_limited_total{kind="integration",limit="rate"} 1`,
		`motcua_build_info{goversion=`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !regexp.MustCompile(`motcua_dossier_transitions_total\{action="[A-Z_]+"\} [1-9]`).MatchString(metrics) {
		t.Error("/metrics counts no transition")
	}

	// The pool statistics (in serve: telemetry.ProcessCollectors with the store's pool).
	reg := prometheus.NewRegistry()
	reg.MustRegister(telemetry.ProcessCollectors("test", e.Store.SQLDB())...)
	var names strings.Builder
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		names.WriteString("\n" + mf.GetName())
	}
	pool := names.String()
	if !strings.Contains(pool, "go_sql_in_use_connections") {
		t.Fatalf("pool statistics missing: %s", pool)
	}

	// Every metric the dashboard queries is one the server exports.
	raw, err := os.ReadFile("../../deploy/grafana/motcua.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("deploy/grafana/motcua.json: %v", err)
	}
	name := regexp.MustCompile(`\b(motcua|grpc_server|go_sql)_[a-z_]+`)
	var n int
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range name.FindAllString(tg.Expr, -1) {
				n++
				if !strings.Contains(metrics, "\n"+m) && !strings.Contains(pool, "\n"+m) {
					t.Errorf("dashboard panel %q queries %s, which the server does not export", p.Title, m)
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("the dashboard queries only %d metrics", n)
	}
}
