#include "services/subscribe_wire.h"

#include <grpc/slice.h>

#include <algorithm>
#include <string>
#include <utility>

#include "google/protobuf/io/coded_stream.h"

namespace pactlog::services {
namespace {

using ::google::protobuf::io::CodedOutputStream;

// Tags (field number << 3 | wire type) of the fields written here:
// SubscribeResponse.events = 1 and EventBatch.events = 1 are
// length-delimited (2); EventBatch.last_examined_sequence = 2 is a varint (0).
constexpr uint8_t kEventsTag = (1 << 3) | 2;
constexpr uint8_t kLastExaminedTag = (2 << 3) | 0;
// A tag byte and the longest varint of 64 bits.
constexpr size_t kMaxPrefix = 1 + 10;

// Writes `tag` and `value` as a varint at `out`; returns the end.
uint8_t* WriteTagged(uint8_t tag, uint64_t value, uint8_t* out) {
  *out++ = tag;
  return CodedOutputStream::WriteVarint64ToArray(value, out);
}

grpc::Slice ToSlice(const uint8_t* begin, const uint8_t* end) {
  return grpc::Slice(begin, static_cast<size_t>(end - begin));
}

// A slice of `size` bytes after the record prefix (tag and `size`), filled
// by `write` from the pointer it is given; the slice holds exactly the
// record.
template <typename Write>
grpc::Slice MakeRecord(size_t size, const Write& write) {
  const size_t prefix = 1 + CodedOutputStream::VarintSize64(size);
  grpc_slice slice = grpc_slice_malloc(prefix + size);
  uint8_t* begin = GRPC_SLICE_START_PTR(slice);
  write(WriteTagged(kEventsTag, size, begin));
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

}  // namespace

grpc::Slice EncodeEventRecord(const pactlog::v1::Event& event) {
  return MakeRecord(event.ByteSizeLong(), [&](uint8_t* out) {
    event.SerializeWithCachedSizesToArray(out);
  });
}

grpc::Slice EventRecordFromEncoded(std::string_view encoded) {
  return MakeRecord(encoded.size(), [&](uint8_t* out) {
    std::copy(encoded.begin(), encoded.end(), out);
  });
}

grpc::ByteBuffer SerializeResponse(
    const pactlog::v1::SubscribeResponse& response) {
  const grpc::Slice slice(response.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

EventBatchWriter::EventBatchWriter() { slices_.emplace_back(); }

void EventBatchWriter::Add(grpc::Slice record) {
  record_bytes_ += record.size();
  slices_.push_back(std::move(record));
}

void EventBatchWriter::Finish(uint64_t last_examined_sequence,
                              grpc::ByteBuffer* out) {
  uint8_t trailer[kMaxPrefix];
  const uint8_t* trailer_end =
      WriteTagged(kLastExaminedTag, last_examined_sequence, trailer);
  const size_t batch_bytes =
      record_bytes_ + static_cast<size_t>(trailer_end - trailer);
  uint8_t header[kMaxPrefix];
  slices_[0] = ToSlice(header, WriteTagged(kEventsTag, batch_bytes, header));
  slices_.push_back(ToSlice(trailer, trailer_end));
  grpc::ByteBuffer message(slices_.data(), slices_.size());
  out->Swap(&message);
  Clear();
}

void EventBatchWriter::Clear() {
  // The header's place is left as it is: each Finish writes it first.
  slices_.resize(1);
  record_bytes_ = 0;
}

}  // namespace pactlog::services
