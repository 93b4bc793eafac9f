package testenv

import (
	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/simulate"
)

// Sha256 returns the SHA-256 of name's bytes: a test draft's file holds its
// own file_ref, so Sha256(file_ref) is its hash (Env.StoreFiles uploads it).
func Sha256(name string) string { return simulate.FileHash(name) }

// CitizenID returns a valid citizen identity number numbered n (n below
// 100000): a man born in 1990, registered in Hà Nội (001).
func CitizenID(n int) string { return simulate.CitizenNumber("001", 1990, false, n) }

// Draft is a complete online filing of the demo criminal-record procedure
// at the one-stop centre, by the citizen with id.
func Draft(id string) *pb.DossierDraft {
	return &pb.DossierDraft{
		ProcedureCode: seed.ProcCriminal, AgencyCode: seed.OneStopCentre,
		Applicant: &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN, IdNumber: id, Name: "Nguyễn Văn An", Phone: "0912345678"},
		Summary:   "Cấp Phiếu lý lịch tư pháp số 1",
		Components: []*pb.DossierComponent{
			{Code: "TK-LLTP", FileRef: "files/" + id + "/tk.pdf", FileSha256: Sha256("files/" + id + "/tk.pdf"), Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED},
			{Code: "CCCD", FileRef: "files/" + id + "/cccd.pdf", FileSha256: Sha256("files/" + id + "/cccd.pdf"), Source: pb.ComponentSource_COMPONENT_SOURCE_UPLOADED},
		},
	}
}

// CounterDraft is the same filing brought on paper to the counter, one
// document scanned (the clerk uploads the scan first: Env.StoreFiles).
func CounterDraft(id string) *pb.DossierDraft {
	d := Draft(id)
	d.Components[0].Source = pb.ComponentSource_COMPONENT_SOURCE_DIGITISED
	d.Components[1].Source = pb.ComponentSource_COMPONENT_SOURCE_PAPER
	d.Components[1].FileRef, d.Components[1].FileSha256 = "", ""
	return d
}

// DraftFor is a complete filing of any procedure by the citizen with id:
// every component is uploaded (online) or scanned at the counter.
func DraftFor(p *pb.Procedure, id string, online bool) *pb.DossierDraft {
	d := &pb.DossierDraft{ProcedureCode: p.GetCode(), AgencyCode: seed.OneStopCentre,
		Applicant: &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN, IdNumber: id, Name: "Trần Thị Bình"},
		Summary:   p.GetName()}
	src := pb.ComponentSource_COMPONENT_SOURCE_DIGITISED
	if online {
		src = pb.ComponentSource_COMPONENT_SOURCE_UPLOADED
	}
	versions := p.GetVersions()
	for _, c := range versions[len(versions)-1].GetComponents() {
		d.Components = append(d.Components, &pb.DossierComponent{Code: c.GetCode(), FileRef: "files/" + id + "/" + c.GetCode(),
			FileSha256: Sha256("files/" + id + "/" + c.GetCode()), Source: src})
	}
	return d
}
