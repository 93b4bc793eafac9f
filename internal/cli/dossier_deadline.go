package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierDeadlineCmd(o *clientOpts) *cobra.Command {
	return dossierReadCmd(o, &cobra.Command{
		Use:   "deadline ID-or-CODE",
		Short: "Explain how the appointment and the legal deadline were computed (ExplainDeadline)",
		Long: `deadline prints the explanation a clerk can read aloud (clock start, working
days counted and skipped, pauses, extensions), then the counted and skipped
stretches of the calendar as a table.`,
		Example: `  motcua dossier deadline 000.00.01.H55-260213-0001`,
	}, func(s *session, id, purpose string) error {
		x, err := explainDeadline(s, id, purpose)
		if err != nil {
			return err
		}
		if s.json() {
			return printJSON(s.out, x)
		}
		printDeadline(s.out, x)
		return nil
	})
}

func explainDeadline(s *session, id, purpose string) (*pb.ExplainDeadlineResponse, error) {
	return call(s, "ExplainDeadline", func(ctx context.Context) (*pb.ExplainDeadlineResponse, error) {
		return s.dossiers.ExplainDeadline(ctx, &pb.ExplainDeadlineRequest{DossierId: id, Purpose: purpose})
	})
}
