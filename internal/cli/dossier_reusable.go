package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierReusableCmd(o *clientOpts) *cobra.Command {
	var (
		req pb.ListReusableDocumentsRequest
		all bool
	)
	cmd := &cobra.Command{
		Use:   "reusable",
		Short: "List an applicant's stored documents a new dossier may reuse (ListReusableDocuments)",
		Long: `reusable prints, one a line, the verified components and the signed electronic
results still valid of the applicant's earlier dossiers that the token may
read, with the --component value that reuses each by reference instead of
uploading it again. A citizen lists their own (no --applicant); a clerk names
the applicant and a --purpose (recorded in the applicant's access log).
A page looks at --page-size source dossiers; --all follows every page.`,
		Example: `  motcua dossier reusable --all
  motcua dossier reusable --applicant 001090000123 --purpose "tiếp nhận hồ sơ" --all`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all && req.PageSize == 0 {
				req.PageSize = 500
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			files := pb.NewDocumentServiceClient(s.conn)
			var docs []*pb.ReusableDocument
			next := ""
			for {
				resp, err := call(s, "ListReusableDocuments", func(ctx context.Context) (*pb.ListReusableDocumentsResponse, error) {
					return files.ListReusableDocuments(ctx, &req)
				})
				if err != nil {
					return err
				}
				docs = append(docs, resp.GetDocuments()...)
				next = resp.GetNextPageToken()
				if !all || next == "" {
					break
				}
				req.PageToken = next
			}
			if s.json() {
				return printJSON(s.out, &pb.ListReusableDocumentsResponse{Documents: docs, NextPageToken: next})
			}
			printReusable(s.out, docs)
			if len(docs) == 0 {
				fmt.Fprintln(s.errOut, "no reusable documents (a token sees only its own dossiers or its agency's)")
			}
			if next != "" {
				fmt.Fprintf(s.errOut, "more: repeat with --page-token %s, or use --all\n", next)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.ApplicantIdNumber, "applicant", "", "the applicant's identity number (default: the token's own)")
	f.Int32Var(&req.PageSize, "page-size", 0, "source dossiers a page (default 50, at most 1000)")
	f.StringVar(&req.PageToken, "page-token", "", "the token of the next page, from the previous answer")
	f.BoolVar(&all, "all", false, "follow the page tokens to the end")
	f.StringVar(&req.Purpose, "purpose", "cli", "why the documents are read (required of staff, recorded in the access log)")
	return cmd
}

// printReusable prints reusable documents with the --component value that
// reuses each, under the source's own component code (use the new
// dossier's code where it differs).
func printReusable(out io.Writer, docs []*pb.ReusableDocument) {
	t := newTable(out)
	t.row("REFERENCE", "KIND", "SHA256", "SIZE", "MEDIA TYPE", "VALID UNTIL", "SIGNER", "USE AS")
	for _, d := range docs {
		valid, signer := "-", "-"
		if d.GetValidUntil() != nil {
			valid = fmtTime(d.GetValidUntil())
		}
		if d.GetSignature() != nil {
			signer = d.GetSignature().GetSigner()
		}
		src := strings.ToLower(enumName(d.GetSource()))
		t.row(d.GetReference(), strings.ToLower(enumName(d.GetKind())), d.GetSha256()[:min(12, len(d.GetSha256()))],
			fmt.Sprint(d.GetSize()), d.GetMediaType(), valid, signer,
			fmt.Sprintf("--component %s=%s::%s", d.GetCode(), src, d.GetReference()))
	}
	t.flush()
}
