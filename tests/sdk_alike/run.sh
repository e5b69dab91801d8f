#!/usr/bin/env bash
# The cross-SDK suite (tests/sdk_alike/SCENARIO.md): builds the scenario in
# each SDK, then runs them all against one real pactlogd (env PACTLOGD,
# default build/release/services/pactlogd) with run.py, which compares what
# they report and prints each SDK's resume delay after a restart. Run after
# the SDKs' own suites (deploy/test.sh does): it uses what they generate.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/build/sdk-alike"
mkdir -p "$out"
export PACTLOGD="${PACTLOGD:-$root/build/release/services/pactlogd}"

echo "[tests/sdk_alike] building the scenario in C++, Go and TypeScript" >&2
"$here/cpp/build.sh" "$out/scenario-cpp"
"$here/go/build.sh" "$out/scenario-go"
"$here/typescript/build.sh"
# Python's generated modules (sdk/python/generate.py, run by its suite).
/usr/bin/python3 "$root/sdk/python/generate.py" >/dev/null

exec /usr/bin/python3 "$here/run.py" \
  "cpp=$out/scenario-cpp" \
  "go=$out/scenario-go" \
  "typescript=node $here/typescript/build/scenario.js" \
  "python=env PYTHONPATH=$root/sdk/python/src /usr/bin/python3 $here/python/scenario.py"
