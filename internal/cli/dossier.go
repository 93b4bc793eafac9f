package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/proto"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "dossier",
		Short: "Drive dossiers over gRPC: file, receive, forward, resolve, return, and read them",
		Long: `dossier talks to a running motcua server (--addr, default 127.0.0.1:50051) as
the principal of --token, and prints readable tables (or, with --output json,
the response as protojson for scripts). Times are shown in Vietnam time.

Every call needs a bearer token: pass --token or set MOTCUA_TOKEN. Against a
development server, mint one with
  export MOTCUA_TOKEN=$(motcua token issue --role clerk --agency 000.00.01.H55 --subject clerk-1)

Actions take --request-id (default: a fresh id, printed on stderr; repeat the
command with it to retry safely) and --version, the dossier version you last
read (default: the current one, read first with GetDossier). --id takes the
dossier's id or its code.

Exit status: 0 on success, 1 when the server refused or could not be reached
(the gRPC status, field violations and reasons are printed on stderr), 2 when
the command line is wrong.`,
		Example: `  motcua dossier list --status received --status processing
  motcua dossier show 000.00.01.H55-260213-0001
  motcua dossier forward --id 000.00.01.H55-260213-0001 --assignee specialist-1`,
	}
	addClientFlags(cmd, o)
	cmd.AddCommand(
		newDossierSubmitCmd(o), newDossierReceiveCmd(o), newDossierNotAcceptCmd(o),
		newDossierRequestSupplementCmd(o), newDossierProvideSupplementCmd(o),
		newDossierRequestPaymentCmd(o), newDossierConfirmPaymentCmd(o),
		newDossierForwardCmd(o), newDossierExtendCmd(o), newDossierWithdrawCmd(o), newDossierStopCmd(o),
		newDossierResolveCmd(o), newDossierReturnCmd(o),
		newDossierGetCmd(o), newDossierListCmd(o), newDossierEventsCmd(o), newDossierSlipCmd(o),
		newDossierDeadlineCmd(o), newDossierShowCmd(o), newDossierWatchCmd(o), newDossierUploadCmd(o), newDossierDownloadCmd(o),
		newDossierReusableCmd(o), newDossierCheckMandateCmd(o),
	)
	return cmd
}

// exactArgs is cobra.ExactArgs reported as flag misuse (exit code 2).
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %d argument (%s), got %d; see %s --help", cmd.CommandPath(), n, what, len(args), cmd.CommandPath())}
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments (got %q); see %s --help", cmd.CommandPath(), args[0], cmd.CommandPath())}
	}
	return nil
}

// required fails with a usage error naming the missing flags.
func required(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		f := cmd.Flags().Lookup(n)
		if f == nil {
			continue
		}
		if v := strings.TrimSpace(f.Value.String()); v == "" || v == "[]" {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usageError{fmt.Errorf("%s needs %s; see %s --help", cmd.CommandPath(), strings.Join(missing, ", "), cmd.CommandPath())}
	}
	return nil
}

// target is what every action on an existing dossier takes.
type target struct {
	requestID string
	id        string
	version   int64
}

func (t *target) bind(fs *pflag.FlagSet) {
	fs.StringVar(&t.requestID, "request-id", "", "idempotency key; default: a fresh id, printed on stderr (reuse it to retry)")
	fs.StringVar(&t.id, "id", "", "the dossier's id or code")
	fs.Int64Var(&t.version, "version", 0, "expected_version: the version you last read; default: the current version")
}

// resolve turns --id (an id or a code) and --version into the dossier id and
// expected version, reading the dossier when either is needed.
func (t *target) resolve(cmd *cobra.Command, s *session) (id string, version int64, err error) {
	if t.id == "" {
		return "", 0, usageError{fmt.Errorf("%s needs --id (the dossier's id or code)", cmd.CommandPath())}
	}
	versionGiven := cmd.Flags().Changed("version")
	if versionGiven && t.version <= 0 {
		return "", 0, usageError{fmt.Errorf("--version must be positive")}
	}
	if isUUID(t.id) && versionGiven {
		return t.id, t.version, nil
	}
	d, err := getDossier(s, t.id, "cli")
	if err != nil {
		return "", 0, err
	}
	if versionGiven {
		return d.GetId(), t.version, nil
	}
	fmt.Fprintf(s.errOut, "acting on %s at its current version %d (read just now; pass --version to refuse if it changes)\n",
		d.GetCode(), d.GetVersion())
	return d.GetId(), d.GetVersion(), nil
}

