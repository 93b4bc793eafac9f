package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/domain"
)

// blockingAudit holds every VerifyAuditChain stream open until released.
type blockingAudit struct {
	pb.UnimplementedAuditServiceServer
	started chan struct{}
	release chan struct{}
}

func (b blockingAudit) VerifyAuditChain(_ *pb.VerifyAuditChainRequest, ss grpc.ServerStreamingServer[pb.VerifyAuditChainResponse]) error {
	b.started <- struct{}{}
	<-b.release
	return ss.Send(&pb.VerifyAuditChainResponse{Item: &pb.VerifyAuditChainResponse_Summary_{Summary: &pb.VerifyAuditChainResponse_Summary{Intact: true}}})
}

// TestVerifyStreamsAreLimited: with a limit of 2, a third concurrent
// verification stream is refused at once with RESOURCE_EXHAUSTED and a
// retry hint; once one ends, a new one is admitted.
func TestVerifyStreamsAreLimited(t *testing.T) {
	s := &Server{opts: Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, streams: newStreamLimiter(2)}
	g := grpc.NewServer(grpc.StreamInterceptor(s.limitStreams))
	impl := blockingAudit{started: make(chan struct{}, 10), release: make(chan struct{})}
	pb.RegisterAuditServiceServer(g, impl)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(lis)
	defer g.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pb.NewAuditServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	open := func() (grpc.ServerStreamingClient[pb.VerifyAuditChainResponse], error) {
		st, err := client.VerifyAuditChain(ctx, &pb.VerifyAuditChainRequest{})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	var held []grpc.ServerStreamingClient[pb.VerifyAuditChainResponse]
	for range 2 {
		st, err := open()
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, st)
		<-impl.started
	}
	third, err := open()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = third.Recv()
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("third stream: %v, want RESOURCE_EXHAUSTED", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the refusal took %s: excess streams must not wait", took)
	}
	var reason string
	var retry bool
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			reason = d.GetReason()
		case *errdetails.RetryInfo:
			retry = true
		}
	}
	if reason != domain.ReasonTooManyStreams || !retry {
		t.Errorf("reason %q, retry info %v", reason, retry)
	}
	// Release one: a new stream is admitted.
	impl.release <- struct{}{}
	if _, err := held[0].Recv(); err != nil {
		t.Fatal(err)
	}
	if _, err := held[0].Recv(); err != io.EOF {
		t.Fatalf("first stream ended with %v", err)
	}
	fourth, err := open()
	if err != nil {
		t.Fatal(err)
	}
	<-impl.started
	close(impl.release)
	if _, err := fourth.Recv(); err != nil {
		t.Errorf("a stream after one ended was refused: %v", err)
	}
}
