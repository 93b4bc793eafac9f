package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
	"github.com/motcua/motcua/internal/simulate"
)

// receiving is an agency that takes in dossiers.
type receiving struct {
	agency   *domain.Agency
	index    int
	district bool
	cal      *calendar.Calendar
	work     timeline // working time of the period
	clerks   int
	weight   float64
}

// header is what is drawn for a dossier before any is generated: enough to
// allot dossier codes in filing order.
type header struct {
	n      int32 // draw index: names the dossier's random streams
	agency int16
	proc   int8
	path   simulate.Path
	filed  time.Time
	seq    int64
}

// world is everything generation reads; it is immutable once built.
type world struct {
	seed        uint64
	from, until time.Time
	snap        *snapshot
	receiving   []*receiving // the one-stop centre, then the districts
	// districtWeights are the districts' shares of the districts' filings.
	districtWeights []float64
	procs           []*domain.Procedure // the demo procedures, in procCodes order
	// unitLate is the chance that a workflow step of a unit finishes late.
	unitLate map[string]float64
	// seqBase is the last code sequence already allotted per {agency,
	// day} (Options.Append).
	seqBase map[[2]string]int64
}

// Procedure mix at the provincial centre and at a district counter.
var (
	procCodes         = []string{ProcCriminal, ProcEnterprise, ProcBuilding, ProcCopy}
	centreProcWeights = []float64{0.30, 0.25, 0.12, 0.33}
	districtWeights   = []float64{0.25, 0.10, 0.05, 0.60}
	// How dossiers of a procedure offered online arrive. A third of online
	// filings are made by officials or helpers for the applicant.
	onlinePathWeights = []float64{
		simulate.PathCounter: 0.28, simulate.PathPostal: 0.05, simulate.PathCitizen: 0.25, simulate.PathRepresentative: 0.04,
		simulate.PathPortal: 0.06, simulate.PathStaffOnBehalf: 0.26, simulate.PathHelper: 0.06,
	}
	// centreShare is the provincial one-stop centre's share of all filings.
	centreShare = 0.35
)

