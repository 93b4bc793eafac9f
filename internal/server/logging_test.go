package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/motcua/motcua/internal/testenv"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStreamCallsAreLogged: a streaming call gets its finish line, as a
// unary call does.
func TestStreamCallsAreLogged(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := testenv.Start(t, testenv.StoreURL(t, "sqlite"), testenv.Options{Log: log, NoDemo: true})
	hc := healthpb.NewHealthClient(e.Conn)
	if _, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := hc.Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out := buf.String()
		unary := strings.Contains(out, "grpc.method=Check")
		stream := strings.Contains(out, "grpc.method=Watch")
		if unary && stream {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want a finish line for the unary Check and the streaming Watch; log:\n%s", out)
		}
	}
}
