// Replicated mode: the ledger proposes to a log of record and applies what
// it holds. The test plays the other replicas by storing their entries in
// the in-memory record directly, at chosen moments.
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "pactlog/internal/record_entry.pb.h"
#include "storage/record_log.h"
#include "tests/ledger/ledger_test_support.h"
#include "tests/ledger/memory_event_log.h"
#include "tests/ledger/memory_record_log.h"

namespace pactlog::ledger {
namespace {

namespace v1 = ::pactlog::v1;
using ::pactlog::testing::AnnounceDeal;
using ::pactlog::testing::AnnounceProject;
using ::pactlog::testing::AppendAndWait;
using ::pactlog::testing::AppendResult;

class LedgerReplicatedTest : public ::pactlog::testing::LedgerTest {
 protected:
  void SetUp() override {
    replicated_ = true;
    options_.warn = [this](std::string_view warning) {
      absl::MutexLock lock(&warnings_mu_);
      warnings_.emplace_back(warning);
    };
    options_.halted = [this] { ++halts_; };
    ASSERT_NO_FATAL_FAILURE(Open());
    ASSERT_TRUE(ledger_->replicated());
  }

  // Another replica's entry for `request` (every event id given).
  std::string ForeignEntry(const v1::AppendRequest& request) {
    internal::RecordEntry entry;
    *entry.mutable_request() = request;
    domain::ToProtoTime(clock_.Now(), entry.mutable_proposed_time());
    entry.set_proposer("other-replica");
    entry.set_proposal(next_foreign_proposal_++);
    return entry.SerializeAsString();
  }

  // Waits (60 s at most) for a warning containing `text` and returns it;
  // "" when none came.
  std::string AwaitWarning(absl::string_view text) {
    auto warned = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(warnings_mu_) {
      return FindWarningLocked(text) != nullptr;
    };
    absl::MutexLock lock(&warnings_mu_);
    if (!warnings_mu_.AwaitWithTimeout(absl::Condition(&warned),
                                       absl::Seconds(60))) {
      ADD_FAILURE() << "no warning with \"" << text << "\" within 60 s";
      return "";
    }
    return *FindWarningLocked(text);
  }

  // Waits until the reader has brought back, and so confirmed, every entry
  // applied from an acknowledgement. The applier reports no event for it,
  // so this polls the stats, with a generous deadline.
  void AwaitConfirmations() {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    ApplierStats stats = ledger_->applier_stats();
    while (stats.entries_confirmed < stats.entries_from_acks) {
      ASSERT_LT(absl::Now(), deadline)
          << stats.entries_from_acks - stats.entries_confirmed
          << " entries applied from acknowledgements are still unconfirmed";
      absl::SleepFor(absl::Milliseconds(1));
      stats = ledger_->applier_stats();
    }
    EXPECT_EQ(stats.entries_confirmed, stats.entries_from_acks);
  }

  // Announces deal-a (confirmed), then, with the readers held, appends
  // project "ours" to it, which only its acknowledgement can apply. The
  // record keeps `record_keeps` there instead when not empty.
  void AppendOursFromItsAckOnly(std::string record_keeps) {
    ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
    ASSERT_NO_FATAL_FAILURE(AwaitConfirmations());
    record_->HoldReaders(true);
    if (!record_keeps.empty()) {
      record_->StoreNextPublishAs(std::move(record_keeps));
    }
    const AppendResult ours =
        AppendAndWait(*ledger_, AnnounceProject("deal-a", "ours"));
    ASSERT_TRUE(ours.status.ok()) << ours.status;
    const ApplierStats stats = ledger_->applier_stats();
    ASSERT_EQ(stats.entries_from_acks - stats.entries_confirmed, 1u);
  }

  void TearDown() override { ledger_.reset(); }

  uint64_t next_foreign_proposal_ = 0;
  std::atomic<int> halts_{0};  // options_.halted calls

 private:
  const std::string* FindWarningLocked(absl::string_view text)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(warnings_mu_) {
    for (const std::string& warning : warnings_) {
      if (absl::StrContains(warning, text)) return &warning;
    }
    return nullptr;
  }

