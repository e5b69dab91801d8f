#!/usr/bin/env bash
# Builds the Go SDK and runs its tests against the real pactlogd (env
# PACTLOGD, default build/release/services/pactlogd). Everything it makes
# lives under build/sdk-go: a GOPATH tree (the SDK's folders symlinked in,
# the generated pactlogpb package, the README example) and the Go cache.
# GOPATH mode, because Debian's Go packages are sources in a shared gocode
# tree and no module proxy is reachable.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$root/build/sdk-go"

export PACTLOGD="${PACTLOGD:-$root/build/release/services/pactlogd}"
if [ ! -x "$PACTLOGD" ]; then
  echo "sdk/go/test.sh: no pactlogd at $PACTLOGD; build it (cmake --build build/release --target pactlogd) or set PACTLOGD" >&2
  exit 1
fi

# Debian's shared tree of Go sources (grpc-go, protobuf-go and their deps).
gocode="$(dpkg -L golang-google-grpc-dev 2>/dev/null | sed -n 's|^\(.*/gocode\)/src$|\1|p' | head -n1)"
gocode="${gocode:-/usr/share/gocode}"
[ -d "$gocode/src/google.golang.org/grpc" ] || {
  echo "sdk/go/test.sh: grpc-go not found under $gocode; install sdk/go/debian-packages.txt" >&2
  exit 1
}

gopath="$build/gopath"
pkgroot="$gopath/src/pactlog.dev/sdk/go"
rm -rf "$gopath"
mkdir -p "$pkgroot" "$build/bin"
ln -s "$here/pactlog" "$pkgroot/pactlog"
ln -s "$here/examples" "$pkgroot/examples"
"$here/generate.sh" "$pkgroot/pactlogpb"

# The README's example, compiled (and run by the tests) exactly as written.
readme_pkg="$gopath/src/pactlog.dev/readme_example"
mkdir -p "$readme_pkg"
awk '/^```go$/ {inside=1; next} inside && /^```$/ {exit} inside {print}' "$here/README.md" > "$readme_pkg/main.go"
[ -s "$readme_pkg/main.go" ] || { echo "sdk/go/test.sh: no \`\`\`go block in sdk/go/README.md" >&2; exit 1; }

export GO111MODULE=off GOPATH="$gopath:$gocode" GOCACHE="$build/gocache" GOFLAGS=""

pkgs=(pactlog.dev/sdk/go/pactlog pactlog.dev/sdk/go/examples/record_and_tail pactlog.dev/readme_example)
echo "[sdk/go] go vet" >&2
go vet "${pkgs[@]}"
unformatted="$(gofmt -l "$here/pactlog" "$here/examples")"
[ -z "$unformatted" ] || { echo "sdk/go/test.sh: not gofmt-ed: $unformatted" >&2; exit 1; }

echo "[sdk/go] go build" >&2
go build -o "$build/bin/record_and_tail" pactlog.dev/sdk/go/examples/record_and_tail
go build -o "$build/bin/readme_example" pactlog.dev/readme_example

echo "[sdk/go] go test against $PACTLOGD" >&2
export PACTLOG_EXAMPLE_BIN="$build/bin/record_and_tail"
export PACTLOG_README_EXAMPLE="$readme_pkg/main.go"
go test -count=1 -timeout 15m "$@" pactlog.dev/sdk/go/pactlog
