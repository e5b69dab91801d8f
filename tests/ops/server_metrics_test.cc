// pactlogd's series, read over HTTP from a real server while it serves
// real calls.
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/ops/ops_support.h"

namespace pactlog::testing {
namespace {

class ServerMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ops_ = OpsServer::Start(dir_.path(), &clock_);
    ASSERT_NE(ops_, nullptr);
    ASSERT_GT(ops_->metrics_port(), 0);
  }

  grpc::Status Append(const v1::AppendRequest& request,
                      v1::AppendResponse* response = nullptr) {
    v1::AppendResponse ignored;
    return ops_->ledger().Append(Context().get(), request,
                                 response ? response : &ignored);
  }

  // The value of `series`, or -1 when the scrape lacks it.
  static double Value(const std::map<std::string, double>& scrape,
                      const std::string& series) {
    auto it = scrape.find(series);
    return it == scrape.end() ? -1 : it->second;
  }

  TempDir dir_;
  ManualClock clock_{Date(2026, 1, 5)};
  std::unique_ptr<OpsServer> ops_;
};

TEST_F(ServerMetricsTest, AppendsAreCountedByKindResultAndCode) {
  const absl::Time day = Date(2025, 9, 1);
  v1::AppendRequest announce = Request(
      "us-japan",
      {DealEvent("US-Japan", 550'000'000'000, day),
       ProjectEvent("ap1000", v1::SECTOR_ENERGY, "GA", 1'000'000'000, day)});
  announce.mutable_events(0)->set_event_id("deal-1");
  announce.mutable_events(1)->set_event_id("project-1");
  ASSERT_TRUE(Append(announce).ok());
  ASSERT_TRUE(
      Append(Request("us-japan", {ApprovalEvent("ap1000", 500'000'000, day),
                                  TariffEvent("all-goods", 1500, day)}))
          .ok());
  v1::AppendResponse retry;
  ASSERT_TRUE(Append(announce, &retry).ok());  // a retry: deduplicated
  ASSERT_TRUE(retry.deduplicated());
  v1::AppendRequest malformed = Request("us-japan", {});  // no events
  EXPECT_EQ(Append(malformed).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::AppendRequest stale =
      Request("us-japan", {TariffEvent("autos", 2500, day)});
  stale.mutable_expected_version()->set_exact(1);
  EXPECT_EQ(Append(stale).error_code(), grpc::StatusCode::ABORTED);

  const auto scrape = ops_->Scrape();
  const std::string append =
      "service=\"pactlog.v1.DealLedger\",method=\"Append\"";
  EXPECT_EQ(Value(scrape,
                  "pactlog_events_appended_total{kind=\"deal_announcement\"}"),
            1);
  EXPECT_EQ(
      Value(scrape,
            "pactlog_events_appended_total{kind=\"project_announcement\"}"),
      1);
  EXPECT_EQ(Value(scrape, "pactlog_events_appended_total{kind=\"approval\"}"),
            1);
  EXPECT_EQ(
      Value(scrape, "pactlog_events_appended_total{kind=\"tariff_change\"}"),
      1);
  EXPECT_EQ(
      Value(scrape, "pactlog_events_appended_total{kind=\"disbursement\"}"), 0);
  EXPECT_EQ(Value(scrape, "pactlog_appends_total{result=\"recorded\"}"), 2);
  EXPECT_EQ(Value(scrape, "pactlog_appends_total{result=\"deduplicated\"}"), 1);
  EXPECT_EQ(Value(scrape, "pactlog_appends_total{result=\"rejected\"}"), 2);
  EXPECT_EQ(Value(scrape, absl::StrCat("pactlog_grpc_requests_total{", append,
                                       ",code=\"OK\"}")),
            3);
  EXPECT_EQ(Value(scrape, absl::StrCat("pactlog_grpc_requests_total{", append,
                                       ",code=\"INVALID_ARGUMENT\"}")),
            1);
  EXPECT_EQ(Value(scrape, absl::StrCat("pactlog_grpc_requests_total{", append,
                                       ",code=\"ABORTED\"}")),
            1);
  EXPECT_EQ(Value(scrape, "pactlog_append_duration_seconds_count"), 5);
  EXPECT_GT(Value(scrape, "pactlog_append_duration_seconds_sum"), 0);
  // Two synced writes of two events each; the retry and the rejections
  // wrote nothing.
  EXPECT_EQ(Value(scrape, "pactlog_group_commit_events_count"), 2);
  EXPECT_EQ(Value(scrape, "pactlog_group_commit_events_sum"), 4);
  EXPECT_EQ(Value(scrape, "pactlog_group_commit_events_bucket{le=\"2\"}"), 2);
  EXPECT_EQ(Value(scrape, "pactlog_group_commit_events_bucket{le=\"1\"}"), 0);
  // The malformed request never reached the writer.
  EXPECT_EQ(Value(scrape, "pactlog_writer_requests_total"), 4);
  EXPECT_EQ(Value(scrape, "pactlog_log_last_sequence"), 4);
  EXPECT_GT(Value(scrape, "pactlog_last_commit_timestamp_seconds"), 1.7e9);
  EXPECT_GT(
      Value(scrape, "pactlog_storage_bytes{medium=\"disk\",part=\"wal\"}"), 0);
  EXPECT_GT(
      Value(scrape,
            "pactlog_storage_bytes{medium=\"memory\",part=\"memtables\"}"),
      0);
  EXPECT_EQ(Value(scrape, "pactlog_ready"), 1);
  // The embedded mode has no log of record to apply.
  EXPECT_EQ(Value(scrape, "pactlog_record_applied_position"), 0);
  EXPECT_EQ(Value(scrape, "pactlog_record_applier_halted"), 0);
  EXPECT_GT(Value(scrape, "process_resident_memory_bytes"), 0);
  EXPECT_GT(Value(scrape, "process_open_fds"), 0);
  bool build_info = false;
  for (const auto& [series, value] : scrape) {
    if (series.starts_with("pactlog_build_info{version=\"")) {
      build_info = value == 1;
    }
  }
  EXPECT_TRUE(build_info);
}

TEST_F(ServerMetricsTest, QueriesAreTimedByMethodAndCountedByCode) {
  const absl::Time day = Date(2025, 9, 1);
  ASSERT_TRUE(
      Append(Request("us-japan", {DealEvent("US-Japan", 1'000'000, day)}))
          .ok());
  for (const char* deal : {"us-japan", "us-japan", "us-korea"}) {
    v1::GetDealRequest request;
    request.set_deal_id(deal);
    v1::GetDealResponse response;
    ops_->query().GetDeal(Context().get(), request, &response);
  }
  v1::ReadRequest read;
  v1::ReadResponse page;
  ASSERT_TRUE(ops_->stream().Read(Context().get(), read, &page).ok());

  const auto scrape = ops_->Scrape();
  const std::string get_deal =
      "service=\"pactlog.v1.DealQuery\",method=\"GetDeal\"";
  EXPECT_EQ(
      Value(scrape, "pactlog_query_duration_seconds_count{method=\"GetDeal\"}"),
      3);
  EXPECT_EQ(
      Value(scrape, "pactlog_query_duration_seconds_count{method=\"Read\"}"),
      1);
  EXPECT_EQ(Value(scrape,
                  "pactlog_query_duration_seconds_count{method=\"ListDeals\"}"),
            0);
  EXPECT_EQ(Value(scrape, absl::StrCat("pactlog_grpc_requests_total{", get_deal,
                                       ",code=\"OK\"}")),
            2);
  EXPECT_EQ(Value(scrape, absl::StrCat("pactlog_grpc_requests_total{", get_deal,
                                       ",code=\"NOT_FOUND\"}")),
            1);
  // Queries never count as appends.
  EXPECT_EQ(Value(scrape, "pactlog_append_duration_seconds_count"), 1);
}

TEST_F(ServerMetricsTest, SubscribersAndTheirLagAreVisible) {
  const absl::Time day = Date(2025, 9, 1);
  ASSERT_TRUE(
      Append(Request("us-japan", {DealEvent("US-Japan", 1'000'000, day)}))
          .ok());
  // A subscriber that reads nothing while the log grows far beyond what
  // the transport buffers: its position stops, and the lag shows it.
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.set_after_sequence(0);
  auto reader = ops_->stream().Subscribe(&context, request);
  ASSERT_TRUE(
      PollUntil([&] { return ops_->Scrape()["pactlog_subscribers"] == 1; }));
  constexpr int kRequests = 300, kPerRequest = 100;
  for (int r = 0; r < kRequests; ++r) {
    std::vector<v1::EventData> events;
    for (int i = 0; i < kPerRequest; ++i) {
      events.push_back(
          TariffEvent(absl::StrCat("category-", i % 50), 1000 + i, day));
    }
    ASSERT_TRUE(Append(Request("us-japan", std::move(events))).ok());
  }
  const double head = 1 + kRequests * kPerRequest;
  double lag = 0;
  ASSERT_TRUE(PollUntil([&] {
    auto scrape = ops_->Scrape();
    lag = scrape["pactlog_subscriber_max_lag_events"];
    return lag > 0 && scrape["pactlog_subscriber_lag_events_sum"] == lag &&
           scrape["pactlog_log_last_sequence"] == head;
  })) << "max lag "
      << lag;

  // Reading everything brings it to the head: the lag goes to 0.
  v1::SubscribeResponse message;
  uint64_t last = 0;
  while (last < head && reader->Read(&message)) {
    if (message.has_events() && message.events().events_size() > 0) {
      last = message.events().events().rbegin()->sequence();
    }
  }
  EXPECT_EQ(last, head);
  EXPECT_TRUE(PollUntil([&] {
    return ops_->Scrape()["pactlog_subscriber_max_lag_events"] == 0;
  }));

  context.TryCancel();
  reader->Finish().ok();
  EXPECT_TRUE(
      PollUntil([&] { return ops_->Scrape()["pactlog_subscribers"] == 0; }));
}

TEST(ServerMetricsStartTest, HealthzIsUnavailableUntilReplayed) {
  TempDir dir;
  ManualClock clock(Date(2026, 1, 5));
  auto ops = OpsServer::Start(dir.path(), &clock, "", /*recover=*/false);
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(HttpGet(ops->metrics_port(), "/healthz").status, 503);
  EXPECT_EQ(ops->Scrape()["pactlog_ready"], 0);
  ASSERT_TRUE(ops->server().Recover().ok());
  EXPECT_EQ(HttpGet(ops->metrics_port(), "/healthz").status, 200);
  EXPECT_EQ(ops->Scrape()["pactlog_ready"], 1);
}

TEST(ServerMetricsStartTest, UnusableMetricsAddressStopsTheStart) {
  TempDir dir;
  services::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir.path();
  options.metrics_listen_address = "127.0.0.1";  // no port
  auto server = services::PactlogServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);

  TempDir other_dir;
  auto first = OpsServer::Start(other_dir.path(), nullptr);
  ASSERT_NE(first, nullptr);
  options.metrics_listen_address =
      absl::StrCat("127.0.0.1:", first->metrics_port());  // taken
  server = services::PactlogServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kUnavailable);
  // The failed start released the data directory: it can be opened again.
  options.metrics_listen_address = "127.0.0.1:0";
  server = services::PactlogServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
}

TEST(HealthPortTest, PlaintextHealthPortFollowsTheServerAndServesNothingElse) {
  TempDir dir;
  services::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir.path();
  options.health_listen_address = "127.0.0.1:0";
  auto server = services::PactlogServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->health_port();
  ASSERT_GT(port, 0);
  ASSERT_NE(port, (*server)->port());
  const std::string address = absl::StrCat("127.0.0.1:", port);
  EXPECT_FALSE(IsServing(address));  // NOT_SERVING while replaying
  ASSERT_TRUE((*server)->Recover().ok());
  EXPECT_TRUE(WaitServing(address));

  // Only health is there: the pactlog services answer on the main port.
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  v1::AppendResponse response;
  EXPECT_EQ(
      v1::DealLedger::NewStub(channel)
          ->Append(Context().get(),
                   Request("us-japan", {DealEvent("D", 1, Date(2025, 7, 22))}),
                   &response)
          .error_code(),
      grpc::StatusCode::UNIMPLEMENTED);
  (*server)->Shutdown();
  EXPECT_FALSE(IsServing(address));
}

}  // namespace
}  // namespace pactlog::testing
