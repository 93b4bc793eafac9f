package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/motcua/motcua/internal/checkpoint"
	"github.com/motcua/motcua/internal/domain"
	"github.com/motcua/motcua/internal/policy"
)

// CheckpointConfig is where checkpoints are signed and published.
type CheckpointConfig struct {
	// Origin names the installation in every checkpoint.
	Origin string
	// Signer signs checkpoints; PublicKey is its verifier key.
	Signer    note.Signer
	PublicKey string
	// Dir receives one file per checkpoint (checkpoint-<seq>.note); ""
	// for none.
	Dir string
	// WitnessURL, if set, receives each signed checkpoint by HTTP POST.
	WitnessURL string
	// Client posts to the witness (http.DefaultClient with a timeout if nil).
	Client *http.Client

	mu     sync.Mutex
	anchor *anchor // the newest verified checkpoint (cached)
}

// WithCheckpoints enables signed checkpoints of the chain heads.
func WithCheckpoints(c *CheckpointConfig) Option {
	return func(cfg *config) {
		if c.Client == nil {
			c.Client = &http.Client{Timeout: 30 * time.Second}
		}
		cfg.checkpoints = c
	}
}

// ErrNoCheckpoints is returned when checkpoints are not configured.
var ErrNoCheckpoints = &domain.PreconditionError{Reason: "CHECKPOINTS_DISABLED", Subject: "checkpoint",
	Description: "this server does not sign checkpoints (no checkpoint key configured)"}

// CheckpointFile is the name of checkpoint seq's file in the directory.
func CheckpointFile(seq int64) string { return fmt.Sprintf("checkpoint-%010d.note", seq) }

// SealCheckpoint reads every chain head, builds the Merkle tree, signs
// it, stores it with the leaves that changed since the previous one, writes
// it to the directory and posts it to the witness. It does nothing (returning the latest) when no chain moved
// since the latest checkpoint. The store copy is written first: a file or
// witness failure is returned, and the next run publishes again.
func (s *Audit) SealCheckpoint(ctx context.Context) (*CheckpointRecord, error) {
	cfg := s.checkpoints
	if cfg == nil {
		return nil, ErrNoCheckpoints
	}
	var heads []domain.ChainHead
	var tree checkpoint.Tree
	now := s.Now()
	for after := ""; ; {
		page, err := s.st.ListAllChainHeads(ctx, after, 5000)
		if err != nil {
			return nil, err
		}
		for _, h := range page {
			h.Code = ""
			if err := tree.Add(h); err != nil {
				return nil, err
			}
			heads = append(heads, h)
		}
		if len(page) < 5000 {
			break
		}
		after = page[len(page)-1].DossierID
	}
	changed, err := s.extendsLatest(ctx, heads)
	if err != nil {
		return nil, err
	}
	root, err := tree.Root()
	if err != nil {
		return nil, err
	}
	latest, err := s.st.GetCheckpoint(ctx, 0)
	switch {
	case isNotFound(err):
		latest = nil
	case err != nil:
		return nil, err
	case latest.TreeSize == tree.Size() && latest.RootHash == base64.StdEncoding.EncodeToString(root[:]):
		return latest, s.publish(ctx, latest)
	}
	seq := int64(1)
	if latest != nil {
		seq = latest.Seq + 1
	}
	c := checkpoint.Checkpoint{Origin: cfg.Origin, Seq: seq, Size: tree.Size(), Root: root, Time: now}
	signed, err := checkpoint.Sign(c, cfg.Signer)
	if err != nil {
		return nil, err
	}
	rec := &CheckpointRecord{Seq: seq, CreatedAt: now, TreeSize: c.Size, RootHash: base64.StdEncoding.EncodeToString(root[:]), Note: string(signed)}
	if err := s.st.PutCheckpoint(ctx, rec, changed); err != nil {
		return nil, err
	}
	return rec, s.publish(ctx, rec)
}

