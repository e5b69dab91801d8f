#!/usr/bin/python3
"""Generates the protobuf and gRPC modules of pactlog's Python SDK.

The contract is the repository's `proto/` (`pactlog/v1/*.proto`, and
`google/rpc/{status,error_details}.proto`, gRPC's rich error model that a
failed call's `grpc-status-details-bin` trailer carries). Where it comes
from, first match wins:

  1. `--proto-dir DIR` or the environment variable PACTLOG_PROTO_DIR;
  2. the repository around this folder (`sdk/python` inside a checkout):
     its `proto/` files are then also copied to `sdk/python/proto/`, the
     git-ignored copy that an sdist or a copy of this folder ships;
  3. that shipped copy, `proto/` beside this file (an unpacked sdist, or
     this folder copied out of the repository after a build ran in it).

`grpc_tools.protoc` (Debian: python3-grpc-tools; pip: grpcio-tools) parses
the files into descriptors, and this script writes the modules itself:
`src/pactlog/v1/<name>_pb2.py` (and `_pb2_grpc.py` with the client stubs of
a file's services), `src/pactlog/_rpc/<name>_pb2.py`, each with a `.pyi`
for type checkers. A `_pb2` module holds the file's serialized descriptor
and `pactlog._build` makes its classes at import time with calls every
protobuf runtime since 3.19 has, so the modules work whatever protoc
version built them (protoc's own Python output requires a runtime of its
own vintage). Nothing generated is committed.

Called by `test.sh` and by the setuptools build (`setup.py`). Usage:

    /usr/bin/python3 sdk/python/generate.py [--proto-dir DIR] [--out-dir DIR]
"""

import argparse
import os
import pathlib
import shutil
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

HERE = pathlib.Path(__file__).resolve().parent
REPO_PROTO_DIR = HERE.parent.parent / "proto"
SHIPPED_PROTO_DIR = HERE / "proto"
DEFAULT_OUT_DIR = HERE / "src"

# The contract's directories, and the package each one's modules go to.
PACKAGES = {"pactlog/v1": "pactlog.v1", "google/rpc": "pactlog._rpc"}

_HEADER = '"""Generated from {source} by sdk/python/generate.py. Do not edit."""\n'


def _has_contract(proto_dir: pathlib.Path) -> bool:
    return all(any((proto_dir / subdir).glob("*.proto")) for subdir in PACKAGES)


def ship_protos(source: pathlib.Path, dest: pathlib.Path = SHIPPED_PROTO_DIR) -> None:
    """Copies the contract's .proto files from `source` to `dest` (replacing
    what was there), for an sdist or a copied folder to build from."""
    staged = pathlib.Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}-"))
    try:
        for subdir in PACKAGES:
            (staged / subdir).mkdir(parents=True)
            for proto in sorted((source / subdir).glob("*.proto")):
                shutil.copyfile(proto, staged / subdir / proto.name)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(staged, dest)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def find_proto_dir(explicit: Optional[pathlib.Path] = None) -> pathlib.Path:
    """Where the contract is (see the module's doc); copies the repository's
    files to the shipped copy when it uses them."""
    given = explicit or (pathlib.Path(os.environ["PACTLOG_PROTO_DIR"])
                         if os.environ.get("PACTLOG_PROTO_DIR") else None)
    if given is not None:
        given = given.resolve()
        if not _has_contract(given):
            raise SystemExit(f"generate.py: no .proto files under {given}/pactlog/v1 and "
                             f"{given}/google/rpc (--proto-dir / PACTLOG_PROTO_DIR)")
        return given
    if HERE.parent.name == "sdk" and _has_contract(REPO_PROTO_DIR):
        ship_protos(REPO_PROTO_DIR)
        return REPO_PROTO_DIR
    if _has_contract(SHIPPED_PROTO_DIR):
        return SHIPPED_PROTO_DIR
    raise SystemExit(
        f"generate.py: no .proto files in {SHIPPED_PROTO_DIR} (nor a repository around "
        f"{HERE}). Build from the repository's sdk/python, from an sdist made there "
        "(`python3 -m build --sdist sdk/python`), or set PACTLOG_PROTO_DIR to a "
        "directory holding pactlog/v1/*.proto and google/rpc/*.proto")


def _well_known_types_dir() -> str:
    """Where grpc_tools keeps google/protobuf/*.proto (timestamp.proto...)."""
    import grpc_tools

    path = pathlib.Path(grpc_tools.__file__).resolve().parent / "_proto"
    if not (path / "google" / "protobuf" / "timestamp.proto").is_file():
        raise SystemExit(f"generate.py: no well-known types under {path}")
    return str(path)


