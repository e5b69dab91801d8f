#!/usr/bin/env bash
# Builds @pactlog/client (npm ci, protoc + ts-proto, tsc) and runs its tests
# against a real pactlogd: $PACTLOGD, default build/release/services/pactlogd.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export PACTLOGD="${PACTLOGD:-$repo/build/release/services/pactlogd}"

log() { printf '[sdk/typescript] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -x "$PACTLOGD" ] || die "no pactlogd at $PACTLOGD: build it (cmake --build build/release --target pactlogd) or set PACTLOGD"
command -v protoc >/dev/null || die "protoc not found: apt-get install protobuf-compiler"
source "$repo/deploy/lib/common.sh"
pactlog_ensure_node || die "Node.js 18+ with npm is needed (see debian-packages.txt)"

cd "$here"
log "node $(node --version), npm $(npm --version), $(protoc --version)"
# No dependency needs an install script (protobufjs only prints a notice).
npm ci --no-audit --no-fund --ignore-scripts
npm run build
npm run build:test
log "running the tests against $PACTLOGD"
node --test --test-reporter=spec build/test/*.test.js
