// The C++ client against a real pactlogd (a child process on a free port
// over a fresh directory).
#include "pactlog/client/client.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "pactlog/client/error.h"
#include "pactlog/client/events.h"
#include "pactlog/client/field_violations.h"
#include "pactlog/client/money.h"
#include "pactlog/v1/ledger.grpc.pb.h"
#include "sdk/cpp/tests/pactlogd_process.h"
#include "sdk/cpp/tests/tcp_proxy.h"
#include "testing/events.h"

namespace pactlog::testing {
namespace {

using ::pactlog::client::AppendOptions;
using ::pactlog::client::Client;
using ::pactlog::client::ClientOptions;
using ::pactlog::client::Error;
using ::pactlog::client::FieldViolation;
using ::pactlog::client::FieldViolations;
using ::pactlog::client::QueryOptions;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Property;

// Option builders (designated initializers that skip members warn with
// -Wextra).
AppendOptions Actor(const std::string& actor) {
  AppendOptions options;
  options.actor = actor;
  return options;
}
AppendOptions Expect(uint64_t version) {
  AppendOptions options;
  options.expected_version = version;
  return options;
}
client::PageOptions Page(int size, const std::string& token = "") {
  client::PageOptions page;
  page.page_size = size;
  page.page_token = token;
  return page;
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = PactlogdProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = Connect(server_->address());
  }

  static std::unique_ptr<Client> Connect(const std::string& address,
                                         ClientOptions options = {}) {
    auto client = Client::Connect(address, std::move(options));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  // Appends the US-Japan deal, two projects, an approval and two tariff
  // changes (sequences 1..6).
  void AppendJapanDeal() {
    auto deal = client_->Append(
        "us-japan", {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22)),
                     TariffEvent("autos", 2750, Date(2025, 4, 3)),
                     TariffEvent("autos", 1500, Date(2025, 9, 16))});
    ASSERT_TRUE(deal.ok()) << deal.status();
    auto projects = client_->Append(
        "us-japan",
        {ProjectEvent("ohio-power", v1::SECTOR_ENERGY, "OH", 33'000'000'000,
                      Date(2026, 2, 17)),
         ProjectEvent("texas-crude", v1::SECTOR_OIL_AND_GAS, "TX",
                      2'100'000'000, Date(2026, 2, 17)),
         ApprovalEvent("ohio-power", 33'000'000'000, Date(2026, 2, 18))});
    ASSERT_TRUE(projects.ok()) << projects.status();
  }

  std::unique_ptr<PactlogdProcess> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientTest, HealthIsServing) {
  auto health = client_->Health();
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, client::ServingStatus::kServing);
}

TEST_F(ClientTest, AppendGivesEveryEventAnIdAndReportsSequences) {
  v1::EventData named = TariffEvent("autos", 2750, Date(2025, 4, 3));
  named.set_event_id("tariff.autos.2025-04-03");
  auto response = client_->Append(
      "us-japan",
      {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22)), named},
      Actor("analyst@example.org"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->sequences(), ElementsAre(1, 2));
  EXPECT_EQ(response->deal_version(), 2u);
  EXPECT_FALSE(response->deduplicated());
  ASSERT_EQ(response->event_ids_size(), 2);
  EXPECT_THAT(
      response->event_ids(0),
      MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{"
                   "3}-[0-9a-f]{12}"));
  EXPECT_EQ(response->event_ids(1), "tariff.autos.2025-04-03");

  auto read = client_->Read(0);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->events_size(), 2);
  EXPECT_EQ(read->events(0).actor(), "analyst@example.org");
  EXPECT_EQ(read->events(0).data().event_id(), response->event_ids(0));
}

TEST_F(ClientTest, AppendWithoutActorUsesTheClientsActor) {
  ClientOptions options;
  options.actor = "importer";
  auto client = Connect(server_->address(), options);
  ASSERT_TRUE(client
                  ->Append("us-japan",
                           {DealEvent(kDealTitle, 1'000, Date(2025, 7, 22))})
                  .ok());
  auto read = client_->Read(0);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->events_size(), 1);
  EXPECT_EQ(read->events(0).actor(), "importer");
}

TEST_F(ClientTest, ResendingARecordedAppendIsDeduplicated) {
  auto first = client_->Append(
      "us-japan", {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))});
  ASSERT_TRUE(first.ok()) << first.status();
  // What a retry sends: the same events with the ids the first attempt got.
  v1::EventData again =
      DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22));
  again.set_event_id(first->event_ids(0));
  auto second = client_->Append("us-japan", {again});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->deduplicated());
  EXPECT_THAT(second->sequences(), ElementsAre(first->sequences(0)));
  auto read = client_->Read(0);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->events_size(), 1);
}