// getDossier reads a dossier by id or code (once per command).
func getDossier(s *session, key, purpose string) (*pb.Dossier, error) {
	if d, ok := s.read[key]; ok {
		return d, nil
	}
	req := &pb.GetDossierRequest{Purpose: purpose}
	if isUUID(key) {
		req.Key = &pb.GetDossierRequest_Id{Id: key}
	} else {
		req.Key = &pb.GetDossierRequest_Code{Code: key}
	}
	resp, err := call(s, "GetDossier", func(ctx context.Context) (*pb.GetDossierResponse, error) {
		return s.dossiers.GetDossier(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	if s.read == nil {
		s.read = map[string]*pb.Dossier{}
	}
	s.read[resp.GetDossier().GetId()] = resp.GetDossier()
	return resp.GetDossier(), nil
}

// dossierID turns an id or code into an id (reading the dossier for a code).
func dossierID(s *session, key, purpose string) (string, error) {
	if isUUID(key) {
		return key, nil
	}
	d, err := getDossier(s, key, purpose)
	if err != nil {
		return "", err
	}
	return d.GetId(), nil
}

// actionResponse is what every action returns.
type actionResponse interface {
	proto.Message
	GetDossier() *pb.Dossier
	GetEvent() *pb.DossierEvent
}

// runAction opens a session, resolves the target, runs the action and
// prints its answer. do gets the request id, dossier id and version.
func runAction[R actionResponse](cmd *cobra.Command, o *clientOpts, t *target, method string,
	check func() error, do func(ctx context.Context, s *session, requestID, id string, version int64) (R, error)) error {
	if check != nil {
		if err := check(); err != nil {
			return err
		}
	}
	s, err := o.open(cmd)
	if err != nil {
		return err
	}
	defer s.close()
	id, version, err := t.resolve(cmd, s)
	if err != nil {
		return err
	}
	rid := s.requestID(t.requestID)
	resp, err := call(s, method, func(ctx context.Context) (R, error) { return do(ctx, s, rid, id, version) })
	if err != nil {
		return err
	}
	return s.printAction(resp)
}

func (s *session) printAction(resp actionResponse) error {
	if s.json() {
		return printJSON(s.out, resp)
	}
	printMutation(s.out, resp.GetDossier(), resp.GetEvent())
	return nil
}

// draftFlags are the flags of a new dossier (submit, and receive of a new
// intake).
type draftFlags struct {
	procedure, agency                                string
	applicantKind, applicantID, applicantName        string
	phone, email, address                            string
	representativeName, representativeID, mandateRef string
	summary                                          string
	components                                       []string
	returnChannel                                    string
	birthDate, mandateScope, mandateFrom, mandateTo  string
}

var draftFlagNames = []string{"procedure", "agency", "applicant-kind", "applicant-id", "applicant-name", "phone", "email", "address",
	"representative-name", "representative-id", "mandate-ref", "summary", "component", "return-channel",
	"birth-date", "mandate-scope", "mandate-valid-from", "mandate-valid-until"}

func (f *draftFlags) bind(fs *pflag.FlagSet) {
	fs.StringVar(&f.procedure, "procedure", "", "procedure_code, e.g. 1.001193")
	fs.StringVar(&f.agency, "agency", "", "agency_code the dossier is filed with, e.g. 000.00.01.H55")
	fs.StringVar(&f.applicantKind, "applicant-kind", "citizen", "citizen, enterprise, agency or organisation")
	fs.StringVar(&f.applicantID, "applicant-id", "", "applicant id_number: 12-digit citizen id, 10-digit enterprise code, …")
	fs.StringVar(&f.applicantName, "applicant-name", "", "applicant name")
	fs.StringVar(&f.phone, "phone", "", "applicant phone")
	fs.StringVar(&f.email, "email", "", "applicant email")
	fs.StringVar(&f.address, "address", "", "applicant address")
	fs.StringVar(&f.representativeName, "representative-name", "", "representative acting under a mandate: name")
	fs.StringVar(&f.representativeID, "representative-id", "", "representative: 12-digit citizen id")
	fs.StringVar(&f.mandateRef, "mandate-ref", "", "representative: reference of the mandate (giấy ủy quyền)")
	fs.StringVar(&f.summary, "summary", "", "short description (trích yếu)")
	fs.StringArrayVar(&f.components, "component", nil,
		"a filed document, repeatable: CODE=SOURCE[:FILE_REF[:SHA256]], SOURCE paper|uploaded|digitised|reused|reused_result; reused: CODE=reused:[FILE_REF]:REUSED_FROM")
	fs.StringVar(&f.returnChannel, "return-channel", "", "how the applicant wants the result: counter, online or postal (default: the filing channel)")
	fs.StringVar(&f.birthDate, "birth-date", "", "applicant's date of birth, YYYY-MM-DD (checked with the population database)")
	fs.StringVar(&f.mandateScope, "mandate-scope", "", "representative: what the mandate covers")
	fs.StringVar(&f.mandateFrom, "mandate-valid-from", "", "representative: first day of the mandate, YYYY-MM-DD")
	fs.StringVar(&f.mandateTo, "mandate-valid-until", "", "representative: last day of the mandate, YYYY-MM-DD")
}

// given reports whether any draft flag was set.
func (f *draftFlags) given(cmd *cobra.Command) bool {
	for _, n := range draftFlagNames {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}

func (f *draftFlags) build(cmd *cobra.Command) (*pb.DossierDraft, error) {
	if err := required(cmd, "procedure", "agency", "applicant-id", "applicant-name"); err != nil {
		return nil, err
	}
	kind, err := parseEnum("applicant-kind", pb.ApplicantKind(0).Descriptor(), f.applicantKind)
	if err != nil {
		return nil, err
	}
	d := &pb.DossierDraft{ProcedureCode: f.procedure, AgencyCode: f.agency, Summary: f.summary,
		Applicant: &pb.Applicant{Kind: pb.ApplicantKind(kind), IdNumber: f.applicantID, Name: f.applicantName,
			Phone: f.phone, Email: f.email, Address: f.address, BirthDate: f.birthDate}}
	if f.representativeName != "" || f.representativeID != "" || f.mandateRef != "" {
		if f.representativeName == "" || f.representativeID == "" || f.mandateRef == "" {
			return nil, usageError{fmt.Errorf("a representative needs --representative-name, --representative-id and --mandate-ref")}
		}
		d.Representative = &pb.Representative{Name: f.representativeName, IdNumber: f.representativeID, MandateRef: f.mandateRef,
			MandateScope: f.mandateScope, MandateValidFrom: f.mandateFrom, MandateValidUntil: f.mandateTo, PrincipalIdNumber: f.applicantID}
	}
	for _, c := range f.components {
		comp, err := parseComponent("component", c)
		if err != nil {
			return nil, err
		}
		d.Components = append(d.Components, comp)
	}
	if d.ReturnChannel, err = parseChannel("return-channel", f.returnChannel); err != nil {
		return nil, err
	}
	return d, nil
}

// dossierReadCmd builds a command that reads one dossier named by its id or
// code, as staff with a --purpose: run gets the open session, the dossier's
// id and the purpose.
func dossierReadCmd(o *clientOpts, cmd *cobra.Command, run func(s *session, id, purpose string) error) *cobra.Command {
	var purpose string
	cmd.Args = exactArgs(1, "the dossier's id or code")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		s, err := o.open(cmd)
		if err != nil {
			return err
		}
		defer s.close()
		id, err := dossierID(s, args[0], purpose)
		if err != nil {
			return err
		}
		return run(s, id, purpose)
	}
	cmd.Flags().StringVar(&purpose, "purpose", "cli", "why the dossier is read (required of staff, recorded in the access log)")
	return cmd
}
