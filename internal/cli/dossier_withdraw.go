package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierWithdrawCmd(o *clientOpts) *cobra.Command {
	var (
		t       target
		reason  string
		channel string
	)
	cmd := &cobra.Command{
		Use:   "withdraw",
		Short: "Withdraw the dossier at the applicant's request (WithdrawDossier; terminal)",
		Long: `withdraw ends the dossier. The applicant withdraws online (the default
channel); a clerk recording a request made in person says --channel counter.`,
		Example: `  motcua dossier withdraw --id 000.00.01.H55-260213-0001 --reason "Công dân không còn nhu cầu" --channel counter`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ch pb.Channel
			check := func() error {
				if err := required(cmd, "id"); err != nil {
					return err
				}
				var err error
				ch, err = parseChannel("channel", channel)
				return err
			}
			return runAction(cmd, o, &t, "WithdrawDossier", check,
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.WithdrawDossierResponse, error) {
					return s.dossiers.WithdrawDossier(ctx, &pb.WithdrawDossierRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Reason: reason, Channel: ch})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringVar(&reason, "reason", "", "why (optional)")
	cmd.Flags().StringVar(&channel, "channel", "", "online (default), counter or postal")
	return cmd
}
