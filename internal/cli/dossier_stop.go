package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierStopCmd(o *clientOpts) *cobra.Command {
	var (
		t      target
		reason string
	)
	cmd := &cobra.Command{
		Use:     "stop",
		Short:   "Stop processing with a notice (StopDossier; terminal)",
		Example: `  motcua dossier stop --id 000.00.01.H55-260213-0001 --reason "Quá hạn bổ sung hồ sơ"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAction(cmd, o, &t, "StopDossier", func() error { return required(cmd, "id", "reason") },
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.StopDossierResponse, error) {
					return s.dossiers.StopDossier(ctx, &pb.StopDossierRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Reason: reason})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringVar(&reason, "reason", "", "why processing stops (shown on the notice)")
	return cmd
}
