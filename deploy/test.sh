#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test.
# Exits non-zero if any test fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

pactlog_install_deps
pactlog_build

pactlog_log "running ctest"
ctest --test-dir "$PACTLOG_BUILD_DIR" --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"
