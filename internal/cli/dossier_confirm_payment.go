package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierConfirmPaymentCmd(o *clientOpts) *cobra.Command {
	var (
		t       target
		receipt string
		online  bool
	)
	cmd := &cobra.Command{
		Use:     "confirm-payment",
		Short:   "Record a payment (ConfirmPayment); the clock resumes",
		Example: `  motcua dossier confirm-payment --id 000.00.01.H55-260213-0001 --receipt BL-0001234`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAction(cmd, o, &t, "ConfirmPayment", func() error { return required(cmd, "id", "receipt") },
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.ConfirmPaymentResponse, error) {
					return s.dossiers.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, ReceiptRef: receipt, Online: online})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringVar(&receipt, "receipt", "", "receipt_ref: receipt or transaction reference")
	cmd.Flags().BoolVar(&online, "online", false, "paid through the online payment platform: only a payment integration may say so, with the platform's transaction reference as --receipt; staff record counter payments")
	return cmd
}
