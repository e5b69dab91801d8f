#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz": clang, ASan + UBSan) and runs
# them, in one of two modes:
#
#   fuzz/run.sh [SECONDS]     open-ended random fuzzing, by hand or on a
#                             schedule: each target for SECONDS (default
#                             600) from its corpus, with a new random seed
#                             every run (printed, to reproduce a run).
#   fuzz/run.sh --regression  what deploy/test.sh runs, the same verdict and
#                             the same output every time on the same commit:
#                             every committed input of each target is run
#                             once, then each target fuzzes a fixed number of
#                             runs (below) from a fixed seed, with address
#                             space randomisation off (setarch -R) so that
#                             hash seeds taken from addresses repeat too.
#
# The corpus of each target is fuzz/corpus/<target>/: the seeds that
# fuzz_make_corpus writes, and every input that ever failed, named
# regression-<what> and committed with its fix. When a run fails, the
# failing input is kept under the build tree's fuzz-artifacts/<target>/;
# fix the bug, then commit the input to fuzz/corpus/<target>/ so that every
# later --regression run replays it.
#
# New inputs a run finds go to a temporary directory: the committed corpus
# stays as it is. Exits non-zero if any target crashed, reported a sanitizer
# error or broke one of its properties. $PACTLOG_FUZZ_BUILD_DIR overrides the
# build tree (default build/fuzz).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${PACTLOG_FUZZ_BUILD_DIR:-$root/build/fuzz}"

# Target and its runs in --regression mode, sized so that the stage (after
# its build) takes about two minutes on 2 cores; stored_database_fuzzer
# opens a RocksDB database per input, 5 to 15 inputs a second.
targets=(append_request_fuzzer stored_event_fuzzer pactctl_json_fuzzer
         stored_database_fuzzer)
declare -A regression_runs=(
  [append_request_fuzzer]=40000
  [stored_event_fuzzer]=40000
  [pactctl_json_fuzzer]=40000
  [stored_database_fuzzer]=300
)
# stored_database_fuzzer's input runs through the ledger's writer thread,
# whose wake-ups (and so the hit counts of its code) vary with timing: it
# is guided by which edges run, not how often.
declare -A regression_flags=(
  [stored_database_fuzzer]=-use_counters=0
)
readonly regression_seed=20261202

mode=random
seconds=600
case "${1:-}" in
  --regression) mode=regression ;;
  "") ;;
  *[!0-9]*)
    echo "usage: fuzz/run.sh [SECONDS] | --regression" >&2
    exit 2 ;;
  *) seconds="$1" ;;
esac

cmake --preset fuzz -S "$root" -B "$build" >/dev/null
cmake --build "$build" -j 2 --target "${targets[@]}" >/dev/null

# Address space randomisation off, where the kernel lets us.
norandom=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
  norandom=(setarch "$(uname -m)" -R)
fi

failed=0
summary=()
for target in "${targets[@]}"; do
  binary="$build/fuzz/$target"
  corpus="$root/fuzz/corpus/$target"
  artifacts="$build/fuzz-artifacts/$target"
  mkdir -p "$artifacts"
  work="$(mktemp -d -t "pactlog-$target-XXXXXX")"
  mkdir -p "$work/new"
  log="$work/fuzz.log"
  status=0
  if [ "$mode" = regression ]; then
    inputs=("$corpus"/*)
    runs="${regression_runs[$target]}"
    echo "fuzz: $target: replaying ${#inputs[@]} committed inputs, then" \
      "$runs runs from seed $regression_seed"
    # The same bytes on the stack every run: libFuzzer's coverage feedback
    # sees stack depths, which move with the length of argv and of the
    # environment. So the target runs from a scratch directory through
    # fixed relative names, with a fixed environment. -use_cmp=0: the
    # operands of traced comparisons still differed from run to run (some
    # are addresses), and a mutation guided by them changed the corpus.
    ln -s "$binary" "$work/fuzzer"
    ln -s "$corpus" "$work/seeds"
    ln -s "$artifacts" "$work/artifacts"
    fixed=(env -i PATH=/usr/bin:/bin "${norandom[@]}" ./fuzzer
           -artifact_prefix=artifacts/)
    set +e
    (cd "$work" && "${fixed[@]}" seeds/*) >"$log" 2>&1
    status=$?
    if [ "$status" -eq 0 ]; then
      (cd "$work" && "${fixed[@]}" -seed="$regression_seed" -runs="$runs" \
        -max_len=4096 -use_cmp=0 ${regression_flags[$target]:-} -timeout=60 \
        -print_final_stats=1 new seeds) >>"$log" 2>&1
      status=$?
    fi
    set -e
  else
    echo "fuzz: running $target for ${seconds}s"
    set +e
    "$binary" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$work/new" "$corpus" >"$log" 2>&1
    status=$?
    set -e
  fi
  execs="$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)"
  added="$(awk '/stat::new_units_added/ {print $2}' "$log" | tail -1)"
  # A run that stopped on its first input has no stats: grep finds nothing,
  # which must not end the script before it shows the failure.
  coverage="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}' || true)"
  features="$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}' || true)"
  seed="$(grep -o 'Seed: [0-9]*' "$log" | tail -1 | awk '{print $2}' || true)"
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "fuzz: $target FAILED (exit $status); last lines of its log:"
    tail -40 "$log"
    echo "fuzz: the failing input is in ${artifacts#$root/}/"
  fi
  line="$target: ${execs:-0} executions, ${added:-0} new inputs,"
  line+=" coverage ${coverage:-?} edges, ${features:-?} features"
  if [ "$mode" = random ]; then
    per_second="$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)"
    line+=", ${per_second:-0}/s, seed ${seed:-?}"
  fi
  summary+=("$line, exit $status")
  rm -rf "$work"
done
printf 'fuzz: %s\n' "${summary[@]}"
exit "$failed"