  absl::Mutex warnings_mu_;
  std::vector<std::string> warnings_ ABSL_GUARDED_BY(warnings_mu_);
};

TEST_F(LedgerReplicatedTest, AppendIsPublishedAppliedAndAnswered) {
  const AppendResult created = AppendAndWait(*ledger_, AnnounceDeal("deal-a"));
  ASSERT_TRUE(created.status.ok()) << created.status;
  EXPECT_EQ(created.response.sequences(0), 1u);
  EXPECT_EQ(created.response.deal_version(), 1u);
  // One group entry holding the request, its event id filled in.
  ASSERT_EQ(record_->entries().size(), 1u);
  EXPECT_EQ(record_->entries()[0].deal_id, storage::kGroupDealId);
  internal::RecordEntry entry;
  ASSERT_TRUE(entry.ParseFromString(record_->entries()[0].payload));
  ASSERT_EQ(entry.requests_size(), 1);
  EXPECT_FALSE(entry.has_request());
  EXPECT_EQ(entry.requests(0).deal_id(), "deal-a");
  EXPECT_EQ(entry.requests(0).events(0).event_id(),
            created.response.event_ids(0));
  EXPECT_EQ(log_->LastSequence(), 1u);
  EXPECT_EQ(*log_->SourcePosition(), 1u);
  EXPECT_EQ(ledger_->applied_sequence(), 1u);
  EXPECT_EQ(ledger_->applier_stats().entries, 1u);
  EXPECT_EQ(ledger_->applier_stats().applied_position, 1u);
  EXPECT_EQ(ledger_->Deal("deal-a")->version(), 1u);
}

TEST_F(LedgerReplicatedTest, EntryOfAnotherReplicaFirstIsAppliedFirst) {
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
  // Between this replica's taking the request and its publication,
  // another replica's entry for the same deal lands: the record's order
  // decides, and ours is applied after theirs, published once.
  record_->BeforeNextPublish([&] {
    record_->Inject("deal-a",
                    ForeignEntry(AnnounceProject("deal-a", "theirs", "e-1")));
  });
  const AppendResult ours =
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "ours"));
  ASSERT_TRUE(ours.status.ok()) << ours.status;
  EXPECT_EQ(ours.response.deal_version(), 3u);
  EXPECT_EQ(ours.response.sequences(0), 3u);

  const ApplierStats stats = ledger_->applier_stats();
  EXPECT_EQ(stats.entries, 3u);
  EXPECT_EQ(stats.requests_refused, 0u);
  EXPECT_EQ(record_->proposals(), 2u);  // the deal, ours
  const std::shared_ptr<const domain::DealState> deal = ledger_->Deal("deal-a");
  EXPECT_EQ(deal->version(), 3u);
  EXPECT_TRUE(deal->projects().contains("theirs"));
  EXPECT_TRUE(deal->projects().contains("ours"));
  EXPECT_TRUE(ledger_->VerifyChain(0, "")->problem.empty());
}

// Requests in flight together (in one group entry or several, as the
// workers take them) are each answered from their own outcome: one refused
// does not refuse the others, and a deal's requests keep their order.
TEST_F(LedgerReplicatedTest, RequestsInFlightTogetherKeepTheirOwnOutcomes) {
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-b")).status.ok());
  std::vector<v1::AppendRequest> requests = {
      AnnounceProject("deal-a", "first"),
      AnnounceDeal("deal-b", "e-again"),  // deal-announced-once
      AnnounceProject("deal-b", "other"),
      AnnounceProject("deal-a", "second"),
  };
  std::vector<AppendResult> results(requests.size());
  absl::BlockingCounter answered(static_cast<int>(requests.size()));
  for (size_t i = 0; i < requests.size(); ++i) {
    ledger_->Append(&requests[i], &results[i].response,
                    [&, i](absl::Status status) {
                      results[i].status = std::move(status);
                      answered.DecrementCount();
                    });
  }
  answered.Wait();
  EXPECT_TRUE(results[0].status.ok()) << results[0].status;
  EXPECT_EQ(results[1].status.code(), absl::StatusCode::kFailedPrecondition)
      << results[1].status;
  EXPECT_TRUE(results[2].status.ok()) << results[2].status;
  EXPECT_TRUE(results[3].status.ok()) << results[3].status;
  EXPECT_EQ(results[0].response.deal_version(), 2u);
  EXPECT_EQ(results[3].response.deal_version(), 3u);
  EXPECT_EQ(results[2].response.deal_version(), 2u);
  EXPECT_EQ(ledger_->applier_stats().requests_refused, 1u);
  EXPECT_EQ(ledger_->applier_stats().requests, 6u);
  EXPECT_TRUE(ledger_->VerifyChain(0, "")->problem.empty());
}

