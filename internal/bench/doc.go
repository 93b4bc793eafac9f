// Package bench holds the project's performance harness: Go benchmarks
// (run by `make bench`) that fill a throwaway PostgreSQL with a generated
// province (internal/seed), start a real server on loopback, and measure
// each read or write next to its physical baseline measured in the same run
// on the same database — the indicators against the direct SQL scan that
// computes the same figures, reads against a bare gRPC health check, intake
// against pgbench doing the same inserts. The figures and the command are
// in docs/PERFORMANCE.md.
//
// The package has no code of its own outside its tests.
package bench
