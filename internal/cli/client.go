package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/config"
)

// tokenHint says how to get a development token.
const tokenHint = `pass --token or set MOTCUA_TOKEN. Against a development server
(motcua serve with its development key), mint one with, for example:
  export MOTCUA_TOKEN=$(motcua token issue --role clerk --agency 000.00.01.H55 --subject clerk-1)`

// clientOpts are the connection flags shared by the client commands
// (dossier …, calendar …). They are persistent flags of the parent command.
type clientOpts struct {
	addr    string
	token   string
	output  string
	timeout time.Duration
	tls     bool
	caFile  string
}

// clientFlags are the flags that also read MOTCUA_* variables. Only these:
// a stray MOTCUA_VERSION or MOTCUA_ID must not silently pick the dossier or
// the version a command acts on.
var clientFlags = []string{"addr", "token", "output", "timeout", "tls", "tls-ca-file"}

// addClientFlags binds the connection flags to parent as persistent flags and
// applies their environment variables before any subcommand runs.
func addClientFlags(parent *cobra.Command, o *clientOpts) {
	f := parent.PersistentFlags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:50051", "the server's gRPC address (env MOTCUA_ADDR)")
	f.StringVar(&o.token, "token", "", "bearer token (env MOTCUA_TOKEN); for development: motcua token issue …")
	f.StringVarP(&o.output, "output", "o", "table", "table (readable) or json (the response as protojson, for scripts) (env MOTCUA_OUTPUT)")
	f.DurationVar(&o.timeout, "timeout", 10*time.Second, "deadline of each call (env MOTCUA_TIMEOUT)")
	f.BoolVar(&o.tls, "tls", false, "connect with TLS, verifying the server with the system's root certificates or --tls-ca-file (env MOTCUA_TLS)")
	f.StringVar(&o.caFile, "tls-ca-file", "", "with --tls, verify the server against these CA certificates (PEM), e.g. a province's private CA (env MOTCUA_TLS_CA_FILE)")
	parent.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
		for _, name := range clientFlags {
			if fl := cmd.Flags().Lookup(name); fl != nil {
				fs.AddFlag(fl)
			}
		}
		if err := config.ApplyEnv(fs); err != nil {
			return usageError{err}
		}
		switch o.output {
		case "table", "json":
		default:
			return usageError{fmt.Errorf("--output must be table or json, not %q", o.output)}
		}
		if o.timeout <= 0 {
			return usageError{fmt.Errorf("--timeout must be positive")}
		}
		if o.caFile != "" && !o.tls {
			return usageError{errors.New("--tls-ca-file needs --tls")}
		}
		return nil
	}
	// A parent without a subcommand prints its help; an unknown subcommand is
	// flag misuse (exit code 2), not a silent help page.
	parent.Args = cobra.ArbitraryArgs
	parent.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError{fmt.Errorf("unknown command %q for %q; see %s --help", args[0], cmd.CommandPath(), cmd.CommandPath())}
		}
		return cmd.Help()
	}
}

// session is one command's connection to the server.
type session struct {
	opts     *clientOpts
	conn     *grpc.ClientConn
	dossiers pb.DossierServiceClient
	calendar pb.CalendarServiceClient
	out      io.Writer
	errOut   io.Writer
	parent   context.Context
	// read remembers the dossiers this command already read, by id, so that
	// resolving a code and then showing the dossier is one read (one entry in
	// the access log the citizen sees), not two.
	read map[string]*pb.Dossier
}

// open checks the token and prepares the connection (grpc.NewClient does
// not dial until the first call).
func (o *clientOpts) open(cmd *cobra.Command) (*session, error) {
	tok := strings.TrimSpace(o.token)
	tok = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(tok, "Bearer "), "bearer "))
	if tok == "" {
		return nil, usageError{errors.New("no token: " + tokenHint)}
	}
	o.token = tok
	creds, err := transportCredentials(o.tls, o.caFile, "", false)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(o.addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, usageError{fmt.Errorf("--addr %q: %w", o.addr, err)}
	}
	return &session{opts: o, conn: conn, dossiers: pb.NewDossierServiceClient(conn), calendar: pb.NewCalendarServiceClient(conn),
		out: cmd.OutOrStdout(), errOut: cmd.ErrOrStderr(), parent: cmd.Context()}, nil
}

func (s *session) close() { _ = s.conn.Close() }

func (s *session) json() bool { return s.opts.output == "json" }

// ctx returns the context of one call: the bearer token and the deadline.
func (s *session) ctx() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(s.parent, s.opts.timeout)
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+s.opts.token), cancel
}

