#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz": clang, ASan + UBSan) and runs
# each one for SECONDS (default 600) from its seed corpus in
# fuzz/corpus/<target>/. Prints the executions of each target; exits
# non-zero if any target found a crash, a sanitizer report or a broken
# property (the input is kept under the build tree's fuzz-artifacts/).
#
#   fuzz/run.sh [SECONDS]
#
# New inputs found during a run go to a temporary directory, so the
# committed seeds stay as they are; fuzz_make_corpus regenerates them.
# $PACTLOG_FUZZ_BUILD_DIR overrides the build tree (default build/fuzz).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-600}"
build="${PACTLOG_FUZZ_BUILD_DIR:-$root/build/fuzz}"
targets=(append_request_fuzzer stored_event_fuzzer pactctl_json_fuzzer)

cmake --preset fuzz -S "$root" -B "$build" >/dev/null
cmake --build "$build" -j 2 --target "${targets[@]}" >/dev/null

failed=0
summary=()
for target in "${targets[@]}"; do
  work="$(mktemp -d -t "pactlog-$target-XXXXXX")"
  artifacts="$build/fuzz-artifacts/$target"
  mkdir -p "$artifacts"
  log="$work/fuzz.log"
  echo "fuzz: running $target for ${seconds}s"
  mkdir -p "$work/corpus"
  set +e
  "$build/fuzz/$target" -max_total_time="$seconds" -timeout=30 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$work/corpus" "$root/fuzz/corpus/$target" >"$log" 2>&1
  status=$?
  set -e
  execs="$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)"
  per_second="$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)"
  coverage="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')"
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "fuzz: $target FAILED (exit $status); last lines of its log:"
    tail -40 "$log"
    echo "fuzz: the failing input is in ${artifacts#$root/}/"
  fi
  summary+=("$target: ${execs:-0} executions (${per_second:-0}/s), coverage ${coverage:-?} edges, exit $status")
  rm -rf "$work"
done
printf 'fuzz: %s\n' "${summary[@]}"
exit "$failed"