TEST_F(LedgerReplicatedTest, EntryRefusedOnApplyAnswersItsProposer) {
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
  // Another replica records event id "e-shared" for another deal just
  // before this replica's entry, which passed its check, lands: applying
  // it finds the id taken.
  record_->BeforeNextPublish([&] {
    record_->Inject("deal-b", ForeignEntry(AnnounceDeal("deal-b", "e-shared")));
  });
  const AppendResult ours =
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "ours", "e-shared"));
  EXPECT_EQ(ours.status.code(), absl::StatusCode::kAlreadyExists)
      << ours.status;
  EXPECT_NE(ours.status.message().find("deal \"deal-b\""),
            absl::string_view::npos)
      << ours.status;

  const ApplierStats stats = ledger_->applier_stats();
  EXPECT_EQ(stats.entries, 3u);
  EXPECT_EQ(stats.requests_refused, 1u);
  // The refused entry added no event anywhere.
  EXPECT_EQ(ledger_->applied_sequence(), 2u);
  EXPECT_EQ(ledger_->Deal("deal-a")->version(), 1u);
  EXPECT_EQ(ledger_->Deal("deal-b")->version(), 1u);
}

TEST_F(LedgerReplicatedTest, ForeignEntryBreakingARuleIsRefusedOnApply) {
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
  // Another replica's second announcement of the deal.
  record_->Inject("deal-a", ForeignEntry(AnnounceDeal("deal-a", "e-again")));
  // This replica's next append for the deal is applied after it.
  const AppendResult ours =
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "ours"));
  ASSERT_TRUE(ours.status.ok()) << ours.status;
  EXPECT_EQ(ours.response.deal_version(), 2u);

  const ApplierStats stats = ledger_->applier_stats();
  EXPECT_EQ(stats.entries, 3u);
  EXPECT_EQ(stats.requests_refused, 1u);
  EXPECT_EQ(ledger_->applied_sequence(), 2u);
  EXPECT_EQ(*log_->SourcePosition(), 3u);
}

TEST_F(LedgerReplicatedTest, EntryThatIsNotAnAppendIsSkipped) {
  record_->Inject("deal-a", "not a record entry");
  const AppendResult created = AppendAndWait(*ledger_, AnnounceDeal("deal-a"));
  ASSERT_TRUE(created.status.ok()) << created.status;
  EXPECT_EQ(created.response.sequences(0), 1u);
  EXPECT_EQ(ledger_->applier_stats().entries_skipped, 1u);
  EXPECT_EQ(ledger_->applier_stats().entries, 2u);
}

// The record's acknowledgement names the position of this replica's own
// entry: the applier applies it from there, without a reader bringing it,
// and the reader's copy confirms it later.
TEST_F(LedgerReplicatedTest, OwnEntryIsAppliedFromItsAcknowledgement) {
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
  const uint64_t from_acks = ledger_->applier_stats().entries_from_acks;
  record_->HoldReaders(true);
  const AppendResult held =
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "while-held"));
  ASSERT_TRUE(held.status.ok()) << held.status;
  EXPECT_EQ(held.response.deal_version(), 2u);
  EXPECT_EQ(ledger_->applier_stats().entries_from_acks, from_acks + 1);
  EXPECT_EQ(ledger_->applier_stats().applied_position, 2u);
  EXPECT_TRUE(ledger_->Deal("deal-a")->projects().contains("while-held"));
  EXPECT_EQ(*log_->SourcePosition(), 2u);

  // The reader's copy agrees, and applying goes on past it.
  record_->HoldReaders(false);
  ASSERT_TRUE(
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "after")).status.ok());
  ASSERT_TRUE(
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "later")).status.ok());
  const ApplierStats stats = ledger_->applier_stats();
  EXPECT_EQ(stats.entries, 4u);
  EXPECT_EQ(stats.applied_position, 4u);
  EXPECT_TRUE(stats.halted.empty()) << stats.halted;
  EXPECT_EQ(halts_.load(), 0);
  EXPECT_TRUE(ledger_->ready());
  EXPECT_EQ(ledger_->Deal("deal-a")->version(), 4u);
  EXPECT_TRUE(ledger_->VerifyChain(0, "")->problem.empty());
}

