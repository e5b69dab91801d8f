#!/usr/bin/env bash
# Cluster mode against embedded (RocksDB) mode, with the log of record on
# cores of its own, as in any deployment where the NATS servers are other
# machines (deploy/k8s/cluster spreads them by anti-affinity).
#
# Each run starts a fresh deploy/nats-local-cluster.sh (three nats-servers,
# sync_interval: always, R3), pins every thread of the three servers to
# --nats-cpus, and runs `pactlog-bench --appends-only` pinned to
# --pactlog-cpus: the load generator and both pactlogds it starts (RocksDB
# mode, then NATS mode) inherit that set, so the two modes get the same CPU
# and the ratio is the cost of the record to pactlogd itself. --shared pins
# nothing (the servers, pactlogd and the load generator share the machine),
# for a comparison in the same session. Prints each run's two ratios and
# their medians; asserts nothing about speed.
#
# --nats-cpus and --pactlog-cpus take taskset lists (defaults: the second
# and the first CPU this shell may use).
#
#   bench/nats_cores.sh [--runs N] [--nats-cpus LIST] [--pactlog-cpus LIST]
#                       [--shared] [--quick] PACTLOG_BENCH [-- bench flags]
set -euo pipefail

runs=3
# By default the first CPU this process may use for pactlog, the second for
# the servers.
read -r pactlog_cpus nats_cpus < <(python3 -c \
  'import os; c = sorted(os.sched_getaffinity(0)); print(c[0], c[-1] if len(c) < 2 else c[1])')
shared=0
quick=0
bench=""
extra=()
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --nats-cpus) nats_cpus="$2"; shift 2 ;;
    --pactlog-cpus) pactlog_cpus="$2"; shift 2 ;;
    --shared) shared=1; shift ;;
    --quick) quick=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -*) echo "bench/nats_cores.sh: unknown argument $1" >&2; exit 2 ;;
    *) bench="$1"; shift ;;
  esac
done
if [ -z "$bench" ]; then
  echo "usage: bench/nats_cores.sh [options] PACTLOG_BENCH [-- bench flags]" >&2
  exit 2
fi
if [ "$shared" -eq 0 ] && [ "$pactlog_cpus" = "$nats_cpus" ]; then
  echo "bench/nats_cores.sh: needs 2 CPUs to split (or --shared)" >&2
  exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
export PACTLOG_NATS_PORT="${PACTLOG_NATS_PORT:-13222}"
work="$(mktemp -d -t pactlog-nats-cores-XXXXXX)"
cluster=""
cleanup() {
  local status=$?
  if [ -n "$cluster" ]; then
    "$root/deploy/nats-local-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

if [ "$quick" -eq 1 ]; then
  phase=(--quick)
else
  phase=(--appends-only --seconds 5)
fi

for i in $(seq 1 "$runs"); do
  cluster="$work/cluster$i"
  mkdir -p "$cluster"
  url="$("$root/deploy/nats-local-cluster.sh" start "$cluster" | tail -n 1)"
  pin=()
  if [ "$shared" -eq 0 ]; then
    for pid in $(cat "$cluster"/*.pid); do
      taskset -a -p -c "$nats_cpus" "$pid" >/dev/null
    done
    pin=(taskset -c "$pactlog_cpus")
  fi
  echo "bench/nats_cores.sh: run $i of $runs ($(date -u +%H:%M:%S))," \
    "$([ "$shared" -eq 1 ] && echo "shared" ||
      echo "nats on CPUs $nats_cpus, pactlog on CPUs $pactlog_cpus")" >&2
  "${pin[@]}" "$bench" --json "${phase[@]}" --log "$url" "${extra[@]}" \
    > "$work/run$i.json"
  "$root/deploy/nats-local-cluster.sh" stop "$cluster" >/dev/null
  cluster=""
done

python3 - "$work"/run*.json <<'EOF'
import json, statistics, sys
names = {"nats_append_single_c64_eps": "one-event appends, 64 in flight",
         "nats_append_batch64_eps": "64-event appends, 8 in flight"}
rows = {name: [] for name in names}
for path in sys.argv[1:]:
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("metric") in rows:
            rows[record["metric"]].append(record)
missing = [name for name, found in rows.items() if not found]
if missing:
    sys.exit("bench/nats_cores.sh: no %s in the output" % ", ".join(missing))
for name, found in rows.items():
    runs = ", ".join("%.0f / %.0f (%.2f)" % (r["value"], r["baseline"], r["ratio"])
                     for r in found)
    print("%s: NATS / RocksDB events/s (ratio) %s; median ratio %.2f" %
          (names[name], runs, statistics.median(r["ratio"] for r in found)))
EOF
