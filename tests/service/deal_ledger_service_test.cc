// DealLedger.Append against a real server: results, every error code, the
// idempotency contract, atomicity and concurrency.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

using ::testing::HasSubstr;

class DealLedgerServiceTest : public ServerTest {
 protected:
  // Announces "us-japan" with a 550B ceiling.
  void AnnounceDeal() {
    ASSERT_TRUE(Append(*server_, Request("us-japan",
                                         {DealEvent("US-Japan", 550'000'000'000,
                                                    Date(2025, 7, 22))}))
                    .ok());
  }
  uint64_t Head() {
    v1::ReadRequest request;
    v1::ReadResponse response;
    EXPECT_TRUE(
        server_->stream().Read(Context().get(), request, &response).ok());
    return response.head_sequence();
  }
};

TEST_F(DealLedgerServiceTest, AppendReturnsSequencesVersionAndEventIds) {
  v1::AppendRequest request = Request(
      "us-japan", {DealEvent("US-Japan", 550'000'000'000, Date(2025, 7, 22)),
                   TariffEvent("all-goods", 1500, Date(2025, 8, 7))});
  request.mutable_events(0)->set_event_id("deal-1");
  v1::AppendResponse response;
  ASSERT_TRUE(Append(*server_, request, &response).ok());
  EXPECT_THAT(response.sequences(), ::testing::ElementsAre(1, 2));
  EXPECT_EQ(response.deal_version(), 2u);
  EXPECT_FALSE(response.deduplicated());
  // The embedded log: fsynced on this machine before the answer.
  EXPECT_EQ(response.durability(), v1::DURABILITY_SYNCED_LOCAL);
  ASSERT_EQ(response.event_ids_size(), 2);
  EXPECT_EQ(response.event_ids(0), "deal-1");
  // A generated id is a version-7 UUID whose first 48 bits are the
  // recorded time in Unix milliseconds.
  EXPECT_THAT(response.event_ids(1),
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-["
                                      "89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  {
    std::string hex = response.event_ids(1).substr(0, 13);
    hex.erase(8, 1);
    EXPECT_EQ(std::stoull(hex, nullptr, 16),
              static_cast<uint64_t>(absl::ToUnixMillis(clock_.Now())));
  }
  EXPECT_EQ(response.recorded_time().seconds(),
            absl::ToUnixSeconds(clock_.Now()));
}

TEST_F(DealLedgerServiceTest,
       MalformedRequestIsInvalidArgumentListingEveryViolation) {
  v1::AppendRequest request = Request(
      "Bad Deal",
      {ProjectEvent("p1", v1::SECTOR_ENERGY, "XX", -5, Date(2025, 8, 1))});
  request.set_actor("");
  grpc::Status status = Append(*server_, request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("deal_id"));
  EXPECT_THAT(status.error_message(), HasSubstr("actor"));
  EXPECT_THAT(status.error_message(), HasSubstr("us_state"));
  EXPECT_THAT(status.error_message(), HasSubstr("minor_units"));
  EXPECT_EQ(Head(), 0u);
}

// The same violations as data: google.rpc.Status in the call's error
// details (grpc-status-details-bin), holding a google.rpc.BadRequest.
TEST_F(DealLedgerServiceTest,
       MalformedRequestCarriesEveryViolationAsBadRequest) {
  v1::AppendRequest request = Request(
      "Bad Deal",
      {ProjectEvent("p1", v1::SECTOR_ENERGY, "XX", -5, Date(2025, 8, 1))});
  request.set_actor("");
  const grpc::Status status = Append(*server_, request);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(details.message(), status.error_message());
  ASSERT_EQ(details.details_size(), 1);
  EXPECT_EQ(details.details(0).type_url(),
            "type.googleapis.com/google.rpc.BadRequest");
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  std::vector<std::string> fields;
  for (const auto& violation : bad_request.field_violations()) {
    fields.push_back(violation.field());
    EXPECT_THAT(status.error_message(),
                HasSubstr(absl::StrCat(violation.field(), ": ",
                                       violation.description())));
  }
  EXPECT_THAT(
      fields,
      ::testing::IsSupersetOf(
          {"deal_id", "actor", "events[0].announcement.project.us_state",
           "events[0].announcement.project.pledged.minor_units"}));
}

// The google.rpc.ErrorInfo in `status`'s details (domain/error_info.h);
// fails the test when there is none or something else is there too.
google::rpc::ErrorInfo OnlyErrorInfo(const grpc::Status& status) {
  google::rpc::ErrorInfo info;
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.details_size(), 1);
  if (details.details_size() != 1) return info;
  EXPECT_EQ(details.details(0).type_url(),
            "type.googleapis.com/google.rpc.ErrorInfo");
  EXPECT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.domain(), "pactlog.v1");
  return info;
}

