package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierRequestSupplementCmd(o *clientOpts) *cobra.Command {
	var (
		t          target
		reason     string
		components []string
	)
	cmd := &cobra.Command{
		Use:     "request-supplement",
		Short:   "Ask the applicant to add or complete documents (RequestSupplement); the clock pauses",
		Example: `  motcua dossier request-supplement --id 000.00.01.H55-260213-0001 --reason "Bản chụp CCCD mờ" --component CCCD`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAction(cmd, o, &t, "RequestSupplement", func() error { return required(cmd, "id", "reason") },
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.RequestSupplementResponse, error) {
					return s.dossiers.RequestSupplement(ctx, &pb.RequestSupplementRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Reason: reason, ComponentCodes: components})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringVar(&reason, "reason", "", "what is missing or wrong (shown on the supplement request)")
	cmd.Flags().StringSliceVar(&components, "component", nil, "component_codes to add or redo (repeatable, or comma-separated)")
	return cmd
}
