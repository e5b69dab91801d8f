#!/usr/bin/env bash
# Generates the Go code of the pactlog.v1 protos (package pactlogpb) into
# OUT_DIR, default sdk/go/pactlogpb (ignored by git; what a module build
# uses). test.sh generates into its own GOPATH tree instead.
#
# Usage: sdk/go/generate.sh [OUT_DIR]
# Needs protoc, protoc-gen-go and protoc-gen-go-grpc on PATH.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/pactlogpb}"

for tool in protoc protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null || {
    echo "generate.sh: $tool not found; install the packages in sdk/go/debian-packages.txt" >&2
    exit 1
  }
done

mkdir -p "$out"
rm -f "$out"/*.pb.go
# module= strips the go_package import path, so the files land in $out itself.
pkg=pactlog.dev/sdk/go/pactlogpb
protoc -I"$root/proto" \
  --go_out="$out" --go_opt=module="$pkg" \
  --go-grpc_out="$out" --go-grpc_opt=module="$pkg" \
  "$root"/proto/pactlog/v1/*.proto
