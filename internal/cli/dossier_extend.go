package cli

import (
	"context"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierExtendCmd(o *clientOpts) *cobra.Command {
	var (
		t      target
		reason string
		newDue string
	)
	cmd := &cobra.Command{
		Use:   "extend",
		Short: "Set a new appointment with an apology (ExtendDeadline); the legal deadline stays",
		Long: `extend moves the appointment (ngày hẹn trả) to --new-due, given in Vietnam time
("2026-03-02 16:00", "02/03/2026 16:00") or RFC 3339. The legal deadline does
not move: finishing after it still counts as late.`,
		Example: `  motcua dossier extend --id 000.00.01.H55-260213-0001 --reason "Cần xác minh thêm" --new-due "2026-03-02 16:00"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var due *timestamppb.Timestamp
			check := func() error {
				if err := required(cmd, "id", "reason", "new-due"); err != nil {
					return err
				}
				var err error
				due, err = parseTime("new-due", newDue)
				return err
			}
			return runAction(cmd, o, &t, "ExtendDeadline", check,
				func(ctx context.Context, s *session, rid, id string, version int64) (*pb.ExtendDeadlineResponse, error) {
					return s.dossiers.ExtendDeadline(ctx, &pb.ExtendDeadlineRequest{RequestId: rid, DossierId: id,
						ExpectedVersion: version, Reason: reason, NewDueTime: due})
				})
		},
	}
	t.bind(cmd.Flags())
	cmd.Flags().StringVar(&reason, "reason", "", "why more time is needed (the apology letter's reason)")
	cmd.Flags().StringVar(&newDue, "new-due", "", `new_due_time: "2026-03-02 16:00" (Vietnam time) or RFC 3339`)
	return cmd
}
