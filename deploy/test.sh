#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test.
# Exits non-zero if any test fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

pactlog_install_deps
pactlog_build

pactlog_log "running ctest"
ctest --test-dir "$PACTLOG_BUILD_DIR" --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"

# Each SDK's suite runs against the real pactlogd binary just built.
export PACTLOGD="$PACTLOG_BUILD_DIR/services/pactlogd"
for suite in "$PACTLOG_ROOT"/sdk/*/test.sh; do
  [ -x "$suite" ] || continue
  pactlog_log "running ${suite#$PACTLOG_ROOT/}"
  "$suite"
done
pactlog_log "all tests passed"
