// The bytes the subscription hub writes (services/subscribe_wire.h) parse as
// the SubscribeResponse a client expects, with the events in order.
#include "services/subscribe_wire.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/events.h"

namespace pactlog::services {
namespace {

namespace v1 = ::pactlog::v1;
namespace events = ::pactlog::testing;

v1::Event MakeEvent(uint64_t sequence, size_t actor_bytes = 8) {
  v1::Event event;
  event.set_sequence(sequence);
  event.set_deal_id("us-japan");
  event.set_deal_version(sequence);
  event.set_actor(std::string(actor_bytes, 'a'));
  *event.mutable_recorded_time() = events::Time(events::Date(2026, 1, 5));
  *event.mutable_data() = events::TariffEvent(absl::StrCat("cat-", sequence),
                                              1500, events::Date(2025, 9, 16));
  event.set_hash(std::string(32, static_cast<char>(sequence)));
  return event;
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

v1::SubscribeResponse Parse(const grpc::ByteBuffer& buffer) {
  v1::SubscribeResponse response;
  EXPECT_TRUE(response.ParseFromString(Bytes(buffer)));
  return response;
}

// What protobuf itself writes for the same batch.
std::string Expected(const std::vector<v1::Event>& batch, uint64_t last) {
  v1::SubscribeResponse response;
  for (const v1::Event& event : batch) {
    *response.mutable_events()->add_events() = event;
  }
  response.mutable_events()->set_last_examined_sequence(last);
  return response.SerializeAsString();
}

TEST(SubscribeWireTest, ABatchIsTheBytesProtobufWritesForIt) {
  const std::vector<v1::Event> batch = {MakeEvent(3), MakeEvent(4),
                                        MakeEvent(9)};
  EventBatchWriter writer;
  for (const v1::Event& event : batch) writer.Add(EncodeEventRecord(event));
  EXPECT_EQ(writer.events(), 3);
  grpc::ByteBuffer message;
  writer.Finish(12, &message);

  EXPECT_EQ(Bytes(message), Expected(batch, 12));
  const v1::SubscribeResponse parsed = Parse(message);
  ASSERT_TRUE(parsed.has_events());
  ASSERT_EQ(parsed.events().events_size(), 3);
  EXPECT_EQ(parsed.events().events(2).sequence(), 9u);
  EXPECT_EQ(parsed.events().last_examined_sequence(), 12u);
}

TEST(SubscribeWireTest, ARecordFromStoredBytesEqualsOneEncodedHere) {
  const v1::Event event = MakeEvent(7);
  const grpc::Slice encoded = EncodeEventRecord(event);
  const grpc::Slice spliced = EventRecordFromEncoded(event.SerializeAsString());
  ASSERT_EQ(encoded.size(), spliced.size());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(encoded.begin()),
                        encoded.size()),
            std::string(reinterpret_cast<const char*>(spliced.begin()),
                        spliced.size()));
}

// Lengths of several varint bytes: an event over 16 KiB, a batch over
// 2 MiB, and the largest sequence.
TEST(SubscribeWireTest, LongEventsBatchesAndSequencesKeepTheirLengths) {
  std::vector<v1::Event> batch;
  for (uint64_t s = 1; s <= 130; ++s) batch.push_back(MakeEvent(s, 20'000));
  EventBatchWriter writer;
  for (const v1::Event& event : batch) writer.Add(EncodeEventRecord(event));
  EXPECT_GT(writer.record_bytes(), size_t{1} << 21);
  grpc::ByteBuffer message;
  const uint64_t last = std::numeric_limits<uint64_t>::max();
  writer.Finish(last, &message);
  EXPECT_EQ(message.Length(), Expected(batch, last).size());
  EXPECT_EQ(Bytes(message), Expected(batch, last));
}

TEST(SubscribeWireTest, AWriterStartsEmptyAfterFinishAndRecordsAreShared) {
  const grpc::Slice shared = EncodeEventRecord(MakeEvent(5));
  EventBatchWriter first, second;
  first.Add(EncodeEventRecord(MakeEvent(4)));
  first.Add(shared);
  second.Add(shared);
  grpc::ByteBuffer a, b;
  first.Finish(5, &a);
  second.Finish(6, &b);
  EXPECT_EQ(first.events(), 0);
  EXPECT_EQ(first.record_bytes(), 0u);
  first.Add(shared);
  grpc::ByteBuffer c;
  first.Finish(8, &c);

  EXPECT_EQ(Bytes(a), Expected({MakeEvent(4), MakeEvent(5)}, 5));
  EXPECT_EQ(Bytes(b), Expected({MakeEvent(5)}, 6));
  EXPECT_EQ(Bytes(c), Expected({MakeEvent(5)}, 8));
}

TEST(SubscribeWireTest, ClearDropsTheRecordsAdded) {
  EventBatchWriter writer;
  writer.Add(EncodeEventRecord(MakeEvent(1)));
  writer.Clear();
  writer.Add(EncodeEventRecord(MakeEvent(2)));
  grpc::ByteBuffer message;
  writer.Finish(2, &message);
  EXPECT_EQ(Bytes(message), Expected({MakeEvent(2)}, 2));
}

TEST(SubscribeWireTest, SmallMessagesAreSerialisedAsTheyAre) {
  v1::SubscribeResponse progress;
  progress.mutable_progress()->set_last_examined_sequence(40);
  progress.mutable_progress()->set_head_sequence(90);
  const v1::SubscribeResponse parsed = Parse(SerializeResponse(progress));
  ASSERT_TRUE(parsed.has_progress());
  EXPECT_EQ(parsed.progress().head_sequence(), 90u);
  EXPECT_EQ(parsed.SerializeAsString(), progress.SerializeAsString());
}

}  // namespace
}  // namespace pactlog::services