// The answer to an append that was recorded is lost on the way back (the
// proxy cuts the connection once the event is visible in the log). The
// client retries after UNAVAILABLE with the same event ids, and the server
// answers with the original result instead of recording the events twice.
TEST_F(ClientTest, RetryAfterLostAnswerIsDeduplicated) {
  auto proxy = TcpProxy::Start(server_->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto via_proxy = Connect((*proxy)->address());
  ASSERT_TRUE(via_proxy->Health().ok());  // connection established

  Client* direct = client_.get();
  (*proxy)->CutNextAnswer([direct] {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      auto read = direct->Read(0);
      if (read.ok() && read->events_size() > 0) return;
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  auto response = via_proxy->Append(
      "us-japan", {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22)),
                   TariffEvent("all-goods", 1500, Date(2025, 8, 7))});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ((*proxy)->cuts(), 1);
  EXPECT_GE((*proxy)->connections_accepted(), 2);
  EXPECT_TRUE(response->deduplicated());
  EXPECT_THAT(response->sequences(), ElementsAre(1, 2));
  auto read = client_->Read(0);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->events_size(), 2);
}

TEST_F(ClientTest, AppendRetriesUntilTheServerIsBack) {
  ASSERT_TRUE(server_->Stop().ok());
  ClientOptions options;
  options.retry.max_attempts = 200;
  options.retry.max_backoff = absl::Milliseconds(100);
  auto client = Connect(server_->address(), options);
  absl::StatusOr<v1::AppendResponse> response;
  std::thread appender([&] {
    response = client->Append(
        "us-japan",
        {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))});
  });
  absl::Status restarted = server_->Restart();
  appender.join();
  ASSERT_TRUE(restarted.ok()) << restarted;
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->sequences(), ElementsAre(1));
}

