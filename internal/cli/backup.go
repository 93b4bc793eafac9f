package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/store/gormstore"
)

func newBackupCmd() *cobra.Command {
	cfg := config.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Copy a SQLite store to FILE while it serves (online backup)",
		Long: `backup copies the SQLite store (--data-dir or --database-url sqlite:…) to FILE
with SQLite's online backup API. The server may keep running: the copy is one
consistent snapshot, and every transaction committed before the copy finished
is in it. FILE must not exist; the copy is written beside it, checked
(PRAGMA quick_check) and renamed, so FILE is complete or absent. Progress is
shown on stderr.

To restore, stop the server and put FILE in place of motcua.db (remove any
motcua.db-wal and motcua.db-shm beside it), or start a server with
--database-url sqlite:FILE. docs/operations.md has the restore drill.

PostgreSQL is backed up with PostgreSQL's own tools (pg_basebackup and WAL
archiving, or CloudNativePG's backups on Kubernetes): see docs/operations.md.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := gormstore.Open(cmd.Context(), cfg.StoreURL())
			if err != nil {
				return err
			}
			defer st.Close()
			if st.Dialect() != gormstore.SQLite {
				return usageError{errors.New("motcua backup copies SQLite stores; back up PostgreSQL with pg_basebackup and WAL archiving " +
					"(or pg_dump for a logical copy, or CloudNativePG's backups): see docs/operations.md")}
			}
			if !st.Durable() {
				return usageError{errors.New("the store is in memory: there is nothing durable to back up")}
			}
			bar := newProgress(cmd.ErrOrStderr())
			start := time.Now()
			err = st.Backup(cmd.Context(), args[0], func(done, total int) {
				bar.update(fmt.Sprintf("backup: %d / %d pages (%d%%)", done, total, pct(done, total)), false)
			})
			if err != nil {
				return err
			}
			fi, err := os.Stat(args[0])
			if err != nil {
				return err
			}
			bar.done(fmt.Sprintf("backup: complete, %s in %s", fmtBytes(fi.Size()), time.Since(start).Round(time.Millisecond)))
			fmt.Fprintf(cmd.OutOrStdout(), "backed up %s to %s (%s, integrity checked)\n", cfg.StoreURL(), args[0], fmtBytes(fi.Size()))
			return nil
		},
	}
	cfg.BindStore(cmd.Flags())
	return withEnv(cmd)
}

func pct(done, total int) int {
	if total == 0 {
		return 100
	}
	return done * 100 / total
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
