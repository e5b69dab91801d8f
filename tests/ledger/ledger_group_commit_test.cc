// The single-node ledger: group commit on the local log and what a failed
// synced write leaves behind. Against an in-memory log whose writes a test
// can hold and fail, so every verdict is deterministic.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_test_support.h"
#include "tests/ledger/memory_event_log.h"

namespace pactlog::ledger {
namespace {

namespace v1 = ::pactlog::v1;
using ::pactlog::testing::AnnounceDeal;
using ::pactlog::testing::AnnounceProject;
using ::pactlog::testing::AppendAndWait;
using ::pactlog::testing::AppendResult;
using ::pactlog::testing::DealDate;
using ::testing::HasSubstr;

class LedgerGroupCommitTest : public ::pactlog::testing::LedgerTest {
 protected:
  void SetUp() override {
    options_.snapshot_interval = 0;
    Open();
  }
};

// One acknowledgement, in the order the writer gave them.
struct Ack {
  int thread;
  int index;
  absl::Status status;
};

TEST_F(LedgerGroupCommitTest,
       ConcurrentAppendsShareSyncedWritesAndAreAcknowledgedInOrder) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal(absl::StrCat("deal-", t)))
                    .status.ok());
  }
  const WriterStats before = ledger_->writer_stats();
  const uint64_t writes_before = log_->writes();

  absl::Mutex mu;
  std::vector<Ack> acks;
  absl::BlockingCounter acknowledged(1 + kThreads * kPerThread);
  auto done = [&](int thread, int index) {
    return [&, thread, index](absl::Status status) {
      absl::MutexLock lock(&mu);
      acks.push_back(Ack{thread, index, std::move(status)});
      acknowledged.DecrementCount();
    };
  };
  // The writer takes a first request into a write that is held...
  log_->HoldWrites();
  const v1::AppendRequest first = AnnounceDeal("deal-first");
  v1::AppendResponse first_response;
  ledger_->Append(&first, &first_response, done(-1, 0));
  log_->AwaitHeldWrite();
  // ...while several threads queue the others.
  std::vector<std::vector<v1::AppendRequest>> requests(kThreads);
  std::vector<std::vector<v1::AppendResponse>> responses(
      kThreads, std::vector<v1::AppendResponse>(kPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kPerThread; ++k) {
      requests[t].push_back(AnnounceProject(absl::StrCat("deal-", t),
                                            absl::StrCat("project-", k)));
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kPerThread; ++k) {
        ledger_->Append(&requests[t][k], &responses[t][k], done(t, k));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  log_->ReleaseWrites();
  acknowledged.Wait();

  // The held write and one for everything queued behind it.
  EXPECT_EQ(log_->writes() - writes_before, 2u);
  const WriterStats after = ledger_->writer_stats();
  EXPECT_EQ(after.batches - before.batches, 2u);
  EXPECT_EQ(after.requests - before.requests, 1u + kThreads * kPerThread);
  EXPECT_EQ(after.events_written - before.events_written,
            1u + kThreads * kPerThread);

  absl::MutexLock lock(&mu);
  ASSERT_EQ(acks.size(), 1u + kThreads * kPerThread);
  EXPECT_EQ(acks[0].thread, -1);
  EXPECT_EQ(first_response.sequences(0), kThreads + 1u);
  uint64_t last_sequence = first_response.sequences(0);
  std::vector<int> next_index(kThreads, 0);
  for (size_t a = 1; a < acks.size(); ++a) {
    const Ack& ack = acks[a];
    ASSERT_TRUE(ack.status.ok()) << ack.status;
    // Acknowledged in log order, and each thread's in the order it asked.
    const v1::AppendResponse& response = responses[ack.thread][ack.index];
    EXPECT_EQ(response.sequences(0), last_sequence + 1);
    last_sequence = response.sequences(0);
    EXPECT_EQ(ack.index, next_index[ack.thread]++);
    EXPECT_EQ(response.deal_version(), ack.index + 2u);
  }
  EXPECT_EQ(ledger_->applied_sequence(), last_sequence);
  EXPECT_EQ(log_->LastSequence(), last_sequence);
}

TEST_F(LedgerGroupCommitTest, FailedWriteAcknowledgesNothingAndChangesNothing) {
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
  const std::shared_ptr<const domain::DealState> state_before =
      ledger_->Deal("deal-a");
  const uint64_t applied_before = ledger_->applied_sequence();
  const std::string head_before = *ledger_->ChainHeadAt(applied_before);
  const WriterStats stats_before = ledger_->writer_stats();

  // One group: a request that needs the write, one the rules refuse and
  // another that needs the write; the write fails.
  log_->HoldWrites();
  const v1::AppendRequest held = AnnounceDeal("deal-held");
  v1::AppendResponse held_response;
  absl::BlockingCounter acknowledged(4);
  absl::Status held_status;
  ledger_->Append(&held, &held_response, [&](absl::Status status) {
    held_status = std::move(status);
    acknowledged.DecrementCount();
  });
  log_->AwaitHeldWrite();
  log_->FailNextWrite(absl::UnavailableError("disk full"));
  const v1::AppendRequest requests[] = {
      AnnounceProject("deal-a", "project-1"),
      AnnounceDeal("deal-a"),  // announced already
      AnnounceDeal("deal-b"),
  };
  v1::AppendResponse responses[3];
  absl::Status statuses[3];
  for (int i = 0; i < 3; ++i) {
    ledger_->Append(&requests[i], &responses[i], [&, i](absl::Status status) {
      statuses[i] = std::move(status);
      acknowledged.DecrementCount();
    });
  }
  log_->ReleaseWrites();
  acknowledged.Wait();

  ASSERT_TRUE(held_status.ok()) << held_status;
  for (int i : {0, 2}) {
    EXPECT_EQ(statuses[i].code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(statuses[i].message(), HasSubstr("disk full"));
    EXPECT_THAT(statuses[i].message(), HasSubstr("nothing of this request"));
  }
  EXPECT_EQ(statuses[1].code(), absl::StatusCode::kFailedPrecondition)
      << statuses[1];
  // Only the held request's event is recorded and live.
  const uint64_t applied = applied_before + 1;
  EXPECT_EQ(ledger_->applied_sequence(), applied);
  EXPECT_EQ(log_->LastSequence(), applied);
  EXPECT_EQ(ledger_->Deal("deal-a"), state_before);
  EXPECT_EQ(ledger_->Deal("deal-b"), nullptr);
  EXPECT_EQ(ledger_->writer_stats().batches, stats_before.batches + 1);
  EXPECT_NE(*ledger_->ChainHeadAt(applied), head_before);

  // The next append works and continues the log where it was.
  const AppendResult retried =
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "project-1"));
  ASSERT_TRUE(retried.status.ok()) << retried.status;
  EXPECT_EQ(retried.response.sequences(0), applied + 1);
  EXPECT_EQ(retried.response.deal_version(), 2u);
  EXPECT_EQ(ledger_->Deal("deal-a")->version(), 2u);
  EXPECT_TRUE(ledger_->VerifyChain(0, "")->problem.empty());
}

