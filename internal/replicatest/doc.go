// Package replicatest holds the test of motcua on more than one machine: a
// PostgreSQL primary with a streaming replica, two motcua servers sharing
// them (one a separate process, killed mid-load), reads routed by freshness
// tokens and the lag bound (docs/SCALING.md). It has no code of its own.
package replicatest
