package jobs

import (
	"testing"
	"time"
)

// TestBackoffDoublesWithJitterUpToTheCap: attempt n waits base·2^(n-1)
// ±25%, never more than max·1.25, and two waits differ (jitter).
func TestBackoffDoublesWithJitterUpToTheCap(t *testing.T) {
	b := backoff{base: time.Second, max: time.Minute}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 7: time.Minute, 100: time.Minute} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := b.delay(n)
			if d < want*3/4 || d > want*5/4 {
				t.Fatalf("attempt %d waits %v, want %v ±25%%", n, d, want)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("attempt %d: only %d distinct delays in 50: no jitter", n, len(seen))
		}
	}
}
