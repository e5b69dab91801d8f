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
# One scenario in all four SDKs against one pactlogd: they must report alike.
pactlog_log "running tests/sdk_alike/run.sh (the SDKs behave alike)"
"$PACTLOG_ROOT/tests/sdk_alike/run.sh"

# The web page, built as deploy/run.sh --demo serves it, in headless
# Chromium against the real pactlogd with the demo record.
pactlog_log "building the web page (web/build.sh) and running web/test.sh"
"$PACTLOG_ROOT/web/build.sh" "$PACTLOG_BUILD_DIR/web"
"$PACTLOG_ROOT/web/test.sh"

# Robustness beyond ctest (which runs tests/robustness: the bad-input table
# and 20 kill -9 cycles of crash_test): every committed fuzz input replayed,
# then each libFuzzer target for a fixed number of runs from a fixed seed,
# so the stage gives the same verdict and output on every run of a commit
# (open-ended random fuzzing is fuzz/run.sh SECONDS, by hand); then clang's
# static checks of every project file: -Wthread-safety (what each
# ABSL_GUARDED_BY and lock annotation promises) and no dropped
# [[nodiscard]] result, as errors, syntax-only so nothing is compiled; then
# the domain and storage tests under ASan+UBSan and TSan
# (tests/sanitizers.sh without --quick adds the service tests under ASan;
# run it by hand).
pactlog_log "fuzzing: corpus replay and fixed-seed runs (fuzz/run.sh --regression)"
"$PACTLOG_ROOT/fuzz/run.sh" --regression
pactlog_log "thread-safety analysis and unused results (deploy/thread_safety.sh)"
"$PACTLOG_ROOT/deploy/thread_safety.sh"
pactlog_log "sanitizers (tests/sanitizers.sh --quick)"
"$PACTLOG_ROOT/tests/sanitizers.sh" --quick
pactlog_log "all tests passed"
