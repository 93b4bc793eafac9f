package service_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/server"
	"github.com/motcua/motcua/internal/service"
	"github.com/motcua/motcua/internal/testenv"
)

// watcher reads a WatchDossierEvents stream in the background.
type watcher struct {
	t      *testing.T
	cancel context.CancelFunc
	msgs   chan *pb.WatchDossierEventsResponse
	err    chan error
	cursor string // of the last message taken
}

func startWatch(t *testing.T, e *testenv.Env, ctx context.Context, req *pb.WatchDossierEventsRequest) *watcher {
	t.Helper()
	if req.HeartbeatInterval == nil {
		req.HeartbeatInterval = durationpb.New(time.Second)
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &watcher{t: t, cancel: cancel, msgs: make(chan *pb.WatchDossierEventsResponse, 1000), err: make(chan error, 1)}
	stream, err := pb.NewEventServiceClient(e.Conn).WatchDossierEvents(ctx, req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				w.err <- err
				close(w.msgs)
				return
			}
			w.msgs <- m
		}
	}()
	t.Cleanup(cancel)
	return w
}

// next returns the next message, or nil and the stream's error.
func (w *watcher) next(timeout time.Duration) (*pb.WatchDossierEventsResponse, error) {
	w.t.Helper()
	select {
	case m, ok := <-w.msgs:
		if !ok {
			return nil, <-w.err
		}
		w.cursor = m.GetCursor()
		return m, nil
	case <-time.After(timeout):
		w.t.Fatalf("no message within %s", timeout)
		return nil, nil
	}
}

// heartbeat waits for a heartbeat (the stream is established and has read
// the feed), failing on an event.
func (w *watcher) heartbeat() {
	w.t.Helper()
	m, err := w.next(10 * time.Second)
	if err != nil || m.GetHeartbeat() == nil || m.GetCursor() == "" {
		w.t.Fatalf("want a heartbeat with a cursor, got %v %v", m, err)
	}
}

// events takes messages until it has n events, skipping heartbeats.
func (w *watcher) events(n int) []*pb.DossierEvent {
	w.t.Helper()
	var out []*pb.DossierEvent
	for len(out) < n {
		m, err := w.next(15 * time.Second)
		if err != nil {
			w.t.Fatalf("after %d of %d events: %v", len(out), n, err)
		}
		if ev := m.GetEvent(); ev != nil {
			out = append(out, ev)
		}
	}
	return out
}

// quiet asserts that only heartbeats arrive for a while.
func (w *watcher) quiet(d time.Duration) {
	w.t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		select {
		case m, ok := <-w.msgs:
			if !ok {
				w.t.Fatalf("stream ended: %v", <-w.err)
			}
			if m.GetEvent() != nil {
				w.t.Fatalf("unexpected event %s of dossier %s", m.GetEvent().GetAction(), m.GetEvent().GetDossierCode())
			}
			w.cursor = m.GetCursor()
		case <-time.After(time.Until(end)):
		}
	}
}

func submit(t *testing.T, e *testenv.Env, citizen string) *pb.Dossier {
	t.Helper()
	r, err := e.Dossiers.SubmitDossier(e.As(t, testenv.Citizen(citizen)),
		&pb.SubmitDossierRequest{RequestId: fmt.Sprint("watch-", time.Now().UnixNano(), "-", rand.Int64()), Dossier: testenv.Draft(citizen)})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetDossier()
}

func liveEnv(t *testing.T, kind string, o testenv.Options) *testenv.Env {
	return testenv.Start(t, testenv.StoreURL(t, kind), o)
}

