package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierSlipCmd(o *clientOpts) *cobra.Command {
	return dossierReadCmd(o, &cobra.Command{
		Use:   "slip ID-or-CODE",
		Short: "Print the process-control slip (phiếu kiểm soát): each workflow step, its unit, times and timeliness",
		Long: `slip prints one row per workflow step the dossier passed through: the step
(numbered from 1), its unit and role, the assignee, when it started, was due and
finished, whether it was on time, and by how much working time it was late.`,
		Example: `  motcua dossier slip 000.00.01.H55-260213-0001`,
	}, func(s *session, id, purpose string) error {
		slip, err := getSlip(s, id, purpose)
		if err != nil {
			return err
		}
		if s.json() {
			return printJSON(s.out, slip)
		}
		fmt.Fprintf(s.out, "Process-control slip of %s\n", slip.GetDossierCode())
		printSlip(s.out, slip)
		return nil
	})
}

func getSlip(s *session, id, purpose string) (*pb.GetProcessControlSlipResponse, error) {
	return call(s, "GetProcessControlSlip", func(ctx context.Context) (*pb.GetProcessControlSlipResponse, error) {
		return s.dossiers.GetProcessControlSlip(ctx, &pb.GetProcessControlSlipRequest{DossierId: id, Purpose: purpose})
	})
}
