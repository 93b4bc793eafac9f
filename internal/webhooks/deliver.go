package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/jobs"
)

// Queue is the job queue of deliveries (its own, so a slow receiver does
// not hold up other background work).
const Queue = "webhooks"

// deliverArgs asks for the pending events of one dossier to be delivered
// to one subscription, in order. Several may exist for one pair: the
// cursor's lease lets one run at a time and the cursor makes the others
// find nothing left to send.
type deliverArgs struct {
	Webhook string `json:"webhook"`
	Dossier string `json:"dossier"`
	// Since starts a cursor that does not exist yet (a dossier first
	// changed while the subscription was disabled): its events at or after
	// Since. Zero for jobs of the outbox hook, which creates the cursor.
	Since time.Time `json:"since,omitzero"`
}

func (deliverArgs) Kind() string { return "webhook_deliver" }

// InsertOpts: deliveries retry until the subscription is disabled for
// sustained failure (Config.DisableAfter), not until a count runs out.
func (deliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 10000}
}

// resumeArgs asks for deliveries of every dossier whose cursor is behind
// and of every dossier changed since Since, when the subscription was
// disabled (it is enabled again).
type resumeArgs struct {
	Webhook string    `json:"webhook"`
	Since   time.Time `json:"since"`
}

func (resumeArgs) Kind() string                 { return "webhook_resume" }
func (resumeArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: Queue} }

// batch bounds the events one job run delivers; more are left to a
// follow-up job.
const batch = 100

// Hook is the outbox: in each mutation's transaction it reads the enabled
// subscriptions, starts a cursor for every (subscription, dossier) pair the
// events concern and enqueues one delivery job per pair. Nothing of a
// rolled-back mutation is enqueued; nothing of a committed one is lost.
func (s *Service) Hook() app.EventHook {
	return func(ctx context.Context, events []domain.Event) error {
		if len(events) == 0 {
			return nil
		}
		subs, err := s.st.EnabledWebhooks(ctx)
		if err != nil || len(subs) == 0 {
			return err
		}
		type pair struct{ sub, dossier string }
		first := map[pair]int64{} // the pair's first event in this mutation
		var order []pair
		for i := range events {
			e := &events[i]
			for j := range subs {
				if !wants(&subs[j], e) {
					continue
				}
				k := pair{subs[j].ID, e.DossierID}
				if seq, ok := first[k]; !ok || e.Seq < seq {
					if !ok {
						order = append(order, k)
					}
					first[k] = e.Seq
				}
			}
		}
		js := make([]app.Job, 0, len(order))
		for _, k := range order {
			// The dossier row is locked by this mutation, so the first
			// mutation of a dossier after the subscription starts its
			// cursor just before its own first event.
			if err := s.st.EnsureWebhookCursor(ctx, k.sub, k.dossier, first[k]-1); err != nil {
				return err
			}
			js = append(js, deliverArgs{Webhook: k.sub, Dossier: k.dossier})
		}
		return s.q.Enqueue(ctx, js...)
	}
}

// deliverWorker delivers a dossier's pending events to a subscription.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	s *Service
}

// Timeout bounds one run; the cursor's lease outlasts it.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration { return w.s.runTimeout() }

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	return w.s.deliver(ctx, job.Args, job.Attempt)
}

func (s *Service) runTimeout() time.Duration { return 2*s.cfg.Timeout + 30*time.Second }

func (s *Service) deliver(ctx context.Context, a deliverArgs, attempt int) error {
	sub, err := s.st.GetWebhook(ctx, a.Webhook)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !sub.Enabled {
		return nil // Enable resumes from the cursor
	}
	events, err := s.st.ListEvents(ctx, a.Dossier, 0, 100000)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return nil
	}
	// A cursor the hook did not start (a dossier first changed while the
	// subscription was disabled) starts at the first event since then.
	since := a.Since
	if since.IsZero() {
		since = sub.CreatedAt
	}
	start := events[len(events)-1].Seq
	for _, e := range events {
		if !e.At.Before(since) {
			start = e.Seq - 1
			break
		}
	}
	owner := uuid.NewString()
	now := s.cfg.Now()
	last, claimed, err := s.st.ClaimWebhookCursor(ctx, sub.ID, a.Dossier, owner, start, now, now.Add(s.runTimeout()+30*time.Second))
	if err != nil {
		return err
	}
	if !claimed {
		// Another run holds this dossier: try again when it is done (a
		// snooze is not a failed attempt).
		return river.JobSnooze(time.Second)
	}
	defer func() { _ = s.st.ReleaseWebhookCursor(context.WithoutCancel(ctx), sub.ID, a.Dossier, owner) }()
	sent := 0
	for i := range events {
		e := &events[i]
		if e.Seq <= last {
			continue
		}
		if sent == batch {
			// Leave the rest to a follow-up run, which waits for this lease.
			return s.q.Enqueue(ctx, deliverArgs{Webhook: sub.ID, Dossier: a.Dossier})
		}
		if wants(sub, e) {
			if err := s.send(ctx, sub, e, attempt); errors.Is(err, errDisabled) {
				return nil // no more retries; the cursor stays before e for Enable
			} else if err != nil {
				return err
			}
			sent++
		}
		if err := s.st.AdvanceWebhookCursor(ctx, sub.ID, a.Dossier, owner, e.Seq); err != nil {
			return err
		}
	}
	return nil
}

