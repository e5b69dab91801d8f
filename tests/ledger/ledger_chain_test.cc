// The hash chain through the ledger: ChainHeadAt (the live head from
// memory, others from the log) and VerifyChain, including a tampered
// event, a pinned hash and cancellation.
#include <memory>
#include <string>

#include "domain/hash_chain.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_test_support.h"
#include "tests/ledger/memory_event_log.h"

namespace pactlog::ledger {
namespace {

using ::pactlog::testing::AnnounceDeal;
using ::pactlog::testing::AnnounceProject;
using ::pactlog::testing::ChangeTariffs;
using ::testing::HasSubstr;

class LedgerChainTest : public ::pactlog::testing::LedgerTest {
 protected:
  void SetUp() override { Open(); }

  // The hash stored with the event at `sequence`, read past the log's
  // counters.
  std::string StoredHash(uint64_t sequence) {
    absl::MutexLock lock(&data_->mu);
    return data_->events.at(sequence).hash();
  }
};

TEST_F(LedgerChainTest, RecentHeadsAreAnsweredFromMemoryOthersFromTheLog) {
  EXPECT_EQ(*ledger_->ChainHeadAt(0), domain::GenesisHash());
  Append(AnnounceDeal("deal-a"));
  Append(AnnounceProject("deal-a", "a-1"));
  Append(AnnounceProject("deal-a", "a-2"));

  // The head and the ends of earlier batches: from memory.
  const uint64_t gets = log_->gets();
  EXPECT_EQ(*ledger_->ChainHeadAt(3), StoredHash(3));
  EXPECT_EQ(*ledger_->ChainHeadAt(2), StoredHash(2));
  EXPECT_EQ(log_->gets(), gets);
  EXPECT_EQ(ledger_->ChainHeadAt(4).status().code(),
            absl::StatusCode::kNotFound);

  // After a restart only the recovered head is in memory; an earlier
  // sequence is read from the log.
  Open();
  const uint64_t gets_after_recovery = log_->gets();
  EXPECT_EQ(*ledger_->ChainHeadAt(3), StoredHash(3));
  EXPECT_EQ(log_->gets(), gets_after_recovery);
  EXPECT_EQ(*ledger_->ChainHeadAt(2), StoredHash(2));
  EXPECT_EQ(log_->gets(), gets_after_recovery + 1);
}

TEST_F(LedgerChainTest, IntactChainVerifiesToTheHead) {
  Append(AnnounceDeal("deal-a"));
  Append(AnnounceProject("deal-a", "a-1"));
  Append(AnnounceProject("deal-a", "a-2"));

  const absl::StatusOr<ChainVerification> all = ledger_->VerifyChain(0, "");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->verified_through, 3u);
  EXPECT_EQ(all->head_hash, StoredHash(3));
  EXPECT_EQ(all->first_broken_sequence, 0u);
  EXPECT_TRUE(all->problem.empty());

  const absl::StatusOr<ChainVerification> pinned =
      ledger_->VerifyChain(1, StoredHash(1));
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(pinned->verified_through, 3u);
  EXPECT_EQ(pinned->first_broken_sequence, 0u);

  EXPECT_EQ(ledger_->VerifyChain(4, "").status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(LedgerChainTest, PinnedHashThatDiffersIsABrokenChain) {
  Append(AnnounceDeal("deal-a"));
  Append(AnnounceProject("deal-a", "a-1"));
  const absl::StatusOr<ChainVerification> verified =
      ledger_->VerifyChain(1, StoredHash(2));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->first_broken_sequence, 1u);
  EXPECT_THAT(verified->problem, HasSubstr("not the trusted"));
}

TEST_F(LedgerChainTest, TamperedEventBreaksTheChainThere) {
  Append(AnnounceDeal("deal-a"));
  Append(AnnounceProject("deal-a", "a-1"));
  Append(AnnounceProject("deal-a", "a-2"));
  pactlog::v1::Event tampered = *log_->Get(2);
  tampered.set_actor("someone-else");
  log_->OverwriteEvent(tampered);

  const absl::StatusOr<ChainVerification> verified =
      ledger_->VerifyChain(0, "");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->verified_through, 1u);
  EXPECT_EQ(verified->head_hash, StoredHash(1));
  EXPECT_EQ(verified->first_broken_sequence, 2u);
  EXPECT_THAT(verified->problem, HasSubstr("event at sequence 2 has hash"));
}

TEST_F(LedgerChainTest, CancellationIsPolledEvery4096Events) {
  Append(AnnounceDeal("deal-a"));
  for (int i = 0; i < 9; ++i) Append(ChangeTariffs("deal-a", 1000));
  ASSERT_EQ(ledger_->applied_sequence(), 9001u);

  // 9001 events: polled before the 4097th and the 8193rd.
  int polls = 0;
  const absl::StatusOr<ChainVerification> whole =
      ledger_->VerifyChain(0, "", [&] {
        ++polls;
        return false;
      });
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->verified_through, 9001u);
  EXPECT_EQ(polls, 2);

  polls = 0;
  const absl::StatusOr<ChainVerification> cancelled =
      ledger_->VerifyChain(0, "", [&] { return ++polls == 2; });
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(std::string(cancelled.status().message()),
            "chain verification cancelled at sequence 8192");
  EXPECT_EQ(polls, 2);

  polls = 0;
  const absl::StatusOr<ChainVerification> from_5000 =
      ledger_->VerifyChain(5000, "", [&] {
        ++polls;
        return true;
      });
  ASSERT_TRUE(from_5000.ok()) << from_5000.status();  // 4001 events examined
  EXPECT_EQ(polls, 0);
}

}  // namespace
}  // namespace pactlog::ledger
