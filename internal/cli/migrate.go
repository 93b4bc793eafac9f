package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/motcua/motcua/internal/config"
	"github.com/motcua/motcua/internal/store/gormstore"
)

func newMigrateCmd() *cobra.Command {
	cfg := config.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the database migrations this build includes",
		Long: `migrate brings the database schema up to the version this build needs. It is
safe to run while other replicas start: on PostgreSQL one migrator holds a lock
and the others wait.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := gormstore.Open(cmd.Context(), cfg.StoreURL())
			if err != nil {
				return err
			}
			defer st.Close()
			before, _, err := st.SchemaStatus(cmd.Context())
			if err != nil {
				return err
			}
			applied, err := st.Migrate(cmd.Context())
			for _, v := range applied {
				fmt.Fprintf(cmd.OutOrStdout(), "applied migration %d\n", v)
			}
			if err != nil {
				return err
			}
			after, _, err := st.SchemaStatus(cmd.Context())
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%s schema already at version %d; nothing to do\n", st.Dialect(), before)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%s schema now at version %d (was %d)\n", st.Dialect(), after, before)
			}
			return nil
		},
	}
	cfg.BindStore(cmd.Flags())
	return withEnv(cmd)
}
