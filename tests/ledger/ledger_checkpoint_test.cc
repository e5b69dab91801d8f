// Snapshot checkpoints: written after every snapshot_interval events, and
// Recover() loading the last one and replaying only the events after it.
// The log's data outlives one Ledger so a second one can recover from it.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_test_support.h"
#include "tests/ledger/memory_event_log.h"

namespace pactlog::ledger {
namespace {

using ::pactlog::testing::AnnounceDeal;
using ::pactlog::testing::AnnounceProject;
using ::pactlog::testing::ChangeTariffs;

constexpr uint64_t kInterval = 5;

class LedgerCheckpointTest : public ::pactlog::testing::LedgerTest {
 protected:
  LedgerCheckpointTest() {
    options_.snapshot_interval = kInterval;
    append_step_ = absl::Seconds(1);
  }

  std::optional<storage::SnapshotCheckpoint> StoredCheckpoint() {
    absl::MutexLock lock(&data_->mu);
    return data_->checkpoint;
  }

  bool HasSnapshot(const std::string& deal_id, uint64_t sequence) {
    absl::MutexLock lock(&data_->mu);
    return data_->snapshots.contains({deal_id, sequence});
  }

  // The size of the snapshot of `deal_id` at `sequence`; 0 when none.
  uint64_t SnapshotBytes(const std::string& deal_id, uint64_t sequence) {
    absl::MutexLock lock(&data_->mu);
    auto it = data_->snapshots.find({deal_id, sequence});
    return it == data_->snapshots.end() ? 0 : it->second.size();
  }

