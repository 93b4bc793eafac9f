package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierDeadlineCmd(o *clientOpts) *cobra.Command {
	var purpose string
	cmd := &cobra.Command{
		Use:   "deadline ID-or-CODE",
		Short: "Explain how the appointment and the legal deadline were computed (ExplainDeadline)",
		Long: `deadline prints the explanation a clerk can read aloud (clock start, working
days counted and skipped, pauses, extensions), then the counted and skipped
stretches of the calendar as a table.`,
		Example: `  motcua dossier deadline 000.00.01.H55-260213-0001`,
		Args:    exactArgs(1, "the dossier's id or code"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			id, err := dossierID(s, args[0], purpose)
			if err != nil {
				return err
			}
			x, err := explainDeadline(s, id, purpose)
			if err != nil {
				return err
			}
			if s.json() {
				return printJSON(s.out, x)
			}
			printDeadline(s.out, x)
			return nil
		},
	}
	cmd.Flags().StringVar(&purpose, "purpose", "cli", "why the dossier is read (required of staff, recorded in the access log)")
	return cmd
}

func explainDeadline(s *session, id, purpose string) (*pb.ExplainDeadlineResponse, error) {
	return call(s, "ExplainDeadline", func(ctx context.Context) (*pb.ExplainDeadlineResponse, error) {
		return s.dossiers.ExplainDeadline(ctx, &pb.ExplainDeadlineRequest{DossierId: id, Purpose: purpose})
	})
}
