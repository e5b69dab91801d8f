#!/usr/bin/env bash
# Builds the Go program of the cross-SDK scenario to the binary path $1,
# the way a user's module gets the SDK (sdk/go/README.md, Install): the SDK
# and its dependencies from a file:// proxy made by sdk/go/make-proxy.sh
# (from Debian's Go packages; nothing fetched), then go get, go mod tidy and
# go build in a copy of this directory under build/. Prints nothing on
# success; on failure the log, on stderr.
#
# Usage: tests/sdk_alike/go/build.sh OUTPUT_BINARY
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: tests/sdk_alike/go/build.sh OUTPUT_BINARY" >&2; exit 2; }
case "$1" in /*) out="$1" ;; *) out="$PWD/$1" ;; esac

work="$root/build/sdk_alike-go"
log="$work/build.log"
# A module cache holds read-only files; start from an empty one, so that
# the SDK built is the one published now.
[ ! -e "$work" ] || { chmod -R u+w "$work" && rm -rf "$work"; }
mkdir -p "$work/module" "$(dirname "$out")"
cp "$here/main.go" "$here/go.mod" "$work/module/"

if ! (
  set -euo pipefail
  "$root/sdk/go/make-proxy.sh" "$work/proxy"
  cd "$work/module"
  export GOPROXY="file://$work/proxy" GOSUMDB=off GOFLAGS="" GO111MODULE=on
  export GOMODCACHE="$work/modcache" GOPATH="$work/gopath" GOCACHE="${GOCACHE:-$root/build/sdk-go/gocache}"
  go get pactlog.dev/sdk/go/pactlog@latest
  go mod tidy
  go vet .
  go build -o "$out" .
) >"$log" 2>&1; then
  cat "$log" >&2
  echo "tests/sdk_alike/go/build.sh: the build failed (log above)" >&2
  exit 1
fi
