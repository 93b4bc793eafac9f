package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/blob/blobtest"
	"github.com/motcua/motcua/internal/domain"
)

func TestStores(t *testing.T) {
	for _, kind := range append(blobtest.Kinds, blobtest.Encrypted) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := blobtest.New(t, kind)
			data := bytes.Repeat([]byte("0123456789abcdef"), 1<<14) // 256 KiB
			sum := sha256.Sum256(data)
			sha := hex.EncodeToString(sum[:])
			const up = "0190a0b0-0000-7000-8000-000000000001"
			if _, _, err := s.Open(ctx, sha); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("Open absent: %v, want ErrNotFound", err)
			}
			// A part written and never acknowledged is rewritten at the same offset.
			if err := s.WritePart(ctx, up, 0, data[:100000]); err != nil {
				t.Fatal(err)
			}
			if err := s.WritePart(ctx, up, 100000, []byte("garbage that was never acknowledged")); err != nil {
				t.Fatal(err)
			}
			if err := s.WritePart(ctx, up, 100000, data[100000:]); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Staged(ctx, up); err != nil || n != int64(len(data)) {
				t.Fatalf("Staged: %d, %v; want %d", n, err, len(data))
			}
			if err := s.Promote(ctx, up, sha, int64(len(data))); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Staged(ctx, up); err != nil || n != 0 {
				t.Fatalf("Staged after Promote: %d, %v", n, err)
			}
			r, n, err := s.Open(ctx, sha)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			r.Close()
			if n != int64(len(data)) || !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes (size %d), want the %d written", len(got), n, len(data))
			}
			if err := s.Delete(ctx, sha); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Stat(ctx, sha); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("Stat after Delete: %v", err)
			}
			// Drop discards a staging.
			const up2 = "0190a0b0-0000-7000-8000-000000000002"
			if err := s.WritePart(ctx, up2, 0, data[:1000]); err != nil {
				t.Fatal(err)
			}
			if err := s.Drop(ctx, up2); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Staged(ctx, up2); err != nil || n != 0 {
				t.Fatalf("Staged after Drop: %d, %v", n, err)
			}
			if _, _, err := s.Open(ctx, "../../etc/passwd"); !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("Open of a path: %v, want invalid", err)
			}
		})
	}
}

// An S3 outage is UNAVAILABLE, not an unclassified error.
func TestS3OutageIsUnavailable(t *testing.T) {
	s, srv := blobtest.NewS3(t)
	srv.Close()
	_, err := s.Stat(context.Background(), "0000000000000000000000000000000000000000000000000000000000000000")
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("Stat with the server down: %v, want ErrUnavailable", err)
	}
}