// Each principal sees exactly the events of the dossiers it may read: a
// citizen their own, a clerk their agency's (not another agency's), an
// auditor their jurisdiction's; staff reads are in the access log.
func TestWatchScope(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e := liveEnv(t, kind, testenv.Options{})
			a, b := testenv.CitizenID(501), testenv.CitizenID(502)
			old := submit(t, e, a) // before every watch: only a replay shows it
			wa := startWatch(t, e, e.As(t, testenv.Citizen(a)), &pb.WatchDossierEventsRequest{Start: pb.WatchDossierEventsRequest_START_BEGINNING})
			wb := startWatch(t, e, e.As(t, testenv.Citizen(b)), &pb.WatchDossierEventsRequest{})
			clerk := startWatch(t, e, e.As(t, testenv.Clerk), &pb.WatchDossierEventsRequest{Purpose: "tiếp nhận"})
			other := auth.TokenSpec{Subject: "clerk-justice", Role: domain.RoleClerk, Agency: seed.JusticeDept}
			wo := startWatch(t, e, e.As(t, other), &pb.WatchDossierEventsRequest{Purpose: "xử lý"})
			auditor := startWatch(t, e, e.As(t, testenv.Auditor), &pb.WatchDossierEventsRequest{Purpose: "giám sát"})
			if got := wa.events(1); got[0].GetDossierId() != old.GetId() || got[0].GetAction() != pb.Action_ACTION_SUBMIT {
				t.Fatalf("replay: %v", got)
			}
			for _, w := range []*watcher{wb, clerk, wo, auditor} {
				w.heartbeat()
			}
			da, db := submit(t, e, a), submit(t, e, b)
			if got := wa.events(1); got[0].GetDossierId() != da.GetId() || got[0].GetDossierCode() != da.GetCode() {
				t.Fatalf("citizen a got %v, want the event of %s", got, da.GetCode())
			}
			if got := wb.events(1); got[0].GetDossierId() != db.GetId() {
				t.Fatalf("citizen b got %v", got)
			}
			for _, w := range []*watcher{clerk, auditor} {
				got := w.events(2)
				if got[0].GetDossierId() != da.GetId() || got[1].GetDossierId() != db.GetId() {
					t.Fatalf("staff got %v", got)
				}
			}
			wa.quiet(1500 * time.Millisecond) // b's event never reaches a
			wb.quiet(100 * time.Millisecond)
			wo.quiet(100 * time.Millisecond) // the justice department's clerk sees neither
			accesses, err := pb.NewAuditServiceClient(e.Conn).ListDossierAccesses(e.As(t, testenv.Auditor),
				&pb.ListDossierAccessesRequest{Subject: &pb.ListDossierAccessesRequest_DossierId{DossierId: db.GetId()}})
			if err != nil {
				t.Fatal(err)
			}
			watched := map[string]string{}
			for _, a := range accesses.GetAccesses() {
				if a.GetMethod() == app.ReadWatch {
					watched[a.GetActorId()] = a.GetPurpose()
				}
			}
			if watched["clerk-1"] != "tiếp nhận" || watched["auditor-1"] != "giám sát" || len(watched) != 2 {
				t.Fatalf("stream reads in the access log: %v", watched)
			}
		})
	}
}

