#!/usr/bin/env bash
# The C++ SDK as a user gets it: configures sdk/cpp on its own (no server,
# no RocksDB) in a scratch directory, builds and installs the client library
# to a scratch prefix, then builds a project outside the tree against that
# install with find_package(pactlog) -- the CMake and C++ blocks of
# sdk/cpp/README.md, exactly as written -- and runs it against a real
# pactlogd (env PACTLOGD, default build/release/services/pactlogd): it
# appends an event made with the builders and reads it back.
#
#   sdk/cpp/test.sh            (scratch directories are removed afterwards;
#                               PACTLOG_KEEP_SCRATCH=1 keeps them)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
pactlogd="${PACTLOGD:-$root/build/release/services/pactlogd}"
log() { echo "[sdk/cpp] $*" >&2; }

if [ ! -x "$pactlogd" ]; then
  log "no pactlogd at $pactlogd; build it (cmake --build build/release --target pactlogd) or set PACTLOGD"
  exit 1
fi

scratch="$(mktemp -d "${TMPDIR:-/tmp}/pactlog-sdk-cpp.XXXXXX")"
pactlogd_pid=""
cleanup() {
  if [ -n "$pactlogd_pid" ] && kill -0 "$pactlogd_pid" 2>/dev/null; then
    kill -TERM "$pactlogd_pid" 2>/dev/null || true
    wait "$pactlogd_pid" 2>/dev/null || true
  fi
  if [ "${PACTLOG_KEEP_SCRATCH:-}" = 1 ]; then
    log "scratch kept in $scratch"
  else
    rm -rf "$scratch"
  fi
}
trap cleanup EXIT

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

log "standalone build of the client library"
cmake -S "$here" -B "$scratch/build" -DCMAKE_BUILD_TYPE=Release \
  "${launcher[@]}" >"$scratch/configure.log" \
  || { cat "$scratch/configure.log" >&2; exit 1; }
cmake --build "$scratch/build" -j"$(nproc)"
cmake --install "$scratch/build" --prefix "$scratch/prefix" >/dev/null

# What a standalone install holds: the client, the generated headers, the
# package files; nothing of the server.
for file in lib/libpactlog_client.a include/pactlog/client/client.h \
  include/pactlog/client/events.h include/pactlog/v1/events.pb.h \
  lib/cmake/pactlog/pactlogConfig.cmake; do
  [ -f "$scratch/prefix/$file" ] || { log "install lacks $file"; exit 1; }
done

log "an outside project from the README, against the install"
consumer="$scratch/consumer"
mkdir -p "$consumer"
block() {  # the first fenced block of language $1 in the README
  awk -v lang="$1" '$0 == "```" lang {inside=1; next}
    inside && /^```$/ {exit} inside {print}' "$here/README.md"
}
block cmake >"$consumer/CMakeLists.txt"
block cpp >"$consumer/main.cc"
for file in CMakeLists.txt main.cc; do
  [ -s "$consumer/$file" ] || { log "no block for $file in sdk/cpp/README.md"; exit 1; }
done
cmake -S "$consumer" -B "$consumer/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" \
  "${launcher[@]}" >"$scratch/consumer-configure.log" \
  || { cat "$scratch/consumer-configure.log" >&2; exit 1; }
cmake --build "$consumer/build" -j"$(nproc)"

log "running it against $pactlogd"
"$pactlogd" --listen 127.0.0.1:0 --data-dir "$scratch/data" >"$scratch/pactlogd.log" 2>&1 &
pactlogd_pid=$!
# pactlogd logs the port it bound: "pactlogd: listening on ADDR (port N)".
port=""
for _ in $(seq 300); do
  port="$(sed -n 's/.*pactlogd: listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$scratch/pactlogd.log" | head -n 1)"
  [ -n "$port" ] && break
  kill -0 "$pactlogd_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  log "pactlogd did not report its port:"
  cat "$scratch/pactlogd.log" >&2
  exit 1
fi

# Only the documented variables: the program uses no option of its own.
output="$(env -u PACTLOG_TOKEN -u PACTLOG_TLS_CA PACTLOG_ADDRESS="127.0.0.1:$port" \
  PACTLOG_ACTOR=sdk-cpp-test "$consumer/build/record_deal")"
echo "$output"
expected="recorded us-japan #1 by sdk-cpp-test, REPORTED, 550000000000.00 USD"
if [ "$output" != "$expected" ]; then
  log "expected: $expected"
  exit 1
fi
log "ok"
