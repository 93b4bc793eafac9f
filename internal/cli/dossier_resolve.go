package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierResolveCmd(o *clientOpts) *cobra.Command {
	var (
		t          target
		documents  []string
		electronic bool
		signer     string
		note       string
		signatures []string
	)
	cmd := &cobra.Command{
		Use:   "resolve",
		Short: "Record the result at the last workflow step (ResolveDossier); the clock stops",
		Example: `  motcua dossier resolve --id 000.00.01.H55-260213-0001 --signer "Giám đốc Sở Tư pháp" --electronic \
    --document "LLTP=Phiếu lý lịch tư pháp số 1:results/lltp.pdf:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res := &pb.DossierResult{Electronic: electronic, Signer: signer}
			check := func() error {
				if err := required(cmd, "id", "document", "signer"); err != nil {
					return err
				}
				for _, d := range documents {
					doc, err := parseDocument("document", d)
					if err != nil {
						return err
					}
					res.Documents = append(res.Documents, doc)
				}
				for _, sg := range signatures {
					code, sha, ok := strings.Cut(sg, "=")
					i := slices.IndexFunc(res.Documents, func(d *pb.ResultDocument) bool { return d.GetCode() == code })
					if !ok || i < 0 || !sha256Hex.MatchString(sha) {
						return usageError{fmt.Errorf("--signature %q: want CODE=SHA256 of an uploaded .p7s, CODE one of the --document codes", sg)}
					}
					res.Documents[i].SignatureSha256 = sha
				}
				return nil
			}
			return runAction(cmd, o, &t, "ResolveDossier", check,
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.ResolveDossierResponse, error) {
					return s.dossiers.ResolveDossier(ctx, &pb.ResolveDossierRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Result: res, Note: note})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringArrayVar(&documents, "document", nil, "a result document, repeatable: CODE=NAME[:FILE_REF[:SHA256]]")
	cmd.Flags().StringArrayVar(&signatures, "signature", nil, "a document's detached signature, repeatable: CODE=SHA256 of the uploaded .p7s (motcua dossier upload)")
	cmd.Flags().BoolVar(&electronic, "electronic", false, "the result is a digitally signed electronic document (needs every document's file and --signature)")
	cmd.Flags().StringVar(&signer, "signer", "", "who signed the result")
	cmd.Flags().StringVar(&note, "note", "", "a note recorded on the event")
	return cmd
}