// A stream is refused before anything is sent when its request is wrong.
func TestWatchRefusals(t *testing.T) {
	e := liveEnv(t, "sqlite", testenv.Options{})
	client := pb.NewEventServiceClient(e.Conn)
	first := func(ctx context.Context, req *pb.WatchDossierEventsRequest) error {
		s, err := client.WatchDossierEvents(ctx, req)
		if err != nil {
			return err
		}
		_, err = s.Recv()
		return err
	}
	citizen := e.As(t, testenv.Citizen(testenv.CitizenID(511)))
	wantStatus(t, first(context.Background(), &pb.WatchDossierEventsRequest{}), codes.Unauthenticated, "")
	for _, c := range []string{"garbage", "AQIDBAU", strings.Repeat("A", 64), app.FeedCursor(app.FeedPosition{Tx: 5, Pos: 1}),
		app.FeedCursor(app.FeedPosition{Pos: 1 << 40})} {
		wantStatus(t, first(citizen, &pb.WatchDossierEventsRequest{Cursor: c}), codes.InvalidArgument, "cursor")
	}
	// A page token of ListDossiers is no cursor.
	d := submit(t, e, testenv.CitizenID(511))
	submit(t, e, testenv.CitizenID(511))
	page, err := e.Dossiers.ListDossiers(citizen, &pb.ListDossiersRequest{PageSize: 1})
	if err != nil || page.GetNextPageToken() == "" {
		t.Fatal(page, err)
	}
	wantStatus(t, first(citizen, &pb.WatchDossierEventsRequest{Cursor: page.GetNextPageToken()}), codes.InvalidArgument, "cursor")
	wantStatus(t, first(citizen, &pb.WatchDossierEventsRequest{DossierId: "nope"}), codes.InvalidArgument, "dossier_id")
	wantStatus(t, first(citizen, &pb.WatchDossierEventsRequest{Actions: []pb.Action{0}}), codes.InvalidArgument, "actions[0]")
	wantStatus(t, first(citizen, &pb.WatchDossierEventsRequest{HeartbeatInterval: durationpb.New(time.Millisecond)}),
		codes.InvalidArgument, "heartbeat_interval")
	// Staff state a purpose; a clerk may not replay the agency's history.
	wantStatus(t, first(e.As(t, testenv.Clerk), &pb.WatchDossierEventsRequest{}), codes.InvalidArgument, "purpose")
	st := wantStatus(t, first(e.As(t, testenv.Clerk), &pb.WatchDossierEventsRequest{Purpose: "x",
		Start: pb.WatchDossierEventsRequest_START_BEGINNING}), codes.PermissionDenied, "start")
	if reason(st) != "REPLAY_NOT_ALLOWED" {
		t.Fatalf("reason %q", reason(st))
	}
	// … but may replay one dossier of theirs; another citizen's dossier is
	// not found, as GetDossier answers.
	w := startWatch(t, e, e.As(t, testenv.Clerk), &pb.WatchDossierEventsRequest{Purpose: "x", DossierId: d.GetId(),
		Start: pb.WatchDossierEventsRequest_START_BEGINNING})
	if got := w.events(1); got[0].GetDossierId() != d.GetId() {
		t.Fatal(got)
	}
	wantStatus(t, first(e.As(t, testenv.Citizen(testenv.CitizenID(512))), &pb.WatchDossierEventsRequest{DossierId: d.GetId()}),
		codes.NotFound, "")
	// An admin reads no dossiers, so may not watch them.
	wantStatus(t, first(e.As(t, testenv.Admin), &pb.WatchDossierEventsRequest{}), codes.PermissionDenied, "")
}

// Readers disconnect and resume from their last cursor while many writers
// commit concurrently: every event arrives exactly once.
func TestWatchResumeNoGapNoDuplicate(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e := liveEnv(t, kind, testenv.Options{})
			ctx := e.As(t, testenv.Auditor)
			w := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{Purpose: "giám sát"})
			w.heartbeat()
			const writers, each = 6, 8
			var mu sync.Mutex
			written := map[string]bool{}
			var wg sync.WaitGroup
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range each {
						d := submit(t, e, testenv.CitizenID(600+i*each+j))
						mu.Lock()
						written[d.GetId()] = true
						mu.Unlock()
					}
				}()
			}
			seen := map[string]int{}
			reconnects := 0
			deadline := time.Now().Add(60 * time.Second)
			for len(seen) < writers*each && time.Now().Before(deadline) {
				// Take a few messages, then drop the connection (what was
				// sent but not taken is lost with it) and resume.
				for range 1 + rand.IntN(6) {
					m, err := w.next(15 * time.Second)
					if err != nil {
						t.Fatal(err)
					}
					if ev := m.GetEvent(); ev != nil {
						seen[ev.GetDossierId()]++
					}
				}
				w.cancel()
				w = startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{Purpose: "giám sát", Cursor: w.cursor})
				reconnects++
			}
			wg.Wait()
			w.quiet(1500 * time.Millisecond)
			if len(seen) != writers*each || len(written) != writers*each {
				t.Fatalf("saw %d dossiers' events of %d written", len(seen), len(written))
			}
			for id, n := range seen {
				if n != 1 || !written[id] {
					t.Fatalf("dossier %s: %d events delivered (written here: %v)", id, n, written[id])
				}
			}
			t.Logf("%d events, %d reconnects", len(seen), reconnects)
		})
	}
}

