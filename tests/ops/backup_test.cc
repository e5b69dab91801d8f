// Admin.Backup on a real server: a backup taken while appends go on serves,
// on a second server, exactly the log up to the sequence it reports.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/ops/ops_support.h"

namespace pactlog::testing {
namespace {

namespace fs = std::filesystem;

grpc::Status Backup(OpsServer& ops, const std::string& directory,
                    v1::BackupResponse* response = nullptr) {
  v1::BackupRequest request;
  request.set_directory(directory);
  v1::BackupResponse ignored;
  auto context = Context();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::minutes(2));
  return ops.admin().Backup(context.get(), request,
                            response ? response : &ignored);
}

// Every event with sequence in (0, up_to] (or to the head when up_to is 0),
// read page by page; `head` receives the log's last sequence.
std::vector<v1::Event> ReadAll(v1::EventStream::Stub& stream, uint64_t up_to,
                               uint64_t* head = nullptr) {
  std::vector<v1::Event> events;
  v1::ReadRequest request;
  request.set_limit(1000);
  while (true) {
    v1::ReadResponse page;
    grpc::Status status = stream.Read(Context().get(), request, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    if (head != nullptr) *head = page.head_sequence();
    for (const v1::Event& event : page.events()) {
      if (up_to != 0 && event.sequence() > up_to) return events;
      events.push_back(event);
    }
    if (page.events().empty() ||
        (up_to != 0 && page.last_examined_sequence() >= up_to)) {
      break;
    }
    request.set_after_sequence(page.last_examined_sequence());
  }
  return events;
}

v1::GetDealResponse GetDeal(OpsServer& ops, const std::string& deal_id,
                            uint64_t as_of_sequence) {
  v1::GetDealRequest request;
  request.set_deal_id(deal_id);
  if (as_of_sequence != 0) {
    request.mutable_options()->mutable_as_of()->set_sequence(as_of_sequence);
  }
  v1::GetDealResponse response;
  grpc::Status status =
      ops.query().GetDeal(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << deal_id << ": " << status.error_message();
  return response;
}

TEST(BackupTest, BackupUnderLoadServesExactlyItsSequence) {
  TempDir dir;
  ManualClock clock(Date(2026, 1, 5));
  auto primary = OpsServer::Start(dir.path() + "/primary", &clock);
  ASSERT_NE(primary, nullptr);
  const absl::Time day = Date(2025, 9, 1);
  const std::vector<std::string> deals = {"us-japan", "us-korea"};
  for (const std::string& deal : deals) {
    v1::AppendResponse response;
    ASSERT_TRUE(
        primary->ledger()
            .Append(Context().get(),
                    Request(deal, {DealEvent(deal, 550'000'000'000, day)}),
                    &response)
            .ok());
  }

  // Appenders: each request announces a project, approves it, pays out
  // part of it and changes a tariff — every kind of event, every deal.
  constexpr int kAppenders = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::atomic<int> failures{0};
  // The highest sequence acknowledged on each deal.
  std::atomic<uint64_t> last_acknowledged[2] = {0, 0};
  std::vector<std::thread> appenders;
  // Stops and joins the appenders however the test leaves this scope.
  struct OnExit {
    std::function<void()> run;
    ~OnExit() { run(); }
  } stop_appenders{[&] {
    stop = true;
    for (std::thread& appender : appenders) {
      if (appender.joinable()) appender.join();
    }
  }};
  for (int t = 0; t < kAppenders; ++t) {
    appenders.emplace_back([&, t] {
      auto stub = v1::DealLedger::NewStub(grpc::CreateChannel(
          absl::StrCat("127.0.0.1:", primary->server().port()),
          grpc::InsecureChannelCredentials()));
      for (int i = 0; !stop.load(); ++i) {
        const std::string project = absl::StrCat("p-", t, "-", i);
        v1::AppendResponse response;
        grpc::Status status = stub->Append(
            Context().get(),
            Request(
                deals[t % 2],
                {ProjectEvent(project, v1::SECTOR_ENERGY, "TX", 1000, day),
                 ApprovalEvent(project, 800, day + absl::Hours(24)),
                 DisbursementEvent(project, 100 + i % 7, day + absl::Hours(48)),
                 TariffEvent(absl::StrCat("category-", i % 9), 1000 + i % 900,
                             day)}),
            &response);
        if (status.ok()) {
          acknowledged.fetch_add(1);
          if (response.sequences_size() > 0) {
            const uint64_t last =
                response.sequences(response.sequences_size() - 1);
            std::atomic<uint64_t>& slot = last_acknowledged[t % 2];
            uint64_t seen = slot.load();
            while (seen < last && !slot.compare_exchange_weak(seen, last)) {
            }
          }
        } else {
          failures.fetch_add(1);
          ADD_FAILURE() << "append failed: " << status.error_message();
          return;
        }
      }
    });
  }
  ASSERT_TRUE(PollUntil(
      [&] { return primary->server().ledger().applied_sequence() >= 4000; },
      absl::Seconds(240)));

  const std::string backup_dir = dir.path() + "/backup";
  const int acknowledged_before = acknowledged.load();
  const absl::Time started = absl::Now();
  v1::BackupResponse backup;
  grpc::Status status = Backup(*primary, backup_dir, &backup);
  const absl::Duration took = absl::Now() - started;
  const int acknowledged_during = acknowledged.load() - acknowledged_before;
  ASSERT_TRUE(status.ok()) << status.error_message();
  const uint64_t sequence = backup.sequence();
  EXPECT_GE(sequence, 4000u);
  EXPECT_EQ(backup.directory(), backup_dir);
  EXPECT_GT(backup.bytes(), 0u);
  // Appends went on after the backup, on both deals (how many landed during
  // the backup itself depends on how long it took, so that is only printed).
  ASSERT_TRUE(PollUntil(
      [&] {
        return primary->server().ledger().applied_sequence() >=
                   sequence + 400 &&
               last_acknowledged[0].load() > sequence &&
               last_acknowledged[1].load() > sequence;
      },
      absl::Seconds(240)))
      << "failures " << failures.load();
  stop_appenders.run();
  EXPECT_EQ(failures.load(), 0);
  std::cout << "backup of " << sequence << " events (" << backup.bytes()
            << " bytes) took " << took << " with " << acknowledged_during
            << " appends acknowledged meanwhile\n";

  const auto scrape = primary->Scrape();
  EXPECT_EQ(scrape.at("pactlog_backups_total{code=\"OK\"}"), 1);
  EXPECT_EQ(scrape.at("pactlog_last_backup_sequence"),
            static_cast<double>(sequence));
  EXPECT_EQ(scrape.at("pactlog_backup_duration_seconds_count"), 1);

  // A second server on the backup serves exactly the log up to `sequence`.
  auto restored = OpsServer::Start(backup_dir, &clock);
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(restored->server().ledger().applied_sequence(), sequence);
  uint64_t restored_head = 0;
  const std::vector<v1::Event> restored_events =
      ReadAll(restored->stream(), 0, &restored_head);
  EXPECT_EQ(restored_head, sequence);
  const std::vector<v1::Event> primary_events =
      ReadAll(primary->stream(), sequence);
  ASSERT_EQ(primary_events.size(), sequence);
  ASSERT_EQ(restored_events.size(), sequence);
  for (uint64_t i = 0; i < sequence; ++i) {
    ASSERT_EQ(restored_events[i].sequence(), i + 1);
    ASSERT_EQ(restored_events[i].SerializeAsString(),
              primary_events[i].SerializeAsString())
        << "event at sequence " << i + 1 << " differs";
  }
  for (const std::string& deal : deals) {
    const v1::GetDealResponse then = GetDeal(*primary, deal, sequence);
    const v1::GetDealResponse now = GetDeal(*restored, deal, 0);
    EXPECT_EQ(then.log_sequence(), sequence);
    EXPECT_EQ(now.log_sequence(), sequence);
    EXPECT_GT(now.deal().projects_announced() + now.deal().projects_approved() +
                  now.deal().projects_funding() +
                  now.deal().projects_fully_disbursed(),
              0u);
    EXPECT_EQ(then.deal().SerializeAsString(), now.deal().SerializeAsString())
        << deal << " as of " << sequence << ":\n"
        << then.deal().DebugString() << "\nrestored:\n"
        << now.deal().DebugString();
    // ...and the live state of the primary has moved on.
    EXPECT_NE(GetDeal(*primary, deal, 0).deal().SerializeAsString(),
              now.deal().SerializeAsString());
  }

  // The restored server is a full server: it takes appends after the
  // backup's sequence.
  v1::AppendResponse appended;
  ASSERT_TRUE(
      restored->ledger()
          .Append(Context().get(),
                  Request("us-japan", {TariffEvent("autos", 1500, day)}),
                  &appended)
          .ok());
  EXPECT_EQ(appended.sequences(0), sequence + 1);
}

class BackupErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/backups";
    fs::create_directories(root_);
    ops_ = OpsServer::Start(dir_.path() + "/data", &clock_, root_);
    ASSERT_NE(ops_, nullptr);
    ASSERT_TRUE(ops_->ledger()
                    .Append(Context().get(),
                            Request("us-japan", {DealEvent("US-Japan", 1000,
                                                           Date(2025, 7, 22))}),
                            &appended_)
                    .ok());
  }

  grpc::StatusCode Code(const std::string& directory) {
    return Backup(*ops_, directory).error_code();
  }

  TempDir dir_;
  ManualClock clock_{Date(2026, 1, 5)};
  std::string root_;
  std::unique_ptr<OpsServer> ops_;
  v1::AppendResponse appended_;
};

TEST_F(BackupErrorTest, MalformedOrForbiddenDirectoriesAreInvalidArgument) {
  EXPECT_EQ(Code(""), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Code("relative/backup"), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Code(dir_.path() + "/outside"), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Code(root_), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Code(root_ + "/../escape"), grpc::StatusCode::INVALID_ARGUMENT);
  // A link inside the root cannot lead outside it.
  fs::create_directories(dir_.path() + "/elsewhere");
  fs::create_directory_symlink(dir_.path() + "/elsewhere", root_ + "/link");
  EXPECT_EQ(Code(root_ + "/link/b1"), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(fs::exists(dir_.path() + "/elsewhere/b1"));

  v1::BackupResponse response;
  grpc::Status status = Backup(*ops_, "relative/backup", &response);
  EXPECT_NE(status.error_message().find("absolute"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(
      ops_->Scrape().at("pactlog_backups_total{code=\"INVALID_ARGUMENT\"}"), 7);
}

TEST_F(BackupErrorTest, ExistingDirectoryAndMissingParentAreRefused) {
  fs::create_directories(root_ + "/taken");
  EXPECT_EQ(Code(root_ + "/taken"), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Code(root_ + "/missing/b1"), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_FALSE(fs::exists(root_ + "/missing"));
}

TEST_F(BackupErrorTest, BackupInsideTheRootWithATrailingSlashWorks) {
  v1::BackupResponse response;
  grpc::Status status = Backup(*ops_, root_ + "/b1/", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.directory(), root_ + "/b1");
  EXPECT_EQ(response.sequence(), appended_.sequences(0));
  // The same directory again: a backup never overwrites.
  EXPECT_EQ(Code(root_ + "/b1"), grpc::StatusCode::ALREADY_EXISTS);
}

TEST(BackupStartTest, BackupBeforeReplayIsUnavailable) {
  TempDir dir;
  ManualClock clock(Date(2026, 1, 5));
  auto ops = OpsServer::Start(dir.path() + "/data", &clock, "",
                              /*recover=*/false);
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(Backup(*ops, dir.path() + "/b").error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_FALSE(fs::exists(dir.path() + "/b"));
}

}  // namespace
}  // namespace pactlog::testing
