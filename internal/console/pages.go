package console

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

// purpose is what a console read states to the API: the user's purpose
// for the session and the page that read.
func (v *view) purpose(page string) string {
	p := v.User.purpose
	if p == "" {
		p = "console"
	}
	s := p + " · console: " + page
	for utf8.RuneCountInString(s) > 500 {
		s = string([]rune(s)[:499])
	}
	return s
}

// scopeForm is the agency subtree and period a page reports on.
type scopeForm struct {
	Agency string
	Sub    bool
	Period string
	// From and To ("YYYY-MM-DD", inclusive) bound the period once answered.
	From, To string
}

var periodRe = regexp.MustCompile(`^[0-9]{4}(-(Q[1-4]|[0-9]{2}(-[0-9]{2})?))?$`)

func (c *Console) scopeFrom(r *http.Request, v *view) scopeForm {
	q := r.URL.Query()
	f := scopeForm{Agency: strings.TrimSpace(q.Get("agency")), Period: strings.TrimSpace(q.Get("period")),
		Sub: q.Get("sub") == "1" || !q.Has("agency")}
	if f.Agency == "" {
		f.Agency = v.User.principal.AgencyCode
	}
	if f.Period == "" {
		f.Period = strconv.Itoa(c.opts.Now().In(hcm).Year())
	}
	return f
}

func (f scopeForm) pb() *pb.ReportScope {
	return &pb.ReportScope{AgencyCode: f.Agency, IncludeSubAgencies: f.Sub, Period: f.Period}
}

// window is the period as times: [from 00:00, the day after to 00:00) in
// Vietnam's time zone.
func (f scopeForm) window() (time.Time, time.Time, bool) {
	from, err1 := time.ParseInLocation("2006-01-02", f.From, hcm)
	to, err2 := time.ParseInLocation("2006-01-02", f.To, hcm)
	if err1 != nil || err2 != nil {
		return time.Time{}, time.Time{}, false
	}
	return from, to.AddDate(0, 0, 1), true
}

// agencyOpt is an agency in the picker, indented by depth.
type agencyOpt struct {
	Code, Name string
	Parent     string
	Depth      int
}

// agencies lists every agency in tree order (catalog reads are open to
// every signed-in user).
func (c *Console) agencies(ctx context.Context) ([]agencyOpt, error) {
	var all []*pb.Agency
	token := ""
	for {
		resp, err := c.catalog.ListAgencies(ctx, &pb.ListAgenciesRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			return nil, err
		}
		all = append(all, resp.GetAgencies()...)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	children := map[string][]*pb.Agency{}
	known := map[string]bool{}
	for _, a := range all {
		known[a.GetCode()] = true
	}
	for _, a := range all {
		parent := a.GetParentCode()
		if !known[parent] {
			parent = ""
		}
		children[parent] = append(children[parent], a)
	}
	var out []agencyOpt
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		kids := children[parent]
		slices.SortFunc(kids, func(a, b *pb.Agency) int { return strings.Compare(a.GetCode(), b.GetCode()) })
		for _, a := range kids {
			out = append(out, agencyOpt{Code: a.GetCode(), Name: a.GetName(), Parent: a.GetParentCode(), Depth: depth})
			walk(a.GetCode(), depth+1)
		}
	}
	walk("", 0)
	return out, nil
}

// subtree returns code and the agencies below it, in tree order.
func subtree(all []agencyOpt, code string) []agencyOpt {
	in := map[string]bool{code: true}
	var out []agencyOpt
	for _, a := range all { // tree order: parents come before children
		if in[a.Code] || in[a.Parent] {
			in[a.Code] = true
			out = append(out, a)
		}
	}
	return out
}

func agencyName(all []agencyOpt, code string) string {
	for _, a := range all {
		if a.Code == code {
			return a.Name
		}
	}
	return code
}