// Idle streams send heartbeats whose cursor resumes after everything
// before them, and a filtered stream sends only what matches.
func TestWatchHeartbeatsAndFilters(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e := liveEnv(t, kind, testenv.Options{})
			citizen := testenv.CitizenID(521)
			ctx := e.As(t, testenv.Citizen(citizen))
			d := submit(t, e, citizen)
			w := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{Start: pb.WatchDossierEventsRequest_START_BEGINNING})
			w.events(1)
			start := time.Now()
			w.heartbeat()
			w.heartbeat()
			if time.Since(start) > 4*time.Second {
				t.Fatalf("two heartbeats at 1s took %s", time.Since(start))
			}
			resumeAt := w.cursor
			w.cancel()
			if _, err := e.Dossiers.WithdrawDossier(ctx, &pb.WithdrawDossierRequest{RequestId: "watch-wd", DossierId: d.GetId(),
				ExpectedVersion: d.GetVersion(), Reason: "nộp nhầm"}); err != nil {
				t.Fatal(err)
			}
			d2 := submit(t, e, citizen)
			r := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{Cursor: resumeAt})
			if got := r.events(2); got[0].GetAction() != pb.Action_ACTION_WITHDRAW || got[1].GetDossierId() != d2.GetId() {
				t.Fatalf("resumed from a heartbeat: %v", got)
			}
			f := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{Start: pb.WatchDossierEventsRequest_START_BEGINNING,
				Actions: []pb.Action{pb.Action_ACTION_WITHDRAW}})
			if got := f.events(1); got[0].GetDossierId() != d.GetId() {
				t.Fatalf("actions filter: %v", got)
			}
			f.quiet(1200 * time.Millisecond)
			one := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{Start: pb.WatchDossierEventsRequest_START_BEGINNING,
				DossierId: d2.GetId()})
			if got := one.events(1); got[0].GetDossierId() != d2.GetId() {
				t.Fatalf("dossier filter: %v", got)
			}
			one.quiet(1200 * time.Millisecond)
		})
	}
}

// The gap the feed's position exists for: on PostgreSQL an event whose
// transaction started (and took its insertion number) first but commits
// last must be delivered — once — not skipped by a reader that already
// passed later numbers.
func TestWatchLateCommitIsNeitherSkippedNorRepeated(t *testing.T) {
	e := liveEnv(t, "postgres", testenv.Options{})
	citizen := testenv.CitizenID(531)
	ctx := e.As(t, testenv.Citizen(citizen))
	d := submit(t, e, citizen)
	w := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{})
	w.heartbeat()
	inserted, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	early := domain.Event{ID: "0190a1b2-0000-7000-8000-00000000ea71", DossierID: d.GetId(), Seq: 2, Action: domain.ActionStop,
		From: domain.StatusSubmitted, To: domain.StatusSubmitted, StepIndex: -1, At: time.Now(), DossierVersion: 2, Hash: "early"}
	go func() {
		done <- e.Store.InTx(context.Background(), func(ctx context.Context) error {
			if err := e.Store.AppendEvent(ctx, &early); err != nil {
				return err
			}
			close(inserted)
			<-release
			return nil
		})
	}()
	<-inserted
	var later []string
	for range 3 {
		later = append(later, submit(t, e, citizen).GetId())
	}
	// The later events are committed, but the stream holds them back
	// behind the open transaction.
	w.quiet(1500 * time.Millisecond)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := w.events(4)
	if got[0].GetId() != early.ID {
		t.Fatalf("first delivered %s, want the early event", got[0].GetId())
	}
	for i, id := range later {
		if got[i+1].GetDossierId() != id {
			t.Fatalf("event %d: dossier %s, want %s", i+1, got[i+1].GetDossierId(), id)
		}
	}
	w.quiet(1200 * time.Millisecond)
	// A stream resumed from before the early event gets it once too.
	r := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{Start: pb.WatchDossierEventsRequest_START_BEGINNING})
	all := r.events(5)
	n := 0
	for _, ev := range all {
		if ev.GetId() == early.ID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the early event delivered %d times on replay", n)
	}
	r.quiet(1200 * time.Millisecond)
}

