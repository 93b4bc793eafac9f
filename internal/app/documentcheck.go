package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// The checks a dossier's components and result documents pass when they
// reference files, inside the mutation's transaction: this is what makes
// "digitised" and "electronic" facts rather than flags (docs/documents.md).

// Reuse references (DossierComponent.reused_from).
const (
	reuseDossier = "dossier:" // dossier:<code>/<component code>
	reuseResult  = "result:"  // result:<code>/<result document code>
)

// ownFile returns the stored blob sha if p uploaded it; a file p did not
// upload is answered like an absent one.
func (s *Documents) ownFile(ctx context.Context, p domain.Principal, sha string) (*BlobRecord, error) {
	ok, err := s.st.UploadedBy(ctx, p.Key(), sha)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.ErrNotFound
	}
	return s.st.GetBlob(ctx, sha)
}

// fileRef is the reference a verified file gets when the client sent none.
func fileRef(sha string) string { return "sha256:" + sha }

// checkComponents verifies the files that comps (at path) reference and
// fills in what the server knows of them (Verified, size, media type, the
// reused file). A DIGITISED component (scanned at intake) must name a file
// the receiving official uploaded; an UPLOADED one is verified when its
// filer uploaded the file here, and otherwise kept as an unverified
// reference to a file held elsewhere (a portal's store). A reuse reference
// must name a verified file of an earlier dossier of the same applicant
// that p may read. It returns the blobs
// referenced and adds one event detail per file.
func (s *Documents) checkComponents(ctx context.Context, p domain.Principal, path string, comps []domain.Component,
	applicantID string, pv *domain.ProcedureVersion, now time.Time, details map[string]string) ([]string, error) {
	var v domain.Violations
	var shas []string
	for i := range comps {
		c := &comps[i]
		f := fmt.Sprintf("%s[%d]", path, i)
		c.Verified, c.Size, c.MediaType = false, 0, "" // output only
		switch c.Source {
		case domain.SourceUploaded, domain.SourceDigitised:
			if c.FileSHA256 == "" {
				continue // ValidateComponents names it
			}
			b, err := s.ownFile(ctx, p, c.FileSHA256)
			if isNotFound(err) && c.Source == domain.SourceUploaded {
				// A file held elsewhere (a portal's store): recorded as
				// the filer's reference, unverified, and never served.
				continue
			}
			if isNotFound(err) {
				v.Add(f+".file_sha256", "a scan at intake must be stored here: no file with this hash was uploaded by you; upload it first (DocumentService.CreateUpload)")
				continue
			}
			if err != nil {
				return nil, err
			}
			if c.FileRef == "" {
				c.FileRef = fileRef(c.FileSHA256)
			}
			c.Verified, c.Size, c.MediaType = true, b.Size, b.MediaType
		case domain.SourceReused, domain.SourceReusedResult:
			if !strings.HasPrefix(c.ReusedFrom, reuseDossier) && !strings.HasPrefix(c.ReusedFrom, reuseResult) {
				continue // a national data store's record: a reference, no file here
			}
			ok, err := s.reuse(ctx, p, c, applicantID, now)
			if err != nil {
				return nil, err
			}
			if !ok {
				v.Add(f+".reused_from", "no valid verified document %q of this applicant that you may read", c.ReusedFrom)
				continue
			}
			details["reused:"+c.Code] = c.ReusedFrom
		default:
			continue
		}
		if spec := componentSpec(pv, c.Code); spec != nil {
			if spec.MaxBytes > 0 && c.Size > spec.MaxBytes {
				v.Add(f+".file_sha256", "the file has %d bytes; component %s takes at most %d", c.Size, c.Code, spec.MaxBytes)
			}
			if len(spec.MediaTypes) > 0 && !slices.Contains(spec.MediaTypes, c.MediaType) {
				v.Add(f+".file_sha256", "the file is %s; component %s takes %s", c.MediaType, c.Code, strings.Join(spec.MediaTypes, ", "))
			}
		}
		details["file:"+c.Code] = c.FileSHA256
		shas = append(shas, c.FileSHA256)
	}
	return shas, v.Err()
}

func componentSpec(pv *domain.ProcedureVersion, code string) *domain.DocumentComponent {
	for i := range pv.Components {
		if pv.Components[i].Code == code {
			return &pv.Components[i]
		}
	}
	return nil
}

// reuse fills c from the file its reference names, if that file is a
// verified one of an earlier dossier of the same applicant that p may read
// (and, for a result, an electronic one still valid). It reports whether
// it did; every reason it did not looks the same to the caller.
func (s *Documents) reuse(ctx context.Context, p domain.Principal, c *domain.Component, applicantID string, now time.Time) (bool, error) {
	kind := reuseDossier
	if strings.HasPrefix(c.ReusedFrom, reuseResult) {
		kind = reuseResult
	}
	if (kind == reuseResult) != (c.Source == domain.SourceReusedResult) {
		return false, nil
	}
	code, doc, ok := strings.Cut(strings.TrimPrefix(c.ReusedFrom, kind), "/")
	if !ok || code == "" || doc == "" {
		return false, nil
	}
	src, err := s.reads.st.GetDossierByCode(ctx, code)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if src.Applicant.IDNumber != applicantID {
		return false, nil
	}
	if err := s.reads.authoriseRead(ctx, p, src); err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	var sha, media string
	var size int64
	if kind == reuseDossier {
		for _, sc := range src.Components {
			if sc.Code == doc && sc.FileVerified() {
				sha, size, media = sc.FileSHA256, sc.Size, sc.MediaType
			}
		}
	} else {
		for _, rd := range resultDocs(src) {
			if rd.Code == doc && reusableResult(rd, now) {
				sha, size, media = rd.FileSHA256, rd.Size, rd.MediaType
			}
		}
	}
	if sha == "" {
		return false, nil
	}
	if _, err := s.st.GetBlob(ctx, sha); err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	c.FileSHA256, c.FileRef, c.Size, c.MediaType, c.Verified = sha, fileRef(sha), size, media, true
	return true, nil
}

