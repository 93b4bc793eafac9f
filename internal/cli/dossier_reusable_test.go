package cli

import (
	"slices"
	"testing"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/testenv"
)

// A citizen's uploaded document is listed by `dossier reusable` with the
// --component value that reuses it, and that value files a new dossier
// with the same verified file; a clerk must name the applicant.
func TestDossierReusable(t *testing.T) {
	c := newCLI(t)
	id := testenv.CitizenID(5)
	citizen := c.token(testenv.Citizen(id))
	sha := c.upload(citizen, "cccd.pdf", "%PDF-1.7 căn cước "+id)
	args := onlineArgs(id, "--output", "json")
	args[slices.Index(args, "CCCD=uploaded:files/"+id+"/cccd.pdf:"+testenv.Sha256(id+"cccd"))] = "CCCD=uploaded:files/cccd.pdf:" + sha
	var first pb.SubmitDossierResponse
	unmarshal(t, c.ok(citizen, args...).out, &first)
	code := first.GetDossier().GetCode()

	use := "CCCD=reused::dossier:" + code + "/CCCD"
	r := c.ok(citizen, "dossier", "reusable", "--all")
	contains(t, "reusable", r.out, "dossier:"+code+"/CCCD", "verified_component", sha[:12], "--component "+use)

	args = onlineArgs(id, "--output", "json")
	args[slices.Index(args, "CCCD=uploaded:files/"+id+"/cccd.pdf:"+testenv.Sha256(id+"cccd"))] = use
	var second pb.SubmitDossierResponse
	unmarshal(t, c.ok(citizen, args...).out, &second)
	if cc := second.GetDossier().GetComponents()[1]; !cc.GetVerified() || cc.GetFileSha256() != sha || cc.GetReusedFrom() != "dossier:"+code+"/CCCD" {
		t.Fatalf("the reused component: %v", cc)
	}

	c.fail(1, c.token(testenv.Clerk), []string{"dossier", "reusable", "--purpose", "tiếp nhận"}, "applicant_id_number")
}
