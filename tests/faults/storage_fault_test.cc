// What pactlog does when the disk fails: with a file system that fails on
// command (write errors, sync errors, a full disk), appends fail with
// UNAVAILABLE and record nothing, reads, queries and subscriptions keep
// serving, and once the fault clears appends succeed again without a
// restart, at the next sequence. After a restart every acknowledged event
// is there and nothing else is.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "storage/rocksdb_event_log.h"
#include "tests/faults/faulty_file_system.h"
#include "tests/faults/stored_event.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

using ::testing::HasSubstr;
using Fault = FaultyFileSystem::Fault;

struct FaultCase {
  const char* name;
  Fault fault;
};

const FaultCase kFaults[] = {
    {"WriteError", Fault::kWriteError},
    {"SyncError", Fault::kSyncError},
    {"DiskFull", Fault::kDiskFull},
};

v1::Event MakeEvent(uint64_t sequence, uint64_t deal_version) {
  v1::Event event = StoredEvent(sequence, deal_version, "storage_fault_test");
  v1::TariffChange* change = event.mutable_data()->mutable_tariff_change();
  change->set_product_category("steel");
  change->set_rate_bps(static_cast<int32_t>(1000 + sequence));
  return event;
}

class StorageFaultTest : public ::testing::TestWithParam<FaultCase> {
 protected:
  absl::StatusOr<std::unique_ptr<storage::EventLog>> Open() {
    return storage::OpenRocksDbEventLog(
        {.path = dir_.path() + "/log", .env = env_.get()});
  }

  TempDir dir_;
  FaultyFileSystem faults_;
  std::unique_ptr<rocksdb::Env> env_ = faults_.NewEnv();
};