// The reader's copies confirm entries applied from acknowledgements, and
// only as many as max_unconfirmed_entries wait for it at once: once they
// are confirmed the applier takes the next ones from acknowledgements
// again, round after round.
TEST_F(LedgerReplicatedTest,
       ConfirmedEntriesMakeRoomForMoreFromAcknowledgements) {
  ledger_.reset();
  data_ = std::make_shared<::pactlog::testing::MemoryLogData>();
  options_.max_unconfirmed_entries = 2;
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
  ASSERT_NO_FATAL_FAILURE(AwaitConfirmations());
  for (int round = 0; round < 3; ++round) {
    const uint64_t from_acks = ledger_->applier_stats().entries_from_acks;
    // With the readers held, only acknowledgements can answer these.
    record_->HoldReaders(true);
    for (int i = 0; i < 2; ++i) {
      const AppendResult added = AppendAndWait(
          *ledger_, AnnounceProject("deal-a", absl::StrCat("p", round, i)));
      ASSERT_TRUE(added.status.ok())
          << "round " << round << ": " << added.status;
    }
    ApplierStats stats = ledger_->applier_stats();
    EXPECT_EQ(stats.entries_from_acks, from_acks + 2) << "round " << round;
    EXPECT_EQ(stats.entries_from_acks - stats.entries_confirmed, 2u)
        << "round " << round;
    record_->HoldReaders(false);
    ASSERT_NO_FATAL_FAILURE(AwaitConfirmations()) << "round " << round;
  }
  const ApplierStats stats = ledger_->applier_stats();
  EXPECT_GE(stats.entries_from_acks, 6u);
  EXPECT_TRUE(stats.halted.empty()) << stats.halted;
  EXPECT_EQ(ledger_->Deal("deal-a")->version(), 7u);
}

// A record that keeps another entry than it acknowledged at a position
// this replica applied from the acknowledgement: the replica's data is no
// longer the record's, so it stops applying and refuses appends, naming
// the position.
TEST_F(LedgerReplicatedTest, RecordHoldingAnotherEntryThanAcknowledgedHalts) {
  ASSERT_TRUE(AppendAndWait(*ledger_, AnnounceDeal("deal-a")).status.ok());
  record_->HoldReaders(true);
  record_->StoreNextPublishAs(
      ForeignEntry(AnnounceProject("deal-a", "theirs", "e-theirs")));
  const AppendResult ours =
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "ours"));
  ASSERT_TRUE(ours.status.ok()) << ours.status;
  ASSERT_EQ(record_->entries().size(), 2u);
  record_->HoldReaders(false);

  const std::string warning = AwaitWarning("another entry");
  EXPECT_TRUE(absl::StrContains(warning, "at position 2")) << warning;
  EXPECT_EQ(ledger_->applier_stats().halted, warning);
  EXPECT_EQ(halts_.load(), 1);
  EXPECT_FALSE(ledger_->ready());  // nor does it serve reads
  const AppendResult refused =
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "refused"));
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kUnavailable)
      << refused.status;
  EXPECT_TRUE(absl::StrContains(refused.status.message(), "data directory"))
      << refused.status;
  EXPECT_EQ(record_->entries().size(), 2u);  // nothing published
}

// The check outlives a restart: a replica stopped after applying its own
// entry from the acknowledgement, before its reader brought the record's
// copy, reads the record again from that position when it starts, and
// halts if the record holds another entry there.
TEST_F(LedgerReplicatedTest, RestartedReplicaChecksWhatItAppliedFromAnAck) {
  ASSERT_NO_FATAL_FAILURE(
      AppendOursFromItsAckOnly(/*record_keeps=*/
                               ForeignEntry(AnnounceProject("deal-a", "theirs",
                                                            "e-theirs"))));

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ledger_->applier_stats().applied_position, 2u);
  EXPECT_TRUE(ledger_->Deal("deal-a")->projects().contains("ours"));
  record_->HoldReaders(false);
  const std::string warning = AwaitWarning("another entry");
  EXPECT_TRUE(absl::StrContains(warning, "at position 2")) << warning;
  EXPECT_EQ(ledger_->applier_stats().halted, warning);
  EXPECT_FALSE(ledger_->ready());
}

// The same restart when the record holds what it acknowledged: the entry
// is confirmed after the restart and the replica goes on.
TEST_F(LedgerReplicatedTest, RestartedReplicaConfirmsWhatItAppliedFromAnAck) {
  ASSERT_NO_FATAL_FAILURE(AppendOursFromItsAckOnly(/*record_keeps=*/""));
  ASSERT_FALSE(log_->SourceUnconfirmed()->empty());

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ledger_->applier_stats().entries_from_acks, 1u);
  EXPECT_EQ(ledger_->applier_stats().entries_confirmed, 0u);
  record_->HoldReaders(false);
  ASSERT_NO_FATAL_FAILURE(AwaitConfirmations());
  EXPECT_EQ(ledger_->applier_stats().entries_confirmed, 1u);
  EXPECT_TRUE(ledger_->applier_stats().halted.empty());
  ASSERT_TRUE(
      AppendAndWait(*ledger_, AnnounceProject("deal-a", "next")).status.ok());
  EXPECT_EQ(ledger_->Deal("deal-a")->version(), 3u);
  EXPECT_EQ(halts_.load(), 0);
}

}  // namespace
}  // namespace pactlog::ledger
