package app

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

// ReusableKind is what a reusable document is.
type ReusableKind int

// Reusable kinds.
const (
	ReusableComponent ReusableKind = 1 // a verified component
	ReusableResult    ReusableKind = 2 // a signed electronic result within its validity
)

// ReusableDocument is a stored document a new dossier may reference
// instead of uploading it again (DossierComponent.reused_from = Reference).
type ReusableDocument struct {
	Reference  string
	Kind       ReusableKind
	Source     domain.ComponentSource
	Code, Name string
	Dossier    *domain.Dossier
	SHA256     string
	Size       int64
	MediaType  string
	ValidUntil time.Time
	Signature  *domain.Signature
}

// ListReusableDocuments lists the documents of the applicant applicantID
// that p could reuse by reference in a new dossier — exactly what the
// reuse check (documentcheck.go) accepts: the verified components and the
// signed results still within their validity, of the applicant's dossiers
// inside p's read scope. A page looks at up to pageSize source dossiers
// (ListDossiers' paging). The applicant side lists its own (applicantID
// empty means p's own); staff must name the applicant and state a purpose,
// and every source dossier of the page is recorded in the access log
// (method ListReusableDocuments), as GetDossier records a read.
func (s *Documents) ListReusableDocuments(ctx context.Context, p domain.Principal, applicantID string, pageSize int, token, purpose string) ([]ReusableDocument, string, error) {
	if applicantID == "" && policy.ApplicantSide(p) {
		applicantID = p.CitizenID
	}
	if applicantID == "" {
		return nil, "", domain.Invalid("applicant_id_number", "name the applicant whose documents to list")
	}
	ds, next, err := s.reads.listDossiers(ctx, p, DossierQuery{ApplicantID: applicantID}, pageSize, token, purpose, ReadReusable)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	var out []ReusableDocument
	for i := range ds {
		d := &ds[i]
		if d.Applicant.IDNumber != applicantID {
			continue // the reuse check wants the same applicant
		}
		for _, c := range d.Components {
			if !c.FileVerified() {
				continue
			}
			out = append(out, ReusableDocument{Reference: reuseDossier + d.Code + "/" + c.Code, Kind: ReusableComponent,
				Source: domain.SourceReused, Code: c.Code, Dossier: d, SHA256: c.FileSHA256, Size: c.Size, MediaType: c.MediaType})
		}
		for _, rd := range resultDocs(d) {
			if !reusableResult(rd, now) {
				continue // unsigned, or expired: the reuse check refuses it
			}
			out = append(out, ReusableDocument{Reference: reuseResult + d.Code + "/" + rd.Code, Kind: ReusableResult,
				Source: domain.SourceReusedResult, Code: rd.Code, Name: rd.Name, Dossier: d, SHA256: rd.FileSHA256, Size: rd.Size,
				MediaType: rd.MediaType, ValidUntil: rd.ValidUntil, Signature: rd.Signature})
		}
	}
	return out, next, nil
}