// A rule, not the request's shape, is broken: no field violations, but the
// rule's name and what it found as an ErrorInfo; in a batch the message
// names the event and the details survive.
TEST_F(DealLedgerServiceTest, BrokenRuleCarriesTheRuleAsErrorInfo) {
  AnnounceDeal();
  const grpc::Status status = Append(
      *server_,
      Request("us-japan", {TariffEvent("all-goods", 1500, Date(2025, 8, 7)),
                           ProjectEvent("big", v1::SECTOR_ENERGY, "TX",
                                        550'000'000'001, Date(2025, 9, 1))}));
  ASSERT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), ::testing::StartsWith("events[1]: "));
  const google::rpc::ErrorInfo info = OnlyErrorInfo(status);
  EXPECT_EQ(info.reason(), "RULE_BROKEN");
  EXPECT_EQ(info.metadata().at("rule"), "pledge-within-ceiling");
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat("rule pledge-within-ceiling: ",
                                     info.metadata().at("detail"))));
  EXPECT_EQ(Head(), 1u);
}

TEST_F(DealLedgerServiceTest, StaleExpectedVersionIsAbortedWithCurrentVersion) {
  AnnounceDeal();
  v1::AppendRequest request =
      Request("us-japan", {TariffEvent("all-goods", 1500, Date(2025, 8, 7))});
  request.mutable_expected_version()->set_exact(5);
  grpc::Status status = Append(*server_, request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(), HasSubstr("is at version 1"));
  const google::rpc::ErrorInfo info = OnlyErrorInfo(status);
  EXPECT_EQ(info.reason(), "EXPECTED_VERSION_MISMATCH");
  EXPECT_THAT(info.metadata(), ::testing::UnorderedElementsAre(
                                   ::testing::Pair("deal_id", "us-japan"),
                                   ::testing::Pair("current_version", "1")));
  request.mutable_expected_version()->set_exact(1);
  EXPECT_TRUE(Append(*server_, request).ok());
}

TEST_F(DealLedgerServiceTest, NoDealExpectationOnExistingDealIsAborted) {
  AnnounceDeal();
  v1::AppendRequest request =
      Request("us-japan", {TariffEvent("all-goods", 1500, Date(2025, 8, 7))});
  request.mutable_expected_version()->set_no_deal(true);
  grpc::Status status = Append(*server_, request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(), HasSubstr("already exists at version 1"));
  EXPECT_EQ(OnlyErrorInfo(status).metadata().at("current_version"), "1");
  EXPECT_EQ(Head(), 1u);
}

