package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/motcua/motcua/internal/app"
	"github.com/motcua/motcua/internal/checkpoint"
	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/store"
)

// ensureCheckpointKey reads the checkpoint signing key at path, creating it
// (mode 0600, public key in path.pub) if missing. It returns the signing
// key, its public key and whether it was created.
func ensureCheckpointKey(path, name string) (skey, vkey string, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if skey, _, err = checkpoint.GenerateKey(rand.Reader, name); err != nil {
			return "", "", false, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", "", false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", "", false, err
		}
		if _, err := f.WriteString(skey + "\n"); err != nil {
			f.Close()
			return "", "", false, err
		}
		if err := f.Close(); err != nil {
			return "", "", false, err
		}
		created = true
	} else if err != nil {
		return "", "", false, err
	} else {
		skey = string(b)
	}
	if vkey, err = checkpoint.PublicKey(skey); err != nil {
		return "", "", false, fmt.Errorf("%s: %w", path, err)
	}
	// The public key is (re)written beside it, for operators to hand out.
	if err := os.WriteFile(path+".pub", []byte(vkey+"\n"), 0o644); err != nil {
		return "", "", false, err
	}
	return skey, vkey, created, nil
}

// checkpointOption configures checkpoints for serve; nil when disabled.
func checkpointOption(cfg config.Config, log *slog.Logger) (app.Option, error) {
	if cfg.CheckpointInterval == 0 {
		log.Warn("checkpoints are disabled (--checkpoint-interval 0): a chain rewritten with its head in the database goes undetected")
		return nil, nil
	}
	origin := cfg.CheckpointOrigin
	if origin == "" {
		origin, _ = os.Hostname()
	}
	if origin == "" {
		origin = "motcua"
	}
	path := cfg.CheckpointKeyPath()
	skey, vkey, created, err := ensureCheckpointKey(path, "motcua")
	if err != nil {
		return nil, fmt.Errorf("checkpoint key: %w", err)
	}
	if created {
		log.Warn("created a checkpoint signing key; give its public key to your auditors and keep a copy of both outside this host",
			"key", path, "public_key", vkey)
	}
	signer, err := checkpoint.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key %s: %w", path, err)
	}
	return app.WithCheckpoints(&app.CheckpointConfig{Origin: origin, Signer: signer, PublicKey: vkey,
		Dir: cfg.CheckpointDirPath(), WitnessURL: cfg.CheckpointWitnessURL}), nil
}

// runCheckpoints seals checkpoints in the background until ctx ends.
func runCheckpoints(ctx context.Context, a *app.Service, cfg config.Config, log *slog.Logger) {
	go a.RunCheckpoints(ctx, cfg.CheckpointInterval, func(c *store.CheckpointRecord, err error) {
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("checkpoint", "err", err)
		case c != nil:
			log.Debug("checkpoint", "seq", c.Seq, "dossiers", c.TreeSize, "root", c.RootHash)
		}
	})
}
