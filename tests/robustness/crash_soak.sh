#!/usr/bin/env bash
# Crash soak: runs tests/robustness/crash_test for many kill -9 cycles
# (default 100) against the pactlogd of a build tree and prints the tally.
#
#   tests/robustness/crash_soak.sh [CYCLES] [crash_test flags...]
#
# Flags are passed on (--seed S to replay a run, --workers W,
# --max-kill-delay-ms M, --keep-data). The build tree is
# $PACTLOG_BUILD_DIR, default build/release; crash_test and pactlogd are
# built there first. $PACTLOGD overrides the server binary. Exits non-zero
# when any check failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${PACTLOG_BUILD_DIR:-$root/build/release}"
cycles="${1:-100}"
[ $# -gt 0 ] && shift

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake --preset release -S "$root" -B "$build" >/dev/null
fi
cmake --build "$build" -j 2 --target crash_test pactlogd >/dev/null

log="$(mktemp -t pactlog-crash-soak-XXXXXX.log)"
start=$(date +%s)
set +e
"$build/tests/robustness/crash_test" --cycles "$cycles" "$@" | tee "$log"
status=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - start ))

tally="$(grep '^crash_test: seed=' "$log" | tail -1)"
echo
echo "crash soak: $cycles cycles requested, ${elapsed}s, exit $status"
echo "${tally#crash_test: }" | tr ' ' '\n' | sed 's/^/  /'
echo "  (full output in $log)"
exit "$status"
