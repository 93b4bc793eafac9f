package simulate

import (
	"container/heap"
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

// DemoOptions is what the demo plays.
type DemoOptions struct {
	Dossiers int    // how many dossiers are filed
	Seed     uint64 // the same seed plays the same office
	Catalog  DemoCatalog
	// AfterStep, if set, runs after every simulated step with the simulated
	// time, in the simulation's goroutine (the demo delivers to the
	// simulated national portal there, so its figures are reproducible).
	AfterStep func(ctx context.Context, now time.Time) error
	// Signer signs the electronic results (required: most results are).
	Signer *DemoSigner
}

// DemoCatalog names the four procedures of the demo catalog (installed by
// internal/seed) and the agency that receives every dossier. Each plays a
// part: criminal records and enterprise registrations are mostly online,
// building permits are partly on paper and never returned online, certified
// copies are paper.
type DemoCatalog struct {
	Agency                               string
	Criminal, Enterprise, Building, Copy string
}

// The demo's simulated period: filings from Monday 5 January to Friday 6
// March 2026; the office works on until Friday 13 March, when the figures
// are read.
var (
	zone           = calendar.DefaultConfig().Location
	DemoStart      = time.Date(2026, 1, 5, 7, 30, 0, 0, zone)
	DemoLastFiling = time.Date(2026, 3, 6, 17, 0, 0, 0, zone)
	DemoEnd        = time.Date(2026, 3, 13, 17, 0, 0, 0, zone)
)

// Clock is the service's clock during a simulation: the simulation moves
// it forward; the server's goroutines read it.
type Clock struct{ ns atomic.Int64 }

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// Now is the simulated time (the service's clock).
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Advance moves the clock forward to t; it never goes back.
func (c *Clock) Advance(to time.Time) {
	if to.After(c.Now()) {
		c.Set(to)
	}
}

// demoAction is what a dossier waits to do next.
type demoAction int

const (
	actFile demoAction = iota
	actIntake
	actProvide
	actStopAbandoned
	actRequestPayment
	actConfirmPayment
	actExtend
	actInterrupt // withdrawal or stop during a step
	actStep      // forward, or resolve at the last step
	actReturn
	actDone
)

// demoProcedure is a catalog procedure as the simulation uses it.
type demoProcedure struct {
	code     string
	building bool // a construction permit: partly paper, never returned online
	copy     bool // a certified copy: paper
	online   bool
	fees     bool
	comps    []*pb.DocumentComponent
	workflow []*pb.WorkflowStep
}

// demoPlan is what will happen to a dossier, drawn when it is created.
type demoPlan struct {
	notAccept        bool
	withdrawAtIntake bool
	intakeSupplement bool
	stepSupplement   int // step at which staff ask for a supplement, or -1
	rounds           int // supplement rounds asked at that step
	abandon          bool
	payment          bool
	payOnline        bool
	interruptAt      int  // step at which the dossier is withdrawn or stopped, or -1
	stop             bool // interrupted by a stop (else a withdrawal)
	late             []bool
	extend           bool
	electronic       bool
}

// demoDossier is one simulated dossier.
type demoDossier struct {
	n         int
	rng       *rand.Rand
	agency    string // where it is filed
	proc      *demoProcedure
	path      Path
	applicant *pb.Applicant
	rep       *pb.Representative
	returnCh  pb.Channel
	plan      demoPlan

	d          *pb.Dossier
	next       demoAction
	calls      int
	asked      int       // supplement rounds asked, at intake and at steps
	stepAsked  int       // of them at a step
	paid       bool      // the fee is settled
	extended   bool      // an extension was given
	stepDoneAt time.Time // when the current step's work will be done
}

// demoTask is a dossier's next action at a time.
type demoTask struct {
	at  time.Time
	seq int
	x   *demoDossier
}

type demoQueue []demoTask

func (q demoQueue) Len() int { return len(q) }
func (q demoQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q demoQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *demoQueue) Push(v any)   { *q = append(*q, v.(demoTask)) }
func (q *demoQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	*q = old[:len(old)-1]
	return t
}

// Demo plays the office against the server.
type Demo struct {
	o        DemoOptions
	clock    *Clock
	cal      *calendar.Calendar
	key      ed25519.PrivateKey
	tokens   map[string]string
	dossiers pb.DossierServiceClient
	files    pb.DocumentServiceClient
	procs    map[string]*demoProcedure
	queue    demoQueue
	seq      int
	filed    int
}

// NewDemo reads the demo catalog's procedures from the server at conn and
// prepares the office; tokens are signed with key (the server must trust
// it), and the simulation moves clock, the server's clock.
func NewDemo(ctx context.Context, conn *grpc.ClientConn, key ed25519.PrivateKey, clock *Clock, o DemoOptions) (*Demo, error) {
	cal, err := calendar.New(calendar.Config{})
	if err != nil {
		return nil, err
	}
	s := &Demo{o: o, clock: clock, cal: cal, key: key, tokens: map[string]string{},
		dossiers: pb.NewDossierServiceClient(conn), files: pb.NewDocumentServiceClient(conn), procs: map[string]*demoProcedure{}}
	catalog := pb.NewCatalogServiceClient(conn)
	cat := o.Catalog
	for _, code := range []string{cat.Criminal, cat.Enterprise, cat.Building, cat.Copy} {
		ctx, cancel, err := s.as(ctx, auth.TokenSpec{Subject: "demo-admin", Role: domain.RoleAdmin})
		if err != nil {
			return nil, err
		}
		resp, err := catalog.GetProcedure(ctx, &pb.GetProcedureRequest{Code: code})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("demo: read procedure %s: %w", code, err)
		}
		vs := resp.GetProcedure().GetVersions()
		v := vs[len(vs)-1]
		s.procs[code] = &demoProcedure{code: code, building: code == cat.Building, copy: code == cat.Copy, fees: len(v.GetFees()) > 0, comps: v.GetComponents(), workflow: v.GetWorkflow(),
			online: v.GetServiceLevel() == pb.ServiceLevel_SERVICE_LEVEL_FULL_ONLINE || v.GetServiceLevel() == pb.ServiceLevel_SERVICE_LEVEL_PARTIAL_ONLINE}
	}
	return s, nil
}

