package indicators

import (
	"sort"

	"github.com/motcua/motcua/internal/domain"
)

// Ratio is a rate with the numbers behind it, so a review can quote both.
type Ratio struct {
	Num, Den int64
}

// Value is Num/Den, or 0 when Den is 0.
func (r Ratio) Value() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

// Indicators are the figures of one scope and period. Counts are of dossiers
// filed in the period (the cohort); "now" figures are as of the query.
type Indicators struct {
	Total Vector // the summed metrics

	Filed, Received int64
	// Received by channel of filing.
	ReceivedCounter, ReceivedOnline, ReceivedPostal int64
	// Online received, split by who filed: the applicant (genuine) or an
	// official or helper for them (assisted).
	OnlineGenuine, OnlineAssisted int64

	ResolvedOnTime, ResolvedLate                 int64
	InProgressOnTime, OverdueNow, Paused, Intake int64
	// OnTime is the national index's rate: (in progress on time + resolved
	// on time) ÷ received.
	OnTime Ratio

	Withdrawn, NotAccepted, Stopped int64
	SupplementDossiers              int64
	SupplementRounds                int64

	// Processing time of resolved dossiers in working days.
	AvgProcessingDays, P90ProcessingDays float64

	// Digitisation.
	DigitisedDossiers  Ratio // received dossiers with a component digitised or reused ÷ received
	ReusedComponents   Ratio // components reused ÷ components of received dossiers
	PaperToElectronic  Ratio // components scanned at the counter ÷ (scanned + paper only)
	ElectronicResults  Ratio // electronic results ÷ resolved
	OnlinePayments     Ratio // payments confirmed as online ÷ payments confirmed
	GenuineOnlineShare Ratio // genuine online filings ÷ received
	// ReportedOnlineShare counts every online filing, assisted ones included:
	// the figure the review says is inflated.
	ReportedOnlineShare Ratio
	// ProceduresUsedOnline: procedures offered online that received at least
	// one genuine online filing ÷ procedures offered online;
	// ProceduresUsedOnlineReported counts assisted filings too.
	ProceduresUsedOnline, ProceduresUsedOnlineReported Ratio
	// OnlineOffered: procedures offered online ÷ procedures offered.
	OnlineOffered Ratio

	// Identity and hand-off (docs/indicators.md, "Identity and enter once").
	IdentityChecked       int64 // dossiers whose applicant the population database was asked about
	IdentityVerified      Ratio // checked and every person matched ÷ filed
	IdentityPending       int64 // gauge: checks still awaiting the database now
	IdentityMismatches    int64 // flagged: no match or not found
	ProcessedWhilePending int64 // acted on while their check was pending
	PrefilledFields       Ratio // applicant fields taken from the database ÷ (3 × checked)
	EnteredOnce           Ratio // dossiers with a field taken from the database ÷ checked
	// HandoffsWithoutRekeying: business-registration hand-offs acknowledged
	// by the registry (the form sent as filed) ÷ hand-offs started.
	HandoffsWithoutRekeying Ratio

	Score Score766
}

// Facts are the inputs beyond the aggregate rows.
type Facts struct {
	// Durations maps processing-time buckets (DurationBucket) to dossiers.
	Durations map[int]int64
	// OverdueNow counts running dossiers of the cohort past their deadline.
	OverdueNow int64
	// Procedures offered in scope, and of them offered online; of those, the
	// ones with a genuine online filing in the period, and with any.
	Offered, OfferedOnline         int64
	UsedOnline, UsedOnlineReported int64
}

