package config

import (
	"strings"
	"testing"
)

func TestReplicasNeedPostgres(t *testing.T) {
	c := DefaultConfig()
	c.DataDir = t.TempDir()
	c.Replicas.URLs = []string{"postgres://replica/motcua"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "SQLite") {
		t.Fatalf("a replica with the SQLite store: %v", err)
	}
	c.DatabaseURL = "postgres://primary/motcua"
	if err := c.Validate(); err != nil {
		t.Fatalf("a replica with PostgreSQL: %v", err)
	}
	c.Replicas.URLs = []string{"sqlite:/x.db"}
	if err := c.Validate(); err == nil {
		t.Fatal("a SQLite replica URL was accepted")
	}
	c.Replicas.URLs, c.Replicas.MaxLag = []string{"postgres://replica/motcua"}, 0
	if err := c.Validate(); err == nil {
		t.Fatal("a zero --replica-max-lag was accepted")
	}
}
