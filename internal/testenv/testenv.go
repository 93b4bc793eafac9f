// Package testenv starts a real motcua server for tests: a real store
// (SQLite file or PostgreSQL from pgtest), the real interceptor chain on a
// loopback listener, and gRPC clients with tokens signed by a test key.
package testenv

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/blob/blobtest"
	"github.com/motcua/motcua/internal/checkpoint"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/esign"
	"github.com/motcua/motcua/internal/jobs"
	"github.com/motcua/motcua/internal/pgtest"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/store/gormstore"
	"github.com/motcua/motcua/internal/webhooks"
)

// Store kinds every service test runs on.
var Stores = []string{"sqlite", "postgres"}

// StoreURL returns a fresh, migrated store URL of the given kind.
func StoreURL(t testing.TB, kind string) string {
	t.Helper()
	if kind == "postgres" {
		return pgtest.NewDatabase(t)
	}
	return "sqlite:" + filepath.Join(t.TempDir(), "motcua.db")
}

// Env is a running server with clients.
type Env struct {
	Addr   string
	Server *server.Server
	Store  *gormstore.Store
	App    *app.Service
	Key    ed25519.PrivateKey
	Conn   *grpc.ClientConn
	// Stop shuts the server down as SIGTERM does (drain, graceful stop)
	// and returns what Serve returned; the store stays open.
	Stop func() error

	// URL is the store's URL (for commands that open the store directly).
	URL string
	// CheckpointDir receives the signed checkpoints; CheckpointPublicKey
	// verifies them (an ephemeral key per Env).
	CheckpointDir, CheckpointPublicKey string

	tokensMu sync.Mutex
	tokens   map[auth.TokenSpec]string
	Catalog  pb.CatalogServiceClient
	Dossiers pb.DossierServiceClient
	Calendar pb.CalendarServiceClient
	Files    pb.DocumentServiceClient
	// Blobs is the server's file store; SigningCA is the root it trusts
	// for result signatures (made at run time).
	Blobs     blob.Store
	SigningCA *esign.DevCA
	// HTTPURL is the JSON gateway's base URL when Options.HTTP is set.
	HTTPURL string
	// Jobs is the job engine (working jobs when Options.Jobs or RunJobs is
	// set).
	Jobs *jobs.Engine
}

// Options tune Start.
type Options struct {
	// Now fixes the service clock.
	Now func() time.Time
	// NoDemo skips installing the demo catalog.
	NoDemo bool
	// NoMigrate leaves the schema as it is.
	NoMigrate bool
	// CounterNetworks are the declared counter networks.
	CounterNetworks []netip.Prefix
	// Log receives the server's log instead of the default (discarded, or
	// warnings to the test log with -v).
	Log *slog.Logger
	// EventHooks run in every mutation's transaction (app.WithEventHook).
	EventHooks []app.EventHook
	// TLS serves over TLS (and mTLS with ClientCAs); ClientTLS is then what
	// Env.Conn dials with.
	TLS, ClientTLS *tls.Config
	// Bounds are the store's wait bounds; ServerOptions, if set, adjusts
	// the server's options (health interval, timeouts, HTTP address…).
	Bounds        gormstore.Options
	ServerOptions func(*server.Options)
	// CheckpointWitness, if set, receives every checkpoint by POST.
	CheckpointWitness string
	// Verifier replaces the test key's verifier (e.g. an OIDC provider's JWKS).
	Verifier *auth.Verifier
	// Operations are the server's operations settings (admin listener,
	// drain, tracing, limits, retention); a TracerProvider also traces the
	// store's statements.
	Operations server.Operations
	// CommitHooks run after every committed mutation (app.WithCommitHook).
	CommitHooks []app.CommitHook
	// HTTP serves the JSON gateway on a loopback port.
	HTTP bool
	// AppOptions are added to the service's options (e.g. app.WithPortalSync).
	AppOptions []app.Option
	// Blobs is the kind of file store ("dir", the default, or "s3": an
	// in-process S3 server on loopback); BlobStore replaces it outright.
	Blobs     string
	BlobStore blob.Store
	// Documents adjusts the document settings (limits, part size); its
	// Blobs and Signatures are filled in.
	Documents app.DocumentConfig
	// Jobs, if set, runs a job engine (internal/jobs) over the store, as
	// serve does: Jobs registers its workers on it and returns the event
	// hooks that enqueue in the mutations' transactions. The engine starts
	// with the server and stops after it (Env.Stop); JobsConfig, if set,
	// replaces the test defaults (fast polling, short backoff).
	Jobs       func(e *jobs.Engine) []app.EventHook
	JobsConfig *jobs.Config
	// AppReady runs once the application exists, before the job engine
	// starts: where a test hands it to its workers (connectjobs.Ref), as
	// serve does, so that no job can run before they have it.
	AppReady func(*app.Service)
	// RunJobs starts the job engine even without Jobs (webhook deliveries).
	// Without either, the engine is open (jobs are enqueued, as the outbox
	// hook does) but works nothing.
	RunJobs bool
	// HoldJobs registers Jobs and enqueues in the mutations' transactions
	// but works nothing: a server that dies between commit and delivery
	// (a later Env on the same store works the jobs).
	HoldJobs bool
	// Webhooks replaces TestWebhooksConfig (which allows private endpoints,
	// so tests deliver to 127.0.0.1).
	Webhooks *webhooks.Config
}

