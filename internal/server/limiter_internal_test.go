package server

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/motcua/motcua/internal/domain"
)

// TestLimiterStreamsAndEviction: the concurrent-stream limit counts open
// streams per principal, and idle principals are forgotten (bounded
// memory) but never one with a stream open.
func TestLimiterStreamsAndEviction(t *testing.T) {
	l, err := newLimiter(Limits{Rate: 1, Burst: 1, Streams: 2, IdleAfter: time.Minute}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	a := domain.Principal{Subject: "a", Role: domain.RoleClerk}
	b := domain.Principal{Subject: "b", Role: domain.RoleClerk}
	for i := range 2 {
		if !l.openStream(a) {
			t.Fatalf("stream %d within the limit refused", i+1)
		}
	}
	if l.openStream(a) {
		t.Fatal("a third stream was allowed")
	}
	if !l.openStream(b) {
		t.Fatal("another principal's stream refused")
	}
	l.closeStream(a)
	if !l.openStream(a) {
		t.Fatal("a stream refused after one closed")
	}
	l.closeStream(b)
	if _, ok := l.allow(b); !ok {
		t.Fatal("b's first call refused")
	}
	if _, ok := l.allow(b); ok {
		t.Fatal("b past its burst allowed")
	}
	for i := range 1000 {
		l.allow(domain.Principal{Subject: string(rune('A' + i)), Role: domain.RoleCitizen})
	}
	now = now.Add(2 * time.Minute)
	l.allow(domain.Principal{Subject: "c", Role: domain.RoleCitizen}) // triggers the sweep
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) != 2 { // a (streams open) and c
		t.Fatalf("%d principals kept after the idle sweep, want 2", len(l.buckets))
	}
	if _, ok := l.buckets[a.Key()]; !ok {
		t.Fatal("a principal with open streams was evicted")
	}
}
