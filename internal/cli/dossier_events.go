package cli

import (
	"context"

	"github.com/spf13/cobra"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierEventsCmd(o *clientOpts) *cobra.Command {
	return dossierReadCmd(o, &cobra.Command{
		Use:     "events ID-or-CODE",
		Short:   "List a dossier's events in order (ListDossierEvents): who did what, how, through which channel",
		Example: `  motcua dossier events 000.00.01.H55-260213-0001`,
	}, func(s *session, id, purpose string) error {
		evs, err := listEvents(s, id, purpose)
		if err != nil {
			return err
		}
		if s.json() {
			return printJSON(s.out, &pb.ListDossierEventsResponse{Events: evs})
		}
		printEvents(s.out, evs)
		return nil
	})
}

// listEvents reads every event of a dossier, following the page tokens.
func listEvents(s *session, id, purpose string) ([]*pb.DossierEvent, error) {
	req := &pb.ListDossierEventsRequest{DossierId: id, PageSize: 1000, Purpose: purpose}
	var out []*pb.DossierEvent
	for {
		resp, err := call(s, "ListDossierEvents", func(ctx context.Context) (*pb.ListDossierEventsResponse, error) {
			return s.dossiers.ListDossierEvents(ctx, req)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, resp.GetEvents()...)
		if resp.GetNextPageToken() == "" {
			return out, nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