func pick(r *rand.Rand, weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	u := r.Float64() * total
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

// stream returns the random stream k of dossier n.
func (w *world) stream(n int32, k uint64) *rand.Rand {
	return rand.New(rand.NewPCG(w.seed, uint64(n)<<2|k))
}

// drawHeader draws dossier n's agency, procedure, path and filing time.
func (w *world) drawHeader(n int32) (header, error) {
	r := w.stream(n, 0)
	h := header{n: n}
	var ag int
	if r.Float64() < centreShare {
		ag = 0
	} else {
		ag = 1 + pick(r, w.districtWeights)
	}
	rec := w.receiving[ag]
	h.agency = int16(ag)
	weights := centreProcWeights
	if rec.district {
		weights = districtWeights
	}
	h.proc = int8(pick(r, weights))
	proc := w.procs[h.proc]
	// Filing time: counters and clerks work in working hours; people file
	// online mostly then too, but also in the evening, at night, at
	// weekends and on holidays.
	h.path = simulate.Path(pick(r, onlinePathWeights))
	u, anyTime, nights := r.Float64(), r.Float64() < 0.45, r.Uint64()
	file := func() {
		if !h.path.SelfService() || !anyTime {
			h.filed = rec.work.at(time.Duration(u * float64(rec.work.total))).Truncate(time.Second)
			return
		}
		span := w.until.Sub(w.from)
		t := w.from.Add(time.Duration(u * float64(span)))
		// Fewer in the small hours.
		nr := rand.New(rand.NewPCG(nights, 0))
		for try := 0; try < 3 && t.In(rec.cal.Location()).Hour() < 6 && nr.Float64() < 0.8; try++ {
			t = w.from.Add(time.Duration(nr.Float64() * float64(span)))
		}
		h.filed = t.Truncate(time.Second)
	}
	file()
	pv := proc.VersionAt(h.filed)
	if pv == nil {
		return h, fmt.Errorf("seed: procedure %s has no version in force on %s; seed a year its catalog covers",
			proc.Code, h.filed.In(rec.cal.Location()).Format("2006-01-02"))
	}
	if !pv.ServiceLevel.Online() && h.path.Online() {
		// Offered only at the counter: most come in person, some by post.
		h.path = simulate.PathCounter
		if r.Float64() < 0.08 {
			h.path = simulate.PathPostal
		}
		file()
	}
	return h, nil
}

// plan is what will happen to a dossier, drawn when it is filed.
type plan struct {
	notAccept        bool
	withdrawAtIntake bool
	intakeSupplement bool
	stepSupplement   int // step at which staff ask for a supplement, or -1
	rounds           int
	abandon          bool // the applicant never brings the supplement: stopped
	payment          bool
	payOnline        bool
	interruptAt      int  // step at which the dossier is withdrawn or stopped, or -1
	stop             bool // interrupted by a stop (else a withdrawal)
	late             []bool
	stallAt          int // step forgotten for weeks past its due time, or -1
	extend           bool
	electronic       bool
	uncollected      bool // the result is never collected
}

// generator runs dossiers through the real use cases on a scratch store,
// one at a time, on a clock it moves itself. Each worker has its own.
type generator struct {
	w   *world
	scr *scratch
	app *app.Lifecycle
	now time.Time

	// the current dossier
	h         header
	r         *rand.Rand
	rec       *receiving
	proc      *domain.Procedure
	pv        *domain.ProcedureVersion
	d         *domain.Dossier
	calls     int
	applicant domain.Applicant
	rep       *domain.Representative
	returnCh  domain.Channel
	plan      plan
	clerkNo   int
	extended  bool
	asked     int // supplement rounds asked at steps
	addr      map[string]string
}

func newGenerator(w *world) *generator {
	g := &generator{w: w, scr: &scratch{catalog: w.snap}}
	g.app = app.NewLifecycle(g.scr, app.WithClock(func() time.Time { return g.now }))
	return g
}

// generated is one dossier as the server would have stored it.
type generated struct {
	dossier domain.Dossier
	events  []domain.Event
	slips   []domain.SlipRow
	scr     *scratch // its aggregate changes (valid until the next dossier)
}

// generate lives dossier h until it ends or the period does.
func (g *generator) generate(h header) (out generated, err error) {
	defer func() {
		// The scratch store panics on a store method seeding does not
		// expect; that is a bug here, reported as an error.
		if p := recover(); p != nil {
			err = fmt.Errorf("seed: dossier #%d: unexpected store call: %v", h.n, p)
		}
	}()
	g.h, g.r, g.rec = h, g.w.stream(h.n, 1), g.w.receiving[h.agency]
	g.proc = g.w.procs[h.proc]
	g.pv = g.proc.VersionAt(h.filed)
	g.d, g.calls, g.extended, g.asked, g.addr = nil, 0, false, 0, map[string]string{}
	g.now = h.filed
	g.scr.reset(h.seq)
	g.people()
	g.draw()
	if err := g.live(); err != nil {
		code := ""
		if g.d != nil {
			code = g.d.Code + " "
		}
		return out, fmt.Errorf("seed: dossier #%d %s(%s by %v, %s) at %s: %w", h.n, code, g.proc.Code, h.path,
			g.rec.agency.Code, g.now.In(g.rec.cal.Location()).Format("2006-01-02 15:04"), err)
	}
	out = generated{dossier: *g.scr.dossier, events: g.scr.events, slips: g.scr.slips, scr: g.scr}
	g.renumber(&out)
	return out, nil
}

// renumber gives the dossier and its events ids drawn from the dossier's
// own random stream (time-ordered UUIDv7, like the server's), so that the
// same seed gives the same rows, and seals the chain again over them.
func (g *generator) renumber(out *generated) {
	r := g.w.stream(g.h.n, 2)
	id := uuid7(out.dossier.CreatedAt, r)
	out.dossier.ID = id
	prev := ""
	for i := range out.events {
		e := &out.events[i]
		e.ID, e.DossierID = uuid7(e.At, r), id
		audit.Seal(e, prev)
		prev = e.Hash
	}
	out.dossier.LastEventHash = prev
	for i := range out.slips {
		out.slips[i].DossierID = id
	}
}

// uuid7 is a UUIDv7 for time t with random bits from r.
func uuid7(t time.Time, r *rand.Rand) string {
	var u uuid.UUID
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		u[i] = byte(ms >> (40 - 8*i))
	}
	a, b := r.Uint64(), r.Uint64()
	for i := range 2 {
		u[6+i] = byte(a >> (8 * i))
	}
	for i := range 8 {
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *generator) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.r.Float64()*float64(hi-lo))
}

