package app

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

// WithCounterNetworks declares the networks of the counters (the one-stop
// units' own PCs): an "online" filing from one of them is suspect.
func WithCounterNetworks(nets []netip.Prefix) Option {
	return func(c *config) { c.counterNets = nets }
}

// Read kinds recorded in the access log.
const (
	ReadDossier  = "GetDossier"
	ReadList     = "ListDossiers"
	ReadEvents   = "ListDossierEvents"
	ReadSlip     = "GetProcessControlSlip"
	ReadDeadline = "ExplainDeadline"
	ReadReusable = "ListReusableDocuments"
)

// logAccess records staff reads of dossiers with their purpose. Reads by
// the applicant side are not logged: they read their own.
func (s *DossierReads) logAccess(ctx context.Context, p domain.Principal, method, purpose string, ds ...*domain.Dossier) error {
	if !policy.NeedsPurpose(p) || len(ds) == 0 {
		return nil
	}
	now := s.Now()
	as := make([]domain.Access, len(ds))
	for i, d := range ds {
		as[i] = domain.Access{DossierID: d.ID, ActorID: p.Subject, ActorKey: p.Key(), ActorRole: p.Role, ActorAgency: p.AgencyCode,
			Purpose: purpose, Method: method, At: now, ClientAddress: p.ClientAddress}
	}
	return s.st.LogAccesses(ctx, as)
}

// requireAuditor admits auditors and admins; an auditor's jurisdiction is
// their agency's subtree, which must contain agency (if given).
func (s *Audit) requireAuditor(ctx context.Context, p domain.Principal, agency string) error {
	if err := policy.RequireRole(p, policy.Auditors()...); err != nil {
		return err
	}
	if p.Role != domain.RoleAuditor || agency == "" {
		return nil
	}
	sub, err := s.st.AgencySubtree(ctx, p.AgencyCode)
	if err != nil {
		return err
	}
	if !slices.Contains(sub, agency) {
		return fmt.Errorf("%w: agency %s is outside the jurisdiction of %s", domain.ErrPermissionDenied, agency, p.AgencyCode)
	}
	return nil
}

// ChainBreak is a broken link found by VerifyAuditChain.
type ChainBreak struct {
	Head domain.ChainHead
	audit.Break
	// Field names the dossier row field that differs from its events
	// (problems ROW_MISMATCH and STATE_MISMATCH).
	Field string
}

// ChainProgress reports verification progress.
type ChainProgress struct {
	Checked, Total, Events int64
}

// ChainSummary is the outcome of a verification.
type ChainSummary struct {
	Checked, Events, Broken int64
}

// ChainScope selects the dossiers to verify: one dossier, or an agency (and
// the agencies below it) and a creation period.
type ChainScope struct {
	DossierID string
	Agency    string
	From, To  time.Time
}

