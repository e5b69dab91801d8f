#!/usr/bin/env bash
# A 3-node NATS JetStream cluster on 127.0.0.1, for trying pactlog's
# replicated mode (README: Running a cluster) and for pactlog-bench --log.
# It is three real nats-server processes, routed to one another, each with
# its own store; not a production layout (that puts them on three machines).
# Like every configuration pactlog ships, each server fsyncs every JetStream
# write before acknowledging it (sync_interval: always, nats-server 2.10+;
# deploy/lib/common.sh installs it).
#
#   deploy/nats-local-cluster.sh start [DIR]   # prints the --log URL
#   deploy/nats-local-cluster.sh stop  [DIR]
#
# Ports: clients 4222-4224 (PACTLOG_NATS_PORT, the first), routes +2000,
# monitoring +4000.
set -euo pipefail

action="${1:-start}"
dir="${2:-${PACTLOG_NATS_DIR:-var/nats}}"
base="${PACTLOG_NATS_PORT:-4222}"
server="$(command -v nats-server || echo /usr/sbin/nats-server)"

healthy() {  # port: /healthz answers 200
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3
    IFS= read -r line <&3 || exit 1
    [[ "$line" == *" 200 "* ]]
  ) 2>/dev/null
}

case "$action" in
  start)
    if [ ! -x "$server" ]; then
      echo "nats-server is missing: deploy/run.sh or deploy/test.sh installs it" >&2
      exit 1
    fi
    version="$("$server" --version | sed -n 's/^nats-server: v//p')"
    if ! printf '%s\n%s\n' 2.10.23 "$version" | sort -V -C; then
      echo "nats-server $version is older than 2.10.23 (no sync_interval: always):" \
        "deploy/run.sh or deploy/test.sh installs a newer one" >&2
      exit 1
    fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    for i in 0 1 2; do
      name="n$((i + 1))"
      # The other two servers' routes: a server routed to itself sees
      # "Duplicate Route" churn, and 2.10 can then leave it out of the
      # JetStream meta group.
      routes=""
      for j in 0 1 2; do
        [ "$j" -eq "$i" ] && continue
        routes+="${routes:+, }nats://127.0.0.1:$((base + 2000 + j))"
      done
      cat >"$dir/$name.conf" <<CONF
server_name: $name
listen: 127.0.0.1:$((base + i))
http: 127.0.0.1:$((base + 4000 + i))
jetstream { store_dir: "$dir/$name", sync_interval: always }
cluster {
  name: pactlog-local
  listen: 127.0.0.1:$((base + 2000 + i))
  routes: [$routes]
}
CONF
      nohup "$server" -c "$dir/$name.conf" >"$dir/$name.log" 2>&1 &
      echo $! >"$dir/$name.pid"
    done
    for i in 0 1 2; do
      for _ in $(seq 1 300); do
        healthy $((base + 4000 + i)) && break
        sleep 0.2
      done
      healthy $((base + 4000 + i)) || {
        echo "nats-server n$((i + 1)) is not healthy; see $dir/n$((i + 1)).log" >&2
        exit 1
      }
    done
    echo "nats://127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))"
    ;;
  stop)
    for pidfile in "$dir"/n*.pid; do
      [ -f "$pidfile" ] || continue
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    done
    ;;
  *)
    echo "usage: $0 start|stop [DIR]" >&2
    exit 2
    ;;
esac
