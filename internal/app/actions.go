package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/lifecycle"
	"github.com/motcua/motcua/internal/policy"
)

// Target names the dossier an action applies to and the request.
type Target struct {
	RequestID       string
	DossierID       string
	ExpectedVersion int64
	Note            string
}

func (t Target) req(a domain.Action) actRequest {
	return actRequest{requestID: t.RequestID, dossierID: t.DossierID, expectedVersion: t.ExpectedVersion, action: a, note: t.Note}
}

func workingHours(d time.Duration) string {
	return fmt.Sprintf("%dh%02d", int(d.Hours()), int(d.Minutes())%60)
}

// NotAccept refuses an online filing at intake.
func (s *Lifecycle) NotAccept(ctx context.Context, p domain.Principal, t Target, reason string) (*domain.Dossier, *domain.Event, error) {
	return s.act(ctx, p, t.req(domain.ActionNotAccept), func(_ context.Context, c *actContext) error {
		lifecycle.Finish(c.d, c.now)
		c.details["reason"] = reason
		return nil
	})
}

// RequestSupplement asks the applicant to complete the dossier; the clock
// pauses if it runs.
func (s *Lifecycle) RequestSupplement(ctx context.Context, p domain.Principal, t Target, reason string, codes []string) (*domain.Dossier, *domain.Event, error) {
	return s.act(ctx, p, t.req(domain.ActionRequestSupplement), func(_ context.Context, c *actContext) error {
		known := map[string]bool{}
		for _, comp := range c.pv.Components {
			known[comp.Code] = true
		}
		var v domain.Violations
		for i, code := range codes {
			if !known[code] {
				v.Add(fmt.Sprintf("component_codes[%d]", i), "%q is not a component of procedure %s version %d", code, c.proc.Code, c.pv.Version)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		c.d.SupplementRounds++
		return pause(c, map[string]string{"reason": reason, "components": strings.Join(codes, ",")})
	})
}

// RequestPayment asks the applicant to pay; the clock pauses.
func (s *Lifecycle) RequestPayment(ctx context.Context, p domain.Principal, t Target, amountVND int64, reason string) (*domain.Dossier, *domain.Event, error) {
	return s.act(ctx, p, t.req(domain.ActionRequestPayment), func(_ context.Context, c *actContext) error {
		c.d.PaymentRequests++
		return pause(c, map[string]string{"reason": reason, "amount_vnd": fmt.Sprint(amountVND)})
	})
}

func pause(c *actContext, details map[string]string) error {
	c.d.ResumeStatus = c.from
	for k, v := range details {
		c.details[k] = v
	}
	c.details["clock"] = "not started"
	if lifecycle.Pause(c.d, c.now) {
		c.details["clock"] = "paused"
	}
	return nil
}

// resume restarts the clock and moves the open step's slip row with it.
func resume(c *actContext) {
	paused := lifecycle.Resume(c.d, c.cal, c.now)
	c.d.ResumeStatus = 0
	c.details["paused_working"] = workingHours(paused)
	if !c.d.DueAt.IsZero() {
		c.details["due_at"] = c.d.DueAt.Format(time.RFC3339)
		c.details["original_due_at"] = c.d.OriginalDueAt.Format(time.RFC3339)
	}
	if row, ok := lifecycle.LeaveStep(c.d, c.workflow(), domain.SlipOpen, time.Time{}); ok && paused > 0 {
		c.slip = append(c.slip, row)
	}
}

// applicantChannel is the channel of an applicant's step: applicants act
// online; staff say whether the applicant came to the counter (STAFF) or
// they acted online for them (STAFF_ON_BEHALF, the default).
func applicantChannel(p domain.Principal, ch domain.Channel) (domain.Channel, error) {
	if ch == 0 {
		return domain.ChannelOnline, nil
	}
	if policy.ApplicantSide(p) && ch != domain.ChannelOnline {
		return 0, domain.Invalid("channel", "applicants act online; counter and postal steps are recorded by staff")
	}
	return ch, nil
}

// ProvideSupplement files the requested documents; the clock resumes.
func (s *Lifecycle) ProvideSupplement(ctx context.Context, p domain.Principal, t Target, comps []domain.Component, ch domain.Channel) (*domain.Dossier, *domain.Event, error) {
	ch, err := applicantChannel(p, ch)
	if err != nil {
		return nil, nil, err
	}
	return s.act(ctx, p, t.req(domain.ActionProvideSupplement), func(ctx context.Context, c *actContext) error {
		comps := slices.Clone(comps) // filled in below; the caller's stays as sent
		if s.files != nil {
			files, err := s.files.checkComponents(ctx, p, "components", comps, c.d.Applicant.IDNumber, c.pv, c.now, c.details)
			if err != nil {
				return err
			}
			if err := s.referenceFiles(ctx, c.d.ID, files); err != nil {
				return err
			}
		}
		v := domain.ValidateComponents("components", comps, c.pv, ch)
		merged := mergeComponents(c.d.Components, comps)
		for _, m := range domain.MissingMandatory(c.pv, merged) {
			v.Add("components", "mandatory component %q (%s) is still missing", m.Code, m.Name)
		}
		if err := v.Err(); err != nil {
			return err
		}
		c.d.Components = merged
		c.channel = ch
		c.details["components"] = componentCodes(comps)
		resume(c)
		return nil
	})
}

// mergeComponents replaces filed components by code and appends new ones.
func mergeComponents(filed, added []domain.Component) []domain.Component {
	out := make([]domain.Component, 0, len(filed)+len(added))
	replaced := map[string]bool{}
	for _, a := range added {
		replaced[a.Code] = true
	}
	for _, f := range filed {
		if !replaced[f.Code] {
			out = append(out, f)
		}
	}
	return append(out, added...)
}

func componentCodes(cs []domain.Component) string {
	codes := make([]string, len(cs))
	for i, c := range cs {
		codes[i] = c.Code
	}
	return strings.Join(codes, ",")
}

// ConfirmPayment records a payment; the clock resumes. Only the payment
// integration (acting for the applicant, with the provider's transaction
// reference as receiptRef) records an online payment: its provenance — the
// authenticated integration and the reference — is sealed into the event,
// and only such payments count as online (domain.Event.OnlinePayment). Staff
// record counter payments; their "online" claim is refused.
func (s *Lifecycle) ConfirmPayment(ctx context.Context, p domain.Principal, t Target, receiptRef string, online bool) (*domain.Dossier, *domain.Event, error) {
	return s.act(ctx, p, t.req(domain.ActionConfirmPayment), func(_ context.Context, c *actContext) error {
		if online && (p.Role != domain.RoleIntegration || p.SourceSystem == "") {
			return &domain.DeniedError{Reason: "ONLINE_PAYMENT_NEEDS_PROVIDER", Field: "online",
				Description: "only the payment platform records an online payment, with its transaction reference; " +
					"a payment confirmed by staff is a counter payment (send online = false)"}
		}
		c.details["receipt_ref"] = receiptRef
		c.details["paid_online"] = fmt.Sprint(online)
		c.d.PaymentsConfirmed++
		if online {
			c.details["payment_provider"] = p.SourceSystem
			c.details["payment_reference"] = receiptRef
			c.d.PaymentsOnline++
			c.channel = domain.ChannelOnline
		}
		resume(c)
		return nil
	})
}

// Forward finishes the current step and puts the dossier at the next one.
func (s *Lifecycle) Forward(ctx context.Context, p domain.Principal, t Target, assignee string) (*domain.Dossier, *domain.Event, error) {
	return s.act(ctx, p, t.req(domain.ActionForward), func(_ context.Context, c *actContext) error {
		wf := c.workflow()
		i := c.d.Step.Index
		switch {
		case len(wf) == 0:
			return precondition(c, "NO_WORKFLOW", "procedure %s has no workflow steps to forward through; resolve the dossier", c.proc.Code)
		case i >= len(wf)-1:
			return precondition(c, "AT_LAST_STEP", "the dossier is at the last step (%q); resolve it instead of forwarding", c.d.Step.Name)
		}
		done, _ := lifecycle.LeaveStep(c.d, wf, domain.SlipFinished, c.now)
		next := lifecycle.EnterStep(c.d, c.cal, wf, i+1, assignee, c.now)
		c.slip = append(c.slip, done, next)
		c.details["from_step"] = fmt.Sprint(i)
		c.details["to_step"] = fmt.Sprint(i + 1)
		c.details["to_unit"] = next.UnitCode
		c.details["assignee"] = assignee
		c.details["step_due_at"] = next.DueAt.Format(time.RFC3339)
		if done.FinishedAt.After(done.DueAt) {
			c.details["step_late"] = "true"
		}
		return nil
	})
}

func precondition(c *actContext, reason, format string, args ...any) error {
	return &domain.PreconditionError{Reason: reason, Subject: "dossier/" + c.d.ID, Description: fmt.Sprintf(format, args...),
		Metadata: map[string]string{"status": c.from.String()}}
}

// Extend sets a new appointment with an apology; the legal deadline stays.
func (s *Lifecycle) Extend(ctx context.Context, p domain.Principal, t Target, reason string, newDue time.Time) (*domain.Dossier, *domain.Event, error) {
	return s.act(ctx, p, t.req(domain.ActionExtend), func(_ context.Context, c *actContext) error {
		if err := lifecycle.CheckExtension(c.d, c.pv, c.cal, c.now, newDue); err != nil {
			return err
		}
		c.details["reason"] = reason
		c.details["previous_due_at"] = c.d.DueAt.Format(time.RFC3339)
		c.details["due_at"] = newDue.UTC().Format(time.RFC3339)
		c.d.DueAt = newDue.UTC()
		c.d.Extensions++
		return nil
	})
}

// Withdraw ends the dossier at the applicant's request.
func (s *Lifecycle) Withdraw(ctx context.Context, p domain.Principal, t Target, reason string, ch domain.Channel) (*domain.Dossier, *domain.Event, error) {
	ch, err := applicantChannel(p, ch)
	if err != nil {
		return nil, nil, err
	}
	return s.act(ctx, p, t.req(domain.ActionWithdraw), func(_ context.Context, c *actContext) error {
		c.channel = ch
		end(c, reason)
		return nil
	})
}

// Stop ends processing with a notice.
func (s *Lifecycle) Stop(ctx context.Context, p domain.Principal, t Target, reason string) (*domain.Dossier, *domain.Event, error) {
	return s.act(ctx, p, t.req(domain.ActionStop), func(_ context.Context, c *actContext) error {
		end(c, reason)
		return nil
	})
}

// end finishes a dossier without a result; its open step ends too.
func end(c *actContext, reason string) {
	if row, ok := lifecycle.LeaveStep(c.d, c.workflow(), domain.SlipEnded, c.now); ok {
		c.slip = append(c.slip, row)
	}
	lifecycle.Finish(c.d, c.now)
	c.details["reason"] = reason
}

// Resolve records the result at the last step; the clock stops.
func (s *Lifecycle) Resolve(ctx context.Context, p domain.Principal, t Target, res domain.Result) (*domain.Dossier, *domain.Event, error) {
	return s.act(ctx, p, t.req(domain.ActionResolve), func(ctx context.Context, c *actContext) error {
		wf := c.workflow()
		if len(wf) > 0 && c.d.Step.Index != len(wf)-1 {
			return precondition(c, "WORKFLOW_INCOMPLETE", "the dossier is at step %d of %d (%q); forward it through the workflow before resolving",
				c.d.Step.Index+1, len(wf), c.d.Step.Name)
		}
		res.Documents = slices.Clone(res.Documents) // filled in below; the caller's stays as sent
		if s.files != nil {
			files, err := s.files.checkResult(ctx, p, &res, c.now, c.details)
			if err != nil {
				return err
			}
			if err := s.referenceFiles(ctx, c.d.ID, files); err != nil {
				return err
			}
		}
		if row, ok := lifecycle.LeaveStep(c.d, wf, domain.SlipFinished, c.now); ok {
			c.slip = append(c.slip, row)
		}
		if res.IssuedAt.IsZero() {
			res.IssuedAt = c.now
		}
		lifecycle.Finish(c.d, c.now)
		c.d.Result = &res
		minutes := int64((c.cal.Between(c.d.ClockStartedAt, c.now) - c.d.PausedWorking) / time.Minute)
		c.d.ProcessingMinutes = &minutes
		c.details["processing_minutes"] = fmt.Sprint(minutes)
		c.details["electronic"] = fmt.Sprint(res.Electronic)
		c.details["signer"] = res.Signer
		c.details["on_time"] = fmt.Sprint(!c.now.After(c.d.OriginalDueAt))
		return nil
	})
}

// Return hands the result over.
func (s *Lifecycle) Return(ctx context.Context, p domain.Principal, t Target, ch domain.Channel) (*domain.Dossier, *domain.Event, error) {
	return s.act(ctx, p, t.req(domain.ActionReturn), func(_ context.Context, c *actContext) error {
		if ch == domain.ChannelOnline && (c.d.Result == nil || !c.d.Result.Electronic) {
			return precondition(c, "RESULT_NOT_ELECTRONIC", "a paper result cannot be returned online; return it at the counter or by post")
		}
		c.d.ReturnedAt = c.now
		c.d.ReturnChannel = ch
		c.channel = ch
		c.details["return_channel"] = ch.String()
		return nil
	})
}
