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
command -v node >/dev/null || die "node not found: apt-get install nodejs (see debian-packages.txt)"
command -v protoc >/dev/null || die "protoc not found: apt-get install protobuf-compiler"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 18 ] || die "node $(node --version) is too old: 18 or newer is needed"

# Debian's nodejs comes without npm (NodeSource's bundles it); see
# debian-packages.txt for why npm is installed here and not listed there.
if ! command -v npm >/dev/null; then
  log "npm not found: installing Debian's npm"
  sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends npm
fi

cd "$here"
log "node $(node --version), npm $(npm --version), $(protoc --version)"
# No dependency needs an install script (protobufjs only prints a notice).
npm ci --no-audit --no-fund --ignore-scripts
npm run build
npm run build:test
log "running the tests against $PACTLOGD"
node --test --test-reporter=spec build/test/*.test.js
