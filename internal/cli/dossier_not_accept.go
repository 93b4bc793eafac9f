package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierNotAcceptCmd(o *clientOpts) *cobra.Command {
	var (
		t      target
		reason string
	)
	cmd := &cobra.Command{
		Use:     "not-accept",
		Short:   "Refuse an online filing at intake (NotAcceptDossier; SUBMITTED → NOT_ACCEPTED)",
		Example: `  motcua dossier not-accept --id 000.00.01.H55-260213-0001 --reason "Tờ khai không có chữ ký"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAction(cmd, o, &t, "NotAcceptDossier", func() error { return required(cmd, "id", "reason") },
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.NotAcceptDossierResponse, error) {
					return s.dossiers.NotAcceptDossier(ctx, &pb.NotAcceptDossierRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Reason: reason})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringVar(&reason, "reason", "", "why it is refused (shown on the refusal notice)")
	return cmd
}
