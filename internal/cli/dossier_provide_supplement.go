package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierProvideSupplementCmd(o *clientOpts) *cobra.Command {
	var (
		t          target
		components []string
		channel    string
		note       string
	)
	cmd := &cobra.Command{
		Use:   "provide-supplement",
		Short: "File the requested documents (ProvideSupplement); the clock resumes",
		Long: `provide-supplement files documents; each replaces the filed component with
the same code. --channel online (the default) is the applicant acting online;
a clerk recording documents brought to the counter says --channel counter.`,
		Example: `  motcua dossier provide-supplement --id 000.00.01.H55-260213-0001 --channel counter \
    --component CCCD=digitised:scans/cccd.pdf:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var comps []*pb.DossierComponent
			var ch pb.Channel
			check := func() error {
				if err := required(cmd, "id", "component"); err != nil {
					return err
				}
				for _, c := range components {
					comp, err := parseComponent("component", c)
					if err != nil {
						return err
					}
					comps = append(comps, comp)
				}
				var err error
				if ch, err = parseChannel("channel", channel); err != nil {
					return err
				}
				if len(comps) == 0 {
					return usageError{fmt.Errorf("--component is required")}
				}
				return nil
			}
			return runAction(cmd, o, &t, "ProvideSupplement", check,
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.ProvideSupplementResponse, error) {
					return s.dossiers.ProvideSupplement(ctx, &pb.ProvideSupplementRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Components: comps, Channel: ch, Note: note})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringArrayVar(&components, "component", nil, "a document, repeatable: CODE=SOURCE[:FILE_REF[:SHA256]] as for submit")
	cmd.Flags().StringVar(&channel, "channel", "", "online (default), counter or postal")
	cmd.Flags().StringVar(&note, "note", "", "a note recorded on the event")
	return cmd
}
