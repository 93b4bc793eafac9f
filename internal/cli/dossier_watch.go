package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/motcua/motcua/api/motcua/v1"
)

func newDossierWatchCmd(o *clientOpts) *cobra.Command {
	var (
		cursor, agency, dossier, purpose string
		beginning                        bool
		actions                          []string
		heartbeat                        time.Duration
		count                            int
	)
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Follow dossier events as they are committed (WatchDossierEvents), resuming across disconnects",
		Long: `watch follows the events of the dossiers your token may read, one line per
event, until interrupted (or --count events). It starts now, from the
beginning (--from-beginning: applicants, auditors, or with --dossier), or
after a cursor (--cursor). When the connection drops or the server stops, it
reconnects from the last cursor it received: no event is missed or shown
twice. On exit it prints the cursor to resume from on stderr. With --output
json it prints every message, heartbeats included, as one JSON object a line.`,
		Example: `  motcua dossier watch --from-beginning
  motcua dossier watch --agency 000.00.01.H55 --action submit --action receive --purpose "tiếp nhận"
  motcua dossier watch --cursor AeAFATpqrAo -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := &pb.WatchDossierEventsRequest{Cursor: cursor, AgencyCode: agency, Purpose: purpose}
			if beginning {
				req.Start = pb.WatchDossierEventsRequest_START_BEGINNING
			}
			if heartbeat > 0 {
				req.HeartbeatInterval = durationpb.New(heartbeat)
			}
			for _, a := range actions {
				n, err := parseEnum("action", pb.Action(0).Descriptor(), a)
				if err != nil {
					return err
				}
				req.Actions = append(req.Actions, pb.Action(n))
			}
			s, err := o.open(cmd)
			if err != nil {
				return err
			}
			defer s.close()
			if dossier != "" {
				if req.DossierId, err = dossierID(s, dossier, purpose); err != nil {
					return err
				}
			}
			return watchEvents(s, req, count)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cursor, "cursor", "", "resume after the message that carried this cursor")
	f.BoolVar(&beginning, "from-beginning", false, "start at the first event (applicants, auditors, or with --dossier)")
	f.StringVar(&agency, "agency", "", "only dossiers received by this agency")
	f.StringVar(&dossier, "dossier", "", "only this dossier (id or code)")
	f.StringSliceVar(&actions, "action", nil, "only these kinds of event (submit, receive, forward, resolve…; repeatable)")
	f.StringVar(&purpose, "purpose", "cli", "why you read (required of staff, recorded in the access log)")
	f.DurationVar(&heartbeat, "heartbeat", 0, "ask for a heartbeat this often when idle (1s–10m; default: the server's)")
	f.IntVar(&count, "count", 0, "stop after this many events (0: follow until interrupted)")
	return cmd
}

// watchEvents prints the stream, reconnecting from the last cursor after a
// drop (UNAVAILABLE, or the server's stream limit passing), until the
// command's context ends or count events were printed.
func watchEvents(s *session, req *pb.WatchDossierEventsRequest, count int) error {
	ctx := metadata.AppendToOutgoingContext(s.parent, "authorization", "Bearer "+s.opts.token)
	client := pb.NewEventServiceClient(s.conn)
	printed, failures := 0, 0
	defer func() {
		if req.GetCursor() != "" {
			fmt.Fprintf(s.errOut, "resume with: --cursor %s\n", req.GetCursor())
		}
	}()
	for {
		err := func() error {
			stream, err := client.WatchDossierEvents(ctx, req)
			if err != nil {
				return err
			}
			for {
				m, err := stream.Recv()
				if err != nil {
					return err
				}
				failures = 0
				req.Cursor, req.Start = m.GetCursor(), pb.WatchDossierEventsRequest_START_UNSPECIFIED
				if err := printWatch(s, m); err != nil {
					return err
				}
				if m.GetEvent() != nil {
					if printed++; count > 0 && printed >= count {
						return io.EOF
					}
				}
			}
		}()
		if errors.Is(err, io.EOF) || ctx.Err() != nil {
			return nil
		}
		st, _ := status.FromError(err)
		if st.Code() != codes.Unavailable || failures >= 5 {
			return s.fail("WatchDossierEvents", err)
		}
		// The server stopped or the connection dropped: resume from the
		// cursor the status names (or the last one received) after a pause.
		failures++
		for _, d := range st.Details() {
			if ei, ok := d.(*errdetails.ErrorInfo); ok && ei.GetMetadata()["cursor"] != "" {
				req.Cursor = ei.GetMetadata()["cursor"]
			}
		}
		fmt.Fprintf(s.errOut, "stream ended (%s); reconnecting…\n", st.Message())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Duration(failures) * time.Second):
		}
	}
}

func printWatch(s *session, m *pb.WatchDossierEventsResponse) error {
	if s.json() {
		b, err := protojson.Marshal(m)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(s.out, string(b))
		return err
	}
	e := m.GetEvent()
	if e == nil {
		return nil // heartbeats only move the cursor
	}
	a := e.GetAttribution()
	_, err := fmt.Fprintf(s.out, "%s  %s  #%d %s  %s → %s  %s (%s)\n", fmtTime(e.GetTime()), e.GetDossierCode(), e.GetSequence(),
		enumName(e.GetAction()), enumName(e.GetFromStatus()), enumName(e.GetToStatus()), orDash(a.GetActorId()), enumName(a.GetActorKind()))
	return err
}
