package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierSubmitCmd(o *clientOpts) *cobra.Command {
	var (
		draft     draftFlags
		requestID string
	)
	cmd := &cobra.Command{
		Use:   "submit",
		Short: "File a dossier online (SubmitDossier; status SUBMITTED)",
		Long: `submit files a dossier online. With a citizen's or representative's token it is
genuine self-service; with a clerk's token it is recorded as filed on the
applicant's behalf (STAFF_ON_BEHALF), never as genuine online.`,
		Example: `  motcua dossier submit --procedure 1.001193 --agency 000.00.01.H55 \
    --applicant-id 001090000123 --applicant-name "Nguyễn Văn An" \
    --summary "Cấp Phiếu lý lịch tư pháp số 1" \
    --component TK-LLTP=uploaded:files/tk.pdf:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 \
    --component CCCD=uploaded:files/cccd.pdf:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := draft.build(cmd)
			if err != nil {
				return err
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			req := &pb.SubmitDossierRequest{RequestId: s.requestID(requestID), Dossier: d}
			resp, err := call(s, "SubmitDossier", func(ctx context.Context) (*pb.SubmitDossierResponse, error) {
				return s.dossiers.SubmitDossier(ctx, req)
			})
			if err != nil {
				return err
			}
			return s.printAction(resp)
		},
	}
	draft.bind(cmd.Flags())
	cmd.Flags().StringVar(&requestID, "request-id", "", "idempotency key; default: a fresh id, printed on stderr (reuse it to retry)")
	return cmd
}