// Token mints (once) a token for spec with the demo's key.
func (s *Demo) Token(spec auth.TokenSpec) (string, error) {
	k := fmt.Sprintf("%d|%s|%s|%s|%s", spec.Role, spec.Subject, spec.Agency, spec.CitizenID, spec.MandateRef)
	if t, ok := s.tokens[k]; ok {
		return t, nil
	}
	spec.Issuer, spec.Audience, spec.TTL = auth.DevIssuer, auth.DefaultAudience, 2*time.Hour
	t, err := auth.Issue(s.key, spec, time.Now())
	if err != nil {
		return "", err
	}
	s.tokens[k] = t
	return t, nil
}

// as returns a call context for spec.
func (s *Demo) as(ctx context.Context, spec auth.TokenSpec) (context.Context, context.CancelFunc, error) {
	tok, err := s.Token(spec)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok), cancel, nil
}

// spec is who takes action a on x now: the actor policy grants it to
// (ActorFor), at the seat the office uses in this situation when prefer
// names one. The receiving agency has four clerks, each workflow unit two
// officials of each role, three community helpers serve the neighbours.
func (s *Demo) spec(x *demoDossier, a domain.Action, prefer ...policy.Seat) auth.TokenSpec {
	var st *pb.WorkflowStep
	var stepRole domain.Role
	if i := int(x.d.GetCurrentStep().GetIndex()); x.d.GetCurrentStep() != nil && i < len(x.proc.workflow) {
		st = x.proc.workflow[i]
		stepRole = domain.Role(st.GetRole())
	}
	act := ActorFor(a, stepRole, prefer...)
	switch act.Seat {
	case policy.SeatReceivingAgency:
		agency := s.o.Catalog.Agency
		return auth.TokenSpec{Subject: StaffSubject(act.Role, 1+x.n%4, agency), Role: act.Role, Agency: agency}
	case policy.SeatStepUnit:
		// The step's assignee when it has the role, else one of the unit's.
		subject := x.d.GetCurrentStep().GetAssignee()
		if !strings.HasPrefix(subject, act.Role.String()+"-") {
			subject = StaffSubject(act.Role, 1+x.n%2, st.GetUnitCode())
		}
		return auth.TokenSpec{Subject: subject, Role: act.Role, Agency: st.GetUnitCode()}
	}
	switch {
	case x.path == PathHelper && act.Admits(domain.RoleCommunityHelper):
		return auth.TokenSpec{Subject: fmt.Sprintf("helper-%d", 1+x.n%3), Role: domain.RoleCommunityHelper}
	case !act.Admits(domain.RoleCitizen):
		// A grant to integrations only: the national payment platform,
		// for the applicant (named in the call's metadata).
		return auth.TokenSpec{Subject: "payment-platform", Role: domain.RoleIntegration}
	}
	if x.rep != nil {
		return auth.TokenSpec{Subject: "citizen-" + x.rep.GetIdNumber(), Role: domain.RoleRepresentative,
			CitizenID: x.rep.GetIdNumber(), MandateRef: x.rep.GetMandateRef(), Assurance: domain.AssuranceVNeID2}
	}
	id := x.applicant.GetIdNumber()
	return auth.TokenSpec{Subject: "citizen-" + id, Role: domain.RoleCitizen, CitizenID: id, Assurance: domain.AssuranceVNeID2}
}