// staffAfter is when an official acts after working time w from t.
func (g *generator) staffAfter(t time.Time, w time.Duration) time.Time {
	return g.rec.cal.Add(t, w).Truncate(time.Second)
}

// citizenAfter is when an applicant acts after wall time d from t, not in
// the small hours.
func (g *generator) citizenAfter(t time.Time, d time.Duration) time.Time {
	u := t.Add(d).In(g.rec.cal.Location())
	if u.Hour() < 6 {
		u = u.Add(time.Duration(6-u.Hour())*time.Hour + g.between(0, 2*time.Hour))
	}
	return u.UTC().Truncate(time.Second)
}

// at moves the clock to t, never backwards; false when t is past the
// period: the dossier then stays as it is.
func (g *generator) at(t time.Time) bool {
	if !t.Before(g.w.until) {
		return false
	}
	if !t.After(g.now) {
		t = g.now.Add(time.Duration(1+g.r.IntN(300)) * time.Second)
		if !t.Before(g.w.until) {
			return false
		}
	}
	g.now = t
	return true
}

// draw decides what will happen to the dossier.
func (g *generator) draw() {
	steps := len(g.pv.Workflow)
	p := plan{stepSupplement: -1, interruptAt: -1, stallAt: -1}
	if g.h.path.Online() {
		p.notAccept = g.chance(0.04)
		p.withdrawAtIntake = !p.notAccept && g.chance(0.015)
		p.intakeSupplement = g.chance(0.08)
	}
	if steps > 1 && g.chance(0.10) {
		p.stepSupplement = 1 + g.r.IntN(steps-1)
		p.rounds = 1
		if g.chance(0.2) {
			p.rounds = 2
		}
	}
	p.abandon = (p.intakeSupplement || p.stepSupplement >= 0) && g.chance(0.12)
	p.payment = len(g.pv.Fees) > 0 && g.proc.Code != ProcCopy && g.chance(0.4)
	p.payOnline = g.chance(0.2)
	if g.h.path.ApplicantOnline() {
		p.payOnline = g.chance(0.65)
	}
	if steps > 0 && g.chance(0.035) {
		p.interruptAt = g.r.IntN(steps)
		p.stop = g.chance(0.4)
	}
	p.late = make([]bool, steps)
	for i, st := range g.pv.Workflow {
		p.late[i] = g.chance(g.w.unitLate[st.UnitCode])
	}
	if steps > 0 && g.chance(0.012) {
		p.stallAt = g.r.IntN(steps)
	}
	p.extend = g.chance(0.3)
	switch g.proc.Code {
	case ProcCopy:
		p.electronic = g.chance(0.1)
	case ProcBuilding:
		p.electronic = g.chance(0.5)
	default:
		p.electronic = g.chance(0.8)
	}
	if g.returnCh == domain.ChannelOnline {
		p.electronic = true
	}
	p.uncollected = g.chance(0.02)
	g.plan = p
}

// communes are where the applicants live.
var communes = []string{"Phường 1", "Phường 2", "Xã An Hòa", "Xã Tân Lập", "Xã Phước Lợi", "Thị trấn Bến Cầu", "Xã Mỹ Hạnh",
	"Xã Long Thạnh", "Phường Hiệp Ninh", "Xã Thạnh Đức"}