// figureLink is the list of dossiers behind a figure: the figure's name,
// the scope and the period; figureFilters turns the name into
// ListDossiers' filters.
func (c *Console) figureLink(f scopeForm, figure string) template.URL {
	q := url.Values{"figure": {figure}, "agency": {f.Agency}, "from": {f.From}, "to": {f.To}}
	if f.Sub {
		q.Set("sub", "1")
	}
	return template.URL(c.opts.Prefix + "dossiers?" + q.Encode())
}

// figures are those the indicators page links to a list (figureFilters).
var figures = []string{"filed", "received", "received_counter", "received_postal", "online", "genuine_online", "assisted_online",
	"on_time", "overdue_now", "in_progress_on_time", "resolved", "resolved_on_time", "resolved_late", "paused", "awaiting_intake",
	"withdrawn", "not_accepted", "stopped", "electronic_results", "digitised", "supplement_dossiers"}

func statusesOf(s ...pb.DossierStatus) []pb.DossierStatus { return s }

var (
	genuine  = []pb.ActorKind{pb.ActorKind_ACTOR_KIND_CITIZEN, pb.ActorKind_ACTOR_KIND_REPRESENTATIVE}
	assisted = []pb.ActorKind{pb.ActorKind_ACTOR_KIND_STAFF, pb.ActorKind_ACTOR_KIND_STAFF_ON_BEHALF,
		pb.ActorKind_ACTOR_KIND_COMMUNITY_HELPER, pb.ActorKind_ACTOR_KIND_SYSTEM,
		pb.ActorKind_ACTOR_KIND_REPRESENTATIVE_UNVERIFIED} // not genuine until the mandate is verified
	resolvedStatuses = statusesOf(pb.DossierStatus_DOSSIER_STATUS_RESOLVED, pb.DossierStatus_DOSSIER_STATUS_RETURNED)
)

// figureFilters sets on req the filters that select exactly the dossiers a
// figure counts, as docs/indicators.md defines it: the cohort filed in the
// period (the window is set by the caller, on filing time) and then the
// figure's own condition. A rate's figure is its numerator's dossiers.
func figureFilters(figure string, req *pb.ListDossiersRequest) bool {
	yes, no := true, false
	switch figure {
	case "filed", "":
	case "received":
		req.Received = &yes
	case "digitised":
		req.Received, req.Digitised = &yes, true
	case "received_counter", "received_online", "received_postal", "online":
		req.Received = &yes
		req.Channel = map[string]pb.Channel{"received_counter": pb.Channel_CHANNEL_COUNTER, "received_postal": pb.Channel_CHANNEL_POSTAL}[figure]
		if req.Channel == 0 {
			req.Channel = pb.Channel_CHANNEL_ONLINE
		}
	case "genuine_online", "assisted_online":
		req.Received, req.Channel, req.FiledBy = &yes, pb.Channel_CHANNEL_ONLINE, genuine
		if figure == "assisted_online" {
			req.FiledBy = assisted
		}
	case "on_time":
		req.OnTime = true
	case "overdue_now":
		req.Overdue = true
	case "in_progress_on_time":
		req.NotOverdue = true
	case "resolved":
		req.Statuses = resolvedStatuses
	case "resolved_on_time":
		req.Resolution = pb.ResolutionTimeliness_RESOLUTION_TIMELINESS_ON_TIME
	case "resolved_late":
		req.Resolution = pb.ResolutionTimeliness_RESOLUTION_TIMELINESS_LATE
	case "electronic_results":
		req.ElectronicResult = true
	case "supplement_dossiers":
		req.SupplementRequested = true
	case "paused":
		req.Received = &yes
		req.Statuses = statusesOf(pb.DossierStatus_DOSSIER_STATUS_AWAITING_SUPPLEMENT, pb.DossierStatus_DOSSIER_STATUS_AWAITING_PAYMENT)
	case "awaiting_intake":
		req.Received = &no
		req.Statuses = statusesOf(pb.DossierStatus_DOSSIER_STATUS_SUBMITTED,
			pb.DossierStatus_DOSSIER_STATUS_AWAITING_SUPPLEMENT, pb.DossierStatus_DOSSIER_STATUS_AWAITING_PAYMENT)
	case "withdrawn":
		req.Statuses = statusesOf(pb.DossierStatus_DOSSIER_STATUS_WITHDRAWN)
	case "not_accepted":
		req.Statuses = statusesOf(pb.DossierStatus_DOSSIER_STATUS_NOT_ACCEPTED)
	case "stopped":
		req.Statuses = statusesOf(pb.DossierStatus_DOSSIER_STATUS_STOPPED)
	default:
		return false
	}
	return true
}