TEST_F(ClientTest, UnreachableServerIsUnavailable) {
  ASSERT_TRUE(server_->Stop().ok());
  ClientOptions options;
  options.retry.max_attempts = 2;
  auto client = Connect(server_->address(), options);
  auto response = client->Append(
      "us-japan", {DealEvent(kDealTitle, 1'000, Date(2025, 7, 22))});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  EXPECT_EQ(client->GetDeal("us-japan").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(ClientTest, StaleExpectedVersionIsAborted) {
  ASSERT_TRUE(client_
                  ->Append("us-japan",
                           {DealEvent(kDealTitle, 1'000, Date(2025, 7, 22))},
                           Expect(0))
                  .ok());
  auto again = client_->Append(
      "us-japan", {DealEvent(kDealTitle, 1'000, Date(2025, 7, 22))}, Expect(0));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAborted);
  auto next = client_->Append(
      "us-japan", {TariffEvent("autos", 1500, Date(2025, 9, 16))}, Expect(1));
  ASSERT_TRUE(next.ok()) << next.status();
  auto stale = client_->Append(
      "us-japan", {TariffEvent("autos", 1400, Date(2025, 9, 17))}, Expect(1));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(stale.status().message(), HasSubstr("2"));  // current version
}

TEST_F(ClientTest, MalformedEventIsInvalidArgumentNamingTheField) {
  v1::EventData event = DealEvent(kDealTitle, 1'000, Date(2025, 7, 22));
  event.mutable_announcement()
      ->mutable_deal()
      ->mutable_commitment_ceiling()
      ->set_currency_code("usd");
  event.clear_provenance();
  auto response = client_->Append("us-japan", {event});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("events[0].provenance"));
  EXPECT_THAT(response.status().message(),
              HasSubstr("events[0].announcement.deal.commitment_ceiling"));
  auto bad_deal = client_->Append("Not A Slug!",
                                  {DealEvent(kDealTitle, 1, Date(2025, 1, 1))});
  EXPECT_EQ(bad_deal.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_deal.status().message(), HasSubstr("deal_id"));
}

// A tariff change with two bad fields: a rate over 100% and no legal
// instrument.
v1::EventData TariffWithTwoBadFields() {
  v1::EventData event = TariffEvent("autos", 200'000, Date(2025, 9, 16));
  event.mutable_tariff_change()->clear_legal_instrument();
  return event;
}

TEST_F(ClientTest, AppendWithTwoBadFieldsGivesBothFieldViolations) {
  auto response = client_->Append(
      "us-japan",
      {DealEvent(kDealTitle, 1, Date(2025, 1, 1)), TariffWithTwoBadFields()});
  ASSERT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument)
      << response.status();
  std::vector<FieldViolation> violations = FieldViolations(response.status());
  EXPECT_THAT(violations,
              ElementsAre(Field(&FieldViolation::field,
                                "events[1].tariff_change.rate_bps"),
                          Field(&FieldViolation::field,
                                "events[1].tariff_change.legal_instrument")));
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_THAT(violations[0].description, HasSubstr("200000"));
  EXPECT_THAT(violations[1].description, HasSubstr("empty"));
}

TEST_F(ClientTest, RawStubStatusGivesTheSameFieldViolations) {
  auto stub = v1::DealLedger::NewStub(grpc::CreateChannel(
      server_->address(), grpc::InsecureChannelCredentials()));
  v1::AppendRequest request;
  request.set_deal_id("us-japan");
  request.set_actor("raw-stub");
  *request.add_events() = TariffWithTwoBadFields();
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::AppendResponse response;
  grpc::Status status = stub->Append(&context, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  auto from_client = client_->Append("us-japan", {TariffWithTwoBadFields()});
  EXPECT_EQ(FieldViolations(status), FieldViolations(from_client.status()));
  EXPECT_THAT(FieldViolations(status),
              ElementsAre(Field(&FieldViolation::field,
                                "events[0].tariff_change.rate_bps"),
                          Field(&FieldViolation::field,
                                "events[0].tariff_change.legal_instrument")));
}

TEST_F(ClientTest, ErrorsWithoutDetailsHaveNoFieldViolations) {
  auto missing = client_->GetDeal("no-such-deal");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(FieldViolations(missing.status()), ::testing::IsEmpty());
  EXPECT_THAT(FieldViolations(absl::OkStatus()), ::testing::IsEmpty());
  EXPECT_THAT(FieldViolations(grpc::Status::OK), ::testing::IsEmpty());
}

TEST_F(ClientTest, BrokenRuleIsFailedPrecondition) {
  AppendJapanDeal();
  auto over = client_->Append(
      "us-japan",
      {ApprovalEvent("texas-crude", 3'000'000'000, Date(2026, 2, 18))});
  EXPECT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition)
      << over.status();
}

TEST_F(ClientTest, GetDealAnswersNowAndAsOfEachClock) {
  AppendJapanDeal();
  auto now = client_->GetDeal("us-japan");
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->log_sequence(), 6u);
  EXPECT_EQ(now->deal().commitment_ceiling().minor_units(), 55'000'000'000'000);
  EXPECT_EQ(now->deal().totals().pledged().minor_units(), 3'510'000'000'000);
  EXPECT_EQ(now->deal().totals().approved().minor_units(), 3'300'000'000'000);
  EXPECT_EQ(now->deal().totals().project_count(), 2u);

  // As of log position 3: the deal and its tariffs, no project yet.
  QueryOptions at_three;
  at_three.as_of.sequence = 3;
  auto early = client_->GetDeal("us-japan", at_three);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(early->deal().totals().project_count(), 0u);
  EXPECT_EQ(early->log_sequence(), 3u);

  // In force on 2025-09-01: autos still at 27.5%, above the 15% cap.
  QueryOptions september;
  september.as_of.effective_time = Date(2025, 9, 1);
  auto tariffs = client_->GetTariffs("us-japan", september, "autos");
  ASSERT_TRUE(tariffs.ok()) << tariffs.status();
  ASSERT_EQ(tariffs->tariffs_size(), 1);
  EXPECT_EQ(tariffs->tariffs(0).rate_bps(), 2750);
  EXPECT_TRUE(tariffs->tariffs(0).breaches_cap());
  auto later = client_->GetTariffs("us-japan", {}, "autos");
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->tariffs(0).rate_bps(), 1500);
  EXPECT_FALSE(later->tariffs(0).breaches_cap());

  // What the record knew when the first append was acknowledged.
  auto first = client_->Read(0, {}, 1);
  ASSERT_TRUE(first.ok());
  QueryOptions known_then;
  known_then.as_of.recorded_time =
      absl::FromUnixSeconds(first->events(0).recorded_time().seconds()) +
      absl::Nanoseconds(first->events(0).recorded_time().nanos());
  auto then = client_->GetDeal("us-japan", known_then);
  ASSERT_TRUE(then.ok()) << then.status();
  EXPECT_EQ(then->deal().totals().project_count(), 0u);
}

TEST_F(ClientTest, ProjectQueriesFilterAndPage) {
  AppendJapanDeal();
  auto project = client_->GetProject("us-japan", "ohio-power");
  ASSERT_TRUE(project.ok()) << project.status();
  EXPECT_EQ(project->project().status(), v1::PROJECT_STATUS_APPROVED);
  EXPECT_EQ(project->project().us_state(), "OH");

  auto energy = client_->ListProjects("us-japan", [] {
    client::ProjectFilter f;
    f.sector = v1::SECTOR_ENERGY;
    return f;
  }());
  ASSERT_TRUE(energy.ok()) << energy.status();
  ASSERT_EQ(energy->projects_size(), 1);
  EXPECT_EQ(energy->projects(0).project_id(), "ohio-power");

  auto texas = client_->ListProjects("us-japan", [] {
    client::ProjectFilter f;
    f.us_state = "TX";
    return f;
  }());
  ASSERT_TRUE(texas.ok());
  ASSERT_EQ(texas->projects_size(), 1);
  EXPECT_EQ(texas->projects(0).project_id(), "texas-crude");

  auto page = client_->ListProjects("us-japan", {}, {}, Page(1));
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->projects_size(), 1);
  ASSERT_FALSE(page->next_page_token().empty());
  auto rest = client_->ListProjects("us-japan", {}, {},
                                    Page(1, page->next_page_token()));
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(rest->projects_size(), 1);
  EXPECT_NE(rest->projects(0).project_id(), page->projects(0).project_id());
}

TEST_F(ClientTest, ListDealsPages) {
  AppendJapanDeal();
  ASSERT_TRUE(client_
                  ->Append("us-korea", {DealEvent(kDealTitle, 350'000'000'000,
                                                  Date(2025, 7, 30))})
                  .ok());
  auto first = client_->ListDeals({}, Page(1));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->deals_size(), 1);
  EXPECT_EQ(first->deals(0).deal_id(), "us-japan");
  auto second = client_->ListDeals({}, Page(1, first->next_page_token()));
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->deals_size(), 1);
  EXPECT_EQ(second->deals(0).deal_id(), "us-korea");
  EXPECT_TRUE(second->next_page_token().empty());
}

TEST_F(ClientTest, QueryErrorsCarryTheirCodes) {
  AppendJapanDeal();
  EXPECT_EQ(client_->GetDeal("no-such-deal").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(client_->GetProject("us-japan", "nope").status().code(),
            absl::StatusCode::kNotFound);
  QueryOptions future;
  future.at_least_sequence = 1000;
  auto ahead = client_->GetDeal("us-japan", future);
  EXPECT_EQ(ahead.status().code(), absl::StatusCode::kOutOfRange)
      << ahead.status();
  QueryOptions reached;
  reached.at_least_sequence = 6;
  EXPECT_TRUE(client_->GetDeal("us-japan", reached).ok());
}

TEST_F(ClientTest, GetLineageTracesAProjectThroughItsAmendments) {
  v1::EventData deal =
      DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22));
  v1::EventData project = ProjectEvent("ohio-power", v1::SECTOR_ENERGY, "OH",
                                       33'000'000'000, Date(2026, 2, 17));
  project.set_event_id("ohio.announced");
  v1::EventData revision = ReviseEvent("ohio.announced", Usd(30'000'000'000));
  revision.set_event_id("ohio.revised");
  *revision.mutable_effective_time() = Time(Date(2026, 3, 1));
  v1::EventData correction = CorrectEvent(
      "ohio.revised", ProjectEvent("ohio-power", v1::SECTOR_ENERGY, "PA",
                                   31'000'000'000, Date(2026, 2, 17)));
  correction.set_event_id("ohio.corrected");
  ASSERT_TRUE(client_->Append("us-japan", {deal, project}).ok());
  ASSERT_TRUE(client_->Append("us-japan", {revision}).ok());
  auto corrected = client_->Append("us-japan", {correction});
  ASSERT_TRUE(corrected.ok()) << corrected.status();

  client::LineageSubject ohio;
  ohio.project_id = "ohio-power";
  auto lineage = client_->GetLineage("us-japan", ohio);
  ASSERT_TRUE(lineage.ok()) << lineage.status();
  EXPECT_EQ(lineage->log_sequence(), 4u);
  EXPECT_TRUE(lineage->next_page_token().empty());
  EXPECT_EQ(lineage->figures().pledged().minor_units(), 3'100'000'000'000);
  ASSERT_EQ(lineage->entries_size(), 3);
  EXPECT_THAT(
      lineage->entries(),
      ElementsAre(Property(&v1::LineageEntry::event_id, "ohio.announced"),
                  Property(&v1::LineageEntry::event_id, "ohio.revised"),
                  Property(&v1::LineageEntry::event_id, "ohio.corrected")));
  EXPECT_THAT(lineage->entries(0).summary(), HasSubstr("ohio-power"));
  EXPECT_THAT(lineage->entries(1).summary(), HasSubstr("revises"));
  EXPECT_EQ(lineage->entries(1).target_event_id(), "ohio.announced");
  EXPECT_EQ(lineage->entries(1).kind(), v1::EVENT_KIND_AMENDMENT);
  EXPECT_THAT(lineage->entries(2).summary(), HasSubstr("corrects"));
  EXPECT_EQ(lineage->entries(2).target_event_id(), "ohio.revised");

  // One entry a page gives the same sequence.
  std::vector<v1::LineageEntry> paged;
  client::PageOptions page = Page(1);
  for (int pages = 0; pages <= lineage->entries_size(); ++pages) {
    auto one = client_->GetLineage("us-japan", ohio, {}, page);
    ASSERT_TRUE(one.ok()) << one.status();
    ASSERT_LE(one->entries_size(), 1);
    EXPECT_EQ(one->figures().pledged().minor_units(), 3'100'000'000'000);
    paged.insert(paged.end(), one->entries().begin(), one->entries().end());
    page.page_token = one->next_page_token();
    if (page.page_token.empty()) break;
  }
  EXPECT_TRUE(page.page_token.empty()) << "more pages than entries";
  ASSERT_EQ(paged.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(paged[i].sequence(), lineage->entries(i).sequence());
    EXPECT_EQ(paged[i].summary(), lineage->entries(i).summary());
  }

  // Before the correction: the revised figure.
  QueryOptions before;
  before.as_of.sequence = 3;
  auto revised = client_->GetLineage("us-japan", ohio, before);
  ASSERT_TRUE(revised.ok()) << revised.status();
  EXPECT_EQ(revised->entries_size(), 2);
  EXPECT_EQ(revised->figures().pledged().minor_units(), 3'000'000'000'000);

  EXPECT_EQ(client_->GetLineage("no-such-deal").status().code(),
            absl::StatusCode::kNotFound);
  client::LineageSubject unknown;
  unknown.project_id = "no-such-project";
  EXPECT_EQ(client_->GetLineage("us-japan", unknown).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ClientTest, ReadPagesThroughTheLogWithFilters) {
  ASSERT_TRUE(client_
                  ->Append("us-japan", {DealEvent(kDealTitle, 1'000'000,
                                                  Date(2025, 7, 22))})
                  .ok());
  ASSERT_TRUE(client_
                  ->Append("us-korea", {DealEvent(kDealTitle, 1'000'000,
                                                  Date(2025, 7, 30))})
                  .ok());
  for (int i = 0; i < 12; ++i) {
    const char* deal = i % 2 == 0 ? "us-japan" : "us-korea";
    ASSERT_TRUE(client_
                    ->Append(deal, {TariffEvent("autos", 1000 + i,
                                                Date(2025, 8, 1 + i))})
                    .ok());
  }
  // All 14 events in pages of 5, each sequence once.
  std::vector<uint64_t> seen;
  uint64_t after = 0;
  int pages = 0;
  while (true) {
    auto page = client_->Read(after, {}, 5);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->head_sequence(), 14u);
    for (const v1::Event& event : page->events())
      seen.push_back(event.sequence());
    if (page->events_size() == 0) break;
    after = page->last_examined_sequence();
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 14u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);

  // Only Korea's tariff changes.
  v1::EventFilter filter;
  filter.add_deal_ids("us-korea");
  filter.add_kinds(v1::EVENT_KIND_TARIFF_CHANGE);
  auto korea = client_->Read(0, filter, 100);
  ASSERT_TRUE(korea.ok()) << korea.status();
  EXPECT_EQ(korea->events_size(), 6);
  for (const v1::Event& event : korea->events()) {
    EXPECT_EQ(event.deal_id(), "us-korea");
    EXPECT_TRUE(event.data().has_tariff_change());
  }
  EXPECT_EQ(client_->Read(0, {}, 5000).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ClientConnectTest, RejectsBadOptions) {
  EXPECT_EQ(Client::Connect("").status().code(),
            absl::StatusCode::kInvalidArgument);
  ClientOptions token;
  token.bearer_token = "abc\ndef";
  EXPECT_EQ(Client::Connect("127.0.0.1:1", token).status().code(),
            absl::StatusCode::kInvalidArgument);
  ClientOptions half_tls;
  half_tls.tls.emplace();
  half_tls.tls->client_cert_pem = "-----BEGIN";
  auto rejected = Client::Connect("127.0.0.1:1", half_tls);
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(rejected.status().message(), HasSubstr("client_key_pem"));
  ClientOptions no_deadline;
  no_deadline.deadline = absl::ZeroDuration();
  EXPECT_EQ(Client::Connect("127.0.0.1:1", no_deadline).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ClientConnectTest, ReadFileNamesTheMissingPath) {
  auto missing = client::ReadFileToString("/nonexistent/ca.pem");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/ca.pem"));
}

TEST(RandomUuidTest, IsVersionFourAndUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(client::RandomUuid());
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_THAT(
      *ids.begin(),
      MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{"
                   "3}-[0-9a-f]{12}"));
}

namespace pc = ::pactlog::client;

// The behaviour rules of sdk/BEHAVIOUR.md that need a server.
class ClientBehaviourTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = PactlogdProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto client = Client::Connect(server_->address());
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  static v1::EventData Announcement(const std::string& title) {
    return pc::AnnounceDeal(title, "JP", "US",
                            pc::MoneyFromMinorUnits("USD", 100'000),
                            {{"all-goods", 1500}})
        .Source("client_test");
  }

  std::unique_ptr<PactlogdProcess> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ClientBehaviourTest, BuiltEventsAreRecordedAsReportedByTheDefaultActor) {
  int attempts = 0;
  AppendOptions options;
  options.attempts = &attempts;
  auto appended = client_->Append("d", {Announcement("deal")}, options);
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(attempts, 1);
  auto read = client_->Read(0);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->events_size(), 1);
  EXPECT_EQ(read->events(0).data().provenance().firmness(),
            v1::FIRMNESS_REPORTED);
  // The client's resolved actor (PACTLOG_ACTOR, else user@host) is the one
  // recorded.
  EXPECT_FALSE(client_->options().actor.empty());
  EXPECT_EQ(read->events(0).actor(), client_->options().actor);
}

TEST_F(ClientBehaviourTest, StaleExpectedVersionCarriesTheCurrentVersion) {
  ASSERT_TRUE(client_->Append("d", {Announcement("deal")}).ok());
  AppendOptions expect_new;
  expect_new.expected_version = 0;
  auto again = client_->Append("d", {Announcement("again")}, expect_new);
  Error error(again.status());
  EXPECT_EQ(error.code, absl::StatusCode::kAborted);
  EXPECT_EQ(error.reason, pc::kExpectedVersionMismatch);
  EXPECT_EQ(error.deal_id, "d");
  EXPECT_EQ(error.current_version, 1u);
  EXPECT_EQ(error.attempts, 1);
}

TEST_F(ClientBehaviourTest, BrokenRuleCarriesTheRuleName) {
  ASSERT_TRUE(client_->Append("d", {Announcement("deal")}).ok());
  Error error(client_->Append("d", {Announcement("twice")}).status());
  EXPECT_EQ(error.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(error.reason, pc::kRuleBroken);
  EXPECT_EQ(error.rule, "deal-announced-once");
  EXPECT_FALSE(error.rule_detail.empty());
}

TEST_F(ClientBehaviourTest, BadDealIdCarriesItsFieldViolation) {
  Error error(client_->Append("Bad Deal!", {Announcement("bad")}).status());
  EXPECT_EQ(error.code, absl::StatusCode::kInvalidArgument);
  ASSERT_FALSE(error.field_violations.empty());
  EXPECT_EQ(error.field_violations[0].field, "deal_id");
}

TEST_F(ClientBehaviourTest, AnUnreachableServerIsTriedFiveTimesInAll) {
  ASSERT_TRUE(server_->Stop().ok());
  ClientOptions options;
  options.retry.max_backoff = absl::Milliseconds(20);
  options.retry.initial_backoff = absl::Milliseconds(10);
  EXPECT_EQ(options.retry.max_attempts, 5);
  auto client = Client::Connect(server_->address(), options);
  ASSERT_TRUE(client.ok()) << client.status();
  int attempts = 0;
  AppendOptions counted;
  counted.attempts = &attempts;
  auto appended = (*client)->Append("d", {Announcement("deal")}, counted);
  Error error(appended.status());
  EXPECT_EQ(error.code, absl::StatusCode::kUnavailable);
  EXPECT_EQ(error.attempts, 5);
  EXPECT_EQ(attempts, 5);
}

TEST_F(ClientBehaviourTest, ListAllDealsWalksEveryPageLazily) {
  for (const char* deal : {"a", "b", "c"}) {
    ASSERT_TRUE(client_->Append(deal, {Announcement(deal)}).ok());
  }
  client::PageOptions one;
  one.page_size = 1;
  auto page = client_->ListDeals({}, one);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->deals_size(), 1);
  EXPECT_FALSE(page->next_page_token().empty());

  auto deals = client_->ListAllDeals({}, 1);
  EXPECT_EQ(deals.pages(), 0);
  ASSERT_TRUE(deals.Next());
  EXPECT_EQ(deals.pages(), 1);
  std::vector<std::string> ids = {deals.value().deal_id()};
  // A deal recorded after the first page is not in this listing: the later
  // pages are read as of the first.
  ASSERT_TRUE(client_->Append("d", {Announcement("late")}).ok());
  while (deals.Next()) ids.push_back(deals.value().deal_id());
  EXPECT_TRUE(deals.status().ok()) << deals.status();
  EXPECT_THAT(ids, ElementsAre("a", "b", "c"));
}

TEST_F(ClientBehaviourTest, ListAllProjectsWalksEveryPage) {
  ASSERT_TRUE(client_->Append("d", {Announcement("deal")}).ok());
  std::vector<v1::EventData> projects;
  for (const char* id : {"p1", "p2", "p3"}) {
    projects.push_back(pc::AnnounceProject(id, id, v1::SECTOR_ENERGY, "OH",
                                           pc::MoneyFromMinorUnits("USD", 10))
                           .Source("client_test"));
  }
  ASSERT_TRUE(client_->Append("d", projects).ok());
  auto listing = client_->ListAllProjects("d", {}, {}, 2);
  std::vector<std::string> ids;
  while (listing.Next()) ids.push_back(listing.value().project_id());
  EXPECT_TRUE(listing.status().ok()) << listing.status();
  EXPECT_THAT(ids, ElementsAre("p1", "p2", "p3"));
  EXPECT_EQ(listing.pages(), 2);

  auto unknown = client_->ListAllProjects("nope");
  EXPECT_FALSE(unknown.Next());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace pactlog::testing
