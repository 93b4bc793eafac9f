// Package indicators computes the service-quality indicators. Indicators are
// sums of per-dossier contributions kept incrementally in aggregate rows:
// every mutation adds (contribution after − contribution before) in the
// same transaction, so reading a year for a province sums a few thousand
// rows instead of scanning dossiers. Contribution is a pure function of the
// dossier, which is also what `motcua report verify` recomputes.
package indicators

import (
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// Metric indexes a Vector.
type Metric int

// The metrics kept per aggregate row. Gauges (awaiting intake, running,
// paused) count dossiers currently in that state; the rest count dossiers
// or events that ever happened. All belong to the dossier's filing day.
const (
	Filed               Metric = iota // dossiers filed (online or at the counter)
	AwaitingIntake                    // gauge: online filings not yet accepted or refused
	NotAccepted                       // refused at intake
	Received                          // accepted at some point
	Running                           // gauge: clock running (RECEIVED, PROCESSING)
	Paused                            // gauge: waiting for the applicant after receipt
	ResolvedOnTime                    // resolved (and maybe returned) by the legal deadline
	ResolvedLate                      // resolved after it
	Withdrawn                         //
	Stopped                           //
	Returned                          // result handed over
	SupplementDossiers                // dossiers with at least one supplement request
	SupplementRounds                  // supplement requests
	PaymentRequests                   //
	PaymentsConfirmed                 //
	PaymentsOnline                    // payments confirmed as made online
	Extensions                        // apologies with a new appointment
	DigitisedDossiers                 // received dossiers with a component scanned at the counter or reused
	ComponentsTotal                   // components of received dossiers
	ComponentsDigitised               // of which scanned at the counter
	ComponentsReused                  // of which reused (earlier file, result, or national data)
	ComponentsPaper                   // of which on paper only (not digitised)
	ElectronicResults                 // resolved with an electronic result
	ProcessingMinutes                 // working minutes from clock start to result, pauses excluded
	// Identity and hand-off (docs/identity.md, migration 13).
	IdentityChecked       // the population database was asked about the applicant (any outcome, pending included)
	IdentityVerified      // every person checked matched (overall outcome MATCH)
	IdentityPending       // gauge: a check still awaits the database
	IdentityMismatches    // flagged: the database contradicted the dossier (no match, not found)
	ProcessedWhilePending // acted on while its check was still pending
	PrefilledDossiers     // at least one applicant field taken from the database
	PrefilledFields       // applicant fields taken from the database
	Handoffs              // business-registration hand-offs started (accepted with a form)
	HandoffsAcknowledged  // of which acknowledged by the registry (sent or decided)
	numMetrics
)

// MetricNames are the aggregate columns, in Metric order.
var MetricNames = [numMetrics]string{
	"filed", "awaiting_intake", "not_accepted", "received", "running", "paused", "resolved_on_time", "resolved_late",
	"withdrawn", "stopped", "returned", "supplement_dossiers", "supplement_rounds", "payment_requests",
	"payments_confirmed", "payments_online", "extensions", "digitised_dossiers", "components_total",
	"components_digitised", "components_reused", "components_paper", "electronic_results", "processing_minutes",
	"identity_checked", "identity_verified", "identity_pending", "identity_mismatches", "processed_while_pending",
	"prefilled_dossiers", "prefilled_fields", "handoffs", "handoffs_acknowledged",
}

// Vector holds one value per metric.
type Vector [numMetrics]int64

// Add adds w to v.
func (v *Vector) Add(w Vector) {
	for i := range v {
		v[i] += w[i]
	}
}

// Sub returns v − w.
func (v Vector) Sub(w Vector) Vector {
	for i := range v {
		v[i] -= w[i]
	}
	return v
}

// Zero reports whether every metric is 0.
func (v Vector) Zero() bool { return v == Vector{} }

// Key is an aggregate row: where, what, how filed, and the local filing day.
type Key struct {
	Agency    string
	Procedure string
	Field     string
	Channel   domain.Channel
	FiledBy   domain.ActorKind
	Day       string // YYYY-MM-DD, the filing day in the agency's time zone
}

// Month is the key's month ("YYYY-MM").
func (k Key) Month() string { return k.Day[:7] }

// KeyOf returns a dossier's aggregate key; loc is its agency's time zone.
func KeyOf(d *domain.Dossier, field string, loc *time.Location) Key {
	return Key{Agency: d.AgencyCode, Procedure: d.ProcedureCode, Field: field, Channel: d.Channel, FiledBy: d.FiledBy,
		Day: d.CreatedAt.In(loc).Format("2006-01-02")}
}

// Contribution is what one dossier in its current state adds to its
// aggregate row, and the processing-time bucket (see DurationBucket; −1 if
// not resolved) it adds one to.
func Contribution(d *domain.Dossier) (Vector, int) {
	var v Vector
	v[Filed] = 1
	received := !d.ReceivedAt.IsZero()
	switch d.Status {
	case domain.StatusSubmitted:
		v[AwaitingIntake] = 1
	case domain.StatusNotAccepted:
		v[NotAccepted] = 1
	case domain.StatusReceived, domain.StatusProcessing:
		v[Running] = 1
	case domain.StatusAwaitingSupplement, domain.StatusAwaitingPayment:
		if received {
			v[Paused] = 1
		} else {
			v[AwaitingIntake] = 1
		}
	case domain.StatusWithdrawn:
		v[Withdrawn] = 1
	case domain.StatusStopped:
		v[Stopped] = 1
	case domain.StatusResolved, domain.StatusReturned:
		if d.FinishedAt.After(d.OriginalDueAt) {
			v[ResolvedLate] = 1
		} else {
			v[ResolvedOnTime] = 1
		}
	}
	if !d.ReturnedAt.IsZero() {
		v[Returned] = 1
	}
	if d.SupplementRounds > 0 {
		v[SupplementDossiers] = 1
	}
	v[SupplementRounds] = int64(d.SupplementRounds)
	v[PaymentRequests] = int64(d.PaymentRequests)
	v[PaymentsConfirmed] = int64(d.PaymentsConfirmed)
	v[PaymentsOnline] = int64(d.PaymentsOnline)
	v[Extensions] = int64(d.Extensions)
	if received {
		v[Received] = 1
		digitised, reused := d.DigitisedComponents()
		v[ComponentsTotal] = int64(len(d.Components))
		v[ComponentsDigitised] = int64(digitised)
		v[ComponentsReused] = int64(reused)
		for _, c := range d.Components {
			if c.Source == domain.SourcePaper {
				v[ComponentsPaper]++
			}
		}
		if d.Digitised() {
			v[DigitisedDossiers] = 1
		}
	}
	identityAndHandoff(&v, d)
	bucket := -1
	if d.Result != nil && d.ProcessingMinutes != nil {
		if d.ElectronicResult() {
			v[ElectronicResults] = 1
		}
		v[ProcessingMinutes] = *d.ProcessingMinutes
		bucket = DurationBucket(*d.ProcessingMinutes)
	}
	return v, bucket
}

// PrefillableFields is how many applicant fields a counter intake can take
// from the population database ("name", "birth_date", "address"): the
// denominator of the pre-filled fields share per checked dossier.
const PrefillableFields = 3

// identityAndHandoff adds the identity-check and hand-off metrics of d.
func identityAndHandoff(v *Vector, d *domain.Dossier) {
	if id := d.Identity; id != nil && id.Outcome != domain.OutcomeUnchecked {
		v[IdentityChecked] = 1
		switch id.Outcome {
		case domain.OutcomeMatch:
			v[IdentityVerified] = 1
		case domain.OutcomePending:
			v[IdentityPending] = 1
		}
		if id.Flag != "" {
			v[IdentityMismatches] = 1
		}
		if id.PendingWhileProcessed {
			v[ProcessedWhilePending] = 1
		}
		if n := len(id.Prefilled); n > 0 {
			v[PrefilledDossiers], v[PrefilledFields] = 1, int64(n)
		}
	}
	if h := d.Handoff; h != nil && h.Status != domain.HandoffNone {
		v[Handoffs] = 1
		if h.Status >= domain.HandoffSent {
			v[HandoffsAcknowledged] = 1
		}
	}
}

// Row is a sum of aggregate rows for one channel and filer kind (and day,
// when grouped by day).
type Row struct {
	// Agency is set when the rows are summed per agency
	// (StatsQuery.GroupByAgency).
	Agency  string
	Day     string
	Channel domain.Channel
	FiledBy domain.ActorKind
	Vector  Vector
}

// Processing-time buckets: whole working hours within the first working day
// (0–7), then whole working days (8 is [1, 2) days, 9 is [2, 3) days, …).
// Short procedures keep hour precision and long ones need few rows.
const hourBuckets = MinutesPerDay / 60

// MinutesPerDay is a working day.
const MinutesPerDay = domain.MinutesPerWorkingDay

// DurationBucket returns the bucket of a processing time in working minutes.
func DurationBucket(minutes int64) int {
	if minutes < MinutesPerDay {
		return int(minutes / 60)
	}
	return hourBuckets - 1 + int(minutes/MinutesPerDay)
}

// BucketUpperDays is the upper bound of a bucket in working days.
func BucketUpperDays(b int) float64 {
	if b < hourBuckets {
		return float64(b+1) / hourBuckets
	}
	return float64(b - hourBuckets + 2)
}

// Delta is a change to apply to one aggregate row.
type Delta struct {
	Key    Key
	Vector Vector
	// Buckets maps processing-time buckets (DurationBucket) to count changes.
	Buckets map[int]int64
}

// Change returns the deltas that move the aggregates from dossier before
// (nil for a new dossier) to after. Both share the key: the dimensions of a
// dossier never change.
func Change(before, after *domain.Dossier, key Key) (Delta, bool) {
	va, ba := Contribution(after)
	var vb Vector
	bb := -1
	if before != nil {
		vb, bb = Contribution(before)
	}
	d := Delta{Key: key, Vector: va.Sub(vb)}
	if ba != bb {
		d.Buckets = map[int]int64{}
		if ba >= 0 {
			d.Buckets[ba]++
		}
		if bb >= 0 {
			d.Buckets[bb]--
		}
	}
	return d, !d.Vector.Zero() || len(d.Buckets) > 0
}

// UnitDelta is a change to a unit's step statistics for a local day.
type UnitDelta struct {
	Unit        string
	Day         string // YYYY-MM-DD
	Finished    int64
	Late        int64
	LateMinutes int64
}

// StepFinished is the unit delta of a slip row handed on or resolved at its
// finish time; lateBy is its working time past due.
func StepFinished(r *domain.SlipRow, lateBy time.Duration, loc *time.Location) UnitDelta {
	u := UnitDelta{Unit: r.UnitCode, Day: r.FinishedAt.In(loc).Format("2006-01-02"), Finished: 1}
	if r.FinishedAt.After(r.DueAt) {
		u.Late, u.LateMinutes = 1, int64(lateBy/time.Minute)
	}
	return u
}
