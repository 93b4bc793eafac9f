package testenv

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/esign"
)

// TextFile is the media type of the files the test drafts reference: each
// file's content is its file_ref, so a helper can upload it from the draft.
const TextFile = "text/plain"

var uploadSeq atomic.Int64

// Upload stores content through the API as the caller of ctx and returns
// its SHA-256.
func (e *Env) Upload(t testing.TB, ctx context.Context, content []byte, mediaType string) string {
	t.Helper()
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	cu, err := e.Files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: fmt.Sprintf("up-%d-%d", time.Now().UnixNano(), uploadSeq.Add(1)),
		Sha256: sha, Size: int64(len(content)), MediaType: mediaType})
	if err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	st, err := e.Files.UploadChunks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const chunk = 1 << 20
	for off := 0; off < len(content); off += chunk {
		end := min(off+chunk, len(content))
		if err := st.Send(&pb.UploadChunksRequest{UploadId: cu.GetUpload().GetUploadId(), Offset: int64(off), Data: content[off:end]}); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	r, err := st.CloseAndRecv()
	if err != nil {
		t.Fatalf("UploadChunks: %v", err)
	}
	if r.GetUpload().GetState() != pb.UploadState_UPLOAD_STATE_DONE {
		t.Fatalf("upload not done: %v", r.GetUpload())
	}
	return sha
}

// StoreFiles uploads, as the caller of ctx, the file of every component
// of comps that names one (test drafts' files hold their own file_ref); an
// UPLOADED component whose hash is not its file_ref's stays a reference.
func (e *Env) StoreFiles(t testing.TB, ctx context.Context, comps []*pb.DossierComponent) {
	t.Helper()
	for _, c := range comps {
		if c.GetFileRef() == "" || (c.GetSource() != pb.ComponentSource_COMPONENT_SOURCE_DIGITISED && c.GetSource() != pb.ComponentSource_COMPONENT_SOURCE_UPLOADED) {
			continue
		}
		if Sha256(c.GetFileRef()) != c.GetFileSha256() && c.GetSource() == pb.ComponentSource_COMPONENT_SOURCE_UPLOADED {
			continue // a reference to a file held elsewhere
		}
		if got := e.Upload(t, ctx, []byte(c.GetFileRef()), TextFile); got != c.GetFileSha256() {
			t.Fatalf("component %s: file_ref %q hashes to %s, not its file_sha256 %s", c.GetCode(), c.GetFileRef(), got, c.GetFileSha256())
		}
	}
}

// Signer is a document-signing certificate under the Env's trusted root.
type Signer struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewSigner issues a signer under the trusted root.
func (e *Env) NewSigner(t testing.TB, cn string) Signer {
	t.Helper()
	cert, key, err := e.SigningCA.IssueSigner(cn, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return Signer{cert, key}
}

// SignedResult uploads content and its detached signature by s as the
// caller of ctx and returns the result document that references both.
func (e *Env) SignedResult(t testing.TB, ctx context.Context, s Signer, code string, content []byte) *pb.ResultDocument {
	t.Helper()
	sig, err := esign.Sign(content, s.Cert, s.Key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &pb.ResultDocument{Code: code, Name: "Kết quả " + code, FileSha256: e.Upload(t, ctx, content, TextFile),
		SignatureSha256: e.Upload(t, ctx, sig, "application/pkcs7-signature")}
}