  // What a deal's state says about itself, to compare two states.
  static std::string Describe(const domain::DealState& state) {
    return absl::StrCat(state.deal_id(), " v", state.version(), " @",
                        state.last_sequence(), " projects ",
                        state.projects().size(), " recorded ",
                        absl::FormatTime(state.last_recorded_time()));
  }
};

TEST_F(LedgerCheckpointTest, CheckpointAfterIntervalAndRecoverReplaysTheTail) {
  Open();
  Append(AnnounceDeal("deal-a"));            // 1
  Append(AnnounceDeal("deal-b"));            // 2
  Append(AnnounceProject("deal-a", "a-1"));  // 3
  Append(AnnounceProject("deal-b", "b-1"));  // 4
  EXPECT_EQ(ledger_->writer_stats().checkpoints, 0u);
  EXPECT_FALSE(StoredCheckpoint().has_value());
  Append(AnnounceProject("deal-a", "a-2"));  // 5: a checkpoint
  EXPECT_EQ(ledger_->writer_stats().checkpoints, 1u);
  EXPECT_EQ(ledger_->writer_stats().last_checkpoint_sequence, 5u);
  ASSERT_TRUE(StoredCheckpoint().has_value());
  EXPECT_EQ(StoredCheckpoint()->sequence, 5u);
  EXPECT_EQ(StoredCheckpoint()->deal_count, 2u);
  EXPECT_TRUE(HasSnapshot("deal-a", 5));
  EXPECT_TRUE(HasSnapshot("deal-b", 4));
  Append(AnnounceProject("deal-a", "a-3"));  // 6
  Append(AnnounceProject("deal-b", "b-2"));  // 7
  const std::string a = Describe(*ledger_->Deal("deal-a"));
  const std::string b = Describe(*ledger_->Deal("deal-b"));
  const std::string head = *ledger_->ChainHeadAt(7);

  Open();
  const RecoveryStats recovery = ledger_->recovery_stats();
  EXPECT_EQ(recovery.checkpoint_sequence, 5u);
  EXPECT_EQ(recovery.deals_from_snapshots, 2u);
  EXPECT_EQ(recovery.events_replayed, 2u);
  EXPECT_EQ(Describe(*ledger_->Deal("deal-a")), a);
  EXPECT_EQ(Describe(*ledger_->Deal("deal-b")), b);
  EXPECT_EQ(ledger_->applied_sequence(), 7u);
  EXPECT_EQ(*ledger_->ChainHeadAt(7), head);

  // The replayed events count towards the next checkpoint, and the deals
  // they changed get snapshots there even when no later event touches them.
  Append(AnnounceProject("deal-a", "a-4"));  // 8
  Append(AnnounceProject("deal-a", "a-5"));  // 9
  EXPECT_EQ(ledger_->writer_stats().checkpoints, 0u);
  Append(AnnounceProject("deal-a", "a-6"));  // 10: a checkpoint
  EXPECT_EQ(ledger_->writer_stats().checkpoints, 1u);
  EXPECT_EQ(StoredCheckpoint()->sequence, 10u);
  EXPECT_TRUE(HasSnapshot("deal-a", 10));
  EXPECT_TRUE(HasSnapshot("deal-b", 7));
}

// A checkpoint costs what its deals hold, so a deal whose state grows is
// snapshotted no sooner than when the events since its last snapshot pay
// for that snapshot's bytes at 256 each: the snapshot cost per append stays
// bounded as the state grows.
TEST_F(LedgerCheckpointTest, ALargeDealIsSnapshottedLessOften) {
  Open();
  Append(AnnounceDeal("deal-a"));  // 1
  std::vector<uint64_t> checkpoints;
  for (int i = 0; i < 600; ++i) {
    Append(ChangeTariffs("deal-a", 1));
    const uint64_t last = ledger_->writer_stats().last_checkpoint_sequence;
    if (last != 0 && (checkpoints.empty() || checkpoints.back() != last)) {
      checkpoints.push_back(last);
    }
  }
  ASSERT_GE(checkpoints.size(), 2u);
  EXPECT_EQ(checkpoints[0], kInterval);
  for (size_t i = 1; i < checkpoints.size(); ++i) {
    // The next checkpoint comes once kInterval events have passed and
    // they pay for the deal's snapshot at the previous one.
    const uint64_t previous = checkpoints[i - 1];
    const uint64_t bytes = SnapshotBytes("deal-a", previous);
    ASSERT_GT(bytes, 0u) << "at " << previous;
    const uint64_t due = std::max<uint64_t>(kInterval, (bytes + 255) / 256);
    EXPECT_EQ(checkpoints[i] - previous, due)
        << "after the checkpoint at " << previous;
  }
  EXPECT_GT(checkpoints.back() - checkpoints[checkpoints.size() - 2],
            kInterval);
  const std::string a = Describe(*ledger_->Deal("deal-a"));

  Open();
  const RecoveryStats recovery = ledger_->recovery_stats();
  EXPECT_EQ(recovery.checkpoint_sequence, checkpoints.back());
  EXPECT_EQ(recovery.events_replayed, 601 - checkpoints.back());
  EXPECT_EQ(Describe(*ledger_->Deal("deal-a")), a);
}

TEST_F(LedgerCheckpointTest, UnusableSnapshotsMeanAFullReplay) {
  Open();
  Append(AnnounceDeal("deal-a"));
  for (int i = 0; i < 5; ++i) {
    Append(AnnounceProject("deal-a", absl::StrCat("a-", i)));
  }
  ASSERT_EQ(StoredCheckpoint()->sequence, 5u);
  const std::string a = Describe(*ledger_->Deal("deal-a"));
  log_->CorruptSnapshots();

  Open();
  const RecoveryStats recovery = ledger_->recovery_stats();
  EXPECT_EQ(recovery.checkpoint_sequence, 0u);
  EXPECT_EQ(recovery.deals_from_snapshots, 0u);
  EXPECT_EQ(recovery.events_replayed, 6u);
  EXPECT_EQ(Describe(*ledger_->Deal("deal-a")), a);
}

TEST_F(LedgerCheckpointTest, FailedCheckpointIsCountedAndTriedAgain) {
  Open();
  log_->FailNextCheckpoint(absl::UnavailableError("disk full"));
  Append(AnnounceDeal("deal-a"));
  for (int i = 0; i < 4; ++i) {
    Append(AnnounceProject("deal-a", absl::StrCat("a-", i)));
  }
  EXPECT_EQ(ledger_->writer_stats().checkpoint_failures, 1u);
  EXPECT_EQ(ledger_->writer_stats().checkpoints, 0u);
  EXPECT_FALSE(StoredCheckpoint().has_value());
  for (int i = 4; i < 9; ++i) {
    Append(AnnounceProject("deal-a", absl::StrCat("a-", i)));
  }
  EXPECT_EQ(ledger_->writer_stats().checkpoints, 1u);
  EXPECT_EQ(ledger_->writer_stats().last_checkpoint_sequence, 10u);
  EXPECT_EQ(StoredCheckpoint()->sequence, 10u);
}

}  // namespace
}  // namespace pactlog::ledger