// TestWebhooksConfig is the webhooks' configuration in tests: private
// endpoints allowed, 2s timeout, the service clock now (nil: the wall
// clock).
func TestWebhooksConfig(now func() time.Time) webhooks.Config {
	c := webhooks.DefaultConfig()
	c.AllowPrivate, c.Timeout, c.Source, c.Workers = true, 2*time.Second, "urn:motcua:test", 4
	if now != nil {
		c.Now = now
	}
	return c
}

// TestJobsConfig is the job engine's configuration in tests: it polls
// every 50ms and retries after about 100ms, doubling to at most 1s.
func TestJobsConfig() jobs.Config {
	c := jobs.DefaultConfig()
	c.PollInterval, c.BackoffBase, c.BackoffMax, c.JobTimeout = 50*time.Millisecond, 100*time.Millisecond, time.Second, 10*time.Second
	return c
}

// Start opens the store at url, migrates it, installs the demo catalog
// (effective from 2020) and serves on 127.0.0.1; everything stops with t.
func Start(t testing.TB, url string, o Options) *Env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := gormstore.OpenWith(ctx, url, o.Bounds)
	if err != nil {
		t.Fatal(err)
	}
	if !o.NoMigrate {
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var opts []app.Option
	if o.Now != nil {
		opts = append(opts, app.WithClock(o.Now))
	}
	opts = append(opts, app.WithCounterNetworks(o.CounterNetworks))
	for _, h := range o.EventHooks {
		opts = append(opts, app.WithEventHook(h))
	}
	// The job engine and the webhooks' outbox hook, as serve has them.
	jc := TestJobsConfig()
	if o.JobsConfig != nil {
		jc = *o.JobsConfig
	}
	eng := jobs.New(st.SQLDB(), st.Dialect(), gormstore.SQLTx, jc, o.Log)
	wcfg := TestWebhooksConfig(o.Now)
	if o.Webhooks != nil {
		wcfg = *o.Webhooks
	}
	wh := webhooks.New(st, eng, wcfg)
	webhooks.Register(eng, wh)
	opts = append(opts, app.WithEventHook(wh.Hook()))
	if o.Jobs != nil {
		for _, h := range o.Jobs(eng) {
			opts = append(opts, app.WithEventHook(h))
		}
	}
	if err := eng.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for _, h := range o.CommitHooks {
		opts = append(opts, app.WithCommitHook(h))
	}
	if o.Operations.TracerProvider != nil {
		if err := st.UseTracing(o.Operations.TracerProvider); err != nil {
			t.Fatal(err)
		}
	}
	cpDir, cpKey := filepath.Join(t.TempDir(), "checkpoints"), ""
	{
		skey, vkey, err := checkpoint.GenerateKey(rand.Reader, "motcua-test")
		if err != nil {
			t.Fatal(err)
		}
		signer, err := checkpoint.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		cpKey = vkey
		opts = append(opts, app.WithCheckpoints(&app.CheckpointConfig{Origin: "motcua-test", Signer: signer, PublicKey: vkey,
			Dir: cpDir, WitnessURL: o.CheckpointWitness}))
	}
	blobs := o.BlobStore
	if blobs == nil {
		kind := o.Blobs
		if kind == "" {
			kind = "dir"
		}
		blobs = blobtest.New(t, kind)
	}
	signingCA, err := esign.NewDevCA("motcua test root", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dc := o.Documents
	dc.Blobs, dc.Signatures = blobs, esign.NewRoots(signingCA.Cert)
	if len(dc.MediaTypes) == 0 {
		dc.MediaTypes = append(slices.Clone(app.DefaultMediaTypes), TextFile)
	}
	opts = append(opts, app.WithDocuments(dc))
	a := app.New(st, append(opts, o.AppOptions...)...)
	if o.AppReady != nil {
		o.AppReady(a)
	}
	if !o.NoDemo && !o.NoMigrate {
		if _, err := seed.EnsureDemoCatalog(ctx, a, st, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	key, verifier, err := auth.NewEphemeralDevKey()
	if err != nil {
		t.Fatal(err)
	}
	if o.Verifier != nil {
		verifier = o.Verifier
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// A fuzz target's F may not log from inside the fuzz function, where the
	// server's calls happen.
	if _, fuzzing := t.(*testing.F); testing.Verbose() && !fuzzing {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if o.Log != nil {
		log = o.Log
	}
	httpAddr := ""
	if o.HTTP {
		httpAddr = "127.0.0.1:0"
	}
	sopts := server.Options{GRPCAddr: "127.0.0.1:0", HTTPAddr: httpAddr, Log: log, SchemaPoll: 50 * time.Millisecond,
		ShutdownTimeout: 5 * time.Second, TLS: o.TLS,
		Verifier: verifier, Operations: o.Operations, Webhooks: wh}
	if o.ServerOptions != nil {
		o.ServerOptions(&sopts)
	}
	srv, err := server.New(a, st, sopts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	if (o.Jobs != nil || o.RunJobs) && !o.HoldJobs {
		if err := eng.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		err := srv.Serve(ctx)
		{ // as serve: after the drain
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = errors.Join(err, eng.Stop(sctx))
		}
		done <- err
	}()
	creds := insecure.NewCredentials()
	if o.ClientTLS != nil {
		creds = credentials.NewTLS(o.ClientTLS)
	}
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	var stopOnce sync.Once
	var stopErr error
	stop := func() error {
		stopOnce.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}
	t.Cleanup(func() {
		conn.Close()
		if err := stop(); err != nil {
			t.Errorf("server stopped with %v", err)
		}
		st.Close()
	})
	env := &Env{Addr: srv.GRPCAddr(), Server: srv, Store: st, App: a, Key: key, Conn: conn, Stop: stop, CheckpointDir: cpDir, CheckpointPublicKey: cpKey, URL: url,
		Catalog: pb.NewCatalogServiceClient(conn), Dossiers: pb.NewDossierServiceClient(conn),
		Calendar: pb.NewCalendarServiceClient(conn), Files: pb.NewDocumentServiceClient(conn), Blobs: blobs, SigningCA: signingCA, Jobs: eng}
	if o.HTTP && o.TLS == nil {
		env.HTTPURL = "http://" + srv.HTTPAddr()
	} else if o.HTTP {
		env.HTTPURL = "https://" + srv.HTTPAddr()
	}
	return env
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// Token mints a token for spec (issuer, audience and lifetime filled in),
// once per spec: signing and verifying is the costly part of a test call.
func (e *Env) Token(t testing.TB, spec auth.TokenSpec) string {
	t.Helper()
	e.tokensMu.Lock()
	defer e.tokensMu.Unlock()
	if tok, ok := e.tokens[spec]; ok {
		return tok
	}
	if e.tokens == nil {
		e.tokens = map[auth.TokenSpec]string{}
	}
	key := spec
	spec.Issuer, spec.Audience = auth.DevIssuer, auth.DefaultAudience
	if spec.TTL == 0 {
		spec.TTL = time.Hour
	}
	tok, err := auth.Issue(e.Key, spec, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.tokens[key] = tok
	return tok
}

// As returns a context that calls with a token for spec.
func (e *Env) As(t testing.TB, spec auth.TokenSpec) context.Context {
	return WithToken(context.Background(), e.Token(t, spec))
}

// WithToken attaches a bearer token to outgoing calls.
func WithToken(ctx context.Context, tok string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
}

// Common principals of the demo catalog.
var (
	Admin   = auth.TokenSpec{Subject: "admin-1", Role: domain.RoleAdmin}
	Clerk   = auth.TokenSpec{Subject: "clerk-1", Role: domain.RoleClerk, Agency: seed.OneStopCentre}
	Auditor = auth.TokenSpec{Subject: "auditor-1", Role: domain.RoleAuditor, Agency: seed.Province}
)

// Citizen returns a citizen principal with the given identity number.
func Citizen(id string) auth.TokenSpec {
	return auth.TokenSpec{Subject: "citizen-" + id, Role: domain.RoleCitizen, CitizenID: id, Assurance: domain.AssuranceVNeID2}
}

// CountRows counts the rows of every table (to prove a rejection changed
// nothing).
func (e *Env) CountRows(t testing.TB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tbl := range []string{"agencies", "procedures", "procedure_versions", "dossiers", "dossier_events", "dossier_sequences", "requests", "uploads", "blobs", "blob_refs"} {
		var n int64
		if err := e.Store.DB().Table(tbl).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[tbl] = n
	}
	return out
}
