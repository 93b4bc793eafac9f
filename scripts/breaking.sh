#!/usr/bin/env bash
# breaking.sh [REF]: fail if the API in proto/ breaks clients built against
# REF (default: HEAD~1, the previous commit of main in CI), by buf's FILE
# rules (buf.yaml).
#
# The against side is the git repository at REF: its proto/ and buf.yaml are
# taken with git archive and built next to the same build/protodeps as the
# working tree (those imports are fetched by scripts/protodeps.sh through
# the Go proxy, never committed, and buf.build is not reachable), so
# `buf breaking` cannot read REF straight from .git.
#
# A deliberate breaking change is allowed when a commit in REF..HEAD carries
# the trailer
#     Breaking-Change: <why, and what clients must do>
# (docs/operations.md, "API compatibility"). The check then reports the
# breaks and passes.
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:-HEAD~1}
BUF=(go tool -modfile=tools/go.mod buf)

if ! git rev-parse -q --verify "$ref^{commit}" >/dev/null; then
  echo "breaking: $ref does not exist (first commit or shallow clone): nothing to compare with"
  exit 0
fi
if ! git cat-file -e "$ref:proto" 2>/dev/null; then
  echo "breaking: $ref has no proto/: nothing to compare with"
  exit 0
fi
[ -f build/protodeps/buf/validate/validate.proto ] || ./scripts/protodeps.sh

against=$(mktemp -d)
trap 'rm -rf "$against"' EXIT
git archive "$ref" proto buf.yaml | tar -x -C "$against"
mkdir -p "$against/build"
cp -R build/protodeps "$against/build/"
"${BUF[@]}" build "$against" -o build/breaking-against.binpb
"${BUF[@]}" build . -o build/breaking-current.binpb

overrides=$(git log --format='%(trailers:key=Breaking-Change,valueonly,separator=%x20)' "$ref..HEAD" | sed '/^$/d')
if "${BUF[@]}" breaking build/breaking-current.binpb --against build/breaking-against.binpb; then
  echo "breaking: no breaking change in proto/ against $ref ($(git rev-parse --short "$ref"))"
elif [ -n "$overrides" ]; then
  echo "breaking: the changes above break the API against $ref, and are declared deliberate:"
  printf '  Breaking-Change: %s\n' "$overrides"
else
  echo "breaking: proto/ breaks the API against $ref ($(git rev-parse --short "$ref"))." >&2
  echo "If that is deliberate, say why in a 'Breaking-Change: <reason>' trailer of the commit (docs/operations.md)." >&2
  exit 1
fi