// Random helpers.
func (x *demoDossier) chance(p float64) bool { return x.rng.Float64() < p }

func (x *demoDossier) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(x.rng.Float64()*float64(hi-lo))
}

// staffAt is when an official acts after working time w from now.
func (s *Demo) staffAt(now time.Time, w time.Duration) time.Time { return s.cal.Add(now, w) }

// citizenAt is when an applicant acts after d of wall time, not in the
// small hours.
func citizenAt(now time.Time, d time.Duration) time.Time {
	t := now.Add(d).In(zone)
	if t.Hour() < 6 {
		t = t.Add(time.Duration(6-t.Hour()) * time.Hour)
	}
	return t
}

// Run files the dossiers and works them until the end of the period
// (DemoEnd), calling filed (when not nil) after each filing with the
// number filed so far and the simulated time. It stops early with the
// context's error when ctx ends.
func (s *Demo) Run(ctx context.Context, filed func(n int, now time.Time)) error {
	master := rand.New(rand.NewPCG(s.o.Seed, 0x6d6f74637561))
	workWindow := s.cal.Between(DemoStart, DemoLastFiling)
	for i := range s.o.Dossiers {
		x := &demoDossier{n: i + 1, rng: rand.New(rand.NewPCG(s.o.Seed, uint64(i+1))), agency: s.o.Catalog.Agency}
		s.plan(x)
		// Counters and clerks work in working hours; citizens file online
		// mostly then too, but also in the evening, at weekends and on Tết.
		u, inHours := master.Float64(), master.Float64() < 0.6
		if x.path.SelfService() && !inHours {
			s.schedule(x, citizenAt(DemoStart, time.Duration(u*float64(DemoLastFiling.Sub(DemoStart)))), actFile)
		} else {
			s.schedule(x, s.cal.Add(DemoStart, time.Duration(u*float64(workWindow))), actFile)
		}
	}
	for s.queue.Len() > 0 {
		t := heap.Pop(&s.queue).(demoTask)
		if t.at.After(DemoEnd) {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("demo: %w", ctx.Err())
		}
		s.clock.Advance(t.at)
		before := s.filed
		if err := s.act(ctx, t.x); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("demo: %w", ctx.Err())
			}
			return err
		}
		if s.filed != before && filed != nil {
			filed(s.filed, s.clock.Now())
		}
		if s.o.AfterStep != nil {
			if err := s.o.AfterStep(ctx, s.clock.Now()); err != nil {
				return err
			}
		}
	}
	return nil
}

// Filed is how many dossiers have been filed so far.
func (s *Demo) Filed() int { return s.filed }

func (s *Demo) schedule(x *demoDossier, at time.Time, a demoAction) {
	if now := s.clock.Now(); !at.After(now) {
		at = now.Add(time.Minute)
	}
	x.next = a
	s.seq++
	heap.Push(&s.queue, demoTask{at: at, seq: s.seq, x: x})
}

