package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/esign"
	"github.com/motcua/motcua/internal/seed"
	"github.com/motcua/motcua/internal/testenv"
)

// Principals of the demo workflow of procedure 1.001193: the one-stop
// centre's clerk receives and forwards (step 1), a specialist of the Justice
// Department verifies (step 2), its leader signs (step 3), and the clerk
// brings the result back (step 4), resolves and returns it.
var (
	specialist = auth.TokenSpec{Subject: "specialist-1", Role: domain.RoleSpecialist, Agency: seed.JusticeDept}
	leader     = auth.TokenSpec{Subject: "leader-1", Role: domain.RoleLeader, Agency: seed.JusticeDept}
)

// result is what one command run printed, and the exit code Main would
// return for it.
type result struct {
	out, err string
	code     int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.out, r.err)
}

// cli runs the command line against a server.
type cli struct {
	t   *testing.T
	env *testenv.Env
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, env: testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{})}
}

func (c *cli) token(spec auth.TokenSpec) string { return c.env.Token(c.t, spec) }

// upload writes content to a file named name and stores it with `motcua
// dossier upload` as the principal of token; it returns the SHA-256 printed.
func (c *cli) upload(token, name, content string) string {
	c.t.Helper()
	path := filepath.Join(c.t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	sha := strings.TrimSpace(c.ok(token, "dossier", "upload", path).out)
	if sha != testenv.Sha256(content) {
		c.t.Fatalf("upload printed %q, want the file's SHA-256", sha)
	}
	return sha
}

// signedFile writes content to name, signs it with `motcua dev sign` (a
// signer under the server's trusted root) and uploads both; it returns the
// file's and the signature's SHA-256.
func (c *cli) signedFile(token, name, content string) (file, sig string) {
	c.t.Helper()
	dir := c.t.TempDir()
	s := c.env.NewSigner(c.t, "Giám đốc Sở Tư pháp")
	keyPEM, err := esign.KeyPEM(s.Key)
	if err != nil {
		c.t.Fatal(err)
	}
	for n, b := range map[string][]byte{"signer.key": keyPEM, "signer.pem": esign.CertPEM(s.Cert), name: []byte(content)} {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			c.t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name)
	if r := execute("dev", "sign", "--key", filepath.Join(dir, "signer.key"), "--cert", filepath.Join(dir, "signer.pem"), "--in", path); r.code != 0 {
		c.t.Fatalf("dev sign: %s", r)
	}
	file = strings.TrimSpace(c.ok(token, "dossier", "upload", path).out)
	sig = strings.TrimSpace(c.ok(token, "dossier", "upload", path+".p7s").out)
	return file, sig
}

// run executes args as the principal of token ("" for none). The connection
// flags not in args are added, so that MOTCUA_* variables of the developer's
// shell do not leak in.
func (c *cli) run(token string, args ...string) result {
	c.t.Helper()
	has := func(names ...string) bool {
		return slices.ContainsFunc(args, func(a string) bool {
			for _, n := range names {
				if a == n || strings.HasPrefix(a, n+"=") {
					return true
				}
			}
			return false
		})
	}
	full := slices.Clone(args)
	if !has("--addr") {
		full = append(full, "--addr="+c.env.Addr)
	}
	if !has("--output", "-o") {
		full = append(full, "--output=table")
	}
	if !has("--timeout") {
		full = append(full, "--timeout=20s")
	}
	if !has("--tls") {
		full = append(full, "--tls=false")
	}
	if !has("--token") {
		full = append(full, "--token="+token)
	}
	return execute(full...)
}

// execute runs the root command as Main does, returning Main's exit code.
func execute(args ...string) result {
	var out, errOut bytes.Buffer
	root := NewRoot(&out, &errOut)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	code := 0
	if err != nil {
		fmt.Fprintln(&errOut, "motcua:", err)
		code = 1
		var ue usageError
		if errors.As(err, &ue) {
			code = 2
		}
	}
	return result{out: out.String(), err: errOut.String(), code: code}
}

// ok runs a command that must succeed.
func (c *cli) ok(token string, args ...string) result {
	c.t.Helper()
	r := c.run(token, args...)
	if r.code != 0 {
		c.t.Fatalf("motcua %s:\n%s", strings.Join(args, " "), r)
	}
	return r
}

// fail runs a command that must exit with code and print every want on
// stderr.
func (c *cli) fail(code int, token string, args []string, want ...string) result {
	c.t.Helper()
	r := c.run(token, args...)
	if r.code != code {
		c.t.Fatalf("motcua %s: want exit %d\n%s", strings.Join(args, " "), code, r)
	}
	for _, w := range want {
		if !strings.Contains(r.err, w) {
			c.t.Errorf("motcua %s: stderr lacks %q\n%s", strings.Join(args, " "), w, r)
		}
	}
	if strings.Contains(r.err, "goroutine ") || strings.Contains(r.err, "panic") {
		c.t.Errorf("stack trace on stderr:\n%s", r.err)
	}
	return r
}

// contains asserts that s holds every want.
func contains(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// field returns the value of a "Key  value" line of a table.
func field(t *testing.T, out, key string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + ` {2,}(.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q line in:\n%s", key, out)
	}
	return strings.TrimSpace(m[1])
}

func unmarshal(t *testing.T, s string, m proto.Message) {
	t.Helper()
	if err := protojson.Unmarshal([]byte(s), m); err != nil {
		t.Fatalf("not protojson of %T: %v\n%s", m, err, s)
	}
}

// onlineArgs is a complete online filing of 1.001193 for citizen id.
func onlineArgs(id string, extra ...string) []string {
	args := []string{"dossier", "submit", "--procedure", seed.ProcCriminal, "--agency", seed.OneStopCentre,
		"--applicant-kind", "citizen", "--applicant-id", id, "--applicant-name", "Nguyễn Văn An", "--phone", "0912345678",
		"--summary", "Cấp Phiếu lý lịch tư pháp số 1",
		"--component", "TK-LLTP=uploaded:files/" + id + "/tk.pdf:" + testenv.Sha256(id+"tk"),
		"--component", "CCCD=uploaded:files/" + id + "/cccd.pdf:" + testenv.Sha256(id+"cccd")}
	return append(args, extra...)
}

var codePattern = regexp.MustCompile(`^000\.00\.01\.H55-\d{6}-\d{4}$`)

// TestCounterLifecycle drives procedure 1.001193 from the citizen's online
// filing to the result handed over at the counter, each step as the
// principal the workflow names.
func TestCounterLifecycle(t *testing.T) {
	c := newCLI(t)
	citizenID := testenv.CitizenID(1)
	citizen := c.token(testenv.Citizen(citizenID))
	clerk := c.token(testenv.Clerk)

	// The citizen files online; json output is the response as protojson.
	r := c.ok(citizen, onlineArgs(citizenID, "--output", "json")...)
	var submitted pb.SubmitDossierResponse
	unmarshal(t, r.out, &submitted)
	d := submitted.GetDossier()
	if d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_SUBMITTED || !codePattern.MatchString(d.GetCode()) || d.GetVersion() != 1 {
		t.Fatalf("submitted %v %q v%d", d.GetStatus(), d.GetCode(), d.GetVersion())
	}
	if a := submitted.GetEvent().GetAttribution(); a.GetActorKind() != pb.ActorKind_ACTOR_KIND_CITIZEN || a.GetChannel() != pb.Channel_CHANNEL_ONLINE {
		t.Errorf("submit attributed %v via %v", a.GetActorKind(), a.GetChannel())
	}
	contains(t, "submit stderr", r.err, "request id cli-", "--request-id cli-")
	code, id := d.GetCode(), d.GetId()

	// The clerk accepts it, naming it by its code; the version is read first.
	r = c.ok(clerk, "dossier", "receive", "--id", code, "--note", "Đủ thành phần")
	contains(t, "receive stderr", r.err, "acting on "+code+" at its current version 1")
	if got := field(t, r.out, "Code"); got != code {
		t.Errorf("Code %q, want %q", got, code)
	}
	if got := field(t, r.out, "Status"); got != "RECEIVED" {
		t.Errorf("Status %q after receive", got)
	}
	if got := field(t, r.out, "Version"); got != "2" {
		t.Errorf("Version %q after receive", got)
	}
	contains(t, "receive", r.out, "1. Tiếp nhận và chuyển hồ sơ · 000.00.01.H55 · clerk-1",
		"#2 RECEIVE: SUBMITTED → RECEIVED · by clerk-1 (CLERK, 000.00.01.H55) · actor kind STAFF · channel ONLINE")
	for _, key := range []string{"Appointment", "Legal deadline", "Step due"} {
		if v := field(t, r.out, key); !regexp.MustCompile(`^\w{3} \d\d/\d\d/\d{4} \d\d:\d\d$`).MatchString(v) {
			t.Errorf("%s %q is not a time like Mon 02/01/2006 15:04", key, v)
		}
	}

	// Step 1 → 2: the clerk of the one-stop centre, with an explicit version
	// and the dossier id.
	r = c.ok(clerk, "dossier", "forward", "--id", id, "--version", "2", "--assignee", "specialist-1")
	if strings.Contains(r.err, "acting on") {
		t.Errorf("forward with --version read the dossier:\n%s", r.err)
	}
	contains(t, "forward 1", r.out, "PROCESSING", "2. Tra cứu, xác minh lý lịch · 000.00.12.H55 · specialist-1", "#3 FORWARD: RECEIVED → PROCESSING")

	// The same request id again is a retry: same answer, no second step.
	spec := c.token(specialist)
	r = c.ok(spec, "dossier", "forward", "--id", code, "--request-id", "fwd-1", "--version", "3", "--assignee", "leader-1")
	retry := c.ok(spec, "dossier", "forward", "--id", code, "--request-id", "fwd-1", "--version", "3", "--assignee", "leader-1")
	if r.out != retry.out {
		t.Errorf("a retry answered differently:\n%s\n%s", r.out, retry.out)
	}
	contains(t, "forward 2", r.out, "3. Ký duyệt Phiếu · 000.00.12.H55", "by specialist-1 (SPECIALIST, 000.00.12.H55)")

	// Step 3 is the leader's: the specialist may not forward it.
	c.fail(1, spec, []string{"dossier", "forward", "--id", code},
		"error: PERMISSION_DENIED", "hint: staff of the current step's unit")
	// A stale version is ABORTED with the current version.
	c.fail(1, c.token(leader), []string{"dossier", "forward", "--id", code, "--version", "2"},
		"error: ABORTED", "reason VERSION_CONFLICT (motcua.gov.vn): current_version=4, expected_version=2")
	r = c.ok(c.token(leader), "dossier", "forward", "--id", code)
	contains(t, "forward 3", r.out, "4. Chuyển kết quả về Trung tâm · 000.00.01.H55 · (unassigned)", "by leader-1 (LEADER, 000.00.12.H55)")

	// At the last step forwarding is refused with a reason; resolving works.
	c.fail(1, clerk, []string{"dossier", "forward", "--id", code},
		"error: FAILED_PRECONDITION", "reason AT_LAST_STEP", "precondition AT_LAST_STEP on dossier/"+id)
	// The result is signed with `motcua dev sign` by a signer under the
	// server's trusted root, and both files are uploaded.
	pdf, sigFile := c.signedFile(clerk, "lltp.pdf", "%PDF-1.7 Phiếu lý lịch tư pháp số 1")
	r = c.ok(clerk, "dossier", "resolve", "--id", code, "--electronic", "--signer", "Giám đốc Sở Tư pháp",
		"--document", "LLTP=Phiếu lý lịch tư pháp số 1::"+pdf, "--signature", "LLTP="+sigFile)
	if got := field(t, r.out, "Status"); got != "RESOLVED" {
		t.Errorf("Status %q after resolve", got)
	}
	if got := field(t, r.out, "Timeliness"); got != "ON_TIME" {
		t.Errorf("Timeliness %q after resolve", got)
	}
	r = c.ok(clerk, "dossier", "return", "--id", code, "--channel", "counter", "-o", "json")
	var returned pb.ReturnResultResponse
	unmarshal(t, r.out, &returned)
	if returned.GetDossier().GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RETURNED || returned.GetDossier().GetVersion() != 7 ||
		returned.GetEvent().GetAttribution().GetChannel() != pb.Channel_CHANNEL_COUNTER {
		t.Errorf("returned %v v%d via %v", returned.GetDossier().GetStatus(), returned.GetDossier().GetVersion(),
			returned.GetEvent().GetAttribution().GetChannel())
	}

	// The counter screen has the dossier, the slip and the deadline.
	r = c.ok(clerk, "dossier", "show", code)
	contains(t, "show", r.out, code, id, "RETURNED", "CITIZEN "+citizenID+" Nguyễn Văn An", "via ONLINE by CITIZEN",
		"electronic, signed by Giám đốc Sở Tư pháp", "TK-LLTP", "UPLOADED", "LLTP", "Phiếu lý lịch tư pháp số 1",
		"Process-control slip", "Tiếp nhận và chuyển hồ sơ", "Tra cứu, xác minh lý lịch", "Ký duyệt Phiếu", "Chuyển kết quả về Trung tâm",
		"specialist-1", "leader-1", "Deadline", "statutory time 10 working days", "Legal deadline:", "KIND", "COUNTED")
	if n := strings.Count(r.out, "ON_TIME"); n < 5 {
		t.Errorf("show: %d ON_TIME (dossier and four steps expected):\n%s", n, r.out)
	}

	// The slip alone, as a table and as json.
	r = c.ok(clerk, "dossier", "slip", code)
	contains(t, "slip", r.out, "STEP", "NAME", "UNIT", "ASSIGNEE", "STARTED", "DUE", "FINISHED", "TIMELINESS", "LATE BY")
	r = c.ok(clerk, "dossier", "slip", id, "-o", "json")
	var slip pb.GetProcessControlSlipResponse
	unmarshal(t, r.out, &slip)
	if len(slip.GetRows()) != 4 || slip.GetDossierCode() != code {
		t.Errorf("slip of %q has %d rows", slip.GetDossierCode(), len(slip.GetRows()))
	}

	// The events tell who did each step, how and through which channel.
	r = c.ok(citizen, "dossier", "events", id)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 1+7 {
		t.Fatalf("events: %d lines, want header + 7:\n%s", len(lines), r.out)
	}
	for i, action := range []string{"SUBMIT", "RECEIVE", "FORWARD", "FORWARD", "FORWARD", "RESOLVE", "RETURN"} {
		if f := strings.Fields(lines[1+i]); f[0] != fmt.Sprint(i+1) || f[4] != action {
			t.Errorf("event %d: %q, want %s", i+1, lines[1+i], action)
		}
	}
	contains(t, "events", r.out, "CITIZEN", "STAFF", "COUNTER")

	// The deadline explanation: its lines, then the segments.
	r = c.ok(clerk, "dossier", "deadline", code)
	contains(t, "deadline", r.out, "Procedure 1.001193 version 1", "Appointment (ngày hẹn trả):", "KIND", "DAYS", "COUNTED", "TOTAL")

	// get and list find it; the citizen sees it too.
	r = c.ok(clerk, "dossier", "get", code, "--purpose", "kiểm tra")
	if field(t, r.out, "ID") != id {
		t.Errorf("get by code:\n%s", r.out)
	}
	r = c.ok(citizen, "dossier", "list", "--status", "returned", "--all")
	contains(t, "list", r.out, code, "RETURNED", "ON_TIME")
	// The indicators' filters: counted on time; never asked to supplement.
	r = c.ok(citizen, "dossier", "list", "--on-time", "--all")
	contains(t, "list --on-time", r.out, code)
	if r = c.ok(citizen, "dossier", "list", "--supplement-requested", "--all"); strings.Contains(r.out, code) {
		t.Errorf("list --supplement-requested lists a dossier never asked to supplement:\n%s", r.out)
	}
	r = c.ok(clerk, "dossier", "list", "--status", "submitted,received", "-o", "json")
	var list pb.ListDossiersResponse
	unmarshal(t, r.out, &list)
	if len(list.GetDossiers()) != 0 {
		t.Errorf("list of submitted and received dossiers has %d", len(list.GetDossiers()))
	}
}

// TestCounterIntakeAndPauses takes a dossier in at the counter and walks it
// through a supplement, a payment and an extension, then stops it; and
// refuses and withdraws two online filings.
func TestCounterIntakeAndPauses(t *testing.T) {
	c := newCLI(t)
	clerk := c.token(testenv.Clerk)
	citizenID := testenv.CitizenID(2)

	r := c.ok(clerk, "dossier", "receive", "--channel", "counter", "--procedure", seed.ProcCriminal, "--agency", seed.OneStopCentre,
		"--applicant-id", citizenID, "--applicant-name", "Trần Thị Bình",
		"--component", "TK-LLTP=digitised:scans/tk.pdf:"+c.upload(clerk, "tk.pdf", "%PDF-1.7 tờ khai"), "--component", "CCCD=paper", "-o", "json")
	var received pb.ReceiveDossierResponse
	unmarshal(t, r.out, &received)
	d := received.GetDossier()
	if d.GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RECEIVED || d.GetChannel() != pb.Channel_CHANNEL_COUNTER {
		t.Fatalf("counter intake: %v via %v", d.GetStatus(), d.GetChannel())
	}
	code := d.GetCode()

	r = c.ok(clerk, "dossier", "request-supplement", "--id", code, "--reason", "Bản chụp CCCD mờ", "--component", "CCCD")
	contains(t, "request-supplement", r.out, "AWAITING_SUPPLEMENT", "PAUSED", "paused since", "#2 REQUEST_SUPPLEMENT: RECEIVED → AWAITING_SUPPLEMENT")
	r = c.ok(clerk, "dossier", "provide-supplement", "--id", code, "--channel", "counter",
		"--component", "CCCD=digitised:scans/cccd.pdf:"+c.upload(clerk, "cccd.pdf", "%PDF-1.7 căn cước"))
	contains(t, "provide-supplement", r.out, "RECEIVED", "#3 PROVIDE_SUPPLEMENT: AWAITING_SUPPLEMENT → RECEIVED", "channel COUNTER")
	r = c.ok(clerk, "dossier", "request-payment", "--id", code, "--amount", "200000", "--reason", "Phí cấp Phiếu lý lịch tư pháp")
	contains(t, "request-payment", r.out, "AWAITING_PAYMENT", "#4 REQUEST_PAYMENT: RECEIVED → AWAITING_PAYMENT")
	r = c.ok(clerk, "dossier", "confirm-payment", "--id", code, "--receipt", "BL-0001", "-o", "json")
	var paid pb.ConfirmPaymentResponse
	unmarshal(t, r.out, &paid)
	if paid.GetDossier().GetStatus() != pb.DossierStatus_DOSSIER_STATUS_RECEIVED || paid.GetEvent().GetDetails()["receipt_ref"] != "BL-0001" {
		t.Errorf("confirm-payment: %v %v", paid.GetDossier().GetStatus(), paid.GetEvent().GetDetails())
	}

	// The new appointment in local time, three days after the current one.
	due := paid.GetDossier().GetDueTime().AsTime()
	newDue := due.In(vietnam).Add(72 * time.Hour).Truncate(time.Minute)
	r = c.ok(clerk, "dossier", "extend", "--id", code, "--reason", "Cần xác minh thêm", "--new-due", newDue.Format("2006-01-02 15:04"))
	if got, want := field(t, r.out, "Appointment"), newDue.Format(timeLayout); got != want {
		t.Errorf("Appointment %q after extend, want %q", got, want)
	}
	if got, want := field(t, r.out, "Legal deadline"), fmtTime(paid.GetDossier().GetOriginalDueTime()); got != want {
		t.Errorf("Legal deadline %q after extend, want it unchanged at %q", got, want)
	}
	r = c.ok(clerk, "dossier", "deadline", code)
	contains(t, "deadline", r.out, "Paused", "Extended", "Cần xác minh thêm")

	r = c.ok(clerk, "dossier", "stop", "--id", code, "--reason", "Công dân không bổ sung")
	contains(t, "stop", r.out, "STOPPED", "ENDED", "#7 STOP: RECEIVED → STOPPED")

	// Online filings: one refused at intake, one withdrawn at the counter.
	for i, tc := range []struct {
		args   []string
		status string
	}{
		{[]string{"dossier", "not-accept", "--reason", "Tờ khai không có chữ ký"}, "NOT_ACCEPTED"},
		{[]string{"dossier", "withdraw", "--reason", "Không còn nhu cầu", "--channel", "counter"}, "WITHDRAWN"},
	} {
		id := testenv.CitizenID(10 + i)
		r := c.ok(c.token(testenv.Citizen(id)), onlineArgs(id, "-o", "json")...)
		var s pb.SubmitDossierResponse
		unmarshal(t, r.out, &s)
		r = c.ok(clerk, append(tc.args, "--id", s.GetDossier().GetCode())...)
		if got := field(t, r.out, "Status"); got != tc.status {
			t.Errorf("%s: status %q, want %s", tc.args[1], got, tc.status)
		}
	}

	// A clerk filing online for a citizen is recorded as on the citizen's
	// behalf, never as genuine online.
	id := testenv.CitizenID(20)
	r = c.ok(clerk, onlineArgs(id)...)
	contains(t, "submit by a clerk", r.out, "#1 SUBMIT: SUBMITTED · by clerk-1 (CLERK, 000.00.01.H55) · actor kind STAFF_ON_BEHALF for "+id+" · channel ONLINE")
}

func TestDossierErrors(t *testing.T) {
	c := newCLI(t)
	clerk := c.token(testenv.Clerk)
	id := testenv.CitizenID(3)

	// The server's field violations are printed, with exit code 1.
	bad := onlineArgs(id)
	bad[slices.Index(bad, id)] = "001090" // too short for a citizen id
	r := c.fail(1, clerk, bad, "error: INVALID_ARGUMENT", "field dossier.applicant.id_number:", "motcua: SubmitDossier failed: INVALID_ARGUMENT")
	if r.out != "" {
		t.Errorf("a failed call printed on stdout:\n%s", r.out)
	}
	c.fail(1, clerk, onlineArgs(id, "--phone", "not a phone"), "field dossier.applicant.phone: ", "[string.pattern]")
	c.fail(1, clerk, []string{"dossier", "get", "000.00.01.H55-200101-9999"}, "error: NOT_FOUND", `resource dossier "000.00.01.H55-200101-9999"`)
	c.fail(1, "not-a-token", []string{"dossier", "list"}, "error: UNAUTHENTICATED", "motcua token issue --role clerk")
	c.fail(1, clerk, []string{"dossier", "list", "--addr", "127.0.0.1:1", "--timeout", "3s"}, "error: UNAVAILABLE", "is the server running at 127.0.0.1:1?")

	// Flag misuse is exit code 2, before any call.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dossier", "list", "--no-such-flag"}, "unknown flag: --no-such-flag"},
		{[]string{"dossier", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"dossier", "stop", "--id", "000.00.01.H55-200101-0001"}, "needs --reason"},
		{[]string{"dossier", "forward"}, "needs --id"},
		{[]string{"dossier", "get"}, "takes 1 argument"},
		{[]string{"dossier", "list", "--output", "yaml"}, "--output must be table or json"},
		{[]string{"dossier", "list", "--status", "lost"}, `--status: "lost" is not one of submitted, received`},
		{[]string{"dossier", "request-payment", "--id", "x", "--reason", "phí", "--amount", "many"}, "invalid argument"},
		{[]string{"dossier", "extend", "--id", "x", "--reason", "r", "--new-due", "tomorrow"}, `--new-due "tomorrow"`},
		{append(onlineArgs(id), "--component", "UQ=reused"), "REUSED_FROM"},
		{append(onlineArgs(id), "--applicant-kind", "alien"), `--applicant-kind: "alien" is not one of citizen, enterprise, agency, organisation`},
		{[]string{"dossier", "receive", "--id", "x", "--procedure", "1.001193"}, "give one or the other"},
		{[]string{"dossier", "return", "--id", "x", "--channel", "pigeon"}, `--channel: "pigeon" is not one of counter, online, postal`},
	} {
		c.fail(2, clerk, tc.args, tc.want)
	}
	// Without a token the error says how to get one.
	c.fail(2, "", []string{"dossier", "list"}, "no token", "export MOTCUA_TOKEN=$(motcua token issue --role clerk --agency 000.00.01.H55 --subject clerk-1)")
}

// TestEnvironment: the connection flags come from MOTCUA_* variables, for
// the subcommands too; the command line wins.
func TestEnvironment(t *testing.T) {
	c := newCLI(t)
	t.Setenv("MOTCUA_ADDR", c.env.Addr)
	t.Setenv("MOTCUA_TOKEN", c.token(testenv.Clerk))
	t.Setenv("MOTCUA_OUTPUT", "json")
	t.Setenv("MOTCUA_TIMEOUT", "15s")
	t.Setenv("MOTCUA_TLS", "false")
	t.Setenv("MOTCUA_VERSION", "99") // not a connection flag: ignored
	id := testenv.CitizenID(4)
	r := execute(onlineArgs(id)...)
	if r.code != 0 {
		t.Fatal(r)
	}
	var s pb.SubmitDossierResponse
	unmarshal(t, r.out, &s)
	r = execute("dossier", "receive", "--id", s.GetDossier().GetId())
	if r.code != 0 {
		t.Fatal(r)
	}
	r = execute("dossier", "list", "--output", "table")
	if r.code != 0 || !strings.Contains(r.out, s.GetDossier().GetCode()) || !strings.Contains(r.out, "RECEIVED") {
		t.Errorf("list with --output table over MOTCUA_OUTPUT=json:\n%s", r)
	}
	t.Setenv("MOTCUA_TIMEOUT", "soon")
	if r := execute("dossier", "list"); r.code != 2 || !strings.Contains(r.err, "MOTCUA_TIMEOUT") {
		t.Errorf("a bad MOTCUA_TIMEOUT:\n%s", r)
	}
}
