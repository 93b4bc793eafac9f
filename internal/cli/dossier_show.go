package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
)

func newDossierShowCmd(o *clientOpts) *cobra.Command {
	return dossierReadCmd(o, &cobra.Command{
		Use:   "show ID-or-CODE",
		Short: "The counter screen: the dossier, its process-control slip and its deadline explanation",
		Long: `show prints what a clerk needs at the counter: the dossier (applicant,
status, appointment, legal deadline, current step, components, result), the
process-control slip, and how the deadline was computed. With --output json it
prints {"dossier": …, "slip": …, "deadline": …}.`,
		Example: `  motcua dossier show 000.00.01.H55-260213-0001`,
	}, func(s *session, id, purpose string) error {
		d, err := getDossier(s, id, purpose)
		if err != nil {
			return err
		}
		slip, err := getSlip(s, d.GetId(), purpose)
		if err != nil {
			return err
		}
		x, err := explainDeadline(s, d.GetId(), purpose)
		if err != nil {
			return err
		}
		if s.json() {
			return printJSONObject(s.out, []string{"dossier", "slip", "deadline"}, []proto.Message{d, slip, x})
		}
		printDossier(s.out, d)
		fmt.Fprintln(s.out)
		fmt.Fprintln(s.out, "Process-control slip")
		printSlip(s.out, slip)
		fmt.Fprintln(s.out)
		fmt.Fprintln(s.out, "Deadline")
		printDeadline(s.out, x)
		return nil
	})
}
