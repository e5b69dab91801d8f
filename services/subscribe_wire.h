// The wire form of EventStream.Subscribe's responses, built from events
// encoded once.
//
// The subscription hub serialises each event once into a *record*: the
// bytes of one `events` field of EventBatch (its tag, its length, the
// serialised Event). Every subscriber's message is then those shared records
// spliced between a small header and trailer, as grpc::Slice references:
// no protobuf work per subscriber, no copy of an event. The bytes are what
// protobuf writes for
//   SubscribeResponse{events: EventBatch{events: ..., last_examined_sequence}}
// with the events in the order added (tests/service/subscribe_wire_test.cc
// parses them back), so clients read them with the generated types.
//
// Thread-safety: the functions are thread-safe; an EventBatchWriter is used
// by one thread at a time. Records are immutable and may be shared freely.
#ifndef PACTLOG_SERVICES_SUBSCRIBE_WIRE_H_
#define PACTLOG_SERVICES_SUBSCRIBE_WIRE_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "pactlog/v1/events.pb.h"
#include "pactlog/v1/stream.pb.h"

namespace pactlog::services {

// The record of `event`.
grpc::Slice EncodeEventRecord(const pactlog::v1::Event& event);

// The record of the event whose serialised bytes are `encoded` (as storage
// keeps them, storage::EventLog::ScanEncoded): one copy, no encoding.
grpc::Slice EventRecordFromEncoded(std::string_view encoded);

// `response` serialised the ordinary way, for the small messages (CaughtUp,
// Progress).
grpc::ByteBuffer SerializeResponse(
    const pactlog::v1::SubscribeResponse& response);

// Builds SubscribeResponse messages carrying an EventBatch from records.
// Reusable: Finish empties it and keeps its capacity.
class EventBatchWriter {
 public:
  EventBatchWriter();

  void Add(grpc::Slice record);
  // Records added since the last Finish or Clear.
  int events() const { return static_cast<int>(slices_.size()) - 1; }
  // Their bytes.
  size_t record_bytes() const { return record_bytes_; }

  // Sets `out` to the message with the records added, in order, and
  // `last_examined_sequence`; then empties the writer. `out` refers to the
  // records (it copies only the header and trailer, at most 22 bytes).
  void Finish(uint64_t last_examined_sequence, grpc::ByteBuffer* out);
  // Drops the records added.
  void Clear();

 private:
  // slices_[0] is the header's place; records follow.
  std::vector<grpc::Slice> slices_;
  size_t record_bytes_ = 0;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_SUBSCRIBE_WIRE_H_
