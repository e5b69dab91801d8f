// What pactctl makes of the JSON a user types: `append --events` and the
// lines of a `load` file. The inputs the fuzzer found are pinned here.
#include "sdk/pactctl/json_input.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pactlog/v1/ledger.pb.h"
#include "sdk/pactctl/commands.h"
#include "sdk/pactctl/load.h"

namespace pactlog::pactctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

TEST(FindEmptyJsonKeyTest, FindsAnEmptyKeyAtAnyDepth) {
  EXPECT_THAT(FindEmptyJsonKey(R"({"":1})"), Optional(1u));
  EXPECT_THAT(FindEmptyJsonKey(R"([{"a":{"b":[{"" : 2}]}}])"), Optional(13u));
  EXPECT_THAT(FindEmptyJsonKey("{'':1}"), Optional(1u));
  EXPECT_THAT(FindEmptyJsonKey("{\"\"\n\t:1}"), Optional(1u));
}

TEST(FindEmptyJsonKeyTest, IgnoresEmptyValuesAndQuotesInsideStrings) {
  EXPECT_EQ(FindEmptyJsonKey(R"({"event_id":""})"), std::nullopt);
  EXPECT_EQ(FindEmptyJsonKey(R"(["",""])"), std::nullopt);
  EXPECT_EQ(FindEmptyJsonKey(R"({"a\"":"\"\"", "b":"'':"})"), std::nullopt);
  EXPECT_EQ(FindEmptyJsonKey(R"({"a":"\\"})"), std::nullopt);
  EXPECT_EQ(FindEmptyJsonKey(R"({"unterminated)"), std::nullopt);
}

// Found by pactctl_json_fuzzer: Protobuf's parser took "" inside an event
// to name the wrapping request's `events` field and parsed this to an
// event whose printed JSON parsed to another event.
TEST(ParseEventsJsonTest, EmptyKeyIsInvalidArgumentNamingIt) {
  auto events = ParseEventsJson(R"({"":[{"event_id":"x"}]})");
  ASSERT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(events.status().message(),
              HasSubstr("--events has an empty key (\"\") at byte 1"));
  EXPECT_THAT(events.status().message(), HasSubstr("pactlog.v1.EventData"));

  EXPECT_EQ(ParseEventsJson(R"([{"event_id":"x","provenance":{"":1}}])")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseEventsJsonTest, EmptyStringValuesStillParse) {
  auto events = ParseEventsJson(R"({"event_id":"","tariff_change":{}})");
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_TRUE((*events)[0].has_tariff_change());
}

TEST(ParseLoadLineTest, EmptyKeyInsideAnEventIsInvalidArgument) {
  v1::AppendRequest request;
  const absl::Status status = ParseLoadLine(
      R"({"deal_id":"d","events":[{"":[{"event_id":"x"}]}]})", &request);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("the request has an empty key (\"\") at byte 26"));
  EXPECT_EQ(request.events_size(), 0);
}

}  // namespace
}  // namespace pactlog::pactctl
