package store

import (
	"context"
	"time"

	"github.com/motcua/motcua/internal/domain"
)

// CheckpointRecord is a stored checkpoint (internal/checkpoint): the signed
// note as published, with its parsed sequence, size and root.
type CheckpointRecord struct {
	Seq       int64
	CreatedAt time.Time
	TreeSize  int64
	RootHash  string // base64, as in the note
	Note      string
}

// Checkpoints stores the signed checkpoints of the chain heads and the
// leaves of the recent ones.
type Checkpoints interface {
	// ListAllChainHeads returns at most limit chain heads of every dossier
	// with id > afterID, by id.
	ListAllChainHeads(ctx context.Context, afterID string, limit int) ([]domain.ChainHead, error)
	// PutCheckpoint stores a checkpoint and its leaves (in leaf order), and
	// drops the leaves of all but the newest keepLeaves checkpoints.
	PutCheckpoint(ctx context.Context, c *CheckpointRecord, leaves []domain.ChainHead, keepLeaves int) error
	// GetCheckpoint returns checkpoint seq, or the latest for seq 0;
	// domain.ErrNotFound when there is none.
	GetCheckpoint(ctx context.Context, seq int64) (*CheckpointRecord, error)
	// ListCheckpointLeaves returns at most limit leaves of checkpoint seq
	// from leaf index from on, in order.
	ListCheckpointLeaves(ctx context.Context, seq, from int64, limit int) ([]domain.ChainHead, error)
}