// people draws the applicant, a representative (always for a firm: its
// legal representative acts for it) and the return channel.
func (g *generator) people() {
	n := g.h.n
	commune := communes[g.r.IntN(len(communes))]
	g.applicant = domain.Applicant{Kind: domain.ApplicantCitizen, IDNumber: simulate.CitizenID(g.r), Name: simulate.PersonName(g.r),
		Phone: fmt.Sprintf("09%08d", g.r.IntN(100000000)), Address: commune + ", " + g.rec.agency.Name}
	g.rep = nil
	if g.proc.Code == ProcBuilding && g.chance(0.3) {
		g.applicant = domain.Applicant{Kind: domain.ApplicantEnterprise, IDNumber: simulate.TaxCode(g.r),
			Name:    simulate.FirmName(g.r),
			Address: commune + ", " + g.rec.agency.Name, Email: fmt.Sprintf("lienhe%d@example.vn", n)}
	}
	if g.applicant.Kind != domain.ApplicantCitizen || g.h.path == simulate.PathRepresentative || (!g.h.path.Online() && g.chance(0.04)) {
		g.rep = &domain.Representative{Name: simulate.PersonName(g.r), IDNumber: simulate.CitizenID(g.r), MandateRef: fmt.Sprintf("UQ-%d/%d", n, g.h.filed.Year())}
		if g.rep.IDNumber == g.applicant.IDNumber {
			g.rep.IDNumber = g.rep.IDNumber[:11] + string('0'+(g.rep.IDNumber[11]-'0'+1)%10)
		}
	}
	g.returnCh = simulate.ReturnChannel(g.r, g.h.path, g.proc.Code != ProcBuilding)
	g.clerkNo = 1 + g.r.IntN(g.rec.clerks)
}

// component is one document, uploaded (online) or brought in: some scanned
// at the counter, some on paper only, identity papers often reused from
// the national population database.
func (g *generator) component(code string, online bool, why string) domain.Component {
	file := fmt.Sprintf("files/%d/%s/%d/%s-%s.pdf", g.h.filed.Year(), g.rec.agency.Code, g.h.n, strings.ToLower(code), why)
	return simulate.Component(g.r, code, file, g.applicant.IDNumber, online, g.proc.Code == ProcCopy)
}

func (g *generator) draft() domain.Draft {
	d := domain.Draft{ProcedureCode: g.proc.Code, AgencyCode: g.rec.agency.Code, Applicant: g.applicant,
		Representative: g.rep, ReturnChannel: g.returnCh, Summary: g.proc.Name + " — " + g.applicant.Name}
	for _, c := range g.pv.Components {
		if !c.Mandatory && (c.Code != "UQ" || g.rep == nil) {
			continue
		}
		d.Components = append(d.Components, g.component(c.Code, g.h.path.Online(), "nop"))
	}
	return d
}

// Who acts. Addresses are what the server would see as the peer: counter
// and office PCs on the province's network, citizens on public networks.

func (g *generator) address(key string, mk func() string) string {
	if a, ok := g.addr[key]; ok {
		return a
	}
	a := mk()
	g.addr[key] = a
	return a
}

func (g *generator) port() int { return 32768 + g.r.IntN(28000) }

// as is who takes action a now: the actor policy grants it to
// (simulate.ActorFor), at the seat the office uses in this situation when
// prefer names one.
func (g *generator) as(a domain.Action, prefer ...policy.Seat) domain.Principal {
	var stepRole domain.Role
	if g.d != nil && g.d.Step.Index >= 0 && g.d.Step.Index < len(g.pv.Workflow) {
		stepRole = g.pv.Workflow[g.d.Step.Index].Role
	}
	act := simulate.ActorFor(a, stepRole, prefer...)
	switch act.Seat {
	case policy.SeatReceivingAgency:
		return g.clerk(act.Role)
	case policy.SeatStepUnit:
		return g.stepOfficial(act.Role)
	}
	switch {
	case g.h.path == simulate.PathHelper && act.Admits(domain.RoleCommunityHelper):
		return g.helper()
	case !act.Admits(domain.RoleCitizen):
		return g.payments() // a grant to integrations only: the payment platform
	}
	return g.applicantSide()
}

// clerk is the dossier's clerk at the receiving agency.
func (g *generator) clerk(role domain.Role) domain.Principal {
	return domain.Principal{Subject: simulate.StaffSubject(role, g.clerkNo, g.rec.agency.Code), Role: role,
		AgencyCode: g.rec.agency.Code, ClientAddress: g.address(role.String(), func() string {
			return fmt.Sprintf("10.55.%d.%d:%d", g.rec.index, 10+g.clerkNo, g.port())
		})}
}