// figureLinks are the lists behind every figure of a scope and period.
func (c *Console) figureLinks(f scopeForm) map[string]template.URL {
	links := make(map[string]template.URL, len(figures))
	for _, fig := range figures {
		links[fig] = c.figureLink(f, fig)
	}
	return links
}

// bucketDates are the first and last day of a series bucket ("2026-03" or
// "2026-03-05"), within the period [from, to].
func bucketDates(bucket, from, to string) (string, string, bool) {
	first, err := time.Parse("2006-01-02", bucket)
	last := first
	if err != nil {
		if first, err = time.Parse("2006-01", bucket); err != nil {
			return "", "", false
		}
		last = first.AddDate(0, 1, -1)
	}
	a, b := first.Format("2006-01-02"), last.Format("2006-01-02")
	return max(a, from), min(b, to), true
}

type unitRow struct {
	Code, Name string
	I          *pb.Indicators
	Links      map[string]template.URL
}

// trendRow is a bucket of the trend with the lists behind its figures.
type trendRow struct {
	*pb.IndicatorPoint
	Links map[string]template.URL
}

type indicatorsData struct {
	Form       scopeForm
	Agencies   []agencyOpt
	I          *pb.Indicators
	Sync       *pb.SyncIndicators
	Links      map[string]template.URL
	Trend      template.HTML
	TrendRows  []trendRow
	Units      []unitRow
	UnitsChart template.HTML
}

// indicators shows a scope's figures, the trend and the units.
func (c *Console) indicators(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := v.User.call(r.Context())
	f := c.scopeFrom(r, v)
	agencies, err := c.agencyList(ctx, v.User)
	if err != nil {
		c.fail(w, r, "indicators", v, err)
		return
	}
	if f.Agency == "" && len(agencies) > 0 {
		f.Agency = agencies[0].Code
	}
	d := &indicatorsData{Form: f, Agencies: agencies}
	v.Data = d
	if !periodRe.MatchString(f.Period) {
		c.fail(w, r, "indicators", v, invalid("period", v.T("err.period")))
		return
	}
	gran := pb.Granularity_GRANULARITY_MONTH
	if len(f.Period) >= 7 && !strings.Contains(f.Period, "Q") {
		gran = pb.Granularity_GRANULARITY_DAY
	}
	// The figures (with each unit's, when the agencies below are included)
	// and the series are two independent calls: run them together.
	var (
		wg     sync.WaitGroup
		ind    *pb.GetIndicatorsResponse
		series *pb.GetIndicatorSeriesResponse
		errI   error
		errS   error
	)
	wg.Go(func() {
		ind, errI = c.report.GetIndicators(ctx, &pb.GetIndicatorsRequest{Scope: f.pb(), ByUnit: f.Sub})
	})
	wg.Go(func() {
		series, errS = c.report.GetIndicatorSeries(ctx, &pb.GetIndicatorSeriesRequest{Scope: f.pb(), Granularity: gran})
	})
	wg.Wait()
	if errI != nil {
		c.fail(w, r, "indicators", v, errI)
		return
	}
	if errS != nil {
		c.fail(w, r, "indicators", v, errS)
		return
	}
	d.Form.From, d.Form.To = ind.GetFromDate(), ind.GetToDate()
	d.I, d.Sync = ind.GetIndicators(), ind.GetSync()
	d.Links = c.figureLinks(d.Form)
	for _, p := range series.GetPoints() {
		row := trendRow{IndicatorPoint: p}
		if from, to, ok := bucketDates(p.GetBucket(), d.Form.From, d.Form.To); ok {
			s := d.Form
			s.From, s.To = from, to
			row.Links = c.figureLinks(s)
		}
		d.TrendRows = append(d.TrendRows, row)
	}
	d.Trend = trendChart(v, series.GetPoints())
	for _, u := range ind.GetUnits() {
		s := d.Form
		s.Agency = u.GetAgencyCode()
		d.Units = append(d.Units, unitRow{Code: s.Agency, Name: agencyName(agencies, s.Agency), I: u.GetIndicators(), Links: c.figureLinks(s)})
	}
	d.UnitsChart = unitsChart(v, d.Units)
	c.render(w, r, "indicators", v)
}

