package gormstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/store"
)

type checkpointRow struct {
	Seq       int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
	TreeSize  int64
	RootHash  string
	Note      string
}

func (checkpointRow) TableName() string { return "checkpoints" }

type checkpointLeafRow struct {
	DossierID     string `gorm:"primaryKey"`
	CheckpointSeq int64  `gorm:"primaryKey;autoIncrement:false"`
	LastSeq       int64
	LastHash      string
}

func (checkpointLeafRow) TableName() string { return "checkpoint_leaves" }

// ListAllChainHeads implements store.Checkpoints.
func (s *Store) ListAllChainHeads(ctx context.Context, afterID string, limit int) ([]domain.ChainHead, error) {
	var rows []struct {
		ID            string
		Code          string
		LastEventSeq  int64
		LastEventHash string
	}
	q := s.conn(ctx).Model(&dossierRow{}).Select("id, code, last_event_seq, last_event_hash")
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	err := q.Order("id").Limit(limit).Scan(&rows).Error
	out := make([]domain.ChainHead, len(rows))
	for i, r := range rows {
		out[i] = domain.ChainHead{DossierID: r.ID, Code: r.Code, LastSeq: r.LastEventSeq, LastHash: r.LastEventHash}
	}
	return out, err
}

// PutCheckpoint implements store.Checkpoints.
func (s *Store) PutCheckpoint(ctx context.Context, c *store.CheckpointRecord, changed []domain.ChainHead) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		row := checkpointRow{Seq: c.Seq, CreatedAt: requiredDBTime(c.CreatedAt), TreeSize: c.TreeSize, RootHash: c.RootHash, Note: c.Note}
		if err := db.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				return &domain.AlreadyExistsError{Kind: "checkpoint", Key: strconv.FormatInt(c.Seq, 10)}
			}
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		rows := make([]checkpointLeafRow, len(changed))
		for i, h := range changed {
			rows[i] = checkpointLeafRow{DossierID: h.DossierID, CheckpointSeq: c.Seq, LastSeq: h.LastSeq, LastHash: h.LastHash}
		}
		return db.CreateInBatches(rows, 500).Error
	})
}

// GetCheckpoint implements store.Checkpoints.
func (s *Store) GetCheckpoint(ctx context.Context, seq int64) (*store.CheckpointRecord, error) {
	var r checkpointRow
	q := s.conn(ctx).Order("seq DESC")
	if seq > 0 {
		q = q.Where("seq = ?", seq)
	}
	if err := q.Take(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, domain.NotFound("checkpoint", strconv.FormatInt(seq, 10))
		}
		return nil, err
	}
	return &store.CheckpointRecord{Seq: r.Seq, CreatedAt: r.CreatedAt.UTC(), TreeSize: r.TreeSize, RootHash: r.RootHash, Note: r.Note}, nil
}

// ListCheckpointLeaves implements store.Checkpoints.
func (s *Store) ListCheckpointLeaves(ctx context.Context, seq int64, afterID string, limit int) ([]domain.ChainHead, error) {
	var rows []checkpointLeafRow
	q := s.conn(ctx).Table("checkpoint_leaves l").
		Where(`l.checkpoint_seq = (SELECT MAX(m.checkpoint_seq) FROM checkpoint_leaves m
			WHERE m.dossier_id = l.dossier_id AND m.checkpoint_seq <= ?)`, seq)
	if afterID != "" {
		q = q.Where("l.dossier_id > ?", afterID)
	}
	err := q.Order("l.dossier_id").Limit(limit).Find(&rows).Error
	out := make([]domain.ChainHead, len(rows))
	for i, r := range rows {
		out[i] = domain.ChainHead{DossierID: r.DossierID, LastSeq: r.LastSeq, LastHash: r.LastHash}
	}
	return out, err
}