func (g *generator) official(unit string, role domain.Role, k int) domain.Principal {
	return domain.Principal{Subject: simulate.StaffSubject(role, k, unit), Role: role, AgencyCode: unit,
		ClientAddress: g.address(unit+role.String(), func() string {
			return fmt.Sprintf("10.56.%d.%d:%d", 1+g.r.IntN(20), 10+k, g.port())
		})}
}

func staffCount(role domain.Role) int {
	switch role {
	case domain.RoleLeader:
		return 2
	case domain.RoleClerk:
		return 4
	}
	return 6
}

// stepOfficial is who works the current step with role: its assignee when
// it has that role, else one of the unit's officials of it.
func (g *generator) stepOfficial(role domain.Role) domain.Principal {
	unit := g.pv.Workflow[g.d.Step.Index].UnitCode
	if a := g.d.Step.Assignee; a != "" && strings.HasPrefix(a, role.String()+"-") && strings.HasSuffix(a, "@"+unit) {
		k := 0
		fmt.Sscanf(a[len(role.String())+1:], "%d", &k)
		return g.official(unit, role, k)
	}
	return g.official(unit, role, 1+g.r.IntN(staffCount(role)))
}

func (g *generator) citizenAddress() string {
	return g.address("citizen", func() string {
		nets := [][2]int{{113, 160}, {14, 160}, {27, 64}, {171, 224}, {116, 96}, {42, 112}}
		n := nets[g.r.IntN(len(nets))]
		return fmt.Sprintf("%d.%d.%d.%d:%d", n[0], n[1]+g.r.IntN(32), g.r.IntN(256), 1+g.r.IntN(254), g.port())
	})
}

// applicantSide is the applicant, or their representative, acting
// themselves — or the national portal relaying for them.
func (g *generator) applicantSide() domain.Principal {
	id := g.applicant.IDNumber
	if g.rep != nil {
		id = g.rep.IDNumber
	}
	if g.h.path == simulate.PathPortal {
		return domain.Principal{Subject: "cong-dvc-quoc-gia", Role: domain.RoleIntegration, CitizenID: id,
			Assurance: domain.AssuranceVNeID2, SourceSystem: "dichvucong.gov.vn/cong-dvc-quoc-gia",
			ClientAddress: g.address("portal", func() string { return fmt.Sprintf("203.162.4.%d:%d", 190+g.r.IntN(4), g.port()) })}
	}
	assurance := domain.AssuranceVNeID2
	if g.chance(0.15) {
		assurance = domain.AssuranceVNeID1
	}
	if g.rep != nil {
		return domain.Principal{Subject: "citizen-" + id, Role: domain.RoleRepresentative, CitizenID: id,
			MandateRef: g.rep.MandateRef, Assurance: assurance, ClientAddress: g.citizenAddress()}
	}
	return domain.Principal{Subject: "citizen-" + id, Role: domain.RoleCitizen, CitizenID: id, Assurance: assurance,
		ClientAddress: g.citizenAddress()}
}

func (g *generator) helper() domain.Principal {
	k := 1 + int(g.h.n)%5
	return domain.Principal{Subject: fmt.Sprintf("to-cnsc-%02d@%s", k, g.rec.agency.Code), Role: domain.RoleCommunityHelper,
		ClientAddress: fmt.Sprintf("10.57.%d.%d:%d", g.rec.index, 20+k, g.port())}
}

// payments is the national payment platform confirming an online payment
// for the citizen it acts for.
func (g *generator) payments() domain.Principal {
	id := g.applicant.IDNumber
	if g.rep != nil {
		id = g.rep.IDNumber
	}
	return domain.Principal{Subject: "payment-platform", Role: domain.RoleIntegration, CitizenID: id,
		Assurance: domain.AssuranceVNeID2, SourceSystem: "dichvucong.gov.vn/payment-platform",
		ClientAddress: fmt.Sprintf("203.162.4.200:%d", g.port())}
}

