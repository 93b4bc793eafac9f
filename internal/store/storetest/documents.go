package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

// testDocuments: uploads advance only from the offset they are at; blobs
// are recorded once; references keep blobs from the collector; only the
// first fetch of a result is kept.
func testDocuments(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedCatalog(t, s)
	sha := strings.Repeat("ab", 32)
	u := &store.Upload{ID: "0190a1b2-0000-7000-8000-0000000000a1", OwnerKey: "iss|citizen|a", SHA256: sha, Size: 10,
		MediaType: "application/pdf", HashState: []byte{1, 2}, State: store.UploadOpen, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.CreateUpload(ctx, u))
	wantErr(t, s.CreateUpload(ctx, u), domain.ErrAlreadyExists)
	_, err := s.GetUpload(ctx, "0190a1b2-0000-7000-8000-0000000000ff")
	wantErr(t, err, domain.ErrNotFound)

	next := *u
	next.Received, next.HashState, next.UpdatedAt = 6, []byte{3}, t0.Add(time.Second)
	must(t, s.UpdateUpload(ctx, &next, 0))
	wantErr(t, s.UpdateUpload(ctx, &next, 0), domain.ErrVersionConflict) // a second stream from the same offset
	got, err := s.GetUpload(ctx, u.ID)
	must(t, err)
	if got.Received != 6 || string(got.HashState) != "\x03" || got.State != store.UploadOpen || !got.UpdatedAt.Equal(next.UpdatedAt.Truncate(time.Microsecond)) {
		t.Fatalf("upload after advancing: %+v", got)
	}
	if ok, err := s.UploadedBy(ctx, u.OwnerKey, sha); err != nil || ok {
		t.Fatalf("an open upload counts as uploaded: %v %v", ok, err)
	}
	// An open upload is stale once its last progress is before the cutoff.
	if stale, err := s.ListStaleUploads(ctx, t0.Add(2*time.Second), 10); err != nil || len(stale) != 1 || stale[0].ID != u.ID || stale[0].Received != 6 {
		t.Fatalf("stale uploads before t0+2s: %+v %v", stale, err)
	}
	if stale, err := s.ListStaleUploads(ctx, t0.Add(time.Second), 10); err != nil || len(stale) != 0 {
		t.Fatalf("an upload that progressed at the cutoff is stale: %+v %v", stale, err)
	}
	done := next
	done.Received, done.State = 10, store.UploadDone
	must(t, s.UpdateUpload(ctx, &done, 6))
	wantErr(t, s.UpdateUpload(ctx, &done, 10), domain.ErrVersionConflict) // finished: no more writes
	if stale, err := s.ListStaleUploads(ctx, t0.Add(time.Hour), 10); err != nil || len(stale) != 0 {
		t.Fatalf("a finished upload is stale: %+v %v", stale, err)
	}
	if ok, err := s.UploadedBy(ctx, u.OwnerKey, sha); err != nil || !ok {
		t.Fatalf("the owner's finished upload: %v %v", ok, err)
	}
	if ok, _ := s.UploadedBy(ctx, "iss|citizen|b", sha); ok {
		t.Fatal("another principal counts as the uploader")
	}

	b := &store.BlobRecord{SHA256: sha, Size: 10, MediaType: "application/pdf", CreatedAt: t0}
	must(t, s.PutBlob(ctx, b))
	must(t, s.PutBlob(ctx, &store.BlobRecord{SHA256: sha, Size: 99, MediaType: "x/y", CreatedAt: t0.Add(time.Hour)})) // no-op
	gb, err := s.GetBlob(ctx, sha)
	must(t, err)
	if gb.Size != 10 || gb.MediaType != "application/pdf" || !gb.CreatedAt.Equal(t0.Truncate(time.Microsecond)) {
		t.Fatalf("blob: %+v", gb)
	}
	orphan := strings.Repeat("cd", 32)
	must(t, s.PutBlob(ctx, &store.BlobRecord{SHA256: orphan, Size: 1, MediaType: "application/pdf", CreatedAt: t0}))

	d := Dossier("000.00.01.H55", "1.000001", 1)
	must(t, s.CreateDossier(ctx, d))
	must(t, s.AddBlobRefs(ctx, d.ID, []string{sha}))
	must(t, s.AddBlobRefs(ctx, d.ID, []string{sha})) // idempotent
	list, err := s.ListUnreferencedBlobs(ctx, t0.Add(time.Minute), 10)
	must(t, err)
	if len(list) != 1 || list[0].SHA256 != orphan {
		t.Fatalf("unreferenced: %+v", list)
	}
	if list, _ := s.ListUnreferencedBlobs(ctx, t0, 10); len(list) != 0 {
		t.Fatalf("within the grace: %+v", list)
	}
	if gone, err := s.DeleteBlobRecord(ctx, sha); err != nil || gone {
		t.Fatalf("deleted a referenced blob: %v %v", gone, err)
	}
	if gone, err := s.DeleteBlobRecord(ctx, orphan); err != nil || !gone {
		t.Fatalf("orphan: %v %v", gone, err)
	}

	f := store.ResultFetch{DossierID: d.ID, Code: "KQ", FetchedBy: "iss|citizen|a", At: t0}
	if first, err := s.RecordResultFetch(ctx, f); err != nil || !first {
		t.Fatalf("first fetch: %v %v", first, err)
	}
	f.At, f.FetchedBy = t0.Add(time.Hour), "iss|citizen|b"
	if first, err := s.RecordResultFetch(ctx, f); err != nil || first {
		t.Fatalf("second fetch counted as first: %v %v", first, err)
	}
	gf, err := s.GetResultFetch(ctx, d.ID, "KQ")
	must(t, err)
	if gf.FetchedBy != "iss|citizen|a" || !gf.At.Equal(t0.Truncate(time.Microsecond)) {
		t.Fatalf("kept fetch: %+v", gf)
	}
	_, err = s.GetResultFetch(ctx, d.ID, "OTHER")
	wantErr(t, err, domain.ErrNotFound)
}
