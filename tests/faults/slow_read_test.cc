// What pactlog does while storage reads are slow: with a log whose reads
// wait at a gate (tests/faults/gated_event_log.h), the calls that read
// storage (as-of queries, Read, a subscription starting from a recorded
// time) wait on the server's executors and hub workers, never on gRPC's
// threads, so appends, live queries and live subscriptions go on; once the read
// executor is full, further reads are refused UNAVAILABLE at once rather
// than queued without bound; and when the gate opens every waiting call is
// answered.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "storage/rocksdb_event_log.h"
#include "tests/faults/gated_event_log.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

using ::testing::HasSubstr;

class SlowReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    services::ServerOptions options;
    options.data_dir = dir_.path();
    options.clock = &clock_;
    // Two readers at once and one more waiting: small enough to fill.
    options.reads = {.name = "reads", .threads = 2, .max_queued = 1};
    options.open_event_log =
        [gate = gate_](
            const std::string& directory,
            bool sync) -> absl::StatusOr<std::unique_ptr<storage::EventLog>> {
      storage::RocksDbOptions log;
      log.path = directory;
      log.sync = sync;
      auto opened = storage::OpenRocksDbEventLog(log);
      if (!opened.ok()) return opened.status();
      return std::make_unique<GatedEventLog>(*std::move(opened), gate);
    };
    server_ = TestServer::Start(std::move(options));
    ASSERT_NE(server_, nullptr);
    ASSERT_TRUE(Append(*server_, Request("us-japan",
                                         {DealEvent("US-Japan", 550'000'000'000,
                                                    Date(2025, 7, 22))}))
                    .ok());
    clock_.Advance(absl::Hours(1));
    ASSERT_TRUE(Append(*server_, Request("us-japan",
                                         {ProjectEvent("p1", v1::SECTOR_ENERGY,
                                                       "TX", 1'000'000'000,
                                                       Date(2025, 10, 28))}))
                    .ok());
  }
  // Every call a test started is answered before the server stops.
  void TearDown() override {
    gate_->Open();
    for (const auto& query : queries_) query->done.WaitForNotification();
  }

  // An as-of GetDeal (the deal after its first event), started now; `done`
  // is notified with its status.
  struct PendingQuery {
    grpc::ClientContext context;
    v1::GetDealRequest request;
    v1::GetDealResponse response;
    grpc::Status status;
    absl::Notification done;
  };
  PendingQuery& StartAsOfQuery() {
    auto query = std::make_unique<PendingQuery>();
    query->context.set_deadline(std::chrono::system_clock::now() +
                                std::chrono::seconds(120));
    query->request.set_deal_id("us-japan");
    query->request.mutable_options()->mutable_as_of()->set_sequence(1);
    PendingQuery* raw = query.get();
    server_->query().async()->GetDeal(&raw->context, &raw->request,
                                      &raw->response, [raw](grpc::Status s) {
                                        raw->status = std::move(s);
                                        raw->done.Notify();
                                      });
    queries_.push_back(std::move(query));
    return *raw;
  }

  // Waits until the read executor holds `n` queued calls.
  [[nodiscard]] bool AwaitQueued(int n) {
    return server_->server().AwaitReadsQueued(n, absl::Seconds(60));
  }

  TempDir dir_;
  ManualClock clock_{
      absl::FromCivil(absl::CivilDay(2026, 1, 5), absl::UTCTimeZone())};
  std::shared_ptr<ReadGate> gate_ = std::make_shared<ReadGate>();
  std::unique_ptr<TestServer> server_;
  std::vector<std::unique_ptr<PendingQuery>> queries_;
};

TEST_F(SlowReadTest, AppendsGoOnAndAFullReadExecutorRefusesAtOnce) {
  gate_->Close();
  // One at a time, so that each is taken by a worker before the next comes.
  StartAsOfQuery();
  ASSERT_TRUE(gate_->AwaitWaiting(1));
  StartAsOfQuery();
  ASSERT_TRUE(gate_->AwaitWaiting(2));  // Both read workers wait for storage.
  StartAsOfQuery();
  ASSERT_TRUE(AwaitQueued(1));  // The third waits for a worker.

  // The executor is full: the next read is refused at once, by name.
  v1::GetDealRequest request;
  request.set_deal_id("us-japan");
  request.mutable_options()->mutable_as_of()->set_sequence(1);
  v1::GetDealResponse response;
  grpc::Status refused =
      server_->query().GetDeal(Context().get(), request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.error_message(), HasSubstr("overloaded"));
  EXPECT_THAT(refused.error_message(), HasSubstr("\"reads\""));

  // A live query reads only memory: it is answered on its reaction,
  // with neither storage nor the full executor.
  v1::GetDealRequest live;
  live.set_deal_id("us-japan");
  v1::GetDealResponse live_response;
  grpc::Status answered =
      server_->query().GetDeal(Context().get(), live, &live_response);
  ASSERT_TRUE(answered.ok()) << answered.error_message();
  EXPECT_EQ(live_response.deal().version(), 2u);
  EXPECT_EQ(live_response.chain_head().size(), 32u);

  // Appends need no read executor: they are acknowledged meanwhile.
  clock_.Advance(absl::Hours(1));
  v1::AppendResponse appended;
  grpc::Status status =
      Append(*server_,
             Request("us-japan",
                     {ApprovalEvent("p1", 500'000'000, Date(2025, 11, 1))}),
             &appended);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(appended.sequences(0), 3u);
  for (const auto& query : queries_) {
    EXPECT_FALSE(query->done.HasBeenNotified());
  }

  gate_->Open();
  for (const auto& query : queries_) {
    query->done.WaitForNotification();
    ASSERT_TRUE(query->status.ok()) << query->status.error_message();
    EXPECT_EQ(query->response.deal().version(), 1u);
    EXPECT_EQ(query->response.log_sequence(), 1u);
  }
}

TEST_F(SlowReadTest, ASubscriptionFromARecordedTimeWaitsOnAWorkerNotOnGrpc) {
  gate_->Close();
  // Finding where "from a recorded time" starts is a search of storage.
  grpc::ClientContext from_time;
  v1::SubscribeRequest by_time;
  *by_time.mutable_from_recorded_time() = Time(absl::UnixEpoch());
  auto waiting = server_->stream().Subscribe(&from_time, by_time);
  ASSERT_TRUE(gate_->AwaitWaiting(1));

  // Another subscription is served by the other hub worker meanwhile.
  auto live_context = StreamContext();
  v1::SubscribeRequest from_end;
  from_end.set_from_end(true);
  auto live = server_->stream().Subscribe(live_context.get(), from_end);
  v1::SubscribeResponse message;
  ASSERT_TRUE(live->Read(&message));
  EXPECT_TRUE(message.has_caught_up()) << message.DebugString();
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(
      Append(*server_, Request("us-japan", {ApprovalEvent("p1", 500'000'000,
                                                          Date(2025, 11, 1))}))
          .ok());
  ASSERT_TRUE(live->Read(&message));
  ASSERT_EQ(message.events().events_size(), 1) << message.DebugString();
  EXPECT_EQ(message.events().events(0).sequence(), 3u);

  // The waiting stream starts from the beginning once storage answers.
  gate_->Open();
  uint64_t last = 0;
  while (waiting->Read(&message) && !message.has_caught_up()) {
    for (const v1::Event& event : message.events().events()) {
      EXPECT_EQ(event.sequence(), last + 1);
      last = event.sequence();
    }
  }
  EXPECT_EQ(last, 3u);
  from_time.TryCancel();
  live_context->TryCancel();
}

}  // namespace
}  // namespace pactlog::testing
