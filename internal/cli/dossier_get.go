package cli

import (
	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierGetCmd(o *clientOpts) *cobra.Command {
	var purpose string
	cmd := &cobra.Command{
		Use:   "get ID-or-CODE",
		Short: "Show one dossier (GetDossier), by id or by code",
		Long: `get reads one dossier. Staff reads are logged with their --purpose, which the
citizen can see; a dossier outside what the token may read is NOT_FOUND.`,
		Example: `  motcua dossier get 000.00.01.H55-260213-0001 --purpose "tra cứu tại quầy"`,
		Args:    exactArgs(1, "the dossier's id or code"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			d, err := getDossier(s, args[0], purpose)
			if err != nil {
				return err
			}
			if s.json() {
				return printJSON(s.out, &pb.GetDossierResponse{Dossier: d})
			}
			printDossier(s.out, d)
			return nil
		},
	}
	cmd.Flags().StringVar(&purpose, "purpose", "cli", "why the dossier is read (required of staff, recorded in the access log)")
	return cmd
}
