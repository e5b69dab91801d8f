#!/usr/bin/env bash
# The quick pactlog-bench run with a local 3-node JetStream cluster as the
# log of record (ctest pactlog_bench_quick_nats): keeps `--log nats://`
# from rotting; no timing is asserted.
#   bench/quick_nats.sh PACTLOG_BENCH_BINARY
set -euo pipefail
bench="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d -t pactlog-bench-nats-XXXXXX)"
export PACTLOG_NATS_PORT="${PACTLOG_NATS_PORT:-14222}"
cleanup() {
  local status=$?
  [ "$status" -eq 0 ] || tail -n 20 "$dir"/*.log >&2 || true
  "$root/deploy/nats-local-cluster.sh" stop "$dir"
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
url="$("$root/deploy/nats-local-cluster.sh" start "$dir")"
"$bench" --quick --json --log "$url" | tee "$dir/out.jsonl"
grep -q '"metric": "nats_append_batch64_eps"' "$dir/out.jsonl"
