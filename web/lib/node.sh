# Sourced by web/build.sh and web/test.sh: Node.js 18+ with npm (through
# deploy/lib/common.sh, which installs Debian's npm when none is on PATH),
# and web/node_modules installed from package-lock.json when it is missing
# or older than the lock file.

source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/lib/common.sh"

web_log() { printf '[web] %s\n' "$*" >&2; }

web_require_node() {
  pactlog_ensure_node || {
    web_log "Node.js 18+ with npm is needed (web/debian-packages.txt lists nodejs)"
    return 1
  }
}

# npm ci (exactly the locked versions) when node_modules is missing or
# older than package-lock.json; otherwise nothing, so repeated builds are
# offline and quick.
web_install_modules() {
  local web_dir="$1"
  local stamp="$web_dir/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ ! "$web_dir/package-lock.json" -nt "$stamp" ]; then
    return 0
  fi
  web_log "installing the locked npm packages (npm ci)"
  (cd "$web_dir" && npm ci --no-audit --no-fund)
}