TEST_P(StorageFaultTest, AppendFailsUnavailableReadsGoOnAndItResumes) {
  auto log = Open();
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE((*log)->Append({MakeEvent(1, 1), MakeEvent(2, 2)}).ok());

  faults_.Fail(GetParam().fault);
  // Refused while the fault lasts, every time, and nothing moves. (The
  // refused event differs from the one that lands later, so a leftover of
  // it would show.)
  v1::Event refused = MakeEvent(3, 3);
  refused.mutable_data()->set_event_id("refused");
  refused.mutable_data()->mutable_tariff_change()->set_rate_bps(9999);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const absl::Status failed = (*log)->Append({refused});
    EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
    EXPECT_EQ((*log)->LastSequence(), 2u);
  }
  EXPECT_GT(faults_.injected(), 0u);
  absl::StatusOr<v1::Event> read = (*log)->Get(2);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->deal_version(), 2u);
  int scanned = 0;
  ASSERT_TRUE((*log)
                  ->Scan(0,
                         [&](const v1::Event&) {
                           ++scanned;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(scanned, 2);

  // The fault clears: the same append now lands at the next sequence,
  // without reopening.
  faults_.Clear();
  const absl::Status resumed = (*log)->Append({MakeEvent(3, 3)});
  ASSERT_TRUE(resumed.ok()) << resumed;
  ASSERT_TRUE((*log)->Append({MakeEvent(4, 4)}).ok());
  EXPECT_EQ((*log)->LastSequence(), 4u);

  // After a restart: exactly the acknowledged events.
  log->reset();
  auto reopened = Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->LastSequence(), 4u);
  absl::StatusOr<std::optional<storage::EventIdEntry>> leftover =
      (*reopened)->FindEventId("refused");
  ASSERT_TRUE(leftover.ok()) << leftover.status();
  EXPECT_FALSE(leftover->has_value());
  for (uint64_t sequence = 1; sequence <= 4; ++sequence) {
    absl::StatusOr<v1::Event> event = (*reopened)->Get(sequence);
    ASSERT_TRUE(event.ok()) << event.status();
    EXPECT_EQ(event->SerializeAsString(),
              MakeEvent(sequence, sequence).SerializeAsString());
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, StorageFaultTest, ::testing::ValuesIn(kFaults),
                         [](const ::testing::TestParamInfo<FaultCase>& info) {
                           return std::string(info.param.name);
                         });

// The same through the server: Append answers UNAVAILABLE and records
// nothing, GetDeal and a live subscription keep serving, and after the
// fault clears the next append lands and reaches the subscriber with no
// gap; a restart finds every acknowledged event.
class ServerFaultTest : public ::testing::TestWithParam<FaultCase> {
 protected:
  std::unique_ptr<TestServer> Start() {
    services::ServerOptions options;
    options.data_dir = dir_.path();
    options.clock = &clock_;
    options.open_event_log = [env = env_.get()](const std::string& directory,
                                                bool sync) {
      storage::RocksDbOptions log;
      log.path = directory;
      log.sync = sync;
      log.env = env;
      return storage::OpenRocksDbEventLog(log);
    };
    return TestServer::Start(std::move(options));
  }

  static uint64_t Version(TestServer& server) {
    v1::GetDealRequest request;
    request.set_deal_id("deal-a");
    v1::GetDealResponse response;
    const grpc::Status status =
        server.query().GetDeal(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.deal().version();
  }

  // Reads subscription messages until an event at `sequence` arrives;
  // returns the sequences of the events received.
  static std::vector<uint64_t> ReadThrough(
      grpc::ClientReader<v1::SubscribeResponse>& reader, uint64_t sequence) {
    std::vector<uint64_t> seen;
    v1::SubscribeResponse message;
    while ((seen.empty() || seen.back() < sequence) && reader.Read(&message)) {
      for (const v1::Event& event : message.events().events()) {
        seen.push_back(event.sequence());
      }
    }
    return seen;
  }

  TempDir dir_;
  ManualClock clock_{
      absl::FromCivil(absl::CivilDay(2026, 1, 5), absl::UTCTimeZone())};
  FaultyFileSystem faults_;
  std::unique_ptr<rocksdb::Env> env_ = faults_.NewEnv();
};

TEST_P(ServerFaultTest, AppendsFailUnavailableWhileQueriesAndStreamsServe) {
  auto server = Start();
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(Append(*server, Request("deal-a", {DealEvent("deal-a", 1'000'000,
                                                           Date(2025, 7, 22))}))
                  .ok());
  auto subscription = Context();
  v1::SubscribeRequest subscribe;
  subscribe.set_after_sequence(0);
  auto reader = server->stream().Subscribe(subscription.get(), subscribe);
  EXPECT_THAT(ReadThrough(*reader, 1), ::testing::ElementsAre(1u));

  faults_.Fail(GetParam().fault);
  v1::AppendRequest refused =
      Request("deal-a", {TariffEvent("steel", 2500, Date(2025, 8, 7))});
  refused.mutable_events(0)->set_event_id("tariff-steel-1");
  for (int attempt = 0; attempt < 2; ++attempt) {
    v1::AppendResponse response;
    const grpc::Status status =
        server->ledger().Append(Context().get(), refused, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("retry"));
  }
  // Queries answer from the state as it was.
  EXPECT_EQ(Version(*server), 1u);
  EXPECT_EQ(server->server().ledger().applied_sequence(), 1u);

  faults_.Clear();
  v1::AppendResponse response;
  const grpc::Status landed =
      server->ledger().Append(Context().get(), refused, &response);
  ASSERT_TRUE(landed.ok()) << landed.error_message();
  EXPECT_THAT(response.sequences(), ::testing::ElementsAre(2u));
  EXPECT_FALSE(response.deduplicated());
  EXPECT_EQ(Version(*server), 2u);
  // The subscription saw no gap and no duplicate.
  EXPECT_THAT(ReadThrough(*reader, 2), ::testing::ElementsAre(2u));
  subscription->TryCancel();

  server.reset();
  server = Start();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->server().ledger().applied_sequence(), 2u);
  EXPECT_EQ(Version(*server), 2u);
}

INSTANTIATE_TEST_SUITE_P(Faults, ServerFaultTest, ::testing::ValuesIn(kFaults),
                         [](const ::testing::TestParamInfo<FaultCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace pactlog::testing