def _descriptor_set(proto_dir: pathlib.Path):
    """The FileDescriptorSet of the contract's files and their imports."""
    try:
        from google.protobuf import descriptor_pb2
        from grpc_tools import protoc
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise SystemExit(
            "generate.py: grpc_tools is missing; install grpcio-tools (Debian: "
            f"python3-grpc-tools, then use /usr/bin/python3; running: {sys.executable})") from e
    sources = [str(p) for subdir in PACKAGES for p in sorted((proto_dir / subdir).glob("*.proto"))]
    with tempfile.TemporaryDirectory(prefix="pactlog-generate-") as tmp:
        out = pathlib.Path(tmp) / "set.pb"
        args = ["grpc_tools.protoc", f"-I{proto_dir}", f"-I{_well_known_types_dir()}",
                "--include_imports", f"--descriptor_set_out={out}"] + sources
        if protoc.main(args) != 0:
            raise SystemExit("generate.py: protoc failed (see the message above)")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def _module_of(file_name: str) -> str:
    """The Python module of a .proto file: pactlog/v1/events.proto ->
    pactlog.v1.events_pb2, google/protobuf/timestamp.proto ->
    google.protobuf.timestamp_pb2."""
    directory, _, base = file_name.rpartition("/")
    package = PACKAGES.get(directory, directory.replace("/", "."))
    return f"{package}.{base[:-len('.proto')]}_pb2"


def _alias(module: str) -> str:
    return "_" + module.replace(".", "_")


# Python types of scalar fields, for the .pyi files (FieldDescriptorProto.Type).
_SCALAR = {1: "float", 2: "float", 3: "int", 4: "int", 5: "int", 6: "int", 7: "int",
           8: "bool", 9: "str", 12: "bytes", 13: "int", 14: "int", 15: "int", 16: "int",
           17: "int", 18: "int"}


class _Types:
    """Every message type of the set by full name: (module, path in it)."""

    def __init__(self, files):
        self.by_name: Dict[str, Tuple[str, str]] = {}
        for f in files:
            for m in f.message_type:
                self._add(f.package, _module_of(f.name), m, "")

    def _add(self, package: str, module: str, message, outer: str) -> None:
        path = f"{outer}.{message.name}" if outer else message.name
        self.by_name[f".{package}.{path}"] = (module, path)
        for nested in message.nested_type:
            self._add(package, module, nested, path)

    def ref(self, type_name: str, here: str) -> str:
        module, path = self.by_name[type_name]
        return path if module == here else f"{_alias(module)}.{path}"


def _imports(f, with_grpc: bool = False) -> List[str]:
    lines = ["import grpc"] if with_grpc else []
    for dep in f.dependency:
        module = _module_of(dep)
        package, _, name = module.rpartition(".")
        lines.append(f"from {package} import {name} as {_alias(module)}  # noqa: F401")
    return lines


def _pb2_source(f) -> str:
    stripped = type(f)()
    stripped.CopyFrom(f)
    stripped.ClearField("source_code_info")
    lines = [_HEADER.format(source=f.name)] + _imports(f) + [
        "from pactlog import _build", "",
        f"_build.file_module(globals(), {stripped.SerializeToString()!r})", ""]
    return "\n".join(lines)


def _message_pyi(types: _Types, module: str, message, indent: str) -> List[str]:
    out = [f"{indent}class {message.name}(_message.Message):"]
    inner = indent + "    "
    for nested in message.nested_type:
        if nested.options.map_entry:
            continue
        out += _message_pyi(types, module, nested, inner)
    for enum in message.enum_type:
        out.append(f"{inner}{enum.name}: _enum_type_wrapper.EnumTypeWrapper")
        out += [f"{inner}{v.name}: int" for v in enum.value]
    maps = {f".{n.name}" for n in message.nested_type if n.options.map_entry}
    for field in message.field:
        if field.type == 11 and any(field.type_name.endswith(m) for m in maps):
            kind = "_typing.Any"  # a map
        elif field.label == 3:
            kind = "_typing.Any"  # a repeated field container
        elif field.type == 11:
            kind = types.ref(field.type_name, module)
        else:
            kind = _SCALAR.get(field.type, "int")  # enums are ints
        out.append(f"{inner}{field.name}: {kind}")
    out.append(f"{inner}def __init__(self, **kwargs: _typing.Any) -> None: ...")
    return out