// reusableResult reports whether a result document may be reused at now:
// stored and verified, its signature validated, within its validity.
func reusableResult(rd domain.ResultDocument, now time.Time) bool {
	return rd.Verified && rd.FileSHA256 != "" && rd.Signature != nil && (rd.ValidUntil.IsZero() || now.Before(rd.ValidUntil))
}

// checkResult verifies the result documents' files and signatures (each
// file and signature uploaded by p; each signature a detached CMS signature
// over its file by a signer chaining to a trusted root) and fills in the
// verdicts. A result asked for as electronic must have at least one
// document and every document signed; otherwise RESULT_NOT_SIGNED.
func (s *Documents) checkResult(ctx context.Context, p domain.Principal, res *domain.Result, now time.Time, details map[string]string) ([]string, error) {
	var v domain.Violations
	var shas []string
	for i := range res.Documents {
		doc := &res.Documents[i]
		f := fmt.Sprintf("result.documents[%d]", i)
		doc.Verified, doc.Size, doc.MediaType, doc.Signature = false, 0, "", nil // output only
		if doc.FileSHA256 == "" {
			if doc.SignatureSHA256 != "" {
				v.Add(f+".signature_sha256", "a signature needs the file it signs (file_sha256)")
			}
			continue
		}
		b, err := s.ownFile(ctx, p, doc.FileSHA256)
		if isNotFound(err) && doc.SignatureSHA256 == "" {
			continue // a reference to a file held elsewhere; unverified, never electronic
		}
		if isNotFound(err) {
			v.Add(f+".file_sha256", "a signed document must be stored here: no file with this hash was uploaded by you; upload it first (DocumentService.CreateUpload)")
			continue
		}
		if err != nil {
			return nil, err
		}
		if doc.FileRef == "" {
			doc.FileRef = fileRef(doc.FileSHA256)
		}
		doc.Verified, doc.Size, doc.MediaType = true, b.Size, b.MediaType
		details["result_file:"+doc.Code] = doc.FileSHA256
		shas = append(shas, doc.FileSHA256)
		if doc.SignatureSHA256 == "" {
			continue
		}
		if _, err := s.ownFile(ctx, p, doc.SignatureSHA256); isNotFound(err) {
			v.Add(f+".signature_sha256", "no file with this hash was uploaded by you; upload the signature first")
			continue
		} else if err != nil {
			return nil, err
		}
		sig, err := s.verifySignature(ctx, doc.FileSHA256, doc.SignatureSHA256, now)
		var refusal *domain.PreconditionError
		if errors.As(err, &refusal) {
			return nil, &domain.PreconditionError{Reason: refusal.Reason, Subject: f + ".signature_sha256",
				Description: fmt.Sprintf("the signature of result document %s is refused: %s", doc.Code, refusal.Description)}
		}
		if err != nil {
			return nil, err
		}
		doc.Signature = sig
		details["result_signature:"+doc.Code] = fmt.Sprintf("%s valid; signer %s; root %s", doc.SignatureSHA256, sig.Signer, sig.Root)
		shas = append(shas, doc.SignatureSHA256)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if res.Electronic {
		signed := len(res.Documents) > 0
		for _, d := range res.Documents {
			signed = signed && d.Signature != nil
		}
		if !signed {
			return nil, &domain.PreconditionError{Reason: "RESULT_NOT_SIGNED", Subject: "result.electronic",
				Description: "an electronic result needs every document stored with a valid signature (file_sha256 and signature_sha256)"}
		}
	}
	return shas, nil
}

func (s *Documents) verifySignature(ctx context.Context, fileSHA, sigSHA string, now time.Time) (*domain.Signature, error) {
	if s.cfg.Signatures == nil {
		return nil, &domain.PreconditionError{Reason: "NO_TRUSTED_ROOTS", Description: "this server validates no signatures (no trusted roots configured)"}
	}
	if _, err := s.blobs(); err != nil {
		return nil, err
	}
	sig, err := s.readSignature(ctx, sigSHA)
	if err != nil {
		return nil, err
	}
	open := func() (io.ReadCloser, error) {
		rc, _, err := s.cfg.Blobs.Open(ctx, fileSHA)
		return rc, err
	}
	return s.cfg.Signatures.VerifyDetached(sig, fileSHA, open, now)
}

// referenceFiles records that the dossier references the blobs, so that
// the retention job keeps them.
func (s *Lifecycle) referenceFiles(ctx context.Context, dossierID string, shas []string) error {
	if s.files == nil || len(shas) == 0 {
		return nil
	}
	return s.files.st.AddBlobRefs(ctx, dossierID, slices.Compact(slices.Sorted(slices.Values(shas))))
}
