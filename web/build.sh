#!/usr/bin/env bash
# Builds the web page into OUTDIR (default build/release/web under the
# repository root), the directory pactlogd serves with --web-root.
#
#   web/build.sh [OUTDIR]
set -euo pipefail

web_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$web_dir/.." && pwd)"
source "$web_dir/lib/node.sh"

case "${1:-}" in
  -h | --help)
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
out_dir="${1:-$repo_root/build/release/web}"
# Vite resolves a relative --outDir against web/: make it the caller's.
case "$out_dir" in
  /*) ;;
  *) out_dir="$PWD/$out_dir" ;;
esac

web_require_node
web_install_modules "$web_dir"
web_log "building the page into $out_dir"
cd "$web_dir"
npx --no-install vite build --outDir "$out_dir" --emptyOutDir --logLevel warn
web_log "built: $out_dir/index.html"