// errDisabled stops a run whose failure disabled the subscription.
var errDisabled = errors.New("the webhook was disabled after sustained failure")

// send makes one attempt to deliver one event, logs it, and on failure
// counts it and disables the subscription after sustained failure.
func (s *Service) send(ctx context.Context, sub *Subscription, e *domain.Event, attempt int) error {
	body, err := Encode(e, s.cfg.Source)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	d := &Delivery{SubscriptionID: sub.ID, EventID: e.ID, DossierID: e.DossierID, Seq: e.Seq, Attempt: attempt, At: now}
	begin := time.Now()
	d.StatusCode, err = s.post(ctx, sub, e.ID, body)
	d.Latency = time.Since(begin)
	if err != nil {
		d.Error = truncate(err.Error(), 500)
	} else if !d.OK() {
		d.Error = fmt.Sprintf("HTTP %d", d.StatusCode)
	}
	if lerr := s.st.AddWebhookDelivery(ctx, d); lerr != nil {
		return lerr
	}
	if d.OK() {
		// Unconditionally: another dossier's run may have failed meanwhile
		// (the store writes only when there are failures to clear).
		return s.st.RecordWebhookSuccess(ctx, sub.ID)
	}
	cur, ferr := s.st.RecordWebhookFailure(ctx, sub.ID, now)
	if ferr != nil {
		return errors.Join(errors.New(d.Error), ferr)
	}
	if cur.Enabled && cur.ConsecutiveFailures >= s.cfg.DisableMinFailures && now.Sub(cur.FailingSince) >= s.cfg.DisableAfter {
		cur.Enabled, cur.DisabledAt, cur.UpdatedAt = false, now, now
		cur.DisabledReason = fmt.Sprintf("disabled automatically after %d consecutive failed deliveries since %s (last: %s)",
			cur.ConsecutiveFailures, cur.FailingSince.UTC().Format(time.RFC3339), d.Error)
		cur.Version++
		if err := s.st.UpdateWebhook(ctx, cur); err != nil && !errors.Is(err, domain.ErrVersionConflict) {
			return err
		}
		return errDisabled
	}
	return fmt.Errorf("deliver event %s to webhook %s: %s", e.ID, sub.ID, d.Error)
}

func (s *Service) post(ctx context.Context, sub *Subscription, id string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	h, err := Headers(sub.LiveSecrets(s.cfg.Now()), id, time.Now(), body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = h
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", "motcua-webhooks/1")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// resumeWorker enqueues deliveries for every dossier changed since a
// subscription stopped delivering.
type resumeWorker struct {
	river.WorkerDefaults[resumeArgs]
	s *Service
}

func (w *resumeWorker) Work(ctx context.Context, job *river.Job[resumeArgs]) error {
	behind, err := w.s.st.WebhookCursorsBehind(ctx, job.Args.Webhook)
	if err != nil {
		return err
	}
	changed, err := w.s.st.DossiersChangedSince(ctx, job.Args.Since)
	if err != nil {
		return err
	}
	ids := append(behind, changed...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	js := make([]app.Job, len(ids))
	for i, id := range ids {
		js[i] = deliverArgs{Webhook: job.Args.Webhook, Dossier: id, Since: job.Args.Since}
	}
	for len(js) > 0 {
		n := min(len(js), 1000)
		if err := w.s.q.Enqueue(ctx, js[:n]...); err != nil {
			return err
		}
		js = js[n:]
	}
	return nil
}

// Register adds the delivery workers and their queue to the job engine.
func Register(e *jobs.Engine, s *Service) {
	e.AddQueue(Queue, s.cfg.Workers)
	jobs.AddWorker(e, &deliverWorker{s: s})
	jobs.AddWorker(e, &resumeWorker{s: s})
}
