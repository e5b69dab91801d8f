// The byte encodings of storage/FORMAT.md, without a database.
#include "storage/rocksdb_format.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pactlog::storage::internal {
namespace {

using ::testing::HasSubstr;

TEST(RocksDbFormatTest, Uint64IsEightBytesBigEndian) {
  EXPECT_EQ(EncodeUint64(0x0102030405060708u),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_LT(EncodeUint64(255), EncodeUint64(256));  // byte order = numeric
  EXPECT_EQ(DecodeUint64(EncodeUint64(~uint64_t{0})), ~uint64_t{0});
  EXPECT_EQ(DecodeUint64("1234567"), std::nullopt);
  EXPECT_EQ(DecodeUint64("123456789"), std::nullopt);
}

TEST(RocksDbFormatTest, DealIndexKeyRoundTrips) {
  const std::string key = DealIndexKey("us-japan-2025", 7);
  EXPECT_EQ(key, std::string("us-japan-2025\0", 14) + EncodeUint64(7));
  const std::optional<DealKey> parsed = ParseDealIndexKey(key);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->deal_id, "us-japan-2025");
  EXPECT_EQ(parsed->number, 7u);
}

TEST(RocksDbFormatTest, MalformedDealIndexKeysDoNotParse) {
  EXPECT_EQ(ParseDealIndexKey("no-terminator"), std::nullopt);
  EXPECT_EQ(ParseDealIndexKey(std::string("\0", 1) + EncodeUint64(1)),
            std::nullopt);  // empty deal id
  EXPECT_EQ(ParseDealIndexKey(std::string("d\0", 2) + "1234567"),
            std::nullopt);  // short number
  EXPECT_EQ(ParseDealIndexKey(std::string("d\0", 2) + EncodeUint64(1) + "x"),
            std::nullopt);  // trailing byte
  EXPECT_FALSE(IsIndexableDealId(std::string("a\0b", 3)));
  EXPECT_FALSE(IsIndexableDealId(""));
}

TEST(RocksDbFormatTest, EventValueRoundTrips) {
  v1::Event event;
  event.set_sequence(42);
  event.set_deal_id("us-japan-2025");
  event.set_deal_version(3);
  event.mutable_data()->set_event_id("e-42");
  absl::StatusOr<std::string> value = EncodeEventValue(event);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ((*value)[0], kEventValueFormat);
  absl::StatusOr<v1::Event> decoded = DecodeEventValue(42, *value);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->SerializeAsString(), event.SerializeAsString());
}

TEST(RocksDbFormatTest, DamagedEventValuesAreDataLossNamingTheSequence) {
  v1::Event event;
  event.set_sequence(9);
  const std::string good = *EncodeEventValue(event);
  struct Case {
    std::string value;
    uint64_t sequence;
    std::string message;
  };
  const Case cases[] = {
      {"", 9, "event at sequence 9 is stored empty"},
      {"\x02" + good.substr(1), 9, "unknown value format byte 0x02"},
      {"\x01\xff", 9, "event at sequence 9 does not decode"},
      {good, 10, "event stored at sequence 10 carries sequence 9"},
  };
  for (const Case& c : cases) {
    const absl::Status status = DecodeEventValue(c.sequence, c.value).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << c.message;
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
}

TEST(RocksDbFormatTest, CheckpointRoundTripsAndOtherSizesAreAbsent) {
  const std::string value =
      EncodeCheckpoint({.sequence = 1000, .deal_count = 2});
  ASSERT_EQ(value.size(), 16u);
  const std::optional<CheckpointValue> decoded = DecodeCheckpoint(value);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->sequence, 1000u);
  EXPECT_EQ(decoded->deal_count, 2u);
  EXPECT_EQ(DecodeCheckpoint(value.substr(1)), std::nullopt);
  EXPECT_EQ(DecodeCheckpoint(value + "x"), std::nullopt);
}

}  // namespace
}  // namespace pactlog::storage::internal
