package service

import (
	"context"
	"errors"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// WatchOptions tune the event streams (docs/events-stream.md).
type WatchOptions struct {
	// Poll is how often a stream reads the feed when nothing woke it (a
	// commit on this replica wakes it at once; polling covers the other
	// replicas). Default 1s.
	Poll time.Duration
	// Heartbeat is how often an idle stream sends a heartbeat; a request
	// may ask for another interval. Default 15s.
	Heartbeat time.Duration
	// Batch bounds the events read (and held) at once per stream: the
	// stream's memory. Default 100.
	Batch int
	// Stopping is closed when the server begins its graceful stop; every
	// stream then ends with UNAVAILABLE (SERVER_STOPPING) and its cursor.
	Stopping <-chan struct{}
}

func (o WatchOptions) withDefaults() WatchOptions {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	return o
}

// EventServer implements pb.EventServiceServer.
type EventServer struct {
	pb.UnimplementedEventServiceServer
	*Server
	Watch WatchOptions
}

// Reasons of the status a stream ends with while its client is still there.
const (
	ReasonServerStopping = "SERVER_STOPPING"
)

// WatchDossierEvents implements pb.EventServiceServer. It sends at most
// one batch at a time and reads the next only when the client has taken it
// (Send blocks on gRPC flow control): a slow client holds one batch, not a
// backlog.
func (s EventServer) WatchDossierEvents(req *pb.WatchDossierEventsRequest, stream grpc.ServerStreamingServer[pb.WatchDossierEventsResponse]) error {
	ctx := stream.Context()
	o := s.Watch.withDefaults()
	heartbeat := o.Heartbeat
	if req.GetHeartbeatInterval() != nil {
		heartbeat = req.GetHeartbeatInterval().AsDuration()
	}
	q := app.WatchQuery{Cursor: req.GetCursor(), AgencyCode: req.GetAgencyCode(), DossierID: req.GetDossierId(), Purpose: req.GetPurpose()}
	if req.GetStart() == pb.WatchDossierEventsRequest_START_BEGINNING {
		q.Start = app.WatchFromBeginning
	}
	for _, a := range req.GetActions() {
		q.Actions = append(q.Actions, domain.Action(a))
	}
	w, err := s.app.WatchEvents(ctx, principal(ctx), q)
	if err != nil {
		return s.fail(ctx, err)
	}
	poll := time.NewTicker(o.Poll)
	defer poll.Stop()
	var lastSent time.Time // zero: the first heartbeat goes out at once
	sendHeartbeat := func() error {
		lastSent = time.Now()
		return stream.Send(&pb.WatchDossierEventsResponse{Cursor: w.Cursor(), Item: &pb.WatchDossierEventsResponse_Heartbeat_{
			Heartbeat: &pb.WatchDossierEventsResponse_Heartbeat{Time: ts(time.Now())}}})
	}
	for {
		select {
		case <-o.Stopping:
			return stopped(w)
		default:
		}
		wake := s.app.FeedChanged() // before reading: a commit after the read still wakes us
		evs, err := w.Next(ctx, o.Batch)
		if err != nil {
			return s.watchEnded(ctx, w, err)
		}
		for i := range evs {
			e := &evs[i]
			if err := stream.Send(&pb.WatchDossierEventsResponse{Cursor: app.FeedCursor(e.Position),
				Item: &pb.WatchDossierEventsResponse_Event{Event: eventToPB(&e.Event)}}); err != nil {
				return s.watchEnded(ctx, w, err)
			}
			lastSent = time.Now()
		}
		if len(evs) == o.Batch {
			continue // more are waiting
		}
		if time.Since(lastSent) >= heartbeat {
			if err := sendHeartbeat(); err != nil {
				return s.watchEnded(ctx, w, err)
			}
		}
		beat := time.NewTimer(heartbeat - time.Since(lastSent))
		select {
		case <-ctx.Done():
			beat.Stop()
			return s.watchEnded(ctx, w, ctx.Err())
		case <-o.Stopping:
			beat.Stop()
			return stopped(w)
		case <-wake:
		case <-poll.C:
		case <-beat.C:
		}
		beat.Stop()
	}
}

// stopped ends a stream on the server's graceful stop with UNAVAILABLE
// naming the cursor, so the client resumes on another replica without a
// gap. (No last message: a client that stopped reading would hold the stop.)
func stopped(w *app.Watch) error {
	return watchStatus(ReasonServerStopping, "the server is stopping; resume from the cursor (ErrorInfo metadata) on another replica", w.Cursor())
}

// watchEnded reports why a stream ended. When the server's stream bound
// fired (--stream-timeout), the status carries the cursor as on a stop.
func (s EventServer) watchEnded(ctx context.Context, w *app.Watch, err error) error {
	if f := serverTimeout(ctx); f != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil) {
		return watchStatus(f.Reason, "the stream reached the server's time limit; resume from the cursor (ErrorInfo metadata)", w.Cursor())
	}
	return s.fail(ctx, err)
}

func watchStatus(reason, msg, cursor string) error {
	return withDetails(codes.Unavailable, msg,
		&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain, Metadata: map[string]string{"cursor": cursor}},
		&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)})
}
