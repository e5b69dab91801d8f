#!/usr/bin/env bash
# Builds the Go SDK in module mode and runs its tests against the real
# pactlogd (env PACTLOGD, default build/release/services/pactlogd). Nothing
# is fetched: the modules come from a file:// proxy that make-proxy.sh makes
# from Debian's Go source packages.
#
#  1. make-proxy.sh into build/sdk-go/proxy; sdk/go/go.mod must require what
#     it holds.
#  2. In sdk/go (its generated pactlogpb/ and go.sum are ignored by git):
#     go vet, gofmt (also of tests/sdk_alike/go), and the sdk_alike program
#     built by its build.sh.
#  3. As a user: in a new directory outside the repository, with HOME there,
#     the README's example as main.go and the README's Install commands run
#     as written (make-proxy.sh, go mod init, go get, go mod tidy, go build),
#     and the longer example built in that module.
#  4. go test, which also runs the two programs of step 3 against a server.
#
# Extra arguments go to go test (e.g. sdk/go/test.sh -run Subscribe -v).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$root/build/sdk-go"

export PACTLOGD="${PACTLOGD:-$root/build/release/services/pactlogd}"
if [ ! -x "$PACTLOGD" ]; then
  echo "sdk/go/test.sh: no pactlogd at $PACTLOGD; build it (cmake --build build/release --target pactlogd) or set PACTLOGD" >&2
  exit 1
fi
command -v go >/dev/null || { echo "sdk/go/test.sh: go not found; install sdk/go/debian-packages.txt" >&2; exit 1; }

mkdir -p "$build/bin"
# A module cache holds read-only files; start from an empty one so that
# what is tested is what the proxy holds now.
rm_tree() { [ ! -e "$1" ] || { chmod -R u+w "$1" && rm -rf "$1"; }; }

echo "[sdk/go] make-proxy.sh" >&2
rm_tree "$build/proxy"
"$here/make-proxy.sh" "$build/proxy" >/dev/null
published="$(ls "$build/proxy/pactlog.dev/sdk/go/@v/"*.mod)"
if ! diff -u "$here/go.mod" "$published" >&2; then
  echo "sdk/go/test.sh: sdk/go/go.mod requires other versions than make-proxy.sh publishes (above); update it" >&2
  exit 1
fi

# The Go environment of the steps in the repository.
rm_tree "$build/modcache"
repo_env=(env GO111MODULE=on GOPROXY="file://$build/proxy" GOSUMDB=off GOFLAGS=-mod=mod
  GOMODCACHE="$build/modcache" GOPATH="$build/gopath" GOCACHE="$build/gocache")

echo "[sdk/go] generate.sh, go vet, gofmt" >&2
"$here/generate.sh"
(cd "$here" && "${repo_env[@]}" go vet ./...)
unformatted="$(gofmt -l "$here/pactlog" "$here/examples" "$root/tests/sdk_alike/go")"
[ -z "$unformatted" ] || { echo "sdk/go/test.sh: not gofmt-ed: $unformatted" >&2; exit 1; }

echo "[sdk/go] tests/sdk_alike/go/build.sh" >&2
out="$("$root/tests/sdk_alike/go/build.sh" "$build/bin/sdk_alike" 2>&1)" || {
  echo "$out" >&2
  echo "sdk/go/test.sh: tests/sdk_alike/go/build.sh failed" >&2
  exit 1
}
[ -z "$out" ] || { echo "$out" >&2; echo "sdk/go/test.sh: tests/sdk_alike/go/build.sh printed something on success" >&2; exit 1; }
[ -x "$build/bin/sdk_alike" ] || { echo "sdk/go/test.sh: tests/sdk_alike/go/build.sh made no $build/bin/sdk_alike" >&2; exit 1; }

echo "[sdk/go] the README's Install, as a user, outside the repository" >&2
scratch="$(mktemp -d)"
trap 'rm_tree "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/try"
# The README's ```go block is main.go; the ```sh blocks marked for test.sh
# are run as written, but for where the repository is.
awk '/^```go$/ {inside=1; next} inside && /^```$/ {exit} inside {print}' "$here/README.md" >"$scratch/try/main.go"
[ -s "$scratch/try/main.go" ] || { echo "sdk/go/test.sh: no \`\`\`go block in sdk/go/README.md" >&2; exit 1; }
awk '
  /^<!-- sdk\/go\/test.sh runs this block -->$/ {marked = 1; next}
  marked && /^```sh$/ {inside = 1; marked = 0; next}
  inside && /^```$/ {inside = 0; next}
  inside {print}
  {marked = 0}
' "$here/README.md" >"$scratch/recipe.sh"
grep -q 'make-proxy.sh' "$scratch/recipe.sh" && grep -q 'go build' "$scratch/recipe.sh" || {
  echo "sdk/go/test.sh: sdk/go/README.md has no marked Install blocks (make-proxy.sh ... go build)" >&2
  exit 1
}
sed -i "s|/path/to/pactlog|$root|g" "$scratch/recipe.sh"
user_env=(env -i PATH="$PATH" HOME="$scratch/home" USER="${USER:-sdk-go-test}" GOCACHE="$build/gocache")
(cd "$scratch/try" && "${user_env[@]}" bash -euo pipefail "$scratch/recipe.sh") >"$scratch/recipe.log" 2>&1 || {
  cat "$scratch/recipe.log" >&2
  echo "sdk/go/test.sh: the README's Install commands failed (above)" >&2
  exit 1
}
[ -x "$scratch/try/try" ] || { echo "sdk/go/test.sh: the README's Install commands built no ./try" >&2; exit 1; }
grep -q '^require pactlog.dev/sdk/go v0.0.0-' "$scratch/try/go.mod" || {
  cat "$scratch/try/go.mod" >&2
  echo "sdk/go/test.sh: the new module does not require pactlog.dev/sdk/go (above)" >&2
  exit 1
}
# The README's `go run pactlog.dev/sdk/go/examples/record_and_tail`, in that
# module (built, to be run by the tests), and go vet of the user's program.
(cd "$scratch/try" && "${user_env[@]}" GOPROXY="file://$scratch/home/.cache/pactlog-goproxy" GOSUMDB=off \
  sh -c 'go vet . && go build -o "$0" pactlog.dev/sdk/go/examples/record_and_tail' "$build/bin/record_and_tail") >&2

echo "[sdk/go] go test against $PACTLOGD" >&2
export PACTLOG_EXAMPLE_BIN="$build/bin/record_and_tail"
export PACTLOG_README_BIN="$scratch/try/try"
export PACTLOG_README_EXAMPLE="$scratch/try/main.go"
(cd "$here" && "${repo_env[@]}" go test -count=1 -timeout 15m "$@" ./pactlog)
