package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierRequestPaymentCmd(o *clientOpts) *cobra.Command {
	var (
		t      target
		amount int64
		reason string
	)
	cmd := &cobra.Command{
		Use:     "request-payment",
		Short:   "Ask the applicant to pay (RequestPayment); the clock pauses",
		Example: `  motcua dossier request-payment --id 000.00.01.H55-260213-0001 --amount 200000 --reason "Phí cấp Phiếu lý lịch tư pháp"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			check := func() error {
				if err := required(cmd, "id", "reason"); err != nil {
					return err
				}
				if amount <= 0 {
					return usageError{fmt.Errorf("--amount (in đồng) is required and must be positive")}
				}
				return nil
			}
			return runAction(cmd, o, &t, "RequestPayment", check,
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.RequestPaymentResponse, error) {
					return s.dossiers.RequestPayment(ctx, &pb.RequestPaymentRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, AmountVnd: amount, Reason: reason})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().Int64Var(&amount, "amount", 0, "amount_vnd: the amount due in đồng")
	cmd.Flags().StringVar(&reason, "reason", "", "what the payment is for")
	return cmd
}
