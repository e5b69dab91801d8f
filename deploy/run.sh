#!/usr/bin/env bash
# Builds pactlogd and runs it on 127.0.0.1:50051 with its data under
# ./var/pactlog. Override with --listen ADDR / --data-dir DIR or the
# PACTLOG_LISTEN / PACTLOG_DATA_DIR environment variables; arguments go to
# pactlogd as they are (see pactlogd --help).
#
# --demo also builds pactctl and the web page (web/build.sh), serves the
# read-only HTTP/JSON API and the page on 127.0.0.1:8080 (--http-listen ADDR
# or PACTLOG_HTTP_LISTEN to move it) and, once the server is SERVING, loads
# the demo record demo/us-japan.jsonl into it and prints the page's URL.
# Loading is idempotent (every event carries its own id), so restarting with
# --demo over the same data records nothing twice.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

demo=0
args=()
listen="${PACTLOG_LISTEN:-127.0.0.1:50051}"
http_listen="${PACTLOG_HTTP_LISTEN:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo=1 ;;
    --listen) args+=("$1"); [ $# -gt 1 ] && { listen="$2"; args+=("$2"); shift; } ;;
    --listen=*) args+=("$1"); listen="${1#--listen=}" ;;
    --http-listen) [ $# -gt 1 ] && { http_listen="$2"; shift; } ;;
    --http-listen=*) http_listen="${1#--http-listen=}" ;;
    *) args+=("$1") ;;
  esac
  shift
done

pactlog_install_deps
if [ "$demo" -eq 0 ]; then
  pactlog_build pactlogd
else
  pactlog_build pactlogd pactctl
  "$PACTLOG_ROOT/web/build.sh" "$PACTLOG_BUILD_DIR/web"
  http_listen="${http_listen:-127.0.0.1:8080}"
  args+=(--web-root "$PACTLOG_BUILD_DIR/web")
fi
[ -n "$http_listen" ] && args+=(--http-listen "$http_listen")

cd "$PACTLOG_ROOT"
export PACTLOG_DATA_DIR="${PACTLOG_DATA_DIR:-$PACTLOG_ROOT/var/pactlog}"
mkdir -p "$(dirname "$PACTLOG_DATA_DIR")"
if [ "$demo" -eq 0 ]; then
  exec "$PACTLOG_BUILD_DIR/services/pactlogd" "${args[@]}"
fi

# --demo: run the server in the background, load the record once it serves,
# then stay in the foreground with it (Ctrl-C / SIGTERM stop it).
pactctl="$PACTLOG_BUILD_DIR/sdk/pactctl/pactctl"
# A wildcard listen address is reached on the loopback interface.
loopback() {
  case "$1" in
    0.0.0.0:*) echo "127.0.0.1:${1#0.0.0.0:}" ;;
    \[::\]:*) echo "127.0.0.1:${1#\[::\]:}" ;;
    *) echo "$1" ;;
  esac
}
address="$(loopback "$listen")"
page="http://$(loopback "$http_listen")/"
"$PACTLOG_BUILD_DIR/services/pactlogd" "${args[@]}" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM

pactlog_log "waiting for pactlogd on $address to serve"
deadline=$((SECONDS + 120))
until "$pactctl" --address "$address" --timeout 2 health >/dev/null 2>&1; do
  if ! kill -0 "$server" 2>/dev/null; then
    wait "$server" || true
    pactlog_log "pactlogd exited before serving"
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    pactlog_log "pactlogd did not serve within 120 s"
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" || true
    exit 1
  fi
  sleep 0.2
done
pactlog_log "loading demo/us-japan.jsonl"
# One request at a time, in file order: the demo's sequence numbers are then
# the same everywhere (the README quotes them).
if ! "$pactctl" --address "$address" load --parallel 1 demo/us-japan.jsonl; then
  pactlog_log "loading the demo failed; stopping pactlogd"
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" || true
  exit 1
fi
pactlog_log "demo loaded: gRPC on $address, web page on $page"
pactlog_log "try: $pactctl --address $address deal us-japan-2025"
pactlog_log "or:  curl ${page}v1/deals/us-japan-2025"
# `wait` returns early when a trapped signal arrives; wait again for the
# server's own exit.
status=0
wait "$server" || status=$?
if kill -0 "$server" 2>/dev/null; then
  status=0
  wait "$server" || status=$?
fi
exit "$status"