// extendsLatest checks that every chain anchored by the latest checkpoint
// (itself checked against its signature and the directory) still holds
// the anchored event: chains only grow. A checkpoint is sealed only if
// so, so each checkpoint's chains extend all earlier ones' and verifying
// against the latest suffices; a rewrite is never sealed over.
//
// It returns the heads that changed since (new dossiers, moved chains):
// the leaves to store.
func (s *Audit) extendsLatest(ctx context.Context, heads []domain.ChainHead) ([]domain.ChainHead, error) {
	prev, err := s.loadAnchor(ctx, 0)
	if err != nil || prev == nil {
		return heads, err
	}
	var bad []string
	var changed []domain.ChainHead
	seen := 0
	for _, h := range heads {
		i, ok := prev.index[h.DossierID]
		if !ok {
			changed = append(changed, h)
			continue
		}
		seen++
		leaf := prev.leaves[i]
		if h.LastSeq != leaf.LastSeq || h.LastHash != leaf.LastHash {
			changed = append(changed, h)
		}
		if leaf.LastSeq < 1 {
			continue // anchored nothing
		}
		holds := h.LastSeq == leaf.LastSeq && h.LastHash == leaf.LastHash
		if h.LastSeq > leaf.LastSeq {
			evs, err := s.st.ListEvents(ctx, h.DossierID, leaf.LastSeq-1, 1)
			if err != nil {
				return nil, err
			}
			holds = len(evs) == 1 && evs[0].Seq == leaf.LastSeq && evs[0].Hash == leaf.LastHash
		}
		if !holds {
			bad = append(bad, h.DossierID)
		}
	}
	if len(bad) == 0 && seen == len(prev.leaves) {
		return changed, nil
	}
	return nil, &domain.PreconditionError{Reason: "CHECKPOINT_REFUSED", Subject: "checkpoint/" + fmt.Sprint(prev.cp.Seq+1),
		Description: fmt.Sprintf("not sealing: since checkpoint %d, %d anchored chains were rewritten (e.g. %v) and %d anchored dossiers are gone; run VerifyAuditChain",
			prev.cp.Seq, len(bad), bad[:min(len(bad), 5)], len(prev.leaves)-seen)}
}

