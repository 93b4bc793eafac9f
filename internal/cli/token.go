package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/motcua/motcua/internal/auth"
	"github.com/motcua/motcua/internal/config"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Development tokens"}
	cmd.AddCommand(newTokenIssueCmd())
	return cmd
}

func newTokenIssueCmd() *cobra.Command {
	cfg := config.DefaultConfig()
	var (
		spec      auth.TokenSpec
		role      string
		assurance string
		ttl       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "issue",
		Short: "Mint a token signed with the local development key",
		Long: `issue prints a bearer token signed with the development key in --data-dir (the
key "motcua serve" creates on first run; created here too if missing). A server
started with production keys (--jwt-keys-file or --jwks-url) rejects these.

Examples:
  motcua token issue --role admin --subject admin1
  motcua token issue --role clerk --agency 000.00.01.H55 --subject clerk1
  motcua token issue --role citizen --citizen-id 001090000123 --assurance VNEID_2 --subject citizen1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := auth.ParseTokenRole(role)
			if err != nil {
				return usageError{fmt.Errorf("--role: %w", err)}
			}
			spec.Role = r
			if assurance != "" {
				if spec.Assurance, err = auth.ParseAssurance(assurance); err != nil {
					return usageError{fmt.Errorf("--assurance: %w", err)}
				}
			}
			if spec.Subject == "" {
				return usageError{fmt.Errorf("--subject is required")}
			}
			key, path, created, err := auth.EnsureDevKey(cfg.DataDir)
			if err != nil {
				return err
			}
			if created {
				fmt.Fprintf(cmd.ErrOrStderr(), "created development signing key %s\n", path)
			}
			spec.Issuer, spec.TTL = auth.DevIssuer, ttl
			tok, err := auth.Issue(key, spec, time.Now())
			if err != nil {
				return usageError{err}
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, config.FlagDataDir, cfg.DataDir, "directory holding the development signing key")
	f.StringVar(&role, "role", "", "citizen, representative, community_helper, clerk, specialist, leader, auditor, integration or admin")
	f.StringVar(&spec.Subject, "subject", "", "the principal's id (token sub)")
	f.StringVar(&spec.Agency, "agency", "", "staff: the agency's electronic ID code")
	f.StringVar(&spec.CitizenID, "citizen-id", "", "citizen or representative: the 12-digit citizen identity number")
	f.StringVar(&assurance, "assurance", "", "citizen: NONE, VNEID_1, VNEID_2 or IN_PERSON")
	f.StringVar(&spec.MandateRef, "mandate-ref", "", "representative: the mandate document reference")
	f.StringVar(&spec.Name, "name", "", "display name")
	f.StringVar(&spec.Audience, "audience", auth.DefaultAudience, "token audience")
	f.DurationVar(&ttl, "ttl", 12*time.Hour, "lifetime")
	return withEnv(cmd)
}
