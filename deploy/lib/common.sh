# Shared by deploy/run.sh and deploy/test.sh: install what is missing from
# Debian's packages, then configure and build with the committed preset.
# Sourced, not run.

PACTLOG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PACTLOG_PRESET="${PACTLOG_PRESET:-release}"
PACTLOG_BUILD_DIR="$PACTLOG_ROOT/build/$PACTLOG_PRESET"

# Debian 12 packages the build and the tests need.
PACTLOG_PACKAGES=(
  build-essential cmake pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libgtest-dev libgmock-dev libbenchmark-dev libabsl-dev libcli11-dev
  libcpp-httplib-dev libjemalloc-dev libnats-dev libboost1.74-dev
)

# The oldest nats-server whose acknowledged JetStream writes pactlog takes as
# durable: 2.10 added `jetstream { sync_interval: always }`, and 2.10.23
# fsyncs the Raft log and its term and vote. pactlogd refuses an older server
# at start-up (storage/nats_server_info.h, kMinNatsServerVersion: the same
# number). Debian 12 has 2.9.10, so pactlog_ensure_nats_server takes Debian
# 13's: that one package, pinned; it depends only on libc6 (>= 2.34) and
# adduser, which Debian 12 has.
PACTLOG_NATS_MIN_VERSION=2.10.23

pactlog_log() { printf '[pactlog] %s\n' "$*" >&2; }

# Each SDK lists the Debian packages its build and tests need, one per line,
# in sdk/<language>/debian-packages.txt; test suites list theirs in
# tests/debian-packages.txt and tests/<suite>/debian-packages.txt; the web
# page's browser tests list theirs in web/debian-packages.txt.
pactlog_packages() {
  printf '%s\n' "${PACTLOG_PACKAGES[@]}"
  local list
  for list in "$PACTLOG_ROOT"/sdk/*/debian-packages.txt \
      "$PACTLOG_ROOT"/tests/debian-packages.txt \
      "$PACTLOG_ROOT"/tests/*/debian-packages.txt \
      "$PACTLOG_ROOT"/web/debian-packages.txt; do
    [ -f "$list" ] && grep -v '^[[:space:]]*\(#\|$\)' "$list"
  done
  return 0
}

pactlog_install_deps() {
  local missing=() pkg
  for pkg in $(pactlog_packages | sort -u); do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    pactlog_log "installing missing Debian packages: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  pactlog_ensure_nats_server
}

# The version nats-server reports, e.g. 2.10.27 ("" when there is none).
pactlog_nats_server_version() {
  local server
  server="$(command -v nats-server || echo /usr/sbin/nats-server)"
  [ -x "$server" ] || return 0
  "$server" --version 2>/dev/null | sed -n 's/^nats-server: v//p'
}

# nats-server >= PACTLOG_NATS_MIN_VERSION. Debian 12's is older, so this adds
# Debian 13 (trixie) as an apt source pinned at priority 1, which apt never
# installs or upgrades from on its own, and pins nats-server alone to it, so
# that nothing else moves: no library we link comes from trixie.
pactlog_ensure_nats_server() {
  local version
  version="$(pactlog_nats_server_version)"
  if [ -n "$version" ] && printf '%s\n%s\n' "$PACTLOG_NATS_MIN_VERSION" "$version" | sort -V -C; then
    return 0
  fi
  pactlog_log "nats-server ${version:-missing} is older than $PACTLOG_NATS_MIN_VERSION: installing Debian 13's, pinned"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" tee /etc/apt/sources.list.d/pactlog-trixie.sources >/dev/null <<'SOURCES'
# Added by pactlog (deploy/lib/common.sh) for nats-server alone; see
# /etc/apt/preferences.d/pactlog-trixie.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  "${sudo[@]}" tee /etc/apt/preferences.d/pactlog-trixie >/dev/null <<'PREFERENCES'
# Added by pactlog (deploy/lib/common.sh): nothing from Debian 13 unless
# asked for, except nats-server (2.10, for jetstream sync_interval: always).
Package: *
Pin: release n=trixie
Pin-Priority: 1

Package: nats-server
Pin: release n=trixie
Pin-Priority: 990
PREFERENCES
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends nats-server
  version="$(pactlog_nats_server_version)"
  printf '%s\n%s\n' "$PACTLOG_NATS_MIN_VERSION" "$version" | sort -V -C || {
    pactlog_log "nats-server ${version:-missing} is still older than $PACTLOG_NATS_MIN_VERSION"; return 1; }
  pactlog_log "nats-server $version installed from Debian 13"
}

# Node.js 18 or newer with npm, for sdk/typescript and web/. nodejs is in
# their debian-packages.txt; npm is not, because NodeSource's nodejs (which
# bundles npm) conflicts with Debian's npm package: it is installed here only
# when no npm is on PATH (Debian's nodejs ships without it).
pactlog_ensure_node() {
  command -v node >/dev/null || {
    pactlog_log "node not found: apt-get install nodejs"; return 1; }
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 18 ] || {
    pactlog_log "node $(node --version) is too old: 18 or newer is needed"; return 1; }
  command -v npm >/dev/null && return 0
  pactlog_log "npm not found: installing Debian's npm"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends npm
}

pactlog_build() {
  local targets=("$@")
  pactlog_log "configuring ($PACTLOG_PRESET) in ${PACTLOG_BUILD_DIR#$PACTLOG_ROOT/}"
  cmake --preset "$PACTLOG_PRESET" -S "$PACTLOG_ROOT" >/dev/null
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  pactlog_log "building with $jobs jobs"
  if [ ${#targets[@]} -gt 0 ]; then
    cmake --build "$PACTLOG_BUILD_DIR" -j "$jobs" --target "${targets[@]}"
  else
    cmake --build "$PACTLOG_BUILD_DIR" -j "$jobs"
  fi
}