TEST_F(DealLedgerServiceTest, EventOnUnannouncedDealIsNotFound) {
  grpc::Status status = Append(
      *server_,
      Request("nowhere", {TariffEvent("all-goods", 1500, Date(2025, 8, 7))}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("nowhere"));
  EXPECT_EQ(Head(), 0u);
}

TEST_F(DealLedgerServiceTest, ApprovalOfUnknownProjectIsNotFound) {
  AnnounceDeal();
  grpc::Status status = Append(
      *server_,
      Request("us-japan", {ApprovalEvent("ghost", 10, Date(2025, 9, 1))}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("ghost"));
}

TEST_F(DealLedgerServiceTest,
       PledgeAboveCeilingIsFailedPreconditionAndWritesNothing) {
  AnnounceDeal();
  grpc::Status status = Append(
      *server_,
      Request("us-japan", {ProjectEvent("big", v1::SECTOR_ENERGY, "TX",
                                        550'000'000'001, Date(2025, 9, 1))}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("pledge-within-ceiling"));
  EXPECT_THAT(status.error_message(), HasSubstr("55000000000000"));
  const google::rpc::ErrorInfo info = OnlyErrorInfo(status);
  EXPECT_EQ(info.reason(), "RULE_BROKEN");
  EXPECT_EQ(info.metadata().at("rule"), "pledge-within-ceiling");
  EXPECT_EQ(info.metadata().at("ceiling"), "55000000000000");
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat("would reach ",
                                     info.metadata().at("would_reach"))));
  EXPECT_EQ(Head(), 1u);
}

TEST_F(DealLedgerServiceTest, BatchIsAllOrNothing) {
  AnnounceDeal();
  // The second event over-approves: neither may be recorded.
  grpc::Status status = Append(
      *server_,
      Request("us-japan", {ProjectEvent("lng-tx", v1::SECTOR_OIL_AND_GAS, "TX",
                                        100, Date(2026, 2, 18)),
                           ApprovalEvent("lng-tx", 101, Date(2026, 2, 18))}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("events[1]"));
  EXPECT_EQ(Head(), 1u);
  v1::GetProjectRequest get;
  get.set_deal_id("us-japan");
  get.set_project_id("lng-tx");
  v1::GetProjectResponse project;
  EXPECT_EQ(
      server_->query().GetProject(Context().get(), get, &project).error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(DealLedgerServiceTest,
       RetriedRequestGetsOriginalResultAndWritesNothing) {
  AnnounceDeal();
  v1::AppendRequest request =
      Request("us-japan", {TariffEvent("all-goods", 1500, Date(2025, 8, 7)),
                           TariffEvent("autos", 1500, Date(2025, 9, 16))});
  request.mutable_events(0)->set_event_id("eo-1");
  request.mutable_events(1)->set_event_id("eo-2");
  request.mutable_expected_version()->set_exact(1);
  v1::AppendResponse first, second;
  ASSERT_TRUE(Append(*server_, request, &first).ok());
  clock_.Advance(absl::Hours(1));
  // The retry's expected version no longer holds; it still gets the result.
  ASSERT_TRUE(Append(*server_, request, &second).ok());
  EXPECT_TRUE(second.deduplicated());
  EXPECT_EQ(second.durability(), v1::DURABILITY_SYNCED_LOCAL);
  EXPECT_THAT(second.sequences(),
              ::testing::ElementsAreArray(first.sequences()));
  EXPECT_EQ(second.deal_version(), first.deal_version());
  EXPECT_EQ(second.recorded_time().seconds(), first.recorded_time().seconds());
  EXPECT_EQ(Head(), 3u);
  // Survives a restart: idempotency is permanent.
  Restart();
  ASSERT_TRUE(Append(*server_, request, &second).ok());
  EXPECT_TRUE(second.deduplicated());
  EXPECT_EQ(Head(), 3u);
}

TEST_F(DealLedgerServiceTest, ReusedEventIdWithOtherContentIsAlreadyExists) {
  AnnounceDeal();
  v1::AppendRequest request =
      Request("us-japan", {TariffEvent("all-goods", 1500, Date(2025, 8, 7))});
  request.mutable_events(0)->set_event_id("eo-1");
  ASSERT_TRUE(Append(*server_, request).ok());
  request.mutable_events(0)->mutable_tariff_change()->set_rate_bps(2500);
  grpc::Status status = Append(*server_, request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("eo-1"));
  EXPECT_THAT(status.error_message(), HasSubstr("sequence 2"));
  EXPECT_EQ(Head(), 2u);
}

TEST_F(DealLedgerServiceTest,
       RequestMixingRecordedAndNewEventIdsIsAlreadyExists) {
  AnnounceDeal();
  v1::AppendRequest request =
      Request("us-japan", {TariffEvent("all-goods", 1500, Date(2025, 8, 7))});
  request.mutable_events(0)->set_event_id("eo-1");
  ASSERT_TRUE(Append(*server_, request).ok());
  *request.add_events() = TariffEvent("autos", 1500, Date(2025, 9, 16));
  request.mutable_events(1)->set_event_id("eo-2");
  EXPECT_EQ(Append(*server_, request).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Head(), 2u);
}

TEST_F(DealLedgerServiceTest, TooManyEventsIsResourceExhaustedWithTheLimit) {
  std::vector<v1::EventData> events(
      1001, TariffEvent("all-goods", 1500, Date(2025, 8, 7)));
  grpc::Status status = Append(*server_, Request("us-japan", events));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("1000"));
  EXPECT_EQ(Head(), 0u);
}

TEST_F(DealLedgerServiceTest, OversizedMessageIsResourceExhausted) {
  v1::EventData event = DealEvent("US-Japan", 1, Date(2025, 7, 22));
  event.mutable_provenance()->set_source(std::string(5 * 1024 * 1024, 'x'));
  grpc::Status status = Append(*server_, Request("us-japan", {event}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Head(), 0u);
}

TEST_F(DealLedgerServiceTest, ConcurrentDisbursementsNeverExceedTheApproval) {
  AnnounceDeal();
  ASSERT_TRUE(
      Append(*server_,
             Request("us-japan",
                     {ProjectEvent("ohio-gas", v1::SECTOR_ENERGY, "OH", 1000,
                                   Date(2026, 2, 18)),
                      ApprovalEvent("ohio-gas", 1000, Date(2026, 2, 18))}))
          .ok());
  // 40 concurrent disbursements of 100 against an approval of 1000.
  std::atomic<int> accepted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        grpc::Status status = Append(
            *server_,
            Request("us-japan",
                    {DisbursementEvent("ohio-gas", 100, Date(2026, 3, 1))}));
        if (status.ok()) {
          ++accepted;
        } else {
          EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
          ++refused;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 10);
  EXPECT_EQ(refused.load(), 30);
  v1::GetProjectRequest get;
  get.set_deal_id("us-japan");
  get.set_project_id("ohio-gas");
  v1::GetProjectResponse project;
  ASSERT_TRUE(server_->query().GetProject(Context().get(), get, &project).ok());
  EXPECT_EQ(project.project().disbursed().minor_units(), 1000 * 100);
  EXPECT_EQ(project.project().status(), v1::PROJECT_STATUS_FULLY_DISBURSED);
}

TEST_F(DealLedgerServiceTest,
       ConcurrentAppendersGetGaplessUniqueReadableSequences) {
  constexpr int kDeals = 4;
  constexpr int kThreads = 16;
  constexpr int kPerThread = 40;
  for (int d = 0; d < kDeals; ++d) {
    ASSERT_TRUE(Append(*server_,
                       Request(absl::StrCat("deal-", d),
                               {DealEvent("D", 1'000'000, Date(2025, 7, 22))}))
                    .ok());
  }
  absl::Mutex mu;
  std::map<uint64_t, std::string> acknowledged;  // sequence -> event id
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        v1::AppendRequest request =
            Request(absl::StrCat("deal-", (t + i) % kDeals),
                    {TariffEvent("all-goods", 1000 + i, Date(2025, 8, 1))});
        request.mutable_events(0)->set_event_id(absl::StrCat("t", t, "-", i));
        v1::AppendResponse response;
        grpc::Status status = Append(*server_, request, &response);
        ASSERT_TRUE(status.ok()) << status.error_message();
        absl::MutexLock lock(&mu);
        EXPECT_TRUE(
            acknowledged.emplace(response.sequences(0), response.event_ids(0))
                .second)
            << "sequence " << response.sequences(0) << " acknowledged twice";
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(acknowledged.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(acknowledged.begin()->first, kDeals + 1u);
  EXPECT_EQ(acknowledged.rbegin()->first,
            static_cast<uint64_t>(kDeals + kThreads * kPerThread));
  // Every acknowledged event is readable at its sequence; per-deal versions
  // are gapless.
  std::map<std::string, uint64_t> versions;
  uint64_t after = 0;
  size_t seen = 0;
  while (true) {
    v1::ReadRequest read;
    read.set_after_sequence(after);
    read.set_limit(1000);
    v1::ReadResponse page;
    ASSERT_TRUE(server_->stream().Read(Context().get(), read, &page).ok());
    for (const v1::Event& event : page.events()) {
      EXPECT_EQ(event.sequence(), after + 1);
      after = event.sequence();
      EXPECT_EQ(event.deal_version(), ++versions[event.deal_id()]);
      if (auto it = acknowledged.find(event.sequence());
          it != acknowledged.end()) {
        EXPECT_EQ(event.data().event_id(), it->second);
        ++seen;
      }
    }
    if (page.events().empty()) break;
  }
  EXPECT_EQ(seen, acknowledged.size());
}

}  // namespace
}  // namespace pactlog::testing
