package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierReturnCmd(o *clientOpts) *cobra.Command {
	var (
		t       target
		channel string
		note    string
	)
	cmd := &cobra.Command{
		Use:     "return",
		Short:   "Hand the result over (ReturnResult; terminal)",
		Long:    `return records how the result was handed over: counter, online (electronic results only) or postal.`,
		Example: `  motcua dossier return --id 000.00.01.H55-260213-0001 --channel counter`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ch pb.Channel
			check := func() error {
				if err := required(cmd, "id", "channel"); err != nil {
					return err
				}
				var err error
				ch, err = parseChannel("channel", channel)
				return err
			}
			return runAction(cmd, o, &t, "ReturnResult", check,
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.ReturnResultResponse, error) {
					return s.dossiers.ReturnResult(ctx, &pb.ReturnResultRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Channel: ch, Note: note})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringVar(&channel, "channel", "", "how the result was handed over: counter, online or postal")
	cmd.Flags().StringVar(&note, "note", "", "a note recorded on the event")
	return cmd
}
