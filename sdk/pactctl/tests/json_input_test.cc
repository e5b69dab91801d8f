// What pactctl makes of the JSON a user types (`append --events` and the
// lines of a `load` file) and how it prints bytes. The inputs the fuzzer
// found are pinned here.
#include "sdk/pactctl/json_input.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pactlog/v1/ledger.pb.h"
#include "pactlog/v1/query.pb.h"
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

TEST(NormalizeEnumNamesTest, GivesEveryEnumValueItsFullName) {
  const auto& type = *v1::AppendRequest::descriptor();
  // Proto and lowerCamel keys, single quotes, repeated enums, any depth;
  // everything else, numbers beyond a double's precision included, as is.
  EXPECT_EQ(NormalizeEnumNames(
                R"({"events": [{"provenance": {"firmness": "reported"},
              "announcement": {'terms': {"fundingChannels": ["jbic", 'NEXI']}},
              "minor": 9007199254740993}]})",
                type),
            R"({"events": [{"provenance": {"firmness": "FIRMNESS_REPORTED"},
              "announcement": {'terms': {"fundingChannels": ["FUNDING_SOURCE_JBIC", "FUNDING_SOURCE_NEXI"]}},
              "minor": 9007199254740993}]})");
}

TEST(NormalizeEnumNamesTest, LeavesWhatItCannotNameAlone) {
  const auto& type = *v1::AppendRequest::descriptor();
  // Unknown values (for the parser to reject by name), strings of other
  // fields, escaped strings, unknown fields.
  for (const char* json :
       {R"({"events": [{"provenance": {"firmness": "roughly"}}]})",
        R"({"events": [{"provenance": {"source": "reported"}}]})",
        R"({"events": [{"provenance": {"firmness": "reporte\u0064"}}]})",
        R"({"evnts": [{"provenance": {"firmness": "reported"}}]})",
        R"({"events": [{"provenance": {"firmness": "reported"})"}) {
    EXPECT_EQ(NormalizeEnumNames(json, type), json);
  }
}

TEST(ParseEventsJsonTest, LowerCaseEnumsAndDefaultFirmness) {
  auto events = ParseEventsJson(
      R"([{"provenance": {"firmness": "officially-announced"},
           "announcement": {"project": {"sector": "oil and gas"}}},
          {"provenance": {"source": "s"}}])",
      v1::FIRMNESS_CONFIRMED);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].provenance().firmness(),
            v1::FIRMNESS_OFFICIALLY_ANNOUNCED);
  EXPECT_EQ((*events)[0].announcement().project().sector(),
            v1::SECTOR_OIL_AND_GAS);
  EXPECT_EQ((*events)[1].provenance().firmness(), v1::FIRMNESS_CONFIRMED);
  EXPECT_EQ(
      ParseEventsJson(R"({"provenance": {}})")->front().provenance().firmness(),
      v1::FIRMNESS_REPORTED);
  auto unknown = ParseEventsJson(R"({"provenance": {"firmness": "roughly"}})");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("roughly"));
}

TEST(ToJsonLineTest, PrintsBytesInHex) {
  v1::GetDealResponse response;
  response.set_log_sequence(3);
  response.set_chain_head(std::string("\x01\xab\xff", 3));
  EXPECT_EQ(ToJsonLine(response),
            R"({"log_sequence":"3","chain_head":"01abff"})");
}

}  // namespace
}  // namespace pactlog::pactctl
