"""Runtime half of the generated modules (pactlog.v1, pactlog._rpc).

generate.py writes each `<name>_pb2.py` as one serialized
FileDescriptorProto plus a call to `file_module()`, which registers the file
in protobuf's default descriptor pool and fills the module with what protoc's
own Python output has: `DESCRIPTOR`, one class per message, one
`EnumTypeWrapper` per enum and the enum values as module constants.

Doing this here, with only descriptor_pool / message_factory calls that every
protobuf runtime since 3.19 has, is what keeps the modules independent of the
protoc that built them: protoc's Python output is tied to its own runtime
(the old style fails on the upb runtime of protobuf >= 4.21; the newest
checks it runs on a runtime at least as new as itself).
"""

from __future__ import annotations

from typing import Any, Dict, MutableMapping

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, symbol_database
from google.protobuf.internal import enum_type_wrapper

if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
    _message_class = message_factory.GetMessageClass
else:  # older runtimes: the default symbol database is the default pool's factory
    _message_class = symbol_database.Default().GetPrototype


def message_class(descriptor) -> Any:
    """The one class of a message descriptor of the default pool, with its
    nested message classes as attributes (as protoc's classes have them)."""
    cls = _message_class(descriptor)
    for nested in descriptor.nested_types:
        if not hasattr(cls, nested.name):
            setattr(cls, nested.name, message_class(nested))
    return cls


def file_module(namespace: MutableMapping[str, Any], serialized: bytes) -> None:
    """Registers the serialized FileDescriptorProto (its imports must be
    registered already: the generated module imports their modules first)
    and defines its messages and enums in `namespace`, a module's globals().
    A file already in the pool (e.g. google/rpc/status.proto registered by
    googleapis-common-protos) is used as it is."""
    pool = descriptor_pool.Default()
    name = descriptor_pb2.FileDescriptorProto.FromString(serialized).name
    try:
        file = pool.FindFileByName(name)
    except KeyError:
        file = pool.AddSerializedFile(serialized) or pool.FindFileByName(name)
    names: Dict[str, Any] = {"DESCRIPTOR": file}
    for enum in file.enum_types_by_name.values():
        names[enum.name] = enum_type_wrapper.EnumTypeWrapper(enum)
        for value in enum.values:
            names[value.name] = value.number
    for message in file.message_types_by_name.values():
        names[message.name] = message_class(message)
    namespace.update(names)
