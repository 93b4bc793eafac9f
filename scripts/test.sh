#!/usr/bin/env bash
# The test command (make test, .ci/run): every test, with the race detector,
# against a throwaway PostgreSQL started for this run. The raw `go test -json`
# stream is kept in build/test.json. -timeout 20m per package instead of go's
# 10m: on a shared 2-core machine internal/service alone can pass 10 minutes
# while still making progress; a real hang still fails inside CI's 30 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
go build -o build/testsummary ./scripts/testsummary
exec ./scripts/with-postgres.sh bash -c '
  set -o pipefail
  go test -race -count=1 -shuffle=on -timeout 20m -json "$@" ./... | tee build/test.json | build/testsummary
' test.sh "$@"
