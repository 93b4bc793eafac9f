package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierForwardCmd(o *clientOpts) *cobra.Command {
	var (
		t        target
		assignee string
		note     string
	)
	cmd := &cobra.Command{
		Use:   "forward",
		Short: "Finish the current workflow step and hand the dossier to the next (ForwardDossier)",
		Long: `forward finishes the current step and puts the dossier at the next step's
unit. Only staff of the current step's unit with the step's role, or a leader
of that unit, may forward ("dossier show" prints the steps with their units
and roles). At the last step, resolve instead.`,
		Example: `  motcua dossier forward --id 000.00.01.H55-260213-0001 --assignee specialist-1 --note "Đủ hồ sơ"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAction(cmd, o, &t, "ForwardDossier", func() error { return required(cmd, "id") },
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.ForwardDossierResponse, error) {
					return s.dossiers.ForwardDossier(ctx, &pb.ForwardDossierRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Assignee: assignee, Note: note})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringVar(&assignee, "assignee", "", "the official of the next step's unit to assign, if known")
	cmd.Flags().StringVar(&note, "note", "", "a note recorded on the event")
	return cmd
}