TEST_F(LedgerGroupCommitTest, AppendAfterStopIsUnavailable) {
  ledger_->Stop();
  const AppendResult result = AppendAndWait(*ledger_, AnnounceDeal("deal-a"));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(ledger_->ready());
}

TEST_F(LedgerGroupCommitTest, StorageReadsForwardToTheLog) {
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-b")).status.ok());

  std::vector<uint64_t> scanned;
  ASSERT_TRUE(ledger_
                  ->ScanEvents(0,
                               [&](const v1::Event& event) {
                                 scanned.push_back(event.sequence());
                                 return true;
                               })
                  .ok());
  EXPECT_THAT(scanned, ::testing::ElementsAre(1, 2));

  EXPECT_EQ(*ledger_->LastSequenceRecordedBefore(DealDate()), 0u);
  EXPECT_EQ(*ledger_->LastSequenceRecordedBefore(DealDate() + absl::Seconds(1)),
            1u);
  EXPECT_EQ(*ledger_->LastSequenceRecordedBefore(absl::InfiniteFuture()), 2u);

  const absl::StatusOr<storage::BackupInfo> backup =
      ledger_->CreateBackup("/backups/one");
  ASSERT_TRUE(backup.ok()) << backup.status();
  EXPECT_EQ(backup->sequence, 2u);
  EXPECT_EQ(log_->last_backup_directory(), "/backups/one");
  EXPECT_EQ(ledger_->storage_stats().memory_bytes(),
            log_->Stats().memory_bytes());
}

}  // namespace
}  // namespace pactlog::ledger
