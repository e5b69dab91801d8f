package pactlog

import (
	"google.golang.org/grpc/encoding"
	"google.golang.org/protobuf/proto"
)

// protoCodec encodes messages for the wire with protobuf-go (API v2), the
// runtime pactlogpb is generated for. grpc-go's default codec goes through
// github.com/golang/protobuf, which in Debian's packages is 1.3 and cannot
// encode API v2 messages (a oneof crashes it). Other messages (e.g. the
// health service's, used over Client.Conn) keep the default codec.
type protoCodec struct{ fallback encoding.Codec }

func newProtoCodec() protoCodec { return protoCodec{fallback: encoding.GetCodec("proto")} }

func (c protoCodec) Marshal(v interface{}) ([]byte, error) {
	if m, ok := v.(proto.Message); ok {
		return proto.Marshal(m)
	}
	return c.fallback.Marshal(v)
}

func (c protoCodec) Unmarshal(data []byte, v interface{}) error {
	if m, ok := v.(proto.Message); ok {
		return proto.Unmarshal(data, m)
	}
	return c.fallback.Unmarshal(data, v)
}

// Name is the content-subtype on the wire: still plain "proto".
func (protoCodec) Name() string { return "proto" }
