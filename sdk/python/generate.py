#!/usr/bin/python3
"""Generates the protobuf and gRPC modules of pactlog's Python SDK.

Runs `grpc_tools.protoc` (Debian: python3-grpc-tools) over the contract in
the repository's `proto/` directory, with `-I proto` so that a file at
`proto/pactlog/v1/events.proto` becomes the module `pactlog.v1.events_pb2`.
The output goes to `src/pactlog/v1/`, a git-ignored sub-package of the SDK:
the generated imports (`from pactlog.v1 import events_pb2`) then resolve
inside the `pactlog` package itself, with no rewriting.

gRPC's rich error model (`proto/google/rpc/status.proto` and
`error_details.proto`, the wire format of a failed call's
`grpc-status-details-bin` trailer) is generated the same way into
`src/pactlog/_rpc/`, so that the errors can decode the field violations
without another package.

Called by `test.sh` and by the setuptools build (`setup.py`'s build_py), so
generated code is never committed. Usage:

    /usr/bin/python3 sdk/python/generate.py [--proto-dir DIR] [--out-dir DIR]
"""

import argparse
import os
import pathlib
import shutil
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_PROTO_DIR = HERE.parent.parent / "proto"
DEFAULT_OUT_DIR = HERE / "src"

_INIT = '''"""Generated from proto/pactlog/v1 by sdk/python/generate.py. Do not edit."""
'''
_RPC_INIT = '''"""Generated from proto/google/rpc by sdk/python/generate.py. Do not edit."""
'''


def _well_known_types_dir() -> str:
    """Where grpc_tools keeps google/protobuf/*.proto (timestamp.proto...)."""
    import grpc_tools

    path = pathlib.Path(grpc_tools.__file__).resolve().parent / "_proto"
    if not (path / "google" / "protobuf" / "timestamp.proto").is_file():
        raise SystemExit(f"generate.py: no well-known types under {path}")
    return str(path)


def _generate_package(protoc, proto_dir: pathlib.Path, subdir: str, target: pathlib.Path,
                      init: str, with_grpc: bool) -> None:
    """Runs protoc over `proto_dir/<subdir>/*.proto` and puts the modules
    generated for that directory at `target`, a package with `init` as its
    __init__.py. Generates into a fresh temporary directory first and swaps
    it in, so a failed run never leaves a half-written package behind."""
    sources = sorted((proto_dir / subdir).glob("*.proto"))
    if not sources:
        raise SystemExit(f"generate.py: no .proto files under {proto_dir}/{subdir}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}-") as tmp:
        args = [
            "grpc_tools.protoc",
            f"-I{proto_dir}",
            f"-I{_well_known_types_dir()}",
            f"--python_out={tmp}",
        ] + ([f"--grpc_python_out={tmp}"] if with_grpc else []) + [str(s) for s in sources]
        if protoc.main(args) != 0:
            raise SystemExit("generate.py: protoc failed (see the message above)")
        staged = pathlib.Path(tmp) / subdir
        (staged / "__init__.py").write_text(init)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staged, target)


def generate(proto_dir: pathlib.Path = DEFAULT_PROTO_DIR,
             out_dir: pathlib.Path = DEFAULT_OUT_DIR) -> pathlib.Path:
    """Generates `<out_dir>/pactlog/v1/*_pb2{,_grpc}.py` and
    `<out_dir>/pactlog/_rpc/*_pb2.py`; returns the first directory."""
    try:
        from grpc_tools import protoc
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise SystemExit(
            "generate.py: grpc_tools is missing; install Debian's python3-grpc-tools "
            f"and run this with /usr/bin/python3 (running: {sys.executable})") from e

    proto_dir = pathlib.Path(proto_dir).resolve()
    package_dir = pathlib.Path(out_dir).resolve() / "pactlog"
    target = package_dir / "v1"
    _generate_package(protoc, proto_dir, "pactlog/v1", target, _INIT, with_grpc=True)
    # The google.rpc modules import only google.protobuf's well-known types,
    # never each other, so they work from any package without rewriting.
    _generate_package(protoc, proto_dir, "google/rpc", package_dir / "_rpc", _RPC_INIT,
                      with_grpc=False)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto-dir", type=pathlib.Path, default=DEFAULT_PROTO_DIR,
                        help="root of the .proto files (default: the repository's proto/)")
    parser.add_argument("--out-dir", type=pathlib.Path, default=DEFAULT_OUT_DIR,
                        help="directory that holds the pactlog package (default: src/)")
    args = parser.parse_args()
    target = generate(args.proto_dir, args.out_dir)
    print(f"generated {target}")


if __name__ == "__main__":
    main()