func (g *generator) target(note string) app.Target {
	g.calls++
	return app.Target{RequestID: fmt.Sprintf("seed-%d-%d-%d", g.w.seed, g.h.n, g.calls), DossierID: g.d.ID,
		ExpectedVersion: g.d.Version, Note: note}
}

func (g *generator) rid() string {
	g.calls++
	return fmt.Sprintf("seed-%d-%d-%d", g.w.seed, g.h.n, g.calls)
}

// keep records the dossier an action answered.
func (g *generator) keep(d *domain.Dossier, _ *domain.Event, err error) error {
	if err != nil {
		return err
	}
	g.d = d
	return nil
}

var bg = context.Background()

// live files the dossier and works it until it ends or the period does.
func (g *generator) live() error {
	if err := g.file(); err != nil {
		return err
	}
	if g.h.path.Online() {
		more, err := g.intake()
		if err != nil || !more {
			return err
		}
	}
	if g.plan.payment {
		more, err := g.pay()
		if err != nil || !more {
			return err
		}
	}
	if len(g.pv.Workflow) == 0 {
		return nil // the demo catalog has none; other catalogs are not seeded
	}
	for {
		more, err := g.step()
		if err != nil || !more {
			return err
		}
	}
}

func (g *generator) file() error {
	draft := g.draft()
	switch g.h.path {
	case simulate.PathCounter:
		return g.keep(g.app.ReceiveNew(bg, g.as(domain.ActionReceive), g.rid(), draft, domain.ChannelCounter, ""))
	case simulate.PathPostal:
		return g.keep(g.app.ReceiveNew(bg, g.as(domain.ActionReceive), g.rid(), draft, domain.ChannelPostal, "Nhận qua dịch vụ bưu chính công ích"))
	case simulate.PathStaffOnBehalf:
		return g.keep(g.app.Submit(bg, g.as(domain.ActionSubmit, policy.SeatReceivingAgency), g.rid(), draft))
	}
	return g.keep(g.app.Submit(bg, g.as(domain.ActionSubmit), g.rid(), draft))
}

// intake accepts or refuses an online filing; false when the dossier ends
// there (or the period does).
func (g *generator) intake() (bool, error) {
	delay := g.between(15*time.Minute, 6*time.Hour)
	if g.h.path == simulate.PathStaffOnBehalf {
		delay = g.between(2*time.Minute, 20*time.Minute) // the clerk accepts what they just filed
	}
	t := g.staffAfter(g.now, delay)
	switch {
	case g.plan.notAccept:
		if !g.at(t) {
			return false, nil
		}
		return false, g.keep(g.app.NotAccept(bg, g.as(domain.ActionNotAccept), g.target(""), "Hồ sơ không thuộc thẩm quyền giải quyết"))
	case g.plan.withdrawAtIntake:
		if g.h.path.ApplicantOnline() {
			t = g.citizenAfter(g.now, g.between(time.Hour, 30*time.Hour))
		}
		return false, g.withdraw(t, "Không còn nhu cầu")
	}
	if g.plan.intakeSupplement {
		if !g.at(t) {
			return false, nil
		}
		if err := g.askSupplement(g.as(domain.ActionRequestSupplement)); err != nil {
			return false, err
		}
		if more, err := g.awaitSupplement(); err != nil || !more {
			return false, err
		}
		t = g.staffAfter(g.now, g.between(30*time.Minute, 4*time.Hour))
	}
	if !g.at(t) {
		return false, nil
	}
	return true, g.keep(g.app.Accept(bg, g.as(domain.ActionReceive), g.rid(), g.d.ID, g.d.Version, "Hồ sơ hợp lệ"))
}

func (g *generator) askSupplement(p domain.Principal) error {
	code := g.pv.Components[0].Code
	return g.keep(g.app.RequestSupplement(bg, p, g.target(""), "Tài liệu chưa rõ, đề nghị bổ sung bản rõ nét", []string{code}))
}

