#!/usr/bin/env bash
# The Python SDK's tests, against the real pactlogd in $PACTLOGD (default
# build/release/services/pactlogd):
#   1. generates the modules from proto/ and runs the unittest suite;
#   2. the install test: copies sdk/python out of the repository, builds and
#      installs that copy the way README.md says into a fresh venv, builds an
#      sdist from the repository and installs that into another, and runs a
#      small program from the scratch directory with each venv against a
#      pactlogd: it appends an event and reads it back.
# Extra arguments go to unittest (e.g. test_stream).
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
(
  cd "$here/tests"
  PYTHONPATH="$here/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
    "$python" -m unittest discover --start-directory . --pattern 'test_*.py' "$@"
  if [ "$#" -eq 0 ]; then
    # The generated modules on protobuf's other implementation (pure Python,
    # as a runtime without the C++ one has it).
    echo "--- protobuf's pure-Python implementation"
    PYTHONPATH="$here/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 \
      PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python \
      "$python" -m unittest test_behaviour test_builders test_errors test_append test_stream
  fi
)
if [ "$#" -gt 0 ]; then
  exit 0  # a selection of the suite: no install test
fi

echo "--- install test"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/pactlog-py-install.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
fail() {
  echo "sdk/python/test.sh: install test: $*" >&2
  exit 1
}

# The folder as a user would copy it out of a checkout in which a build ran
# (generate.py above made its proto/ copy), without what the build made
# from it: installing the copy must generate the modules again.
copy_folder() {  # copy_folder DEST [--without-protos]
  mkdir -p "$1"
  tar -C "$here" --exclude=./src/pactlog/v1 --exclude=./src/pactlog/_rpc \
    --exclude='./src/pactlog/.v1-*' --exclude='./src/pactlog/._rpc-*' \
    --exclude=./build --exclude=./dist --exclude='*.egg-info' --exclude=__pycache__ \
    ${2:+--exclude=./proto} -cf - . | tar -C "$1" -xf -
}
copy_folder "$scratch/copy/python"
[ -f "$scratch/copy/python/proto/pactlog/v1/events.proto" ] || fail "the copy has no proto/"

# The README's steps: a venv that sees Debian's grpcio and protobuf, then pip
# with the build tools already installed. --no-index: nothing may come from
# an index (there is none here).
install_into() {  # install_into VENV WHAT
  "$python" -m venv --system-site-packages "$1"
  "$1/bin/pip" install --quiet --no-index --no-build-isolation "$2" \
    >"$1.log" 2>&1 || { cat "$1.log" >&2; fail "pip install $2 failed"; }
}
install_into "$scratch/venv-copy" "$scratch/copy/python"

# An sdist built from the repository ships the contract and installs.
"$python" -m build --sdist --no-isolation --outdir "$scratch/dist" "$here" \
  >"$scratch/build.log" 2>&1 || { cat "$scratch/build.log" >&2; fail "python3 -m build --sdist failed"; }
sdist="$(ls "$scratch"/dist/pactlog-*.tar.gz)"
tar -tzf "$sdist" >"$scratch/sdist.txt"
for proto in proto/pactlog/v1/events.proto proto/pactlog/v1/stream.proto \
             proto/google/rpc/error_details.proto generate.py src/pactlog/py.typed; do
  grep -qx "pactlog-[0-9.]*/$proto" "$scratch/sdist.txt" || fail "the sdist lacks $proto"
done
install_into "$scratch/venv-sdist" "$sdist"

# The wheel is typed (PEP 561) and carries the generated modules' stubs.
"$scratch/venv-copy/bin/pip" wheel --quiet --no-index --no-build-isolation --no-deps \
  --wheel-dir "$scratch/wheels" "$sdist" >"$scratch/wheel.log" 2>&1 \
  || { cat "$scratch/wheel.log" >&2; fail "pip wheel failed"; }
wheel="$(ls "$scratch"/wheels/pactlog-*.whl)"
for file in pactlog/py.typed pactlog/v1/events_pb2.py pactlog/v1/events_pb2.pyi \
            pactlog/v1/stream_pb2_grpc.py pactlog/_rpc/error_details_pb2.py; do
  "$python" -c 'import sys, zipfile; sys.exit(sys.argv[2] not in zipfile.ZipFile(sys.argv[1]).namelist())' \
    "$wheel" "$file" || fail "the wheel lacks $file"
done

# A copy without the contract says what to do instead of failing obscurely.
copy_folder "$scratch/bare/python" --without-protos
"$python" -m venv --system-site-packages "$scratch/venv-bare"
if "$scratch/venv-bare/bin/pip" install --no-index --no-build-isolation "$scratch/bare/python" \
    >"$scratch/bare.log" 2>&1; then
  fail "a copy without proto/ installed"
fi
grep -q "PACTLOG_PROTO_DIR" "$scratch/bare.log" || { cat "$scratch/bare.log" >&2; fail "no hint in the error"; }

# A pactlogd on a free port over a fresh directory.
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$PACTLOGD" --listen "127.0.0.1:$port" --data-dir "$scratch/data" >"$scratch/pactlogd.log" 2>&1 &
server_pid=$!

cat >"$scratch/check.py" <<'EOF'
"""Appends an event through the installed SDK and reads it back."""
import os
import sys

import pactlog

venv, deal = sys.argv[1], sys.argv[2]
if not pactlog.__file__.startswith(venv + os.sep):
    sys.exit(f"pactlog comes from {pactlog.__file__}, not from {venv}")
if not os.path.isfile(os.path.join(os.path.dirname(pactlog.__file__), "py.typed")):
    sys.exit("the installed package has no py.typed")
with pactlog.Client() as client:  # $PACTLOG_ADDRESS
    client.wait_until_ready(timeout=60)
    result = client.append(deal, pactlog.deal_announcement(
        "US-Japan Strategic Investment Framework", "JP", "US", pactlog.usd(550_000_000_000),
        {"all-goods": pactlog.bps(15)}, source="install test"), expected_version="no_deal")
    (event,) = client.read(result.last_sequence - 1, 1, deal_ids=[deal]).events
    state = client.get_deal(deal, at_least_sequence=result.last_sequence).deal
    assert event.sequence == result.last_sequence, (event.sequence, result)
    assert event.data.event_id == result.event_ids[0], event
    assert pactlog.Firmness(event.data.provenance.firmness) == pactlog.Firmness.REPORTED
    assert state.headroom == pactlog.usd(550_000_000_000), state
    print(f"{deal}: sequence {event.sequence}, version {state.version}, "
          f"headroom {state.headroom.minor_units // 100} USD")
EOF
for venv in venv-copy venv-sdist; do
  (cd "$scratch" && env -u PYTHONPATH PACTLOG_ADDRESS="127.0.0.1:$port" \
     "$scratch/$venv/bin/python" check.py "$scratch/$venv" "install-${venv#venv-}") \
    || { cat "$scratch/pactlogd.log" >&2; fail "the program failed with $venv"; }
done
echo "install test: OK (copied folder, sdist, wheel contents, a bare copy refused)"
