#!/usr/bin/env bash
# The full benchmark: installs Debian's etcd-server when missing (the etcd
# baseline spawns it), builds pactlog-bench and pactlogd, runs the bench three
# times writing one JSON file per run, and prints the medians with issue 15's
# targets (bench/summarize.py).
#
#   bench/run.sh [--out DIR] [--runs N] [-- extra pactlog-bench flags]
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="bench-runs"
runs=3
extra=()
while (($#)); do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if ! command -v etcd >/dev/null; then
  echo "bench/run.sh: installing etcd-server for the etcd baseline" >&2
  apt-get install -y etcd-server >&2 ||
    { apt-get update >&2 && apt-get install -y etcd-server >&2; }
fi

cd "$repo"
cmake --preset release >&2
cmake --build build/release -j2 --target pactlog-bench pactlogd >&2

mkdir -p "$out"
for i in $(seq 1 "$runs"); do
  echo "bench/run.sh: run $i of $runs ($(date -u +%H:%M:%S))" >&2
  build/release/bench/pactlog-bench --json "${extra[@]}" > "$out/run$i.json"
done
python3 bench/summarize.py "$out"/run*.json | tee "$out/summary.md"
