#!/usr/bin/env bash
# Prepares the TypeScript program of the cross-SDK scenario
# (tests/sdk_alike/SCENARIO.md): builds @pactlog/client in sdk/typescript
# (npm ci when it has no node_modules yet, then npm run build), installs
# this folder's package as package-lock.json pins it (the SDK through a
# file: dependency, typescript and @types/node from the npm registry) and
# compiles src/scenario.ts to
# build/scenario.js. Then:
#   node tests/sdk_alike/typescript/build/scenario.js DEAL_PREFIX
#   node tests/sdk_alike/typescript/build/scenario.js --follow DEAL_PREFIX
# Prints nothing on success; on a failure, the failed step's output.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sdk="$(cd "$here/../../../sdk/typescript" && pwd)"
log="$(mktemp "${TMPDIR:-/tmp}/pactlog-alike-ts.XXXXXX")"
trap 'rm -f "$log"' EXIT

step() {
  local what="$1"
  shift
  if ! "$@" > "$log" 2>&1; then
    echo "tests/sdk_alike/typescript/build.sh: $what failed:" >&2
    cat "$log" >&2
    exit 1
  fi
}

command -v npm >/dev/null || { echo "tests/sdk_alike/typescript/build.sh: npm not found (see sdk/typescript/debian-packages.txt)" >&2; exit 1; }
cd "$sdk"
if [ ! -d node_modules ]; then
  step "npm ci in sdk/typescript" npm ci --no-audit --no-fund --ignore-scripts
fi
step "building sdk/typescript" npm run build
cd "$here"
if [ -f package-lock.json ]; then
  step "npm ci" npm ci --no-audit --no-fund
else
  step "npm install" npm install --no-audit --no-fund
fi
step "tsc" npx --no-install tsc -p tsconfig.json