// VerifyAuditChain checks the hash chains in scope, calling progress every
// so often and broken for every dossier whose chain breaks.
func (s *Audit) VerifyAuditChain(ctx context.Context, p domain.Principal, sc ChainScope,
	progress func(ChainProgress) error, broken func(ChainBreak) error) (ChainSummary, error) {
	var sum ChainSummary
	anchors := s.newRowVerifier()
	// evs and d (nil: no such dossier) come from chainEvents and
	// chainDossiers (auditbatch.go): one query per batch, not per dossier.
	check := func(h domain.ChainHead, evs []domain.Event, d *domain.Dossier) error {
		sum.Checked++
		sum.Events += int64(len(evs))
		if b := audit.Verify(h, evs); b != nil {
			sum.Broken++
			return broken(ChainBreak{Head: h, Break: *b})
		}
		// The chain holds: is it the anchored one, and does the row say
		// what its events say? (integrity.go)
		bad, err := anchors.verify(ctx, h, evs, d, broken)
		if bad {
			sum.Broken++
		}
		return err
	}
	if sc.DossierID != "" {
		if err := policy.RequireRole(p, policy.Auditors()...); err != nil {
			return sum, err
		}
		d, err := s.st.GetDossier(ctx, sc.DossierID)
		if err != nil {
			return sum, err
		}
		if p.Role == domain.RoleAuditor {
			if err := s.authoriseRead(ctx, p, d); err != nil {
				return sum, err
			}
		}
		h := domain.ChainHead{DossierID: d.ID, Code: d.Code, LastSeq: d.LastEventSeq, LastHash: d.LastEventHash}
		evs, err := s.chainEvents(ctx, []domain.ChainHead{h})
		if err != nil {
			return sum, err
		}
		return sum, check(h, evs[h.DossierID], d)
	}
	if err := s.requireAuditor(ctx, p, sc.Agency); err != nil {
		return sum, err
	}
	if !sc.To.After(sc.From) {
		return sum, domain.Invalid("agency_period.to_time", "must be after from_time")
	}
	agencies, err := s.st.AgencySubtree(ctx, sc.Agency)
	if err != nil {
		return sum, err
	}
	if len(agencies) == 0 {
		return sum, domain.NotFound("agency", sc.Agency)
	}
	total, err := s.st.CountDossiers(ctx, agencies, sc.From, sc.To)
	if err != nil {
		return sum, err
	}
	const batch = 500
	lastReport := time.Now()
	for after := ""; ; {
		heads, err := s.st.ListChainHeads(ctx, agencies, sc.From, sc.To, after, batch)
		if err != nil {
			return sum, err
		}
		rows, err := s.chainDossiers(ctx, heads)
		if err != nil {
			return sum, err
		}
		evs, err := s.chainEvents(ctx, heads)
		if err != nil {
			return sum, err
		}
		for _, h := range heads {
			if err := check(h, evs[h.DossierID], rows[h.DossierID]); err != nil {
				return sum, err
			}
			if time.Since(lastReport) > 500*time.Millisecond {
				lastReport = time.Now()
				if err := progress(ChainProgress{Checked: sum.Checked, Total: total, Events: sum.Events}); err != nil {
					return sum, err
				}
			}
		}
		if len(heads) < batch {
			break
		}
		after = heads[len(heads)-1].DossierID
	}
	return sum, progress(ChainProgress{Checked: sum.Checked, Total: total, Events: sum.Events})
}

// AccessQuery selects accesses: of a dossier or by an actor.
type AccessQuery struct {
	DossierID string
	ActorID   string
	From, To  time.Time
}

// ListAccesses returns a page of the access log. The applicant side sees
// reads of their own dossiers; a staff member sees their own reads;
// auditors see everything in their jurisdiction.
func (s *Audit) ListAccesses(ctx context.Context, p domain.Principal, q AccessQuery, pageSize int, token string) ([]domain.Access, string, error) {
	if q.DossierID != "" {
		d, err := s.st.GetDossier(ctx, q.DossierID)
		if err != nil {
			return nil, "", err
		}
		if err := s.authoriseRead(ctx, p, d); err != nil {
			return nil, "", err
		}
		if !policy.ApplicantSide(p) && p.Role != domain.RoleAuditor {
			return nil, "", fmt.Errorf("%w: the access log of a dossier is for its applicant and for auditors", domain.ErrPermissionDenied)
		}
	} else if q.ActorID != p.Subject {
		if err := s.requireAuditor(ctx, p, ""); err != nil {
			return nil, "", err
		}
	}
	// One's own reads are selected by identity key, not by subject: a token
	// of another kind or issuer with the same subject reads nothing.
	actorID, actorKey := q.ActorID, ""
	if q.DossierID == "" && q.ActorID == p.Subject {
		actorID, actorKey = "", p.Key()
	}
	var actorAgencies []string
	if p.Role == domain.RoleAuditor && actorID != "" {
		// An auditor audits the officials of their jurisdiction.
		var err error
		if actorAgencies, err = s.st.AgencySubtree(ctx, p.AgencyCode); err != nil {
			return nil, "", err
		}
	}
	return keysetPage(q, pageSize, 100, token,
		func(after string, limit int) ([]domain.Access, error) {
			f := AccessFilter{DossierID: q.DossierID, ActorID: actorID, ActorKey: actorKey, From: q.From, To: q.To, ActorAgencies: actorAgencies}
			if after != "" {
				var err error
				if f.AfterID, err = strconv.ParseInt(after, 10, 64); err != nil {
					return nil, errPageToken()
				}
			}
			return s.st.ListAccesses(ctx, f, limit)
		},
		func(a *domain.Access) string { return strconv.FormatInt(a.ID, 10) })
}