// On a graceful stop every stream ends with UNAVAILABLE and the cursor to
// resume from; resumed on another server over the same database, nothing
// is lost.
func TestWatchEndsOnStopWithCursor(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			url := testenv.StoreURL(t, kind)
			e := testenv.Start(t, url, testenv.Options{})
			citizen := testenv.CitizenID(541)
			ctx := e.As(t, testenv.Citizen(citizen))
			w := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{})
			w.heartbeat()
			first := submit(t, e, citizen)
			w.events(1)
			stopped := make(chan error, 1)
			go func() { stopped <- e.Stop() }()
			var err error
			for {
				var m *pb.WatchDossierEventsResponse
				if m, err = w.next(10 * time.Second); err != nil {
					break
				}
				if m.GetEvent() != nil {
					t.Fatalf("event after the last: %v", m)
				}
			}
			st := wantStatus(t, err, codes.Unavailable, "")
			var cursor string
			for _, d := range st.Details() {
				if ei, ok := d.(*errdetails.ErrorInfo); ok && ei.GetReason() == "SERVER_STOPPING" {
					cursor = ei.GetMetadata()["cursor"]
				}
			}
			if cursor == "" {
				t.Fatalf("no cursor in %v", st.Details())
			}
			if err := <-stopped; err != nil {
				t.Fatal(err)
			}
			e2 := testenv.Start(t, url, testenv.Options{})
			second := submit(t, e2, citizen)
			r := startWatch(t, e2, e2.As(t, testenv.Citizen(citizen)), &pb.WatchDossierEventsRequest{Cursor: cursor})
			if got := r.events(1); got[0].GetDossierId() != second.GetId() {
				t.Fatalf("resumed after %s: got %v", first.GetCode(), got)
			}
			r.quiet(1200 * time.Millisecond)
		})
	}
}

// A principal may hold only so many streams at once (--stream-limit).
func TestWatchStreamLimitPerPrincipal(t *testing.T) {
	e := liveEnv(t, "sqlite", testenv.Options{Operations: server.Operations{Limits: server.Limits{Streams: 1}}})
	a := e.As(t, testenv.Citizen(testenv.CitizenID(551)))
	startWatch(t, e, a, &pb.WatchDossierEventsRequest{}).heartbeat()
	second := startWatch(t, e, a, &pb.WatchDossierEventsRequest{})
	_, err := second.next(10 * time.Second)
	wantStatus(t, err, codes.ResourceExhausted, "")
	startWatch(t, e, e.As(t, testenv.Citizen(testenv.CitizenID(552))), &pb.WatchDossierEventsRequest{}).heartbeat()
}

