#!/usr/bin/env bash
# The test command (make test, .ci/run): every test, with the race detector,
# against a throwaway PostgreSQL started for this run. The raw `go test -json`
# stream is kept in build/test.json. The timeout per package is 30 minutes, not
# go test's 10: on a loaded 2-CPU machine the randomized aggregate test and the
# console's browser tests have come close to 10.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
go build -o build/testsummary ./scripts/testsummary
./scripts/ensure-chromium.sh
exec ./scripts/with-postgres.sh bash -c '
  set -o pipefail
  go test -race -count=1 -shuffle=on -timeout 30m -json "$@" ./... | tee build/test.json | build/testsummary
' test.sh "$@"
