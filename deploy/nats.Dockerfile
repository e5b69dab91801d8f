# nats-server for pactlog's cluster mode (deploy/docker-compose.cluster.yml,
# deploy/k8s/cluster/): Debian 13's package on debian:12-slim, run as an
# unprivileged user with the JetStream store in a volume.
#
#   docker build -f deploy/nats.Dockerfile -t pactlog-nats deploy
#
# pactlogd refuses a nats-server older than 2.10.23 (README: Running a
# cluster): 2.10 added `jetstream { sync_interval: always }`, which every
# configuration pactlog ships sets, and 2.10.23 fsyncs the Raft log and its
# term and vote. Debian 12 has 2.9.10, so this adds Debian 13 (trixie) as an
# apt source pinned at priority 1, from which apt never installs on its own,
# and pins nats-server alone to it (nats/apt/, the pins deploy/lib/common.sh
# writes on a host). nats-server depends only on libc6 (>= 2.34) and
# adduser, which Debian 12 has; the build stops if apt would take any other
# package from Debian 13. The configuration is mounted at
# /etc/nats/nats.conf (deploy/nats/, or the ConfigMap in deploy/k8s/cluster).
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
COPY nats/apt/pactlog-trixie.sources /etc/apt/sources.list.d/pactlog-trixie.sources
COPY nats/apt/pactlog-trixie.pref /etc/apt/preferences.d/pactlog-trixie
# `apt-get install -s` prints what the install would do, one "Inst <package>
# (<version> <origin>:<release>/<suite> ...)" line per package: nats-server
# must come from release 13, everything else from 12.
RUN apt-get update \
 && apt-get install -s --no-install-recommends nats-server > /tmp/apt-plan \
 && grep '^Inst ' /tmp/apt-plan \
 && grep -q '^Inst nats-server (.*:13[./]' /tmp/apt-plan \
 && if awk '$1 == "Inst" && $2 != "nats-server" && /:13[.\/]/' /tmp/apt-plan | grep .; then \
      echo "apt would install the packages above from Debian 13" >&2; exit 1; \
    fi \
 && apt-get install -y --no-install-recommends nats-server \
 && version="$(nats-server --version | sed -n 's/^nats-server: v//p')" \
 && { printf '2.10.23\n%s\n' "$version" | sort -V -C \
      || { echo "nats-server $version is older than 2.10.23" >&2; exit 1; }; } \
 && rm -rf /var/lib/apt/lists/* /tmp/apt-plan \
 && groupmod --gid 10002 nats \
 && usermod --uid 10002 --gid 10002 nats \
 && mkdir -p /data /etc/nats \
 && chown nats:nats /data
# The package's postinst creates the system user `nats` with the next free
# uid; it is renumbered above so that Kubernetes' runAsUser can name it.
USER 10002:10002
VOLUME ["/data"]
# Clients, cluster routes, HTTP monitoring (/healthz, /varz, /jsz).
EXPOSE 4222 6222 8222
# /healthz is 200 once this server's JetStream is current with the cluster
# (a meta leader is known and its streams have caught up), 503 before.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8222 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && IFS= read -r line <&3 && [[ $line == *' 200 '* ]]"]
# SIGTERM: a clean shutdown of the JetStream store; the other two servers
# keep the stream available.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/sbin/nats-server"]
CMD ["--config", "/etc/nats/nats.conf"]
