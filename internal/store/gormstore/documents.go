package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

type blobRow struct {
	SHA256    string `gorm:"column:sha256;primaryKey"`
	Size      int64
	MediaType string
	CreatedAt time.Time
}

func (blobRow) TableName() string { return "blobs" }

type uploadRow struct {
	ID        string `gorm:"primaryKey"`
	OwnerKey  string
	SHA256    string `gorm:"column:sha256"`
	Size      int64
	MediaType string
	Received  int64
	HashState []byte
	State     int
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (uploadRow) TableName() string { return "uploads" }

type blobRefRow struct {
	SHA256    string `gorm:"column:sha256;primaryKey"`
	DossierID string `gorm:"primaryKey"`
}

func (blobRefRow) TableName() string { return "blob_refs" }

type resultFetchRow struct {
	DossierID string `gorm:"primaryKey"`
	DocCode   string `gorm:"primaryKey"`
	FetchedBy string
	FetchedAt time.Time
}

func (resultFetchRow) TableName() string { return "result_fetches" }

// CreateUpload implements store.Documents.
func (s *Store) CreateUpload(ctx context.Context, u *store.Upload) error {
	err := s.conn(ctx).Create(&uploadRow{ID: u.ID, OwnerKey: u.OwnerKey, SHA256: u.SHA256, Size: u.Size, MediaType: u.MediaType,
		Received: u.Received, HashState: u.HashState, State: int(u.State),
		CreatedAt: requiredDBTime(u.CreatedAt), UpdatedAt: requiredDBTime(u.UpdatedAt)}).Error
	if isUniqueViolation(err) {
		return &domain.AlreadyExistsError{Kind: "upload", Key: u.ID}
	}
	return err
}

// GetUpload implements store.Documents.
func (s *Store) GetUpload(ctx context.Context, id string) (*store.Upload, error) {
	var r uploadRow
	err := s.conn(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("upload", id)
	}
	if err != nil {
		return nil, err
	}
	u := r.upload()
	return &u, nil
}

func (r uploadRow) upload() store.Upload {
	return store.Upload{ID: r.ID, OwnerKey: r.OwnerKey, SHA256: r.SHA256, Size: r.Size, MediaType: r.MediaType,
		Received: r.Received, HashState: r.HashState, State: store.UploadState(r.State),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// ListStaleUploads implements store.Documents.
func (s *Store) ListStaleUploads(ctx context.Context, before time.Time, limit int) ([]store.Upload, error) {
	var rows []uploadRow
	err := s.conn(ctx).Where("state = ? AND updated_at < ?", int(store.UploadOpen), requiredDBTime(before)).
		Order("updated_at, id").Limit(limit).Find(&rows).Error
	out := make([]store.Upload, len(rows))
	for i, r := range rows {
		out[i] = r.upload()
	}
	return out, err
}

// UpdateUpload implements store.Documents.
func (s *Store) UpdateUpload(ctx context.Context, u *store.Upload, from int64) error {
	res := s.conn(ctx).Model(&uploadRow{}).Where("id = ? AND received = ? AND state = ?", u.ID, from, int(store.UploadOpen)).
		Updates(map[string]any{"received": u.Received, "hash_state": u.HashState, "state": int(u.State),
			"updated_at": requiredDBTime(u.UpdatedAt)})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return &domain.ConflictError{Expected: from, Current: -1}
	}
	return nil
}

// PutBlob implements store.Documents.
func (s *Store) PutBlob(ctx context.Context, b *store.BlobRecord) error {
	return s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&blobRow{SHA256: b.SHA256, Size: b.Size,
		MediaType: b.MediaType, CreatedAt: requiredDBTime(b.CreatedAt)}).Error
}

// GetBlob implements store.Documents.
func (s *Store) GetBlob(ctx context.Context, sha string) (*store.BlobRecord, error) {
	var r blobRow
	err := s.conn(ctx).Where("sha256 = ?", sha).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("blob", sha)
	}
	if err != nil {
		return nil, err
	}
	return &store.BlobRecord{SHA256: r.SHA256, Size: r.Size, MediaType: r.MediaType, CreatedAt: r.CreatedAt.UTC()}, nil
}

// UploadedBy implements store.Documents.
func (s *Store) UploadedBy(ctx context.Context, ownerKey, sha string) (bool, error) {
	var n int64
	err := s.conn(ctx).Model(&uploadRow{}).Where("owner_key = ? AND sha256 = ? AND state = ?", ownerKey, sha, int(store.UploadDone)).
		Limit(1).Count(&n).Error
	return n > 0, err
}

// AddBlobRefs implements store.Documents.
func (s *Store) AddBlobRefs(ctx context.Context, dossierID string, shas []string) error {
	if len(shas) == 0 {
		return nil
	}
	rows := make([]blobRefRow, len(shas))
	for i, h := range shas {
		rows[i] = blobRefRow{SHA256: h, DossierID: dossierID}
	}
	return s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
}

// ListUnreferencedBlobs implements store.Documents.
func (s *Store) ListUnreferencedBlobs(ctx context.Context, before time.Time, limit int) ([]store.BlobRecord, error) {
	var rows []blobRow
	err := s.conn(ctx).Where("created_at < ? AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.sha256 = blobs.sha256)", requiredDBTime(before)).
		Order("created_at, sha256").Limit(limit).Find(&rows).Error
	out := make([]store.BlobRecord, len(rows))
	for i, r := range rows {
		out[i] = store.BlobRecord{SHA256: r.SHA256, Size: r.Size, MediaType: r.MediaType, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, err
}

// DeleteBlobRecord implements store.Documents.
func (s *Store) DeleteBlobRecord(ctx context.Context, sha string) (bool, error) {
	res := s.conn(ctx).Where("sha256 = ? AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.sha256 = blobs.sha256)", sha).Delete(&blobRow{})
	return res.RowsAffected > 0, res.Error
}

// RecordResultFetch implements store.Documents.
func (s *Store) RecordResultFetch(ctx context.Context, f store.ResultFetch) (bool, error) {
	res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&resultFetchRow{DossierID: f.DossierID, DocCode: f.Code,
		FetchedBy: f.FetchedBy, FetchedAt: requiredDBTime(f.At)})
	return res.RowsAffected > 0, res.Error
}

// GetResultFetch implements store.Documents.
func (s *Store) GetResultFetch(ctx context.Context, dossierID, code string) (*store.ResultFetch, error) {
	var r resultFetchRow
	err := s.conn(ctx).Where("dossier_id = ? AND doc_code = ?", dossierID, code).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, domain.NotFound("result fetch", code)
	}
	if err != nil {
		return nil, err
	}
	return &store.ResultFetch{DossierID: r.DossierID, Code: r.DocCode, FetchedBy: r.FetchedBy, At: r.FetchedAt.UTC()}, nil
}