// awaitSupplement: the applicant brings the document later, or never (the
// dossier is then stopped).
func (g *generator) awaitSupplement() (bool, error) {
	if g.plan.abandon {
		if !g.at(g.staffAfter(g.now, 15*8*time.Hour)) {
			return false, nil
		}
		return false, g.keep(g.app.Stop(bg, g.as(domain.ActionStop), g.target(""), "Quá hạn bổ sung hồ sơ mà không bổ sung"))
	}
	code := g.pv.Components[0].Code
	if g.h.path.ApplicantOnline() {
		if !g.at(g.citizenAfter(g.now, g.between(3*time.Hour, 96*time.Hour))) {
			return false, nil
		}
		comp := g.component(code, true, fmt.Sprintf("bs%d", g.calls))
		return true, g.keep(g.app.ProvideSupplement(bg, g.as(domain.ActionProvideSupplement, policy.SeatAnywhere), g.target(""), []domain.Component{comp}, domain.ChannelOnline))
	}
	if !g.at(g.staffAfter(g.now, g.between(4*time.Hour, 40*time.Hour))) {
		return false, nil
	}
	ch := domain.ChannelCounter
	if g.h.path == simulate.PathStaffOnBehalf && g.chance(0.5) {
		ch = domain.ChannelOnline // the clerk uploads it for them again
	}
	comp := g.component(code, ch == domain.ChannelOnline, fmt.Sprintf("bs%d", g.calls))
	return true, g.keep(g.app.ProvideSupplement(bg, g.as(domain.ActionProvideSupplement, policy.SeatReceivingAgency), g.target(""), []domain.Component{comp}, ch))
}

func (g *generator) pay() (bool, error) {
	if !g.at(g.staffAfter(g.now, g.between(5*time.Minute, 40*time.Minute))) {
		return false, nil
	}
	var amount int64
	for _, f := range g.pv.Fees {
		amount += f.AmountVND
	}
	if err := g.keep(g.app.RequestPayment(bg, g.as(domain.ActionRequestPayment), g.target(""), amount, "Phí, lệ phí giải quyết thủ tục hành chính")); err != nil {
		return false, err
	}
	if g.plan.payOnline {
		if !g.at(g.citizenAfter(g.now, g.between(10*time.Minute, 30*time.Hour))) {
			return false, nil
		}
		receipt := fmt.Sprintf("PAYGOV-%d-%07d", g.w.seed, g.h.n)
		return true, g.keep(g.app.ConfirmPayment(bg, g.as(domain.ActionConfirmPayment, policy.SeatAnywhere), g.target(""), receipt, true))
	}
	if !g.at(g.staffAfter(g.now, g.between(30*time.Minute, 16*time.Hour))) {
		return false, nil
	}
	return true, g.keep(g.app.ConfirmPayment(bg, g.as(domain.ActionConfirmPayment), g.target(""), fmt.Sprintf("BL-%07d", g.h.n), false))
}

// stepDone is when the current step's work is done: within its due time,
// or (planned late) after it.
func (g *generator) stepDone() time.Time {
	i := g.d.Step.Index
	due := g.d.Step.DueAt
	allotted := time.Duration(g.pv.Workflow[i].AllottedMinutes) * time.Minute
	left := g.rec.cal.Between(g.now, due)
	if g.plan.stallAt == i {
		return g.staffAfter(due, g.between(3*8*time.Hour, 40*8*time.Hour))
	}
	if g.plan.late[i] || left <= 0 {
		return g.staffAfter(due, time.Duration(float64(allotted)*(0.05+0.6*g.r.Float64()))+30*time.Minute)
	}
	return g.staffAfter(g.now, time.Duration(float64(left)*(0.15+0.8*g.r.Float64())))
}

// midway is a working time between now and done.
func (g *generator) midway(done time.Time) time.Time {
	left := g.rec.cal.Between(g.now, done)
	return g.staffAfter(g.now, time.Duration(float64(left)*(0.2+0.5*g.r.Float64())))
}

