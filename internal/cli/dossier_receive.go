package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierReceiveCmd(o *clientOpts) *cobra.Command {
	var (
		draft   draftFlags
		t       target
		channel string
		note    string
		fromPop bool
	)
	cmd := &cobra.Command{
		Use:   "receive",
		Short: "Receive a dossier (ReceiveDossier): accept an online filing, or take in a new one at the counter or by post",
		Long: `receive issues the receipt and the appointment and starts the legal clock.

  --id ID-or-CODE           accepts an online filing (status SUBMITTED)
  the draft flags of submit takes in a new dossier brought to the counter
                            (--channel counter, the default) or sent by post
                            (--channel postal)

With --from-population-db the applicant's name, date of birth and address
are taken from the national population database (looked up by
--applicant-id, the query logged with the purpose "counter intake") instead
of being typed; flags given explicitly win. The server marks the fields so
filled as pre-filled, which the "entered once" indicator counts.

Only a clerk of the receiving agency may receive.`,
		Example: `  motcua dossier receive --id 000.00.01.H55-260213-0001
  motcua dossier receive --procedure 1.001193 --agency 000.00.01.H55 \
    --applicant-id 001090000123 --applicant-name "Nguyễn Văn An" \
    --component TK-LLTP=digitised:scans/tk.pdf:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 \
    --component CCCD=paper
  motcua dossier receive --from-population-db --procedure 1.001193 --agency 000.00.01.H55 \
    --applicant-id 001090000001 --component TK-LLTP=paper --component CCCD=paper`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if t.id != "" {
				if draft.given(cmd) {
					return usageError{fmt.Errorf("--id accepts an online filing; the draft flags (--procedure, --component, …) take in a new dossier: give one or the other")}
				}
				if channel != "" {
					return usageError{fmt.Errorf("--channel applies only to a new intake; an online filing keeps its channel")}
				}
				return runAction(cmd, o, &t, "ReceiveDossier", nil,
					func(ctx context.Context, s *session, rid, id string, version int64) (*pb.ReceiveDossierResponse, error) {
						return s.dossiers.ReceiveDossier(ctx, &pb.ReceiveDossierRequest{RequestId: rid,
							Target: &pb.ReceiveDossierRequest_DossierId{DossierId: id}, ExpectedVersion: version, Note: note})
					})
			}
			if !draft.given(cmd) {
				return usageError{fmt.Errorf("%s needs --id (accept an online filing) or the draft flags (a new intake); see --help", cmd.CommandPath())}
			}
			if cmd.Flags().Changed("version") {
				return usageError{fmt.Errorf("--version applies only with --id")}
			}
			ch, err := parseChannel("channel", channel)
			if err != nil {
				return err
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			if fromPop {
				if err := prefillFromPopulation(cmd, s, &draft); err != nil {
					return err
				}
			}
			d, err := draft.build(cmd)
			if err != nil {
				return err
			}
			req := &pb.ReceiveDossierRequest{RequestId: s.requestID(t.requestID),
				Target: &pb.ReceiveDossierRequest_NewDossier{NewDossier: d}, Channel: ch, Note: note, PrefillFromPopulationDb: fromPop}
			resp, err := call(s, "ReceiveDossier", func(ctx context.Context) (*pb.ReceiveDossierResponse, error) {
				return s.dossiers.ReceiveDossier(ctx, req)
			})
			if err != nil {
				return err
			}
			return s.printAction(resp)
		},
	}
	t.bind(cmd.Flags())
	draft.bind(cmd.Flags())
	cmd.Flags().StringVar(&channel, "channel", "", "new intake only: counter (default) or postal")
	cmd.Flags().StringVar(&note, "note", "", "a note recorded on the event")
	cmd.Flags().BoolVar(&fromPop, "from-population-db", false,
		"new intake only: take the applicant's name, date of birth and address from the population database")
	return cmd
}

// prefillFromPopulation looks the applicant up (LookupCitizen) and fills
// the draft flags the clerk did not give.
func prefillFromPopulation(cmd *cobra.Command, s *session, f *draftFlags) error {
	if f.applicantID == "" {
		return usageError{fmt.Errorf("--from-population-db needs --applicant-id")}
	}
	resp, err := call(s, "LookupCitizen", func(ctx context.Context) (*pb.LookupCitizenResponse, error) {
		return pb.NewIdentityServiceClient(s.conn).LookupCitizen(ctx, &pb.LookupCitizenRequest{IdNumber: f.applicantID, Purpose: "counter intake"})
	})
	if err != nil {
		return err
	}
	z := resp.GetCitizen()
	for flag, v := range map[string]string{"applicant-name": z.GetFullName(), "birth-date": z.GetBirthDate(), "address": z.GetCurrentAddress()} {
		if !cmd.Flags().Changed(flag) && v != "" {
			if err := cmd.Flags().Set(flag, v); err != nil { // sets the draft flag and marks it given
				return err
			}
		}
	}
	_, _ = fmt.Fprintf(s.errOut, "pre-filled from the population database (query %s): %s, born %s, %s\n",
		z.GetQueryId(), z.GetFullName(), z.GetBirthDate(), z.GetCurrentAddress())
	return nil
}
