#!/usr/bin/env bash
# Builds a Go module proxy in a directory, for GOPROXY=file://DIR: this SDK
# (module pactlog.dev/sdk/go, with its pactlogpb package generated now) and
# the modules it needs, made from Debian's Go source packages (the trees
# under /usr/share/gocode). With it, `go get pactlog.dev/sdk/go/pactlog@latest`
# works in module mode with nothing fetched from the network.
#
# Usage: sdk/go/make-proxy.sh PROXY_DIR
#
# Run it again after updating the checkout: the SDK is published under a
# pseudo-version of the checkout's commit (v0.0.0-<commit time>-<commit>;
# with uncommitted changes to sdk/go or proto/, v0.0.0-<now>-<hash of the
# content>), which becomes @latest; versions made before stay in the proxy. The Debian
# modules keep the versions of the installed packages (checked below).
# The zips are made here, from Debian's sources, so the public checksum
# database does not know them: build with GOSUMDB=off (go.sum then records
# these zips' hashes).
#
# Needs the packages in sdk/go/debian-packages.txt (Go, grpc-go and its
# dependencies, protoc with its Go plugins, zip).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

die() { echo "make-proxy.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: sdk/go/make-proxy.sh PROXY_DIR (then GOPROXY=file://PROXY_DIR GOSUMDB=off)"
command -v zip >/dev/null || die "zip not found; install the packages in sdk/go/debian-packages.txt"
command -v dpkg-query >/dev/null || die "dpkg-query not found: the proxy is made from Debian's Go packages"
mkdir -p "$1"
proxy="$(cd "$1" && pwd)"

# Debian's shared tree of Go sources.
gocode="$(dpkg -L golang-google-grpc-dev 2>/dev/null | sed -n 's|^\(.*/gocode\)/src$|\1|p' | head -n1)"
gocode="${gocode:-/usr/share/gocode}/src"

# module path, Debian package, the module version that package holds, and
# the Debian version (without revision) it must be for that to be true.
modules=(
  "google.golang.org/grpc golang-google-grpc-dev v1.33.3 1.33.3"
  "google.golang.org/protobuf golang-google-protobuf-dev v1.28.1 1.28.1"
  "google.golang.org/genproto golang-google-genproto-dev v0.0.0-20200413115906-b5235f65be36 0.0~git20200413.b5235f6"
  "github.com/golang/protobuf golang-github-golang-protobuf-1-3-dev v1.3.5 1.3.5"
  "golang.org/x/net golang-golang-x-net-dev v0.7.0 1:0.7.0"
  "golang.org/x/text golang-golang-x-text-dev v0.7.0 0.7.0"
  "golang.org/x/sys golang-golang-x-sys-dev v0.3.0 0.3.0"
  # Only tests of the packages above import it, but `go mod tidy` resolves
  # those imports too.
  "github.com/google/go-cmp golang-github-google-go-cmp-dev v0.5.9 0.5.9"
)

declare -A version_of
for entry in "${modules[@]}"; do
  read -r mod pkg ver debver <<<"$entry"
  installed="$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)"
  [ -n "$installed" ] || die "Debian package $pkg (module $mod) is not installed; install sdk/go/debian-packages.txt"
  case "$installed" in
    "$debver" | "$debver"[-+~]*) ;;
    *) die "Debian package $pkg is version $installed; this script knows $debver (module $mod $ver): update its table" ;;
  esac
  [ -f "$gocode/$mod/go.mod" ] || die "no $gocode/$mod/go.mod (package $pkg)"
  version_of[$mod]="$ver"
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The proxy's directory of a module: upper-case letters are escaped as
# "!" and the lower-case letter.
escaped() { printf '%s' "$1" | sed 's/[A-Z]/!\L&/g'; }

# go.mod of a module as published here: its module and go lines, and those
# of its requirements that the proxy holds, at the versions it holds them.
synth_gomod() {
  local src="$1" mod="$2"
  local godir
  godir="$(awk '$1 == "go" && NF == 2 {print $2; exit}' "$src")"
  printf 'module %s\n' "$mod"
  [ -z "$godir" ] || printf '\ngo %s\n' "$godir"
  local deps
  deps="$(awk '
    $1 == "require" && $2 == "(" {inside = 1; next}
    inside && $1 == ")" {inside = 0; next}
    inside && $1 !~ /^\/\// {print $1; next}
    $1 == "require" && NF >= 3 {print $2}
  ' "$src" | sort -u)"
  local dep first=1
  for dep in $deps; do
    [ -n "${version_of[$dep]:-}" ] || continue
    if [ $first -eq 1 ]; then printf '\nrequire (\n'; first=0; fi
    printf '\t%s %s\n' "$dep" "${version_of[$dep]}"
  done
  if [ $first -eq 0 ]; then printf ')\n'; fi
}

