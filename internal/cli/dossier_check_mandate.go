package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierCheckMandateCmd(o *clientOpts) *cobra.Command {
	var (
		t        target
		decision string
		note     string
	)
	cmd := &cobra.Command{
		Use:   "check-mandate",
		Short: "Record that you saw a representative's mandate and found it valid or not (IdentityService.CheckMandate)",
		Long: `check-mandate records an official's decision on the mandate of the
dossier's representative, with the official's identity. Until a mandate is
verified, a representative's online filing counts as
REPRESENTATIVE_UNVERIFIED in the indicators, not as genuine online.`,
		Example: `  motcua dossier check-mandate --id 000.00.01.H55-260213-0001 --decision verified --note "đã đối chiếu bản gốc"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var dec pb.MandateStatus
			check := func() error {
				if err := required(cmd, "id", "decision"); err != nil {
					return err
				}
				switch decision {
				case "verified":
					dec = pb.MandateStatus_MANDATE_STATUS_VERIFIED
				case "rejected":
					dec = pb.MandateStatus_MANDATE_STATUS_REJECTED
				default:
					return usageError{fmt.Errorf("--decision is verified or rejected, not %q", decision)}
				}
				return nil
			}
			return runAction(cmd, o, &t, "CheckMandate", check,
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.CheckMandateResponse, error) {
					return pb.NewIdentityServiceClient(s.conn).CheckMandate(ctx, &pb.CheckMandateRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Decision: dec, Note: note})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringVar(&decision, "decision", "", "verified or rejected")
	cmd.Flags().StringVar(&note, "note", "", "what was checked (recorded on the event)")
	return cmd
}