type dossiersData struct {
	Figure   string
	Agency   string
	Sub      bool
	Statuses []string
	From, To string
	Overdue  bool
	Rows     []*pb.Dossier
	Next     string
}

// dossiers lists the dossiers behind a figure (figureFilters), filed in the
// period. With sub-agencies, it walks the subtree agency by agency
// (ListDossiers filters one receiving agency); the cursor is
// "<agency index>:<the API's page token>".
func (c *Console) dossiers(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := v.User.call(r.Context())
	q := r.URL.Query()
	d := &dossiersData{Figure: q.Get("figure"), Agency: q.Get("agency"), Sub: q.Get("sub") == "1", From: q.Get("from"),
		To: q.Get("to")}
	v.Data = d
	req := &pb.ListDossiersRequest{PageSize: 50, Purpose: v.purpose("dossiers " + d.Figure)}
	if !figureFilters(d.Figure, req) {
		c.fail(w, r, "dossiers", v, invalid("figure", d.Figure))
		return
	}
	d.Overdue = req.Overdue
	for _, s := range req.Statuses {
		d.Statuses = append(d.Statuses, strings.TrimPrefix(s.String(), "DOSSIER_STATUS_"))
	}
	if d.From != "" || d.To != "" {
		from, to, ok := (scopeForm{From: d.From, To: d.To}).window()
		if !ok {
			c.fail(w, r, "dossiers", v, invalid("from", v.T("err.dates")))
			return
		}
		req.FiledAfter, req.FiledBefore = timestamppb.New(from), timestamppb.New(to)
	}
	codes := []string{d.Agency}
	if d.Sub && d.Agency != "" {
		all, err := c.agencyList(ctx, v.User)
		if err != nil {
			c.fail(w, r, "dossiers", v, err)
			return
		}
		codes = codes[:0]
		for _, a := range subtree(all, d.Agency) {
			codes = append(codes, a.Code)
		}
	}
	idx, token := 0, ""
	if cur := q.Get("cursor"); cur != "" {
		i, t, _ := strings.Cut(cur, ":")
		n, err := strconv.Atoi(i)
		if err != nil || n < 0 || n >= len(codes) {
			c.fail(w, r, "dossiers", v, invalid("cursor", cur))
			return
		}
		idx, token = n, t
	}
	for idx < len(codes) && len(d.Rows) < 50 {
		req.AgencyCode, req.PageToken = codes[idx], token
		req.PageSize = int32(50 - len(d.Rows))
		resp, err := c.dossier.ListDossiers(ctx, req)
		if err != nil {
			c.fail(w, r, "dossiers", v, err)
			return
		}
		d.Rows = append(d.Rows, resp.GetDossiers()...)
		token = resp.GetNextPageToken()
		if token == "" {
			idx++
		}
	}
	if idx < len(codes) {
		nq := url.Values{}
		for k, vals := range q {
			nq[k] = vals
		}
		nq.Set("cursor", fmt.Sprintf("%d:%s", idx, token))
		d.Next = c.opts.Prefix + "dossiers?" + nq.Encode()
	}
	c.render(w, r, "dossiers", v)
}

type overdueRow struct {
	*pb.UnitLateness
	Name string
	Link template.URL
}

type overdueData struct {
	Form     scopeForm
	Agencies []agencyOpt
	Units    []overdueRow
	Chart    template.HTML
	Unit     string
	UnitName string
	Held     []*pb.Dossier
	// Next links to the next page of held dossiers, if there is one.
	Next template.URL
}

