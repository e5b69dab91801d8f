#!/usr/bin/env bash
# End-to-end tests of the web page: a real pactlogd (fresh data directory,
# free ports) serving the built page and the HTTP/JSON API, the demo record
# loaded with pactctl, and headless Chromium driving the page
# (web/tests/e2e.mjs). Screenshots of each view go to the screenshot
# directory. Exits non-zero when a test fails.
#
#   web/test.sh [--pactlogd PATH] [--pactctl PATH] [--web-dir DIR] [--screenshots DIR]
#
# Defaults, each also settable by environment variable:
#   --pactlogd     $PACTLOGD            build/release/services/pactlogd
#   --pactctl      $PACTCTL             build/release/sdk/pactctl/pactctl
#   --web-dir      $PACTLOG_WEB_DIR     build/release/web (web/build.sh's output)
#   --screenshots  $PACTLOG_SCREENSHOTS build/release/web-screenshots
#   Chromium:      $CHROMIUM            /usr/bin/chromium
# (build/release is build/$PACTLOG_PRESET when that is set.)
set -euo pipefail

web_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$web_dir/.." && pwd)"
source "$web_dir/lib/node.sh"

build_dir="${PACTLOG_BUILD_DIR:-$repo_root/build/release}"
pactlogd="${PACTLOGD:-$build_dir/services/pactlogd}"
pactctl="${PACTCTL:-$build_dir/sdk/pactctl/pactctl}"
page_dir="${PACTLOG_WEB_DIR:-$build_dir/web}"
screenshots="${PACTLOG_SCREENSHOTS:-$build_dir/web-screenshots}"
chromium="${CHROMIUM:-/usr/bin/chromium}"

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --pactlogd) pactlogd="$2"; shift ;;
    --pactctl) pactctl="$2"; shift ;;
    --web-dir) page_dir="$2"; shift ;;
    --screenshots) screenshots="$2"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

missing=0
for binary in "$pactlogd" "$pactctl" "$chromium"; do
  if [ ! -x "$binary" ]; then
    web_log "not found or not executable: $binary"
    missing=1
  fi
done
if [ ! -f "$page_dir/index.html" ]; then
  web_log "no built page in $page_dir: run web/build.sh $page_dir first"
  missing=1
fi
[ "$chromium" != /usr/bin/chromium ] || [ -x "$chromium" ] || web_log "  (apt-get install chromium)"
[ "$missing" -eq 0 ] || exit 1
web_require_node
web_install_modules "$web_dir"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/pactlog-web-test.XXXXXX")"
pactlogd_pid=""
stop_pactlogd() {
  if [ -n "$pactlogd_pid" ] && kill -0 "$pactlogd_pid" 2>/dev/null; then
    kill -TERM "$pactlogd_pid" 2>/dev/null || true
    # A bounded wait for a clean stop, then no more patience.
    for _ in $(seq 1 100); do
      kill -0 "$pactlogd_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pactlogd_pid" 2>/dev/null || true
    wait "$pactlogd_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap stop_pactlogd EXIT

log="$tmp/pactlogd.log"
"$pactlogd" --data-dir "$tmp/data" --listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 --web-root "$page_dir" 2>"$log" &
pactlogd_pid=$!

# pactlogd logs the ports it bound: "pactlogd: listening on ADDR (port N)"
# and "pactlogd: HTTP API and web page on ADDR (port N)".
grpc_port=""
http_port=""
for _ in $(seq 1 300); do
  grpc_port="$(sed -n 's/.*pactlogd: listening on [^ ]* (port \([0-9]*\)).*/\1/p' "$log" | head -n 1)"
  http_port="$(sed -n 's/.*pactlogd: HTTP API and web page on [^ ]* (port \([0-9]*\)).*/\1/p' "$log" | head -n 1)"
  [ -n "$grpc_port" ] && [ -n "$http_port" ] && break
  if ! kill -0 "$pactlogd_pid" 2>/dev/null; then
    web_log "pactlogd exited before it listened:"
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$grpc_port" ] || [ -z "$http_port" ]; then
  web_log "pactlogd did not report its ports in 30 s:"
  cat "$log" >&2
  exit 1
fi
base_url="http://127.0.0.1:$http_port"

ready=0
for _ in $(seq 1 300); do
  if curl -fsS --max-time 2 "$base_url/healthz" >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ "$ready" -ne 1 ]; then
  web_log "pactlogd's /healthz did not answer 200 in 30 s:"
  cat "$log" >&2
  exit 1
fi
web_log "pactlogd serving: gRPC on port $grpc_port, page and API on $base_url"

"$pactctl" --address "127.0.0.1:$grpc_port" load --parallel 1 "$repo_root/demo/us-japan.jsonl" >&2

mkdir -p "$screenshots"
status=0
PACTLOG_URL="$base_url" \
  PACTLOG_GRPC_ADDRESS="127.0.0.1:$grpc_port" \
  PACTCTL="$pactctl" \
  PACTLOG_SCREENSHOTS="$screenshots" \
  CHROMIUM="$chromium" \
  node "$web_dir/tests/e2e.mjs" || status=$?
if [ "$status" -ne 0 ]; then
  web_log "pactlogd's log (last 40 lines):"
  tail -n 40 "$log" >&2
fi
exit "$status"