// plan draws what will happen to a dossier.
func (s *Demo) plan(x *demoDossier) {
	r := x.rng
	switch p := r.Float64(); {
	case p < 0.40:
		x.proc = s.procs[s.o.Catalog.Criminal]
	case p < 0.62:
		x.proc = s.procs[s.o.Catalog.Enterprise]
	case p < 0.72:
		x.proc = s.procs[s.o.Catalog.Building]
	default:
		x.proc = s.procs[s.o.Catalog.Copy]
	}
	// How it arrives: the online paths only for procedures offered online.
	p := r.Float64()
	switch {
	case !x.proc.online && p < 0.85:
		x.path = PathCounter
	case !x.proc.online:
		x.path = PathPostal
	case p < 0.22:
		x.path = PathCounter
	case p < 0.30:
		x.path = PathPostal
	case p < 0.62:
		x.path = PathCitizen
	case p < 0.68:
		x.path = PathRepresentative
	case p < 0.94:
		x.path = PathStaffOnBehalf
	default:
		x.path = PathHelper
	}
	x.applicant = &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN, IdNumber: NumberedCitizenID(r, x.n*10), Name: PersonName(r),
		Phone: fmt.Sprintf("09%08d", r.IntN(100000000))}
	if x.path == PathRepresentative {
		x.rep = &pb.Representative{Name: PersonName(r), IdNumber: NumberedCitizenID(r, x.n*10+1), MandateRef: fmt.Sprintf("UQ-%04d/2026", x.n)}
	}
	x.returnCh = pb.Channel(ReturnChannel(r, x.path, !x.proc.building))

	pl := demoPlan{stepSupplement: -1, interruptAt: -1}
	steps := len(x.proc.workflow)
	if x.path.Online() {
		pl.notAccept = x.chance(0.04)
		pl.withdrawAtIntake = !pl.notAccept && x.chance(0.015)
		pl.intakeSupplement = x.chance(0.08)
	}
	if x.chance(0.10) && steps > 1 {
		pl.stepSupplement = 1 + r.IntN(steps-1)
		pl.rounds = 1
		if x.chance(0.2) {
			pl.rounds = 2
		}
	}
	pl.abandon = (pl.intakeSupplement || pl.stepSupplement >= 0) && x.chance(0.12)
	pl.payment = x.proc.fees && x.chance(0.4)
	pl.payOnline = x.chance(0.2)
	if x.path.ApplicantOnline() {
		pl.payOnline = x.chance(0.65)
	}
	if x.chance(0.035) {
		pl.interruptAt = r.IntN(steps)
		pl.stop = x.chance(0.4)
	}
	pl.late = make([]bool, steps)
	for i := range pl.late {
		pl.late[i] = x.chance(0.09)
	}
	pl.extend = x.chance(0.3)
	// Certified copies are paper; building permits often still are.
	switch {
	case x.proc.copy:
		pl.electronic = false
	case x.proc.building:
		pl.electronic = x.chance(0.5)
	default:
		pl.electronic = x.chance(0.8)
	}
	if x.returnCh == pb.Channel_CHANNEL_ONLINE {
		pl.electronic = true
	}
	x.plan = pl
}

// draft is the dossier as filed: uploaded files online; at the counter and
// by post some documents scanned, some on paper only, some reused from the
// national databases.
func (x *demoDossier) draft() *pb.DossierDraft {
	d := &pb.DossierDraft{ProcedureCode: x.proc.code, AgencyCode: x.agency, Applicant: x.applicant,
		Representative: x.rep, ReturnChannel: x.returnCh, Summary: fmt.Sprintf("Hồ sơ %s của %s", x.proc.code, x.applicant.GetName())}
	for _, c := range x.proc.comps {
		if !c.GetMandatory() && !(c.GetCode() == "UQ" && x.rep != nil) {
			continue
		}
		d.Components = append(d.Components, x.component(c.GetCode(), x.path.Online(), "filed"))
	}
	return d
}

// component is one document, uploaded (online) or brought in.
func (x *demoDossier) component(code string, online bool, why string) *pb.DossierComponent {
	file := fmt.Sprintf("files/demo/%d/%s-%s.pdf", x.n, strings.ToLower(code), why)
	c := Component(x.rng, code, file, x.applicant.GetIdNumber(), online, x.proc.copy)
	return withFile(&pb.DossierComponent{Code: c.Code, Source: pb.ComponentSource(c.Source), ReusedFrom: c.ReusedFrom,
		FileRef: c.FileRef, FileSha256: c.FileSHA256})
}

// dossierResponse is what every action answers.
type dossierResponse interface{ GetDossier() *pb.Dossier }

