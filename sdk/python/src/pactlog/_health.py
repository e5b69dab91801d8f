"""The standard gRPC health check (grpc.health.v1.Health/Check), which
pactlogd answers NOT_SERVING until its start-up replay is done.

Debian ships no grpcio-health-checking for Python, and registering a
`grpc.health.v1` .proto in the default descriptor pool would clash with that
package wherever it is installed. So the two messages are described here, in
a private pool, from the published wire contract (field 1 in both).
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

SERVING = 1

_METHOD = "/grpc.health.v1.Health/Check"


def _message_classes():
    f = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(
        name="pactlog_sdk/grpc_health_v1.proto", package="grpc.health.v1", syntax="proto3")
    request = file.message_type.add(name="HealthCheckRequest")
    request.field.add(name="service", number=1, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL)
    response = file.message_type.add(name="HealthCheckResponse")
    # ServingStatus is an enum on the wire; as a plain int32 field it reads
    # the same and keeps unknown future values.
    response.field.add(name="status", number=1, type=f.TYPE_INT32, label=f.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.24
        make = message_factory.GetMessageClass
    else:  # Debian 12's protobuf 3.21 (4.21 in Python)
        make = message_factory.MessageFactory(pool).GetPrototype
    return (make(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckRequest")),
            make(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckResponse")))


HealthCheckRequest, HealthCheckResponse = _message_classes()


def check_callable(channel):
    """A unary callable for Health/Check on `channel`."""
    return channel.unary_unary(_METHOD,
                               request_serializer=HealthCheckRequest.SerializeToString,
                               response_deserializer=HealthCheckResponse.FromString)
