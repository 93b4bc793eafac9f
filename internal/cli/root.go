// Package cli is the motcua command line: one cobra command per file, wired
// by hand. cmd/motcua/main.go only calls Main.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/motcua/motcua/internal/config"
)

// Version is set at build time with -ldflags "-X …/cli.Version=…".
var Version = "dev"

// Main runs the command line and returns the process exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := NewRoot(os.Stdout, os.Stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "motcua:", err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

type usageError struct{ error }

// NewRoot builds the command tree writing to out and errOut.
func NewRoot(out, errOut io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "motcua",
		Short: "Electronic one-stop office backend for administrative procedures",
		Long: `motcua receives administrative-procedure dossiers, carries each through intake,
processing and result against legal deadlines in working time, and records for
every step who did it, through which channel, and on whose behalf.

Every flag can also be set with a MOTCUA_* environment variable, e.g.
--database-url as MOTCUA_DATABASE_URL.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newServeCmd(), newMigrateCmd(), newTokenCmd(), newDossierCmd(), newCalendarCmd(), newReportCmd(), newDemoCmd(), newSeedCmd(), newHealthCmd(), newBackupCmd(), newCatalogCmd(), newAuditCmd(), newSimCmd())
	return root
}

// withEnv applies MOTCUA_* variables to a command's flags before it runs.
func withEnv(cmd *cobra.Command) *cobra.Command {
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error { return config.ApplyEnv(cmd.Flags()) }
	return cmd
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