def _pb2_pyi(types: _Types, f) -> str:
    module = _module_of(f.name)
    lines = [_HEADER.format(source=f.name), "import typing as _typing", "",
             "from google.protobuf import descriptor as _descriptor",
             "from google.protobuf import message as _message",
             "from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper"]
    lines += [line for line in _imports(f)] + ["", "DESCRIPTOR: _descriptor.FileDescriptor"]
    for enum in f.enum_type:
        lines.append(f"{enum.name}: _enum_type_wrapper.EnumTypeWrapper")
        lines += [f"{v.name}: int" for v in enum.value]
    for message in f.message_type:
        lines += [""] + _message_pyi(types, module, message, "")
    return "\n".join(lines) + "\n"


def _grpc_sources(types: _Types, f) -> Tuple[str, str]:
    """The `_pb2_grpc` module (a client stub class per service) and its .pyi."""
    module = _module_of(f.name)
    own = _alias(module)
    package, _, name = module.rpartition(".")
    head = [_HEADER.format(source=f.name), "import grpc", "",
            f"from {package} import {name} as {own}  # noqa: F401"]
    head += _imports(f)[0:]
    source, stub = list(head), list(head)
    for service in f.service:
        source += ["", "", f"class {service.name}Stub:",
                   f'    """Client stub of {f.package}.{service.name}."""', "",
                   "    def __init__(self, channel: grpc.Channel) -> None:"]
        stub += ["", f"class {service.name}Stub:",
                 "    def __init__(self, channel: grpc.Channel) -> None: ..."]
        for method in service.method:
            shape = (("stream" if method.client_streaming else "unary") + "_" +
                     ("stream" if method.server_streaming else "unary"))
            request = types.ref(method.input_type, "")
            response = types.ref(method.output_type, "")
            source += [
                f"        self.{method.name} = channel.{shape}(",
                f"            '/{f.package}.{service.name}/{method.name}',",
                f"            request_serializer={request}.SerializeToString,",
                f"            response_deserializer={response}.FromString)"]
            stub.append(f"    {method.name}: grpc.{''.join(p.title() for p in shape.split('_'))}"
                        "MultiCallable")
    return "\n".join(source) + "\n", "\n".join(stub) + "\n"


def generate(proto_dir: Optional[pathlib.Path] = None,
             out_dir: pathlib.Path = DEFAULT_OUT_DIR) -> pathlib.Path:
    """Writes `<out_dir>/pactlog/v1/` and `<out_dir>/pactlog/_rpc/`; returns
    the first. Each package is generated into a fresh directory and swapped
    in, so a failed run never leaves a half-written package behind."""
    proto_dir = find_proto_dir(pathlib.Path(proto_dir) if proto_dir else None)
    descriptor_set = _descriptor_set(proto_dir)
    types = _Types(descriptor_set.file)
    package_dir = pathlib.Path(out_dir).resolve() / "pactlog"
    package_dir.mkdir(parents=True, exist_ok=True)
    for subdir, package in PACKAGES.items():
        target = package_dir / package.rpartition(".")[2]
        with tempfile.TemporaryDirectory(dir=package_dir, prefix=f".{target.name}-") as tmp:
            staged = pathlib.Path(tmp) / "package"
            staged.mkdir()
            (staged / "__init__.py").write_text(_HEADER.format(source=f"proto/{subdir}"))
            for f in descriptor_set.file:
                if f.name.rpartition("/")[0] != subdir:
                    continue
                base = pathlib.Path(f.name).stem
                (staged / f"{base}_pb2.py").write_text(_pb2_source(f))
                (staged / f"{base}_pb2.pyi").write_text(_pb2_pyi(types, f))
                if f.service:
                    source, stub = _grpc_sources(types, f)
                    (staged / f"{base}_pb2_grpc.py").write_text(source)
                    (staged / f"{base}_pb2_grpc.pyi").write_text(stub)
            if target.exists():
                shutil.rmtree(target)
            os.replace(staged, target)
    return package_dir / "v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto-dir", type=pathlib.Path, default=None,
                        help="root of the .proto files (default: see above)")
    parser.add_argument("--out-dir", type=pathlib.Path, default=DEFAULT_OUT_DIR,
                        help="directory that holds the pactlog package (default: src/)")
    args = parser.parse_args()
    target = generate(args.proto_dir, args.out_dir)
    print(f"generated {target}")


if __name__ == "__main__":
    main()
