package simulate

// Path is how a dossier reaches the office.
type Path int8

const (
	PathCounter        Path = iota // brought to the counter, taken in by a clerk
	PathPostal                     // sent by post, taken in by a clerk
	PathCitizen                    // filed online by the applicant (genuine)
	PathRepresentative             // filed online by a representative under a mandate (genuine)
	PathPortal                     // filed on the national portal, relayed for the citizen (genuine)
	PathStaffOnBehalf              // filed "online" by a clerk for someone at the counter (assisted)
	PathHelper                     // filed online by a community digital-support helper (assisted)
)

var pathNames = [...]string{PathCounter: "counter", PathPostal: "postal", PathCitizen: "citizen",
	PathRepresentative: "representative", PathPortal: "portal", PathStaffOnBehalf: "staff-on-behalf", PathHelper: "helper"}

func (p Path) String() string {
	if p >= 0 && int(p) < len(pathNames) {
		return pathNames[p]
	}
	return "path?"
}

// Online reports whether the dossier is filed with Submit (online), not
// taken in at the counter.
func (p Path) Online() bool { return p >= PathCitizen }

// ApplicantOnline reports whether the applicant side itself acts online
// afterwards (supplements, withdrawals, payments), rather than at the
// counter.
func (p Path) ApplicantOnline() bool {
	return p == PathCitizen || p == PathRepresentative || p == PathPortal
}

// SelfService reports whether the filing is made outside the office (by the
// applicant side or a helper), so it may come at any hour, not only in
// working time.
func (p Path) SelfService() bool { return p.ApplicantOnline() || p == PathHelper }