// step works the current step: what happens during it, then forward or
// resolve. false when the dossier leaves the workflow (or the period ends).
func (g *generator) step() (bool, error) {
	i := g.d.Step.Index
	done := g.stepDone()
	if g.plan.interruptAt == i {
		g.plan.interruptAt = -1
		t := g.midway(done)
		if g.plan.stop {
			if !g.at(t) {
				return false, nil
			}
			return false, g.keep(g.app.Stop(bg, g.as(domain.ActionStop), g.target(""), "Hồ sơ không đủ điều kiện giải quyết"))
		}
		if g.h.path.ApplicantOnline() {
			t = g.citizenAfter(g.now, g.rec.cal.Between(g.now, t))
		}
		return false, g.withdraw(t, "Công dân xin rút hồ sơ")
	}
	if g.plan.late[i] && g.plan.extend && !g.extended {
		if !g.at(g.midway(done)) {
			return false, nil
		}
		newDue := g.staffAfter(g.d.DueAt, g.between(16*time.Hour, 40*time.Hour))
		// Midway may already be past the new appointment, which an
		// extension must move into the future (lifecycle.CheckExtension):
		// then the office did not ask for one.
		if newDue.After(g.now) {
			if err := g.keep(g.app.Extend(bg, g.as(domain.ActionExtend), g.target(""), "Xin lỗi: hồ sơ cần thêm thời gian thẩm định", newDue)); err != nil {
				return false, err
			}
		}
		g.extended = true
	}
	if g.plan.stepSupplement == i {
		for g.asked < g.plan.rounds {
			if !g.at(g.midway(done)) {
				return false, nil
			}
			g.asked++
			if err := g.askSupplement(g.as(domain.ActionRequestSupplement, policy.SeatStepUnit)); err != nil {
				return false, err
			}
			if more, err := g.awaitSupplement(); err != nil || !more {
				return false, err
			}
			done = g.stepDone()
		}
	}
	if !g.at(done) {
		return false, nil
	}
	wf := g.pv.Workflow
	if i < len(wf)-1 {
		next := wf[i+1]
		assignee := simulate.StaffSubject(next.Role, 1+g.r.IntN(staffCount(next.Role)), next.UnitCode)
		return true, g.keep(g.app.Forward(bg, g.as(domain.ActionForward), g.target(""), assignee))
	}
	return false, g.resolve()
}

func (g *generator) withdraw(t time.Time, reason string) error {
	if !g.at(t) {
		return nil
	}
	if g.h.path.ApplicantOnline() {
		return g.keep(g.app.Withdraw(bg, g.as(domain.ActionWithdraw, policy.SeatAnywhere), g.target(""), reason, domain.ChannelOnline))
	}
	return g.keep(g.app.Withdraw(bg, g.as(domain.ActionWithdraw, policy.SeatReceivingAgency), g.target(""), reason, domain.ChannelCounter))
}

// resolve issues the result at the last step, then hands it over.
func (g *generator) resolve() error {
	last := g.pv.Workflow[len(g.pv.Workflow)-1]
	res := domain.Result{Electronic: g.plan.electronic, Signer: "Lãnh đạo " + last.UnitCode,
		Documents: []domain.ResultDocument{{Code: "KQ", Name: "Kết quả giải quyết thủ tục " + g.proc.Code}}}
	if res.Electronic {
		ref := fmt.Sprintf("results/%d/%s/%d/kq.pdf", g.h.filed.Year(), g.rec.agency.Code, g.h.n)
		res.Documents[0].FileRef, res.Documents[0].FileSHA256 = ref, simulate.FileHash(ref)
	}
	if err := g.keep(g.app.Resolve(bg, g.as(domain.ActionResolve), g.target(""), res)); err != nil {
		return err
	}
	if g.plan.uncollected {
		return nil
	}
	ch := g.returnCh
	if ch == domain.ChannelOnline && !res.Electronic {
		ch = domain.ChannelCounter
	}
	var t time.Time
	switch ch {
	case domain.ChannelOnline:
		t = g.staffAfter(g.now, g.between(5*time.Minute, 2*time.Hour))
	case domain.ChannelPostal:
		t = g.staffAfter(g.now, g.between(2*time.Hour, 12*time.Hour))
	default: // the applicant comes to the counter within a week or so
		t = g.staffAfter(g.now, g.between(time.Hour, 48*time.Hour))
	}
	if !g.at(t) {
		return nil
	}
	return g.keep(g.app.Return(bg, g.as(domain.ActionReturn), g.target(""), ch))
}
