#!/usr/bin/env bash
# Builds pactlogd and runs it on 127.0.0.1:50051 with its data under
# ./var/pactlog. Override with --listen ADDR / --data-dir DIR or the
# PACTLOG_LISTEN / PACTLOG_DATA_DIR environment variables; arguments go to
# pactlogd as they are (see pactlogd --help).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

pactlog_install_deps
pactlog_build pactlogd

cd "$PACTLOG_ROOT"
export PACTLOG_DATA_DIR="${PACTLOG_DATA_DIR:-$PACTLOG_ROOT/var/pactlog}"
mkdir -p "$(dirname "$PACTLOG_DATA_DIR")"
exec "$PACTLOG_BUILD_DIR/services/pactlogd" "$@"