# publish MODULE VERSION TIME SOURCE_DIR GOMOD_FILE: zips SOURCE_DIR (its
# go.mod replaced by GOMOD_FILE, nested modules left out) and writes the
# module's .info, .mod, .zip and list.
publish() {
  local mod="$1" ver="$2" time="$3" src="$4" gomod="$5"
  local dir="$proxy/$(escaped "$mod")/@v"
  mkdir -p "$dir"
  local stage="$tmp/stage-$RANDOM$RANDOM"
  mkdir -p "$stage/$(dirname "$mod")"
  ln -s "$src" "$stage/$mod@$ver"
  local nested
  nested="$(cd "$src" && find -L . -mindepth 2 -name go.mod -printf '%h\n' | sed 's|^\./||')"
  rm -f "$dir/$ver.zip"
  (
    cd "$stage"
    find -L "$mod@$ver" -type f ! -path "$mod@$ver/go.mod" ! -path "$mod@$ver/go.sum" -print |
      awk -v prefix="$mod@$ver/" -v nested="$nested" '
        BEGIN { n = split(nested, skip, "\n") }
        {
          rel = substr($0, length(prefix) + 1)
          for (i = 1; i <= n; i++) if (skip[i] != "" && index(rel, skip[i] "/") == 1) next
          print
        }' |
      zip -q -X -D "$dir/$ver.zip" -@
  )
  mkdir -p "$tmp/gomod/$mod@$ver"
  cp "$gomod" "$tmp/gomod/$mod@$ver/go.mod"
  (cd "$tmp/gomod" && zip -q -X -D "$dir/$ver.zip" "$mod@$ver/go.mod")
  cp "$gomod" "$dir/$ver.mod"
  printf '{"Version":"%s","Time":"%s"}\n' "$ver" "$time" >"$dir/$ver.info"
  { cat "$dir/list" 2>/dev/null || true; echo "$ver"; } | sort -u >"$dir/list.new"
  mv "$dir/list.new" "$dir/list"
}

for entry in "${modules[@]}"; do
  read -r mod pkg ver debver <<<"$entry"
  synth_gomod "$gocode/$mod/go.mod" "$mod" >"$tmp/go.mod.$pkg"
  time="$(date -u -r "$gocode/$mod/go.mod" +%Y-%m-%dT%H:%M:%SZ)"
  publish "$mod" "$ver" "$time" "$gocode/$mod" "$tmp/go.mod.$pkg"
done

# The SDK: go.mod (its requirements at the proxy's versions), the README,
# the packages and examples, and pactlogpb generated from proto/.
sdk_mod="$(awk '$1 == "module" {print $2; exit}' "$here/go.mod")"
[ -n "$sdk_mod" ] || die "no module line in $here/go.mod"
# Its go.mod as committed, each requirement at the version the proxy holds.
for entry in "${modules[@]}"; do
  read -r mod pkg ver debver <<<"$entry"
  printf '%s %s\n' "$mod" "$ver"
done >"$tmp/versions"
awk -v versions="$tmp/versions" '
  BEGIN { while ((getline line < versions) > 0) { split(line, f, " "); v[f[1]] = f[2] } }
  $1 == "require" && $2 == "(" { inside = 1; print; next }
  inside && $1 == ")" { inside = 0; print; next }
  (inside && NF > 0 && $1 !~ /^\/\//) || ($1 == "require" && NF >= 3) {
    i = inside ? 1 : 2
    if (!($i in v)) { print "sdk/go/go.mod requires " $i ", which make-proxy.sh does not make from Debian'"'"'s packages" > "/dev/stderr"; bad = 1 }
    else $(i + 1) = v[$i]
    print (inside ? "\t" : "") $0
    next
  }
  { print }
  END { exit bad }
' "$here/go.mod" >"$tmp/go.mod.sdk" || die "sdk/go/go.mod needs a module this script does not know"

sdk_src="$tmp/sdk"
mkdir -p "$sdk_src"
cp "$here/README.md" "$sdk_src/"
cp -R "$here/pactlog" "$here/examples" "$sdk_src/"
"$here/generate.sh" "$sdk_src/pactlogpb"

# Its version: a pseudo-version of the checkout's commit; with changes to
# sdk/go or proto/ not committed, of now and of the content instead, so
# that a module cache never holds other content under the same version.
content="$(cd "$sdk_src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
if commit="$(git -C "$root" rev-parse HEAD 2>/dev/null)" &&
  [ -z "$(git -C "$root" status --porcelain -- sdk/go proto 2>/dev/null)" ]; then
  stamp="$(TZ=UTC git -C "$root" log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S HEAD)"
  sdk_ver="v0.0.0-$stamp-${commit:0:12}"
else
  stamp="$(date -u +%Y%m%d%H%M%S)"
  sdk_ver="v0.0.0-$stamp-$content"
fi
sdk_time="$(printf '%s' "$stamp" | sed 's/^\(....\)\(..\)\(..\)\(..\)\(..\)\(..\)$/\1-\2-\3T\4:\5:\6Z/')"
publish "$sdk_mod" "$sdk_ver" "$sdk_time" "$sdk_src" "$tmp/go.mod.sdk"
printf '{"Version":"%s","Time":"%s"}\n' "$sdk_ver" "$sdk_time" >"$proxy/$(escaped "$sdk_mod")/@latest"
echo "$sdk_mod $sdk_ver in GOPROXY=file://$proxy"