// call runs one RPC with the session's context; a failure is reported on
// stderr (code, message, details) and returned as an rpcError.
func call[Resp any](s *session, method string, fn func(ctx context.Context) (Resp, error)) (Resp, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	resp, err := fn(ctx)
	if err != nil {
		var zero Resp
		return zero, s.fail(method, err)
	}
	return resp, nil
}

// rpcError is a failed call, already described on stderr.
type rpcError struct {
	method string
	code   codes.Code
}

func (e rpcError) Error() string { return fmt.Sprintf("%s failed: %s", e.method, codeName(e.code)) }

// codeName is a gRPC code as written in the API documentation.
func codeName(c codes.Code) string {
	switch c {
	case codes.OK:
		return "OK"
	case codes.Canceled:
		return "CANCELLED"
	}
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// fail prints a failed call on stderr: the status code and message, every
// BadRequest field violation, ErrorInfo reason and metadata, precondition
// failures and resource info, and a hint for the common mistakes.
func (s *session) fail(method string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		st = status.New(codes.Unknown, err.Error())
	}
	w := s.errOut
	fmt.Fprintf(w, "error: %s: %s\n", codeName(st.Code()), st.Message())
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				line := fmt.Sprintf("  field %s: %s", v.GetField(), v.GetDescription())
				if v.GetReason() != "" {
					line += " [" + v.GetReason() + "]"
				}
				fmt.Fprintln(w, line)
			}
		case *errdetails.ErrorInfo:
			fmt.Fprintf(w, "  reason %s", d.GetReason())
			if d.GetDomain() != "" {
				fmt.Fprintf(w, " (%s)", d.GetDomain())
			}
			keys := make([]string, 0, len(d.GetMetadata()))
			for k := range d.GetMetadata() {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for i, k := range keys {
				sep := ", "
				if i == 0 {
					sep = ": "
				}
				fmt.Fprintf(w, "%s%s=%s", sep, k, d.GetMetadata()[k])
			}
			fmt.Fprintln(w)
		case *errdetails.PreconditionFailure:
			for _, v := range d.GetViolations() {
				fmt.Fprintf(w, "  precondition %s on %s: %s\n", v.GetType(), v.GetSubject(), v.GetDescription())
			}
		case *errdetails.ResourceInfo:
			fmt.Fprintf(w, "  resource %s %q not found (or outside what your token may see)\n", d.GetResourceType(), d.GetResourceName())
		}
	}
	if h := hint(method, st, s.opts); h != "" {
		fmt.Fprintln(w, "hint:", h)
	}
	return rpcError{method: method, code: st.Code()}
}

func hint(method string, st *status.Status, o *clientOpts) string {
	switch st.Code() {
	case codes.Unauthenticated:
		return "the token is missing, expired, or not signed by a key this server trusts: " + tokenHint
	case codes.Unavailable:
		return fmt.Sprintf("is the server running at %s? Set --addr or MOTCUA_ADDR (and --tls if it serves TLS)", o.addr)
	case codes.DeadlineExceeded:
		return fmt.Sprintf("no answer within --timeout %s; a mutating call may have happened: retry with the same --request-id", o.timeout)
	case codes.Aborted:
		return "the dossier changed since that version; read it again (motcua dossier get ID), or omit --version to act on the current one"
	case codes.PermissionDenied:
		switch method {
		case "SetCalendarYear":
			return "setting a calendar takes an admin token (motcua token issue --role admin --subject admin-1)"
		case "ForwardDossier", "ResolveDossier", "RequestSupplement", "RequestPayment":
			return "staff of the current step's unit with the step's role (or a leader of that unit) act at a step; motcua dossier show ID lists the steps"
		}
		return "your token's role or agency may not do this to this dossier"
	}
	return ""
}

// requestID returns the request id to use: the one given, or a fresh one
// printed on stderr so that the user can retry with it.
func (s *session) requestID(given string) string {
	if given != "" {
		return given
	}
	id := "cli-" + uuid.NewString()
	fmt.Fprintf(s.errOut, "request id %s (to retry safely, repeat the command with --request-id %s)\n", id, id)
	return id
}

// transportCredentials are a client command's: plaintext, or TLS verifying
// the server with the system roots or the CAs in caFile (PEM), optionally
// for another serverName; skipVerify only for a probe on the same host.
func transportCredentials(useTLS bool, caFile, serverName string, skipVerify bool) (credentials.TransportCredentials, error) {
	if !useTLS {
		return insecure.NewCredentials(), nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName, InsecureSkipVerify: skipVerify} //nolint:gosec // opt-in, documented
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, usageError{fmt.Errorf("--tls-ca-file: %w", err)}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usageError{fmt.Errorf("--tls-ca-file %s: no PEM certificates", caFile)}
		}
		cfg.RootCAs = pool
	}
	return credentials.NewTLS(cfg), nil
}
