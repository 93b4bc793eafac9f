package simulate

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"

	pb "github.com/motcua/motcua/api/motcua/v1"
	"github.com/motcua/motcua/internal/esign"
)

// The demo stores real (tiny) files: every uploaded or scanned document and
// every electronic result is sent through DocumentService before the
// action that references it, and electronic results are signed, because
// the server counts a scan or an electronic result only when its file is
// stored and verified (docs/documents.md).

// DemoSigner signs the demo's electronic results: a certificate under a
// root the demo server trusts.
type DemoSigner struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// demoContent is the content of the simulated file named ref: a minimal
// PDF header, so that the server's media-type check passes.
func demoContent(ref string) []byte { return []byte("%PDF-1.4\n% " + ref + "\n") }

// withFile gives c the hash of its simulated file.
func withFile(c *pb.DossierComponent) *pb.DossierComponent {
	if c.GetFileRef() != "" {
		c.FileSha256 = FileHash(string(demoContent(c.GetFileRef())))
	}
	return c
}

// upload stores content as the caller of ctx and returns its SHA-256.
func (s *Demo) upload(ctx context.Context, content []byte, mediaType string) (string, error) {
	sha := FileHash(string(content))
	cu, err := s.files.CreateUpload(ctx, &pb.CreateUploadRequest{RequestId: "demo-upload-" + sha[:32], Sha256: sha,
		Size: int64(len(content)), MediaType: mediaType})
	if err != nil {
		return "", fmt.Errorf("CreateUpload: %w", err)
	}
	if cu.GetUpload().GetState() == pb.UploadState_UPLOAD_STATE_DONE {
		return sha, nil // a retry of an upload that finished
	}
	st, err := s.files.UploadChunks(ctx)
	if err != nil {
		return "", err
	}
	if err := st.Send(&pb.UploadChunksRequest{UploadId: cu.GetUpload().GetUploadId(), Data: content}); err != nil {
		return "", err
	}
	if _, err := st.CloseAndRecv(); err != nil {
		return "", fmt.Errorf("UploadChunks: %w", err)
	}
	return sha, nil
}

// storeFiles uploads the files of the components that have one, as the
// caller of ctx (the one who files them).
func (s *Demo) storeFiles(ctx context.Context, comps []*pb.DossierComponent) error {
	for _, c := range comps {
		switch c.GetSource() {
		case pb.ComponentSource_COMPONENT_SOURCE_UPLOADED, pb.ComponentSource_COMPONENT_SOURCE_DIGITISED:
			if _, err := s.upload(ctx, demoContent(c.GetFileRef()), "application/pdf"); err != nil {
				return err
			}
		}
	}
	return nil
}

// signedResult stores a result file and its detached signature as the
// caller of ctx and points doc at both.
func (s *Demo) signedResult(ctx context.Context, doc *pb.ResultDocument, ref string) error {
	if s.o.Signer == nil {
		return fmt.Errorf("demo: an electronic result needs DemoOptions.Signer")
	}
	content := demoContent(ref)
	sig, err := esign.Sign(content, s.o.Signer.Cert, s.o.Signer.Key, nil)
	if err != nil {
		return err
	}
	if doc.FileSha256, err = s.upload(ctx, content, "application/pdf"); err != nil {
		return err
	}
	doc.FileRef = ref
	doc.SignatureSha256, err = s.upload(ctx, sig, "application/pkcs7-signature")
	return err
}
