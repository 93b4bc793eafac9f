package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newCatalogCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Manage the procedure catalog over gRPC: import agencies and procedures from a file",
		Long: `catalog talks to a running motcua server (--addr) as the principal of --token.
Importing takes an admin token.`,
	}
	addClientFlags(cmd, o)
	cmd.AddCommand(newCatalogImportCmd(o))
	return cmd
}

func newCatalogImportCmd(o *clientOpts) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import agencies and procedures (versions, components, workflow, fees, legal time) from a JSON export",
		Long: `import reads FILE, a JSON export in the shape of the national procedure
database's (docs/catalog-import.md), compares it with the server's catalog and
makes the server match it, through the CatalogService RPCs:

  - an agency or procedure not on the server is created;
  - a procedure version whose effective date (NgayHieuLuc) is after the
    server's latest version is added;
  - whatever already matches is left alone, so a second import of the same
    file changes nothing, and says so.

The whole file is checked first, against the file's rules and the server's
catalog: if any record is invalid or conflicts (an agency renamed, a published
version with other content, a new version dated in the past), every problem is
printed with its line, record and field, and nothing is imported. Each record
is then one transaction on the server with a request id derived from its
content: a run cut short can be repeated and picks up where it stopped.

--dry-run prints what would be added, changed and left unchanged, and changes
nothing. Progress is shown on stderr.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usageError{err}
			}
			agencies, procs, problems, err := parseCatalogFile(filepath.Base(args[0]), data)
			if err != nil {
				return err
			}
			if len(problems) > 0 {
				return reportProblems(cmd.ErrOrStderr(), args[0], problems)
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			im := &catalogImport{s: s, catalog: pb.NewCatalogServiceClient(s.conn), bar: newProgress(s.errOut), now: time.Now()}
			if err := im.load(); err != nil {
				return err
			}
			plan, problems := im.plan(agencies, procs)
			if len(problems) > 0 {
				return reportProblems(cmd.ErrOrStderr(), args[0], problems)
			}
			if dryRun {
				plan.print(s.out)
				fmt.Fprintf(s.out, "dry run: %s; nothing was changed\n", plan.summary())
				return nil
			}
			if plan.empty() {
				fmt.Fprintf(s.out, "nothing to change: the catalog already matches %s (%s)\n", args[0], plan.summary())
				return nil
			}
			if err := im.apply(plan); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "imported %s: %s\n", args[0], plan.summary())
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the differences (added, changed, unchanged) and change nothing")
	return cmd
}

func reportProblems(w io.Writer, file string, problems []fileProblem) error {
	for _, p := range problems {
		fmt.Fprintln(w, p)
	}
	return fmt.Errorf("%s: %d problems; nothing was imported", file, len(problems))
}

type catalogImport struct {
	s        *session
	catalog  pb.CatalogServiceClient
	bar      *progress
	now      time.Time
	agencies map[string]*pb.Agency
	procs    map[string]*pb.Procedure
}

// load reads the server's whole catalog (1,000 a page).
func (im *catalogImport) load() error {
	im.agencies, im.procs = map[string]*pb.Agency{}, map[string]*pb.Procedure{}
	for token := ""; ; {
		resp, err := call(im.s, "ListAgencies", func(ctx context.Context) (*pb.ListAgenciesResponse, error) {
			return im.catalog.ListAgencies(ctx, &pb.ListAgenciesRequest{PageSize: 1000, PageToken: token})
		})
		if err != nil {
			return err
		}
		for _, a := range resp.GetAgencies() {
			im.agencies[a.GetCode()] = a
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for token := ""; ; {
		resp, err := call(im.s, "ListProcedures", func(ctx context.Context) (*pb.ListProceduresResponse, error) {
			return im.catalog.ListProcedures(ctx, &pb.ListProceduresRequest{PageSize: 1000, PageToken: token})
		})
		if err != nil {
			return err
		}
		for _, p := range resp.GetProcedures() {
			im.procs[p.GetCode()] = p
		}
		im.bar.update(fmt.Sprintf("reading the server's catalog: %d agencies, %d procedures", len(im.agencies), len(im.procs)), false)
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	im.bar.done(fmt.Sprintf("read the server's catalog: %d agencies, %d procedures", len(im.agencies), len(im.procs)))
	return nil
}

// importPlan is what an import does.
type importPlan struct {
	addAgencies        []*pb.Agency
	sameAgencies       int
	createProcs        []newProcedure
	addVersions        []addVersion
	sameProcs          int
	skippedOldVersions int
}

type newProcedure struct {
	proc  *pb.Procedure
	first *pb.ProcedureVersion
	later []*pb.ProcedureVersion
}

type addVersion struct {
	code string
	v    *pb.ProcedureVersion
}

func (p *importPlan) empty() bool {
	return len(p.addAgencies) == 0 && len(p.createProcs) == 0 && len(p.addVersions) == 0
}

func (p *importPlan) changedProcs() int {
	seen := map[string]bool{}
	for _, a := range p.addVersions {
		seen[a.code] = true
	}
	return len(seen)
}

func (p *importPlan) summary() string {
	s := fmt.Sprintf("agencies %d added, %d unchanged; procedures %d added, %d changed (%d versions added), %d unchanged",
		len(p.addAgencies), p.sameAgencies, len(p.createProcs), p.changedProcs(), len(p.addVersions), p.sameProcs)
	if p.skippedOldVersions > 0 {
		s += fmt.Sprintf("; %d versions older than a procedure's current one not imported", p.skippedOldVersions)
	}
	return s
}

func (p *importPlan) print(w io.Writer) {
	for _, a := range p.addAgencies {
		fmt.Fprintf(w, "+ agency %s %s\n", a.GetCode(), a.GetName())
	}
	for _, n := range p.createProcs {
		fmt.Fprintf(w, "+ procedure %s %s (%d versions)\n", n.proc.GetCode(), n.proc.GetName(), 1+len(n.later))
	}
	for _, a := range p.addVersions {
		fmt.Fprintf(w, "~ procedure %s: + version effective %s\n", a.code, a.v.GetEffectiveTime().AsTime().In(fileTimeZone).Format(time.DateTime))
	}
	fmt.Fprintf(w, "= unchanged: %d agencies, %d procedures\n", p.sameAgencies, p.sameProcs)
}

// plan compares the file with the server's catalog. Agencies and procedure
// headers are never changed by an import (the API has no such update), and a
// published version is never rewritten: such differences are problems.
func (im *catalogImport) plan(agencies []importAgency, procs []importProcedure) (*importPlan, []fileProblem) {
	plan := &importPlan{}
	var problems []fileProblem
	inFile := map[string]bool{}
	for _, a := range agencies {
		inFile[a.pb.GetCode()] = true
	}
	known := func(code string) bool { return code == "" || inFile[code] || im.agencies[code] != nil }
	for _, a := range agencies {
		cur := im.agencies[a.pb.GetCode()]
		switch {
		case cur == nil:
			if !known(a.pb.GetParentCode()) {
				problems = append(problems, fileProblem{a.where, "MaCoQuanCha", fmt.Sprintf("no agency %q on the server or in the file", a.pb.GetParentCode())})
				continue
			}
			plan.addAgencies = append(plan.addAgencies, a.pb)
		case cur.GetName() != a.pb.GetName() || cur.GetParentCode() != a.pb.GetParentCode():
			problems = append(problems, fileProblem{a.where, "TenCoQuan/MaCoQuanCha", fmt.Sprintf(
				"the server has %q under %q; an import does not rename or move agencies", cur.GetName(), cur.GetParentCode())})
		default:
			plan.sameAgencies++
		}
	}
	plan.addAgencies = parentsFirst(plan.addAgencies)
	for _, p := range procs {
		bad := func(field, format string, args ...any) {
			problems = append(problems, fileProblem{p.where, field, fmt.Sprintf(format, args...)})
		}
		if !known(p.pb.GetAgencyCode()) {
			bad("MaCoQuanThucHien", "no agency %q on the server or in the file", p.pb.GetAgencyCode())
		}
		for i, v := range p.versions {
			for j, st := range v.GetWorkflow() {
				if !known(st.GetUnitCode()) {
					bad(fmt.Sprintf("PhienBan[%d].QuyTrinh[%d].MaDonVi", i, j), "no agency %q on the server or in the file", st.GetUnitCode())
				}
			}
		}
		cur := im.procs[p.pb.GetCode()]
		if cur == nil {
			// Created with its version in force now (or its first, if all are
			// to come); older versions are history the API cannot insert.
			first := 0
			for i, v := range p.versions {
				if !v.GetEffectiveTime().AsTime().After(im.now) {
					first = i
				}
			}
			plan.skippedOldVersions += first
			plan.createProcs = append(plan.createProcs, newProcedure{proc: p.pb, first: p.versions[first], later: p.versions[first+1:]})
			continue
		}
		if cur.GetName() != p.pb.GetName() || cur.GetFieldCode() != p.pb.GetFieldCode() || cur.GetFieldName() != p.pb.GetFieldName() ||
			cur.GetAgencyCode() != p.pb.GetAgencyCode() {
			bad("TenTTHC/MaLinhVuc/TenLinhVuc/MaCoQuanThucHien", "differ from the server's (%q, %s %q, %s); an import does not change a procedure's header",
				cur.GetName(), cur.GetFieldCode(), cur.GetFieldName(), cur.GetAgencyCode())
			continue
		}
		curVersions := cur.GetVersions()
		latest := curVersions[len(curVersions)-1].GetEffectiveTime().AsTime()
		added := 0
		for i, v := range p.versions {
			eff := v.GetEffectiveTime().AsTime()
			var match *pb.ProcedureVersion
			for _, cv := range curVersions {
				if cv.GetEffectiveTime().AsTime().Equal(eff) {
					match = cv
				}
			}
			switch {
			case match != nil:
				if !sameVersionContent(match, v) {
					bad(fmt.Sprintf("PhienBan[%d]", i), "version %d, in effect from %s, is published with other content; a change is a new version with a later NgayHieuLuc",
						match.GetVersion(), eff.In(fileTimeZone).Format(time.DateTime))
				}
			case !eff.After(latest):
				plan.skippedOldVersions++
			case eff.Before(im.now.Add(-time.Minute)):
				bad(fmt.Sprintf("PhienBan[%d].NgayHieuLuc", i), "a new version cannot take effect in the past (%s): dossiers already filed keep their version",
					eff.In(fileTimeZone).Format(time.DateTime))
			default:
				plan.addVersions = append(plan.addVersions, addVersion{code: p.pb.GetCode(), v: v})
				added++
			}
		}
		if added == 0 {
			plan.sameProcs++
		}
	}
	return plan, problems
}

// sameVersionContent compares what a version says, not its number or dates.
func sameVersionContent(a, b *pb.ProcedureVersion) bool {
	strip := func(v *pb.ProcedureVersion) *pb.ProcedureVersion {
		c := proto.Clone(v).(*pb.ProcedureVersion)
		c.Version, c.EffectiveTime, c.EndTime = 0, nil, nil
		return c
	}
	return proto.Equal(strip(a), strip(b))
}

// parentsFirst orders new agencies so that each comes after its parent.
func parentsFirst(as []*pb.Agency) []*pb.Agency {
	byCode := map[string]*pb.Agency{}
	for _, a := range as {
		byCode[a.GetCode()] = a
	}
	depth := func(a *pb.Agency) int {
		d := 0
		for p := byCode[a.GetParentCode()]; p != nil && d < len(as); p = byCode[p.GetParentCode()] {
			d++
		}
		return d
	}
	out := append([]*pb.Agency(nil), as...)
	sort.SliceStable(out, func(i, j int) bool { return depth(out[i]) < depth(out[j]) })
	return out
}

// requestID derives a request id from what a record says, so that a rerun
// of an interrupted import repeats none of it.
func importRequestID(kind, code string, m proto.Message) string {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	h := sha256.Sum256(b)
	return "catalog-import:" + kind + ":" + code + ":" + hex.EncodeToString(h[:8])
}

func (im *catalogImport) apply(plan *importPlan) error {
	total := len(plan.addAgencies) + len(plan.createProcs) + len(plan.addVersions)
	done := 0
	step := func(what string) {
		done++
		text := fmt.Sprintf("importing: %d / %d (%s)", done, total, what)
		if done == total {
			im.bar.done(text)
		} else {
			im.bar.update(text, false)
		}
	}
	for _, a := range plan.addAgencies {
		if _, err := call(im.s, "CreateAgency", func(ctx context.Context) (*pb.CreateAgencyResponse, error) {
			return im.catalog.CreateAgency(ctx, &pb.CreateAgencyRequest{RequestId: importRequestID("agency", a.GetCode(), a), Agency: a})
		}); err != nil {
			return errors.Join(err, fmt.Errorf("stopped at agency %s after %d of %d changes; run the import again to finish", a.GetCode(), done, total))
		}
		step("agency " + a.GetCode())
	}
	add := func(code string, v *pb.ProcedureVersion) error {
		_, err := call(im.s, "AddProcedureVersion", func(ctx context.Context) (*pb.AddProcedureVersionResponse, error) {
			return im.catalog.AddProcedureVersion(ctx, &pb.AddProcedureVersionRequest{
				RequestId: importRequestID("version", code, v), ProcedureCode: code, Version: v})
		})
		return err
	}
	for _, n := range plan.createProcs {
		code := n.proc.GetCode()
		if _, err := call(im.s, "CreateProcedure", func(ctx context.Context) (*pb.CreateProcedureResponse, error) {
			return im.catalog.CreateProcedure(ctx, &pb.CreateProcedureRequest{
				RequestId: importRequestID("procedure", code, &pb.CreateProcedureRequest{Procedure: n.proc, Version: n.first}),
				Procedure: n.proc, Version: n.first})
		}); err != nil {
			return errors.Join(err, fmt.Errorf("stopped at procedure %s after %d of %d changes; run the import again to finish", code, done, total))
		}
		for _, v := range n.later {
			if err := add(code, v); err != nil {
				return errors.Join(err, fmt.Errorf("stopped at a version of procedure %s; run the import again to finish", code))
			}
		}
		step("procedure " + code)
	}
	for _, a := range plan.addVersions {
		if err := add(a.code, a.v); err != nil {
			return errors.Join(err, fmt.Errorf("stopped at a version of procedure %s after %d of %d changes; run the import again to finish", a.code, done, total))
		}
		step("version of " + a.code)
	}
	return nil
}