// overduePage is how many held dossiers one drill-down page lists (each read
// is logged per dossier, as over gRPC).
const overduePage = 200

// overdue ranks the units by late and overdue steps; with ?unit= it lists
// the overdue dossiers that unit holds now, with the step and the person.
func (c *Console) overdue(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := v.User.call(r.Context())
	f := c.scopeFrom(r, v)
	f.Sub = true
	agencies, err := c.agencyList(ctx, v.User)
	if err != nil {
		c.fail(w, r, "overdue", v, err)
		return
	}
	if f.Agency == "" && len(agencies) > 0 {
		f.Agency = agencies[0].Code
	}
	d := &overdueData{Form: f, Agencies: agencies, Unit: r.URL.Query().Get("unit")}
	v.Data = d
	if !periodRe.MatchString(f.Period) {
		c.fail(w, r, "overdue", v, invalid("period", v.T("err.period")))
		return
	}
	resp, err := c.report.ListOverdueByUnit(ctx, &pb.ListOverdueByUnitRequest{Scope: f.pb()})
	if err != nil {
		c.fail(w, r, "overdue", v, err)
		return
	}
	for _, u := range resp.GetUnits() {
		q := url.Values{"agency": {f.Agency}, "period": {f.Period}, "unit": {u.GetUnitCode()}}
		d.Units = append(d.Units, overdueRow{UnitLateness: u, Name: agencyName(agencies, u.GetUnitCode()),
			Link: template.URL(c.opts.Prefix + "overdue?" + q.Encode() + "#held")})
	}
	d.Chart = overdueChart(v, d.Units)
	if d.Unit != "" {
		d.UnitName = agencyName(agencies, d.Unit)
		lr, err := c.dossier.ListDossiers(ctx, &pb.ListDossiersRequest{PageSize: overduePage, Overdue: true,
			StepUnitCode: d.Unit, OrderBy: pb.DossierOrder_DOSSIER_ORDER_DUE_SOONEST,
			PageToken: r.URL.Query().Get("page"), Purpose: v.purpose("overdue " + d.Unit)})
		if err != nil {
			c.fail(w, r, "overdue", v, err)
			return
		}
		d.Held = lr.GetDossiers()
		if next := lr.GetNextPageToken(); next != "" {
			q := r.URL.Query()
			q.Set("page", next)
			d.Next = template.URL(c.opts.Prefix + "overdue?" + q.Encode() + "#held")
		}
	}
	c.render(w, r, "overdue", v)
}

type dossierData struct {
	D          *pb.Dossier
	Slip       []*pb.SlipRow
	Timeline   template.HTML
	Deadline   *pb.ExplainDeadlineResponse
	DeadlineEr *apiError
	Events     []*pb.DossierEvent
	Accesses   []*pb.DossierAccess
	AccessesEr *apiError
}

// dossierPage shows one dossier's whole story.
func (c *Console) dossierPage(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := v.User.call(r.Context())
	key := r.PathValue("id")
	get := &pb.GetDossierRequest{Purpose: v.purpose("dossier")}
	if _, err := uuid.Parse(key); err == nil {
		get.Key = &pb.GetDossierRequest_Id{Id: key}
	} else {
		get.Key = &pb.GetDossierRequest_Code{Code: key}
	}
	resp, err := c.dossier.GetDossier(ctx, get)
	if err != nil {
		c.fail(w, r, "dossier", v, err)
		return
	}
	dos := resp.GetDossier()
	d := &dossierData{D: dos}
	v.Data = d
	v.Nav = "dossiers"
	id := dos.GetId()
	slip, err := c.dossier.GetProcessControlSlip(ctx, &pb.GetProcessControlSlipRequest{DossierId: id, Purpose: v.purpose("dossier slip")})
	if err != nil {
		c.fail(w, r, "dossier", v, err)
		return
	}
	d.Slip = slip.GetRows()
	d.Timeline = slipTimeline(v, dos, d.Slip, c.opts.Now())
	if ex, err := c.dossier.ExplainDeadline(ctx, &pb.ExplainDeadlineRequest{DossierId: id, Purpose: v.purpose("dossier deadline")}); err != nil {
		d.DeadlineEr = toAPIError(err)
	} else {
		d.Deadline = ex
	}
	token := ""
	for {
		ev, err := c.dossier.ListDossierEvents(ctx, &pb.ListDossierEventsRequest{DossierId: id, PageSize: 1000, PageToken: token,
			Purpose: v.purpose("dossier events")})
		if err != nil {
			c.fail(w, r, "dossier", v, err)
			return
		}
		d.Events = append(d.Events, ev.GetEvents()...)
		if token = ev.GetNextPageToken(); token == "" {
			break
		}
	}
	if acc, err := c.audit.ListDossierAccesses(ctx, &pb.ListDossierAccessesRequest{
		Subject: &pb.ListDossierAccessesRequest_DossierId{DossierId: id}, PageSize: 1000}); err != nil {
		d.AccessesEr = toAPIError(err)
	} else {
		d.Accesses = acc.GetAccesses()
	}
	c.render(w, r, "dossier", v)
}

