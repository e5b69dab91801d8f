#!/usr/bin/env bash
# Builds the unit and concurrency tests under AddressSanitizer +
# UndefinedBehaviorSanitizer (preset asan) and under ThreadSanitizer (preset
# tsan), runs them, and prints how long each part took. Exits non-zero on
# any failing test or sanitizer report.
#
#   tests/sanitizers.sh [asan] [tsan]     (default: both)
#
# $PACTLOG_SANITIZER_TESTS overrides the test binaries (paths under the
# build tree); $PACTLOG_SANITIZER_BUILD_ROOT puts the build trees elsewhere
# than build/<preset>.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(asan tsan)
# domain, storage and service tests (the service tests drive real servers
# with concurrent appends and subscribers), and the bad-input table.
read -r -a tests <<<"${PACTLOG_SANITIZER_TESTS:-tests/domain/domain_test \
tests/storage/rocksdb_event_log_test tests/storage/rocksdb_status_test \
tests/service/service_test tests/robustness/bad_input_test}"

# Make every report fatal and the run fail.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

failed=0
report=()
for preset in "${presets[@]}"; do
  build="${PACTLOG_SANITIZER_BUILD_ROOT:+$PACTLOG_SANITIZER_BUILD_ROOT/$preset}"
  build="${build:-$root/build/$preset}"
  targets=()
  for t in "${tests[@]}"; do targets+=("$(basename "$t")"); done
  start=$(date +%s)
  echo "sanitizers: building ($preset) ${targets[*]}"
  cmake --preset "$preset" -S "$root" -B "$build" \
    -DPACTLOG_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" -j 2 --target "${targets[@]}" >/dev/null
  built=$(date +%s)
  for t in "${tests[@]}"; do
    echo "sanitizers: running ($preset) $t"
    if ! (cd "$build" && "./$t" --gtest_brief=1); then
      echo "sanitizers: ($preset) $t FAILED"
      failed=1
    fi
  done
  done_at=$(date +%s)
  report+=("$preset: build $((built - start))s, tests $((done_at - built))s")
done
printf 'sanitizers: %s\n' "${report[@]}"
exit "$failed"