// call runs one action as spec (with metadata md) and keeps the dossier it
// answers.
func (s *Demo) call(ctx context.Context, x *demoDossier, method string, spec auth.TokenSpec, md []string,
	fn func(ctx context.Context, rid string) (dossierResponse, error)) error {
	cctx, cancel, err := s.as(ctx, spec)
	if err != nil {
		return err
	}
	defer cancel()
	if len(md) > 0 {
		cctx = metadata.AppendToOutgoingContext(cctx, md...)
	}
	x.calls++
	resp, err := fn(cctx, fmt.Sprintf("demo-%d-%d-%d", s.o.Seed, x.n, x.calls))
	if err != nil {
		what := fmt.Sprintf("dossier #%d", x.n)
		if x.d != nil {
			what = fmt.Sprintf("dossier %s (%s, version %d)", x.d.GetCode(), x.d.GetStatus(), x.d.GetVersion())
		}
		return fmt.Errorf("demo: %s of %s as %s %s at %s: %w", method, what, spec.Role, spec.Subject,
			s.clock.Now().In(zone).Format("Mon 02/01/2006 15:04"), err)
	}
	x.d = resp.GetDossier()
	return nil
}

func (x *demoDossier) id() string     { return x.d.GetId() }
func (x *demoDossier) version() int64 { return x.d.GetVersion() }
func (x *demoDossier) stepIndex() int { return int(x.d.GetCurrentStep().GetIndex()) }
func (x *demoDossier) lastStep() bool { return x.stepIndex() == len(x.proc.workflow)-1 }
func (x *demoDossier) allotted() time.Duration {
	h := x.proc.workflow[x.stepIndex()].GetAllottedWorkingHours()
	return time.Duration(h * float64(time.Hour))
}

