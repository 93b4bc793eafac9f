package store

import (
	"context"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/domain"
)

// CheckpointRecord is a stored checkpoint (see app.CheckpointRecord).
type CheckpointRecord = app.CheckpointRecord

// Checkpoints stores the signed checkpoints of the chain heads and their
// leaves, each leaf once per checkpoint in which it changed.
type Checkpoints interface {
	// ListAllChainHeads returns at most limit chain heads of every dossier
	// with id > afterID, by id.
	ListAllChainHeads(ctx context.Context, afterID string, limit int) ([]domain.ChainHead, error)
	// PutCheckpoint stores a checkpoint and the leaves that changed since
	// the previous one (the heads of dossiers new or moved since).
	PutCheckpoint(ctx context.Context, c *CheckpointRecord, changed []domain.ChainHead) error
	// GetCheckpoint returns checkpoint seq, or the latest for seq 0;
	// domain.ErrNotFound when there is none.
	GetCheckpoint(ctx context.Context, seq int64) (*CheckpointRecord, error)
	// ListCheckpointLeaves returns at most limit leaves of checkpoint seq
	// (each dossier's leaf stored at the highest checkpoint <= seq) with
	// dossier id > afterID, by dossier id: the tree's leaf order.
	ListCheckpointLeaves(ctx context.Context, seq int64, afterID string, limit int) ([]domain.ChainHead, error)
}