// Through the JSON gateway the stream is newline-delimited JSON, one
// {"result": …} per message; a refused request is an HTTP error.
func TestWatchOverJSONGateway(t *testing.T) {
	for _, kind := range testenv.Stores {
		t.Run(kind, func(t *testing.T) {
			e := liveEnv(t, kind, testenv.Options{HTTP: true})
			citizen := testenv.CitizenID(561)
			post := func(body string) *http.Response {
				req, err := http.NewRequest(http.MethodPost, e.HTTPURL+"/v1/events:watch", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+e.Token(t, testenv.Citizen(citizen)))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { resp.Body.Close() })
				return resp
			}
			resp := post(`{"heartbeatInterval": "1s"}`)
			if resp.StatusCode != http.StatusOK {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			lines := bufio.NewScanner(resp.Body)
			type line struct {
				Result struct {
					Event *struct {
						DossierID string `json:"dossierId"`
						Action    string `json:"action"`
					} `json:"event"`
					Heartbeat *struct{} `json:"heartbeat"`
					Cursor    string    `json:"cursor"`
				} `json:"result"`
				Error json.RawMessage `json:"error"`
			}
			read := func() line {
				t.Helper()
				if !lines.Scan() {
					t.Fatalf("stream ended: %v", lines.Err())
				}
				var l line
				if err := json.Unmarshal(lines.Bytes(), &l); err != nil || l.Error != nil || l.Result.Cursor == "" {
					t.Fatalf("line %s: %v", lines.Bytes(), err)
				}
				return l
			}
			if l := read(); l.Result.Heartbeat == nil {
				t.Fatalf("first line is no heartbeat: %+v", l)
			}
			d := submit(t, e, citizen)
			for {
				l := read()
				if ev := l.Result.Event; ev != nil {
					if ev.DossierID != d.GetId() || ev.Action != "ACTION_SUBMIT" {
						t.Fatalf("event %+v", ev)
					}
					break
				}
			}
			bad := post(`{"cursor": "garbage"}`)
			b, _ := io.ReadAll(bad.Body)
			if bad.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"cursor"`) {
				t.Fatalf("malformed cursor over HTTP: %d %s", bad.StatusCode, b)
			}
		})
	}
}

// A stream that reaches the server's --stream-timeout ends with the cursor
// to resume from, like a stop.
func TestWatchStreamTimeoutEndsWithCursor(t *testing.T) {
	e := liveEnv(t, "sqlite", testenv.Options{ServerOptions: func(o *server.Options) { o.StreamTimeout = 1500 * time.Millisecond }})
	citizen := testenv.CitizenID(571)
	ctx := e.As(t, testenv.Citizen(citizen))
	w := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{})
	w.heartbeat()
	var err error
	for err == nil {
		_, err = w.next(10 * time.Second)
	}
	st := wantStatus(t, err, codes.Unavailable, "")
	cursor := ""
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok && ei.GetReason() == "CALL_TIMEOUT" {
			cursor = ei.GetMetadata()["cursor"]
		}
	}
	if cursor == "" {
		t.Fatalf("no cursor: %v %v", st.Message(), st.Details())
	}
	d := submit(t, e, citizen)
	r := startWatch(t, e, ctx, &pb.WatchDossierEventsRequest{Cursor: cursor})
	if got := r.events(1); got[0].GetDossierId() != d.GetId() {
		t.Fatalf("resumed: %v", got)
	}
}

// A commit on another replica (another server over the same database,
// whose commit hook this one never hears) reaches the stream by polling.
func TestWatchSeesOtherReplicas(t *testing.T) {
	url := testenv.StoreURL(t, "postgres")
	poll := server.Operations{Watch: service.WatchOptions{Poll: 200 * time.Millisecond}}
	e1 := testenv.Start(t, url, testenv.Options{Operations: poll})
	e2 := testenv.Start(t, url, testenv.Options{Operations: poll, NoDemo: true})
	citizen := testenv.CitizenID(581)
	w := startWatch(t, e1, e1.As(t, testenv.Citizen(citizen)), &pb.WatchDossierEventsRequest{HeartbeatInterval: durationpb.New(time.Minute)})
	w.heartbeat()
	start := time.Now()
	d := submit(t, e2, citizen)
	if got := w.events(1); got[0].GetDossierId() != d.GetId() {
		t.Fatalf("got %v", got)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the other replica's event took %s", took)
	}
}