// act performs a dossier's next action and schedules the one after.
func (s *Demo) act(ctx context.Context, x *demoDossier) error {
	now := s.clock.Now()
	c := s.dossiers
	switch x.next {
	case actFile:
		return s.file(ctx, x, now)

	case actIntake:
		switch {
		case x.plan.withdrawAtIntake:
			return s.withdraw(ctx, x, "Không còn nhu cầu")
		case x.plan.notAccept:
			err := s.call(ctx, x, "NotAcceptDossier", s.spec(x, domain.ActionNotAccept), nil, func(ctx context.Context, rid string) (dossierResponse, error) {
				return c.NotAcceptDossier(ctx, &pb.NotAcceptDossierRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(),
					Reason: "Hồ sơ không thuộc thẩm quyền giải quyết"})
			})
			x.next = actDone
			return err
		case x.plan.intakeSupplement && x.asked == 0:
			return s.askSupplement(ctx, x, s.spec(x, domain.ActionRequestSupplement), now)
		}
		err := s.call(ctx, x, "ReceiveDossier", s.spec(x, domain.ActionReceive), nil, func(ctx context.Context, rid string) (dossierResponse, error) {
			return c.ReceiveDossier(ctx, &pb.ReceiveDossierRequest{RequestId: rid,
				Target: &pb.ReceiveDossierRequest_DossierId{DossierId: x.id()}, ExpectedVersion: x.version(), Note: "Hồ sơ hợp lệ"})
		})
		if err != nil {
			return err
		}
		s.received(x, now)
		return nil

	case actProvide:
		spec, ch, online := s.spec(x, domain.ActionProvideSupplement, policy.SeatReceivingAgency), pb.Channel_CHANNEL_COUNTER, false
		switch {
		case x.path.ApplicantOnline():
			spec, ch, online = s.spec(x, domain.ActionProvideSupplement, policy.SeatAnywhere), pb.Channel_CHANNEL_ONLINE, true
		case x.path == PathStaffOnBehalf && x.chance(0.5):
			ch, online = pb.Channel_CHANNEL_ONLINE, true // the clerk uploads it for them again
		}
		code := x.proc.comps[0].GetCode()
		comp := x.component(code, online, fmt.Sprintf("bs%d", x.asked))
		err := s.call(ctx, x, "ProvideSupplement", spec, nil, func(ctx context.Context, rid string) (dossierResponse, error) {
			if err := s.storeFiles(ctx, []*pb.DossierComponent{comp}); err != nil {
				return nil, err
			}
			return c.ProvideSupplement(ctx, &pb.ProvideSupplementRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(),
				Components: []*pb.DossierComponent{comp}, Channel: ch})
		})
		if err != nil {
			return err
		}
		if x.d.GetStatus() == pb.DossierStatus_DOSSIER_STATUS_SUBMITTED {
			s.schedule(x, s.staffAt(now, x.between(30*time.Minute, 4*time.Hour)), actIntake)
		} else {
			s.enterStep(x, now, false)
		}
		return nil

	case actStopAbandoned:
		return s.stop(ctx, x, "Quá hạn bổ sung hồ sơ mà công dân không bổ sung")

	case actRequestPayment:
		err := s.call(ctx, x, "RequestPayment", s.spec(x, domain.ActionRequestPayment), nil, func(ctx context.Context, rid string) (dossierResponse, error) {
			return c.RequestPayment(ctx, &pb.RequestPaymentRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(),
				AmountVnd: 200000, Reason: "Phí, lệ phí giải quyết thủ tục hành chính"})
		})
		if err != nil {
			return err
		}
		if x.plan.payOnline {
			s.schedule(x, citizenAt(now, x.between(10*time.Minute, 30*time.Hour)), actConfirmPayment)
		} else {
			s.schedule(x, s.staffAt(now, x.between(30*time.Minute, 16*time.Hour)), actConfirmPayment)
		}
		return nil

	case actConfirmPayment:
		spec, md := s.spec(x, domain.ActionConfirmPayment), []string(nil)
		receipt := fmt.Sprintf("BL-%05d", x.n)
		if x.plan.payOnline {
			// The national payment platform confirms for the applicant.
			spec = s.spec(x, domain.ActionConfirmPayment, policy.SeatAnywhere)
			md = []string{auth.MDCitizenID, x.applicant.GetIdNumber(), auth.MDCitizenAssurance, domain.AssuranceVNeID2.String()}
			receipt = fmt.Sprintf("PAYGOV-%d-%05d", s.o.Seed, x.n)
		}
		err := s.call(ctx, x, "ConfirmPayment", spec, md, func(ctx context.Context, rid string) (dossierResponse, error) {
			return c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(),
				ReceiptRef: receipt, Online: x.plan.payOnline})
		})
		if err != nil {
			return err
		}
		x.paid = true
		s.enterStep(x, now, false)
		return nil

	case actExtend:
		due := x.d.GetDueTime().AsTime()
		newDue := s.cal.Add(due, x.between(16*time.Hour, 40*time.Hour))
		err := s.call(ctx, x, "ExtendDeadline", s.spec(x, domain.ActionExtend), nil, func(ctx context.Context, rid string) (dossierResponse, error) {
			return c.ExtendDeadline(ctx, &pb.ExtendDeadlineRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(),
				Reason: "Xin lỗi công dân: hồ sơ cần thêm thời gian thẩm định", NewDueTime: timestamppb.New(newDue)})
		})
		if err != nil {
			return err
		}
		x.extended = true
		s.schedule(x, x.stepDoneAt, actStep)
		return nil

	case actInterrupt:
		if x.plan.stop {
			return s.stop(ctx, x, "Hồ sơ không đủ điều kiện giải quyết")
		}
		return s.withdraw(ctx, x, "Công dân xin rút hồ sơ")

	case actStep:
		i := x.stepIndex()
		if x.plan.stepSupplement == i && x.stepAsked < x.plan.rounds {
			x.stepAsked++
			return s.askSupplement(ctx, x, s.spec(x, domain.ActionRequestSupplement, policy.SeatStepUnit), now)
		}
		if x.lastStep() {
			return s.resolve(ctx, x, now)
		}
		next := x.proc.workflow[i+1]
		assignee := StaffSubject(domain.Role(next.GetRole()), 1+x.rng.IntN(2), next.GetUnitCode())
		err := s.call(ctx, x, "ForwardDossier", s.spec(x, domain.ActionForward), nil, func(ctx context.Context, rid string) (dossierResponse, error) {
			return c.ForwardDossier(ctx, &pb.ForwardDossierRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(),
				Assignee: assignee})
		})
		if err != nil {
			return err
		}
		s.enterStep(x, now, true)
		return nil

	case actReturn:
		ch := x.returnCh
		if ch == pb.Channel_CHANNEL_ONLINE && !x.d.GetResult().GetElectronic() {
			ch = pb.Channel_CHANNEL_COUNTER
		}
		err := s.call(ctx, x, "ReturnResult", s.spec(x, domain.ActionReturn), nil, func(ctx context.Context, rid string) (dossierResponse, error) {
			return c.ReturnResult(ctx, &pb.ReturnResultRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(), Channel: ch})
		})
		x.next = actDone
		return err
	}
	return fmt.Errorf("demo: dossier #%d has nothing to do (%d)", x.n, x.next)
}

