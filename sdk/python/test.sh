#!/usr/bin/env bash
# Generates the Python stubs from proto/ and runs the Python SDK's suite
# against the real pactlogd in $PACTLOGD (default build/release/services/pactlogd).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# Debian's interpreter by its full path: it is the one that sees python3-grpcio
# (a pyenv python3 earlier on PATH does not).
python=/usr/bin/python3

export PACTLOGD="${PACTLOGD:-$repo/build/release/services/pactlogd}"
if [ ! -x "$PACTLOGD" ]; then
  echo "sdk/python/test.sh: no pactlogd at $PACTLOGD (build it or set PACTLOGD)" >&2
  exit 1
fi

"$python" "$here/generate.py"
cd "$here/tests"
PYTHONPATH="$here/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
  "$python" -m unittest discover --start-directory . --pattern 'test_*.py' "$@"
