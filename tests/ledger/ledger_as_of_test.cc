// As-of folding: a deal's state at a past sequence, recorded time or
// effective time, folded from the log (and from a snapshot before a
// sequence bound), never ahead of the live state.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_test_support.h"
#include "tests/ledger/memory_event_log.h"

namespace pactlog::ledger {
namespace {

using ::pactlog::testing::AnnounceDeal;
using ::pactlog::testing::AnnounceProject;
using ::pactlog::testing::DealDate;

AsOfBounds AtSequence(uint64_t sequence) {
  AsOfBounds bounds;
  bounds.max_sequence = sequence;
  return bounds;
}

AsOfBounds RecordedBy(absl::Time time, uint64_t sequence = 0) {
  AsOfBounds bounds;
  bounds.max_sequence = sequence;
  bounds.max_recorded_time = time;
  return bounds;
}

AsOfBounds EffectiveBy(absl::Time time) {
  AsOfBounds bounds;
  bounds.max_effective_time = time;
  return bounds;
}

class LedgerAsOfTest : public ::pactlog::testing::LedgerTest {
 protected:
  // Deal a: 1 announced, 2 project a-1, 4 project a-2, 5 project a-3;
  // deal b: 3 announced. Event n is recorded at Recorded(n); with an
  // interval of 3 there is a checkpoint at 3 (snapshots a@2, b@3).
  void SetUp() override {
    options_.snapshot_interval = 3;
    append_step_ = absl::Minutes(1);
    ASSERT_NO_FATAL_FAILURE(Open());
    for (const pactlog::v1::AppendRequest& request :
         {AnnounceDeal("deal-a"), AnnounceProject("deal-a", "a-1"),
          AnnounceDeal("deal-b"), AnnounceProject("deal-a", "a-2"),
          AnnounceProject("deal-a", "a-3")}) {
      ASSERT_NO_FATAL_FAILURE(Append(request));
    }
    ASSERT_EQ(ledger_->writer_stats().last_checkpoint_sequence, 3u);
  }

  static absl::Time Recorded(int sequence) {
    return DealDate() + absl::Minutes(sequence);
  }

  // The version of deal a as of `bounds` (0: no state), and the sequence
  // the answer could reflect.
  std::pair<uint64_t, uint64_t> VersionAsOf(const AsOfBounds& bounds) {
    uint64_t applied = 0;
    absl::StatusOr<std::shared_ptr<const domain::DealState>> state =
        ledger_->DealAsOf("deal-a", bounds, &applied);
    EXPECT_TRUE(state.ok()) << state.status();
    if (!state.ok() || *state == nullptr) return {0, applied};
    return {(*state)->version(), applied};
  }
};

TEST_F(LedgerAsOfTest, UnboundedOrBeyondTheHeadIsTheLiveState) {
  const std::shared_ptr<const domain::DealState> live = ledger_->Deal("deal-a");
  uint64_t applied = 0;
  EXPECT_EQ(*ledger_->DealAsOf("deal-a", AsOfBounds{}, &applied), live);
  EXPECT_EQ(applied, 5u);
  EXPECT_EQ(*ledger_->DealAsOf("deal-a", AtSequence(100), &applied), live);
  EXPECT_EQ(applied, 5u);
  EXPECT_EQ(*ledger_->DealAsOf("deal-unknown", AtSequence(2)), nullptr);
}

TEST_F(LedgerAsOfTest, SequenceBoundFoldsFromTheSnapshotBeforeIt) {
  EXPECT_EQ(VersionAsOf(AtSequence(1)), std::make_pair(1ul, 1ul));
  EXPECT_EQ(VersionAsOf(AtSequence(2)), std::make_pair(2ul, 2ul));
  EXPECT_EQ(VersionAsOf(AtSequence(3)), std::make_pair(2ul, 3ul));
  EXPECT_EQ(VersionAsOf(AtSequence(4)), std::make_pair(3ul, 4ul));
  const absl::StatusOr<std::shared_ptr<const domain::DealState>> at4 =
      ledger_->DealAsOf("deal-a", AtSequence(4));
  ASSERT_TRUE(at4.ok());
  EXPECT_EQ((*at4)->last_sequence(), 4u);
  EXPECT_EQ((*at4)->projects().size(), 2u);
  EXPECT_EQ((*at4)->last_recorded_time(), Recorded(4));
  // Before the deal was announced there is no state.
  const absl::StatusOr<std::shared_ptr<const domain::DealState>> b_at2 =
      ledger_->DealAsOf("deal-b", AtSequence(2));
  ASSERT_TRUE(b_at2.ok());
  EXPECT_EQ(*b_at2, nullptr);
}

TEST_F(LedgerAsOfTest, SnapshotsChangeNoAnswer) {
  log_->CorruptSnapshots();
  EXPECT_EQ(VersionAsOf(AtSequence(2)).first, 2u);
  EXPECT_EQ(VersionAsOf(AtSequence(4)).first, 3u);
}

TEST_F(LedgerAsOfTest, RecordedTimeBoundIsTheLastEventRecordedByThen) {
  EXPECT_EQ(VersionAsOf(RecordedBy(Recorded(1) - absl::Seconds(1))).first, 0u);
  EXPECT_EQ(VersionAsOf(RecordedBy(Recorded(1))).first, 1u);
  EXPECT_EQ(VersionAsOf(RecordedBy(Recorded(4) - absl::Nanoseconds(1))).first,
            2u);
  EXPECT_EQ(VersionAsOf(RecordedBy(Recorded(4))).first, 3u);
  // Both bounds: the tighter one holds.
  EXPECT_EQ(VersionAsOf(RecordedBy(Recorded(4), 2)).first, 2u);
}

TEST_F(LedgerAsOfTest, EffectiveTimeBoundSkipsLaterEffectiveEvents) {
  // Every test event takes effect on DealDate().
  EXPECT_EQ(VersionAsOf(EffectiveBy(DealDate() - absl::Hours(24))).first, 0u);
  EXPECT_EQ(VersionAsOf(EffectiveBy(DealDate())).first, 4u);
}

}  // namespace
}  // namespace pactlog::ledger
