#!/usr/bin/env bash
# Fetches the .proto files our API imports from modules the Go proxy serves
# (buf.build itself is not reachable), into build/protodeps (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
PROTOVALIDATE_VERSION=v1.2.2
out=build/protodeps
dir=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "github.com/bufbuild/protovalidate@${PROTOVALIDATE_VERSION}" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -f "$dir/proto/protovalidate/buf/validate/validate.proto" ]; then
  echo "protodeps: could not download github.com/bufbuild/protovalidate@${PROTOVALIDATE_VERSION} from the Go module proxy" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out/buf/validate"
cp "$dir/proto/protovalidate/buf/validate/validate.proto" "$out/buf/validate/"
chmod -R u+w "$out"