type integrityData struct {
	Agencies []agencyOpt
	Agency   string
	From, To string
	Min      int
	Signals  []*pb.ProxyFilingSignal
	SignalEr *apiError
	Counter  *pb.ListCounterNetworkFilingsResponse
	CounterE *apiError
	Verified *verifyResult
}

type verifyResult struct {
	Broken  []*pb.BrokenLink
	Summary *pb.VerifyAuditChainResponse_Summary
	Err     *apiError
}

func (c *Console) integrityForm(r *http.Request, v *view) (*integrityData, error) {
	ctx := v.User.call(r.Context())
	agencies, err := c.agencyList(ctx, v.User)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.PostForm
	}
	now := c.opts.Now().In(hcm)
	d := &integrityData{Agencies: agencies, Agency: q.Get("agency"), From: q.Get("from"), To: q.Get("to"), Min: 5}
	if d.Agency == "" {
		d.Agency = v.User.principal.AgencyCode
	}
	if d.Agency == "" && len(agencies) > 0 {
		d.Agency = agencies[0].Code
	}
	if d.From == "" {
		d.From = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, hcm).Format("2006-01-02")
	}
	if d.To == "" {
		d.To = now.Format("2006-01-02")
	}
	if m, err := strconv.Atoi(q.Get("min")); err == nil && m > 0 && m <= 100000 {
		d.Min = m
	}
	if _, _, ok := (scopeForm{From: d.From, To: d.To}).window(); !ok {
		return d, invalid("from", v.T("err.dates"))
	}
	return d, nil
}

// integrity shows the proxy-filing and counter-network signals and the
// chain verification form.
func (c *Console) integrity(w http.ResponseWriter, r *http.Request, v *view) {
	d, err := c.integrityForm(r, v)
	v.Data = d
	if err != nil {
		c.fail(w, r, "integrity", v, err)
		return
	}
	c.signals(r.Context(), v, d)
	c.render(w, r, "integrity", v)
}

func (c *Console) signals(ctx context.Context, v *view, d *integrityData) {
	ctx = v.User.call(ctx)
	from, to, _ := (scopeForm{From: d.From, To: d.To}).window()
	sig, err := c.audit.ListProxyFilingSignals(ctx, &pb.ListProxyFilingSignalsRequest{AgencyCode: d.Agency,
		FromTime: timestamppb.New(from), ToTime: timestamppb.New(to), MinApplicants: int32(d.Min)})
	if err != nil {
		d.SignalEr = toAPIError(err)
	} else {
		d.Signals = sig.GetSignals()
	}
	cn, err := c.audit.ListCounterNetworkFilings(ctx, &pb.ListCounterNetworkFilingsRequest{AgencyCode: d.Agency,
		FromTime: timestamppb.New(from), ToTime: timestamppb.New(to)})
	if err != nil {
		d.CounterE = toAPIError(err)
	} else {
		d.Counter = cn
	}
}
