package cli

import (
	"regexp"
	"strings"
	"testing"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/testenv"
)

// dossier watch prints events, and the cursor it prints resumes after them.
func TestDossierWatch(t *testing.T) {
	c := newCLI(t)
	citizen := testenv.CitizenID(701)
	tok := c.token(testenv.Citizen(citizen))
	file := func(rid string) *pb.Dossier {
		r, err := c.env.Dossiers.SubmitDossier(c.env.As(t, testenv.Citizen(citizen)), &pb.SubmitDossierRequest{RequestId: rid, Dossier: testenv.Draft(citizen)})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetDossier()
	}
	first := file("watch-cli-1")
	r := c.ok(tok, "dossier", "watch", "--from-beginning", "--count", "1", "--heartbeat", "1s")
	contains(t, "watch", r.out, first.GetCode(), "#1 SUBMIT")
	m := regexp.MustCompile(`resume with: --cursor (\S+)`).FindStringSubmatch(r.err)
	if m == nil {
		t.Fatalf("no cursor on stderr:\n%s", r)
	}
	second := file("watch-cli-2")
	r = c.ok(tok, "dossier", "watch", "--cursor", m[1], "--count", "1", "-o", "json")
	if !strings.Contains(r.out, second.GetId()) || strings.Contains(r.out, first.GetId()) {
		t.Fatalf("resumed from the cursor:\n%s", r)
	}
	c.fail(1, tok, []string{"dossier", "watch", "--cursor", "garbage", "--count", "1"}, "INVALID_ARGUMENT", "field cursor")
	c.fail(2, tok, []string{"dossier", "watch", "--action", "dance"}, "--action")
}