// file files the dossier the way its path says.
func (s *Demo) file(ctx context.Context, x *demoDossier, now time.Time) error {
	c := s.dossiers
	draft := x.draft()
	var err error
	switch x.path {
	case PathCounter, PathPostal:
		ch := pb.Channel_CHANNEL_COUNTER
		if x.path == PathPostal {
			ch = pb.Channel_CHANNEL_POSTAL
		}
		err = s.call(ctx, x, "ReceiveDossier", s.spec(x, domain.ActionReceive), nil, func(ctx context.Context, rid string) (dossierResponse, error) {
			if err := s.storeFiles(ctx, draft.GetComponents()); err != nil { // the clerk scans at intake
				return nil, err
			}
			return c.ReceiveDossier(ctx, &pb.ReceiveDossierRequest{RequestId: rid,
				Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: draft}, Channel: ch})
		})
	default:
		spec := s.spec(x, domain.ActionSubmit)
		if x.path == PathStaffOnBehalf {
			spec = s.spec(x, domain.ActionSubmit, policy.SeatReceivingAgency)
		}
		err = s.call(ctx, x, "SubmitDossier", spec, nil, func(ctx context.Context, rid string) (dossierResponse, error) {
			if err := s.storeFiles(ctx, draft.GetComponents()); err != nil {
				return nil, err
			}
			return c.SubmitDossier(ctx, &pb.SubmitDossierRequest{RequestId: rid, Dossier: draft})
		})
	}
	if err != nil {
		return err
	}
	s.filed++
	switch {
	case !x.path.Online():
		s.received(x, now)
	case x.path == PathStaffOnBehalf:
		// The clerk accepts what they just filed, a few minutes later.
		s.schedule(x, s.staffAt(now, x.between(2*time.Minute, 20*time.Minute)), actIntake)
	default:
		s.schedule(x, s.staffAt(now, x.between(15*time.Minute, 6*time.Hour)), actIntake)
	}
	return nil
}

// received goes on after receipt: the fee first, if any, then the steps.
func (s *Demo) received(x *demoDossier, now time.Time) {
	if x.plan.payment && !x.paid {
		s.schedule(x, s.staffAt(now, x.between(5*time.Minute, 40*time.Minute)), actRequestPayment)
		return
	}
	s.enterStep(x, now, false)
}

// enterStep plans the work of the current step: when it will be done (on
// time, or late), and what happens meanwhile.
func (s *Demo) enterStep(x *demoDossier, now time.Time, fresh bool) {
	if fresh || x.stepDoneAt.IsZero() || !x.stepDoneAt.After(now) {
		x.stepDoneAt = s.stepDone(x, now)
	}
	i := x.stepIndex()
	switch {
	case x.plan.interruptAt == i:
		x.plan.interruptAt = -1
		s.schedule(x, s.midway(x, now), actInterrupt)
	case x.plan.late[i] && x.plan.extend && !x.extended:
		s.schedule(x, s.midway(x, now), actExtend)
	case x.plan.stepSupplement == i && x.stepAsked < x.plan.rounds:
		s.schedule(x, s.midway(x, now), actStep)
	default:
		s.schedule(x, x.stepDoneAt, actStep)
	}
}

// midway is a working time between now and the step's planned end.
func (s *Demo) midway(x *demoDossier, now time.Time) time.Time {
	left := s.cal.Between(now, x.stepDoneAt)
	return s.staffAt(now, time.Duration(float64(left)*(0.2+0.5*x.rng.Float64())))
}

// stepDone is when the current step's work is done: within its due time,
// or (planned late, and more often in the weeks around Tết) after it.
func (s *Demo) stepDone(x *demoDossier, now time.Time) time.Time {
	step := x.d.GetCurrentStep()
	due := step.GetDueTime().AsTime()
	late := x.plan.late[x.stepIndex()]
	if d := due.In(zone); !late && d.After(time.Date(2026, 2, 9, 0, 0, 0, 0, zone)) && d.Before(time.Date(2026, 2, 28, 0, 0, 0, 0, zone)) {
		late = x.chance(0.15)
	}
	left := s.cal.Between(now, due)
	if late || left <= 0 {
		return s.staffAt(due, time.Duration(float64(x.allotted())*(0.1+0.9*x.rng.Float64()))+30*time.Minute)
	}
	return s.staffAt(now, time.Duration(float64(left)*(0.15+0.8*x.rng.Float64())))
}