// publish writes a checkpoint to the directory (unless already there) and
// posts it to the witness.
func (s *Audit) publish(ctx context.Context, rec *CheckpointRecord) error {
	cfg := s.checkpoints
	var errs []error
	if cfg.Dir != "" {
		path := filepath.Join(cfg.Dir, CheckpointFile(rec.Seq))
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			errs = append(errs, writeFileAtomic(path, []byte(rec.Note)))
		}
	}
	if cfg.WitnessURL != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.WitnessURL, strings.NewReader(rec.Note))
		if err == nil {
			req.Header.Set("Content-Type", "text/plain; charset=utf-8")
			var resp *http.Response
			if resp, err = cfg.Client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					err = fmt.Errorf("witness %s answered %s", cfg.WitnessURL, resp.Status)
				}
			}
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".checkpoint-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// RunCheckpoints seals a checkpoint every interval until ctx ends, calling
// report with each outcome (for the log).
func (s *Audit) RunCheckpoints(ctx context.Context, interval time.Duration, report func(*CheckpointRecord, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		report(s.SealCheckpoint(ctx))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// anchor is a verified checkpoint with its leaves by dossier.
type anchor struct {
	rec    *CheckpointRecord
	cp     checkpoint.Checkpoint
	leaves []domain.ChainHead
	index  map[string]int64
	tree   checkpoint.Tree
}

// loadAnchor loads checkpoint seq (0: the latest) and checks it: its
// signature, its leaves against its signed root and, if a checkpoint
// directory is configured, that the store holds the newest checkpoint
// there (a deleted or replaced store copy is an error). It returns nil,
// nil when there is no checkpoint yet.
func (s *Audit) loadAnchor(ctx context.Context, seq int64) (*anchor, error) {
	cfg := s.checkpoints
	if cfg == nil {
		return nil, ErrNoCheckpoints
	}
	if seq == 0 && cfg.Dir != "" {
		newest, err := newestCheckpointFile(cfg.Dir)
		if err != nil {
			return nil, err
		}
		if newest != nil {
			c, err := checkpoint.Open(newest, cfg.PublicKey)
			if err != nil {
				return nil, fmt.Errorf("checkpoint directory %s: %w", cfg.Dir, err)
			}
			rec, err := s.st.GetCheckpoint(ctx, c.Seq)
			if err != nil || rec.Note != string(newest) {
				return nil, &domain.PreconditionError{Reason: "CHECKPOINT_MISSING", Subject: "checkpoint/" + fmt.Sprint(c.Seq),
					Description: fmt.Sprintf("checkpoint %d is in %s but the database does not hold it as published: "+
						"the database's checkpoints were deleted or replaced", c.Seq, cfg.Dir)}
			}
			seq = c.Seq
		}
	}
	rec, err := s.st.GetCheckpoint(ctx, seq)
	if isNotFound(err) && seq == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if a := cfg.cached(rec); a != nil {
		return a, nil
	}
	a := &anchor{rec: rec, index: map[string]int64{}}
	if a.cp, err = checkpoint.Open([]byte(rec.Note), cfg.PublicKey); err != nil {
		return nil, &domain.PreconditionError{Reason: "CHECKPOINT_FORGED", Subject: "checkpoint/" + fmt.Sprint(rec.Seq),
			Description: fmt.Sprintf("stored checkpoint %d: %v", rec.Seq, err)}
	}
	for after := ""; ; {
		page, err := s.st.ListCheckpointLeaves(ctx, rec.Seq, after, 5000)
		if err != nil {
			return nil, err
		}
		for _, h := range page {
			a.index[h.DossierID] = int64(len(a.leaves))
			a.leaves = append(a.leaves, h)
			if err := a.tree.Add(h); err != nil {
				return nil, err
			}
		}
		if len(page) < 5000 {
			break
		}
		after = page[len(page)-1].DossierID
	}
	root, err := a.tree.Root()
	if err != nil {
		return nil, err
	}
	if a.tree.Size() != a.cp.Size || root != a.cp.Root {
		return nil, &domain.PreconditionError{Reason: "CHECKPOINT_LEAVES_ALTERED", Subject: "checkpoint/" + fmt.Sprint(rec.Seq),
			Description: fmt.Sprintf("the stored leaves of checkpoint %d (%d) do not give its signed root (%d leaves): they were edited or are no longer kept",
				rec.Seq, a.tree.Size(), a.cp.Size)}
	}
	cfg.cache(a)
	return a, nil
}

// cached returns the verified anchor of rec if it is the one kept: a
// checkpoint's leaves are read and checked against its signed root once
// per process, not per verification (a million dossiers are a million
// rows). Keeping the verified copy is also safer: later edits of the
// stored leaves cannot change what this process checks against.
func (c *CheckpointConfig) cached(rec *CheckpointRecord) *anchor {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.anchor != nil && c.anchor.rec.Seq == rec.Seq && c.anchor.rec.Note == rec.Note {
		return c.anchor
	}
	return nil
}

func (c *CheckpointConfig) cache(a *anchor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.anchor == nil || a.rec.Seq >= c.anchor.rec.Seq {
		c.anchor = a
	}
}

// newestCheckpointFile returns the contents of the highest-numbered
// checkpoint file in dir, nil if there is none.
func newestCheckpointFile(dir string) ([]byte, error) {
	names, err := filepath.Glob(filepath.Join(dir, "checkpoint-*.note"))
	if err != nil || len(names) == 0 {
		return nil, err
	}
	slices.Sort(names) // zero-padded sequence numbers sort as numbers
	return os.ReadFile(names[len(names)-1])
}

// InclusionProof proves that a dossier's chain head is a leaf of a signed
// checkpoint.
type InclusionProof struct {
	Checkpoint *CheckpointRecord
	PublicKey  string
	LeafIndex  int64
	Head       domain.ChainHead
	Proof      []tlog.Hash
}

// GetCheckpoint returns checkpoint seq (0: the latest) and the public key
// that verifies it. Auditors and admins.
func (s *Audit) GetCheckpoint(ctx context.Context, p domain.Principal, seq int64) (*CheckpointRecord, string, error) {
	if err := policy.RequireRole(p, policy.Auditors()...); err != nil {
		return nil, "", err
	}
	if s.checkpoints == nil {
		return nil, "", ErrNoCheckpoints
	}
	rec, err := s.st.GetCheckpoint(ctx, seq)
	if err != nil {
		return nil, "", err
	}
	return rec, s.checkpoints.PublicKey, nil
}

// GetInclusionProof proves a dossier's leaf in checkpoint seq (0: the
// latest). Auditors (in their jurisdiction) and admins.
func (s *Audit) GetInclusionProof(ctx context.Context, p domain.Principal, dossierID string, seq int64) (*InclusionProof, error) {
	if err := policy.RequireRole(p, policy.Auditors()...); err != nil {
		return nil, err
	}
	d, err := s.st.GetDossier(ctx, dossierID)
	if err != nil {
		return nil, err
	}
	if p.Role == domain.RoleAuditor {
		if err := s.authoriseRead(ctx, p, d); err != nil {
			return nil, err
		}
	}
	if seq == 0 {
		rec, err := s.st.GetCheckpoint(ctx, 0)
		if err != nil {
			return nil, err
		}
		seq = rec.Seq
	}
	a, err := s.loadAnchor(ctx, seq)
	if err != nil {
		return nil, err
	}
	i, ok := a.index[dossierID]
	if !ok {
		return nil, &domain.PreconditionError{Reason: "NOT_IN_CHECKPOINT", Subject: "dossier/" + dossierID,
			Description: fmt.Sprintf("dossier %s was created after checkpoint %d", d.Code, seq)}
	}
	proof, err := a.tree.Prove(i)
	if err != nil {
		return nil, err
	}
	h := a.leaves[i]
	h.Code = d.Code
	return &InclusionProof{Checkpoint: a.rec, PublicKey: s.checkpoints.PublicKey, LeafIndex: i, Head: h, Proof: proof}, nil
}
