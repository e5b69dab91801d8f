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
  libcpp-httplib-dev libjemalloc-dev libnats-dev nats-server libboost1.74-dev
)

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
  [ ${#missing[@]} -eq 0 ] && return 0
  pactlog_log "installing missing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
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