// Compute turns summed rows and facts into indicators.
func Compute(rows []Row, f Facts) Indicators {
	var in Indicators
	for _, r := range rows {
		in.Total.Add(r.Vector)
		recv := r.Vector[Received]
		switch r.Channel {
		case domain.ChannelCounter:
			in.ReceivedCounter += recv
		case domain.ChannelOnline:
			in.ReceivedOnline += recv
			if r.FiledBy.Genuine() {
				in.OnlineGenuine += recv
			} else {
				in.OnlineAssisted += recv
			}
		case domain.ChannelPostal:
			in.ReceivedPostal += recv
		}
	}
	t := in.Total
	in.Filed, in.Received = t[Filed], t[Received]
	in.ResolvedOnTime, in.ResolvedLate = t[ResolvedOnTime], t[ResolvedLate]
	in.OverdueNow = min(f.OverdueNow, t[Running])
	in.InProgressOnTime = t[Running] - in.OverdueNow
	in.Paused, in.Intake = t[Paused], t[AwaitingIntake]
	in.OnTime = Ratio{in.InProgressOnTime + in.ResolvedOnTime, in.Received}
	in.Withdrawn, in.NotAccepted, in.Stopped = t[Withdrawn], t[NotAccepted], t[Stopped]
	in.SupplementDossiers, in.SupplementRounds = t[SupplementDossiers], t[SupplementRounds]
	resolved := in.ResolvedOnTime + in.ResolvedLate
	const day = float64(domain.MinutesPerWorkingDay)
	if resolved > 0 {
		in.AvgProcessingDays = float64(t[ProcessingMinutes]) / float64(resolved) / day
	}
	in.P90ProcessingDays = percentileDays(f.Durations, 0.9)
	in.DigitisedDossiers = Ratio{t[DigitisedDossiers], in.Received}
	in.ReusedComponents = Ratio{t[ComponentsReused], t[ComponentsTotal]}
	in.PaperToElectronic = Ratio{t[ComponentsDigitised], t[ComponentsDigitised] + t[ComponentsPaper]}
	in.ElectronicResults = Ratio{t[ElectronicResults], resolved}
	in.OnlinePayments = Ratio{t[PaymentsOnline], t[PaymentsConfirmed]}
	in.GenuineOnlineShare = Ratio{in.OnlineGenuine, in.Received}
	in.ReportedOnlineShare = Ratio{in.ReceivedOnline, in.Received}
	in.ProceduresUsedOnline = Ratio{f.UsedOnline, f.OfferedOnline}
	in.ProceduresUsedOnlineReported = Ratio{f.UsedOnlineReported, f.OfferedOnline}
	in.OnlineOffered = Ratio{f.OfferedOnline, f.Offered}
	in.IdentityChecked = t[IdentityChecked]
	in.IdentityVerified = Ratio{t[IdentityVerified], in.Filed}
	in.IdentityPending, in.IdentityMismatches, in.ProcessedWhilePending = t[IdentityPending], t[IdentityMismatches], t[ProcessedWhilePending]
	in.PrefilledFields = Ratio{t[PrefilledFields], PrefillableFields * t[IdentityChecked]}
	in.EnteredOnce = Ratio{t[PrefilledDossiers], t[IdentityChecked]}
	in.HandoffsWithoutRekeying = Ratio{t[HandoffsAcknowledged], t[Handoffs]}
	in.Score = score(in)
	return in
}

// percentileDays returns the processing time in working days at or below
// which a share p of dossiers fall, at the histogram's resolution (rounded
// up to the working hour within the first day, to the day beyond).
func percentileDays(hist map[int]int64, p float64) float64 {
	var total int64
	buckets := make([]int, 0, len(hist))
	for b, n := range hist {
		if n > 0 {
			total += n
			buckets = append(buckets, b)
		}
	}
	if total == 0 {
		return 0
	}
	sort.Ints(buckets)
	need := int64(p*float64(total) + 0.999999)
	var seen int64
	for _, b := range buckets {
		seen += hist[b]
		if seen >= need {
			return BucketUpperDays(b)
		}
	}
	return BucketUpperDays(buckets[len(buckets)-1])
}

// Score766 is a Decision 766/QĐ-TTg-style score block. Only the groups
// motcua can measure are scored; the others are reported as not measured.
// Each formula is in docs/indicators.md.
type Score766 struct {
	Progress      float64 // of 20: on-time rate × 20
	OnlineService float64 // of 12
	OnlinePayment float64 // of 10 (4 not measured: per-procedure online payment, payment on DVCQG)
	Digitisation  float64 // of 22 (of which 10 not measured)
	// ReportedOnlineService is OnlineService computed with assisted online
	// filings counted as online, as padded figures would.
	ReportedOnlineService float64
	Measured, MeasuredMax float64
}

func step(r Ratio, threshold, full, partial float64) float64 {
	if r.Value() >= threshold {
		return full
	}
	return partial
}

func onlineService(offered, used, share Ratio) float64 {
	return step(offered, 0.8, 2, 1.6) + used.Value()*4 + step(share, 0.5, 6, 3)
}

func score(in Indicators) Score766 {
	var s Score766
	s.Progress = in.OnTime.Value() * 20
	s.OnlineService = onlineService(in.OnlineOffered, in.ProceduresUsedOnline, in.GenuineOnlineShare)
	s.ReportedOnlineService = onlineService(in.OnlineOffered, in.ProceduresUsedOnlineReported, in.ReportedOnlineShare)
	s.OnlinePayment = 6 * min(1, in.OnlinePayments.Value()/0.3)
	s.Digitisation = in.ElectronicResults.Value()*6 + step(in.DigitisedDossiers, 0.8, 4, 3.2) + step(in.ReusedComponents, 0.8, 2, 1.6)
	s.Measured = s.Progress + s.OnlineService + s.OnlinePayment + s.Digitisation
	s.MeasuredMax = 20 + 12 + 6 + 12
	return s
}