// askSupplement asks for a document (pausing the clock); the applicant
// provides it later, or never (the dossier is then stopped).
func (s *Demo) askSupplement(ctx context.Context, x *demoDossier, spec auth.TokenSpec, now time.Time) error {
	code := x.proc.comps[0].GetCode()
	err := s.call(ctx, x, "RequestSupplement", spec, nil, func(ctx context.Context, rid string) (dossierResponse, error) {
		return s.dossiers.RequestSupplement(ctx, &pb.RequestSupplementRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(),
			Reason: "Tài liệu chưa rõ, đề nghị bổ sung bản rõ nét", ComponentCodes: []string{code}})
	})
	if err != nil {
		return err
	}
	x.asked++
	if x.plan.abandon {
		s.schedule(x, s.staffAt(now, 15*8*time.Hour), actStopAbandoned)
		return nil
	}
	if x.path.ApplicantOnline() {
		s.schedule(x, citizenAt(now, x.between(3*time.Hour, 96*time.Hour)), actProvide)
	} else {
		s.schedule(x, s.staffAt(now, x.between(4*time.Hour, 40*time.Hour)), actProvide)
	}
	return nil
}

func (s *Demo) withdraw(ctx context.Context, x *demoDossier, reason string) error {
	spec, ch := s.spec(x, domain.ActionWithdraw, policy.SeatReceivingAgency), pb.Channel_CHANNEL_COUNTER
	if x.path.ApplicantOnline() {
		spec, ch = s.spec(x, domain.ActionWithdraw, policy.SeatAnywhere), pb.Channel_CHANNEL_ONLINE
	}
	x.next = actDone
	return s.call(ctx, x, "WithdrawDossier", spec, nil, func(ctx context.Context, rid string) (dossierResponse, error) {
		return s.dossiers.WithdrawDossier(ctx, &pb.WithdrawDossierRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(),
			Reason: reason, Channel: ch})
	})
}

func (s *Demo) stop(ctx context.Context, x *demoDossier, reason string) error {
	x.next = actDone
	return s.call(ctx, x, "StopDossier", s.spec(x, domain.ActionStop), nil, func(ctx context.Context, rid string) (dossierResponse, error) {
		return s.dossiers.StopDossier(ctx, &pb.StopDossierRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(), Reason: reason})
	})
}

// resolve issues the result at the last step; it is handed over later.
func (s *Demo) resolve(ctx context.Context, x *demoDossier, now time.Time) error {
	res := &pb.DossierResult{Electronic: x.plan.electronic, Signer: "Lãnh đạo " + x.proc.workflow[len(x.proc.workflow)-1].GetUnitCode(),
		Documents: []*pb.ResultDocument{{Code: "KQ", Name: "Kết quả giải quyết " + x.proc.code}}}
	err := s.call(ctx, x, "ResolveDossier", s.spec(x, domain.ActionResolve), nil, func(ctx context.Context, rid string) (dossierResponse, error) {
		if res.Electronic && res.Documents[0].GetSignatureSha256() == "" {
			if err := s.signedResult(ctx, res.Documents[0], fmt.Sprintf("results/demo/%d/kq.pdf", x.n)); err != nil {
				return nil, err
			}
		}
		return s.dossiers.ResolveDossier(ctx, &pb.ResolveDossierRequest{RequestId: rid, DossierId: x.id(), ExpectedVersion: x.version(), Result: res})
	})
	if err != nil {
		return err
	}
	switch {
	case x.returnCh == pb.Channel_CHANNEL_ONLINE && res.Electronic:
		s.schedule(x, s.staffAt(now, x.between(5*time.Minute, 2*time.Hour)), actReturn)
	case x.returnCh == pb.Channel_CHANNEL_POSTAL:
		s.schedule(x, s.staffAt(now, x.between(2*time.Hour, 12*time.Hour)), actReturn)
	default: // the applicant comes to the counter within a week or so
		s.schedule(x, s.staffAt(now, x.between(time.Hour, 48*time.Hour)), actReturn)
	}
	return nil
}