// ProxySignal is an account or network that filed online for many
// distinct applicants.
type ProxySignal struct {
	Network     bool
	Key         string
	Applicants  int64
	Filings     int64
	ByActorKind map[string]int64
	First, Last time.Time
}

func (s *Audit) submissions(ctx context.Context, p domain.Principal, agency string, from, to time.Time) ([]domain.Submission, error) {
	if err := s.requireAuditor(ctx, p, agency); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, domain.Invalid("to_time", "must be after from_time")
	}
	agencies, err := s.st.AgencySubtree(ctx, agency)
	if err != nil {
		return nil, err
	}
	if len(agencies) == 0 {
		return nil, domain.NotFound("agency", agency)
	}
	return s.st.ListOnlineSubmissions(ctx, agencies, from, to)
}

// ProxyFilingSignals groups the online filings of a period by account and
// by client network and returns those with at least minApplicants distinct
// applicants, most first.
func (s *Audit) ProxyFilingSignals(ctx context.Context, p domain.Principal, agency string, from, to time.Time, minApplicants int) ([]ProxySignal, error) {
	subs, err := s.submissions(ctx, p, agency, from, to)
	if err != nil {
		return nil, err
	}
	if minApplicants <= 0 {
		minApplicants = 5
	}
	type acc struct {
		ProxySignal
		applicants map[string]bool
	}
	groups := map[string]*acc{}
	// An account is grouped by its identity key (kind and subject) and
	// shown by its subject: a citizen whose subject equals a clerk's is
	// another account.
	add := func(network bool, group, key string, sub domain.Submission) {
		k := fmt.Sprint(network, group)
		g := groups[k]
		if g == nil {
			g = &acc{ProxySignal: ProxySignal{Network: network, Key: key, ByActorKind: map[string]int64{}, First: sub.At}, applicants: map[string]bool{}}
			groups[k] = g
		}
		g.applicants[sub.ApplicantID] = true
		g.Filings++
		g.ByActorKind[sub.ActorKind.String()]++
		g.Last = sub.At
	}
	for _, sub := range subs {
		add(false, sub.ActorKey(), sub.ActorID, sub)
		if n, ok := network(sub.ClientAddress); ok {
			add(true, n.String(), n.String(), sub)
		}
	}
	var out []ProxySignal
	for _, g := range groups {
		g.Applicants = int64(len(g.applicants))
		if g.Applicants >= int64(minApplicants) {
			out = append(out, g.ProxySignal)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Applicants != out[j].Applicants {
			return out[i].Applicants > out[j].Applicants
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// clientIP reads a recorded client address: "ip:port" (the TCP peer) or a
// bare IP (forwarded by a trusted proxy).
func clientIP(addr string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap.Addr().Unmap(), true
	}
	ip, err := netip.ParseAddr(addr)
	return ip.Unmap(), err == nil
}

// network is the /24 (IPv4) or /48 (IPv6) of a client address.
func network(addr string) (netip.Prefix, bool) {
	ip, ok := clientIP(addr)
	if !ok {
		return netip.Prefix{}, false
	}
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	n, err := ip.Prefix(bits)
	return n, err == nil
}

// CounterFiling is a genuine-looking online filing from a counter network.
type CounterFiling struct {
	domain.Submission
	Network netip.Prefix
}

// CounterNetworkFilings lists online filings attributed to the applicant
// (citizen or representative) that came from a declared counter network.
func (s *Audit) CounterNetworkFilings(ctx context.Context, p domain.Principal, agency string, from, to time.Time) ([]CounterFiling, []netip.Prefix, error) {
	subs, err := s.submissions(ctx, p, agency, from, to)
	if err != nil {
		return nil, nil, err
	}
	var out []CounterFiling
	for _, sub := range subs {
		if !sub.ActorKind.Genuine() {
			continue // already counted as assisted
		}
		ip, ok := clientIP(sub.ClientAddress)
		if !ok {
			continue
		}
		for _, n := range s.counterNets {
			if n.Contains(ip) {
				out = append(out, CounterFiling{Submission: sub, Network: n})
				break
			}
		}
	}
	return out, s.counterNets, nil
}
