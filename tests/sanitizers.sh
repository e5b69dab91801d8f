#!/usr/bin/env bash
# Builds tests under AddressSanitizer + UndefinedBehaviorSanitizer (preset
# asan) and ThreadSanitizer (preset tsan), runs them, and prints how long
# each part took. Exits non-zero on any failing test or sanitizer report.
#
#   tests/sanitizers.sh           asan: util, domain, storage, service and
#                                 bad-input tests; tsan: util, domain and
#                                 storage
#   tests/sanitizers.sh --quick   util, domain and storage tests under both (what
#                                 deploy/test.sh runs)
#
# ThreadSanitizer only sees synchronisation in code built with it, and
# Debian's gRPC and Abseil are not: the service tests under tsan report
# thousands of races inside gRPC core, so tsan covers what pactlog builds
# itself (util, domain, storage); tests/tsan.supp lists the few library
# internals that remain.
# $PACTLOG_SANITIZER_BUILD_ROOT puts the build trees elsewhere than
# build/<preset>.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
unit=(tests/util/pactlog_util_test tests/domain/domain_test
      tests/storage/rocksdb_event_log_test tests/storage/rocksdb_status_test)
service=(tests/service/service_test tests/robustness/bad_input_test)
asan_tests=("${unit[@]}" "${service[@]}")
tsan_tests=("${unit[@]}")
if [ "${1:-}" = "--quick" ]; then
  asan_tests=("${unit[@]}")
fi

# Make every report fatal and the run fail.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp}"

failed=0
report=()
run_preset() {
  local preset="$1"; shift
  local build="${PACTLOG_SANITIZER_BUILD_ROOT:+$PACTLOG_SANITIZER_BUILD_ROOT/$preset}"
  build="${build:-$root/build/$preset}"
  local targets=() t
  for t in "$@"; do targets+=("$(basename "$t")"); done
  local start built done_at
  start=$(date +%s)
  echo "sanitizers: building ($preset) ${targets[*]}"
  cmake --preset "$preset" -S "$root" -B "$build" \
    -DPACTLOG_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" -j 2 --target "${targets[@]}" >/dev/null
  built=$(date +%s)
  for t in "$@"; do
    echo "sanitizers: running ($preset) $t"
    if ! (cd "$build" && "./$t" --gtest_brief=1); then
      echo "sanitizers: ($preset) $t FAILED"
      failed=1
    fi
  done
  done_at=$(date +%s)
  report+=("$preset: build $((built - start))s, tests $((done_at - built))s")
}
run_preset asan "${asan_tests[@]}"
run_preset tsan "${tsan_tests[@]}"
printf 'sanitizers: %s\n' "${report[@]}"
exit "$failed"
