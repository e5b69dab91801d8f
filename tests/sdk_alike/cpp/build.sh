#!/usr/bin/env bash
# Prepares the C++ program of the cross-SDK scenario
# (tests/sdk_alike/SCENARIO.md): builds sdk/cpp standalone and installs it
# to a prefix, then builds scenario.cc against that install the way a user
# would (find_package(pactlog), pactlog::client), and copies the program to
# the path given:
#   tests/sdk_alike/cpp/build.sh BINARY
#   BINARY DEAL_PREFIX | BINARY --follow DEAL_PREFIX
# The build trees stay under build/sdk-alike/cpp (env PACTLOG_ALIKE_CPP_BUILD
# to put them elsewhere), so a second run only rebuilds what changed.
# Prints nothing on success; on a failure, the failed step's output.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: tests/sdk_alike/cpp/build.sh BINARY" >&2
  exit 2
fi
binary="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
build="${PACTLOG_ALIKE_CPP_BUILD:-$root/build/sdk-alike/cpp}"
log="$(mktemp "${TMPDIR:-/tmp}/pactlog-alike-cpp.XXXXXX")"
trap 'rm -f "$log"' EXIT

step() {
  local what="$1"
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "tests/sdk_alike/cpp/build.sh: $what failed:" >&2
    cat "$log" >&2
    exit 1
  fi
}

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

step "configuring sdk/cpp" cmake -S "$root/sdk/cpp" -B "$build/sdk" \
  -DCMAKE_BUILD_TYPE=Release "${launcher[@]}"
step "building sdk/cpp" cmake --build "$build/sdk" -j"$(nproc)"
rm -rf "$build/prefix"
step "installing sdk/cpp" cmake --install "$build/sdk" --prefix "$build/prefix"

# The scenario's project: one program linking the installed client.
project="$build/scenario-src"
mkdir -p "$project"
cat >"$project/CMakeLists.txt.new" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(pactlog_alike_cpp LANGUAGES CXX)
find_package(pactlog 0.1 CONFIG REQUIRED)
add_executable(scenario "$here/scenario.cc")
target_link_libraries(scenario PRIVATE pactlog::client)
CMAKE
# Rewritten only when it changes, so the build stays incremental.
if cmp -s "$project/CMakeLists.txt.new" "$project/CMakeLists.txt"; then
  rm "$project/CMakeLists.txt.new"
else
  mv "$project/CMakeLists.txt.new" "$project/CMakeLists.txt"
fi
step "configuring the scenario" cmake -S "$project" -B "$build/scenario" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$build/prefix" "${launcher[@]}"
step "building the scenario" cmake --build "$build/scenario" -j"$(nproc)"
mkdir -p "$(dirname "$binary")"
cp "$build/scenario/scenario" "$binary"
