// ReplicatedCommitter: propose to a replicated log of record, apply what
// it holds (storage/record_log.h).
//
// The writer does not write. CommitBatch() checks each request against the
// live state and publishes it to the record as one entry, conditional on
// the deal's last entry being the one the live state ends with. An applier
// thread reads the record in order and applies every entry, whichever
// replica published it, with the same deterministic rules (ledger/batch.h),
// writing the events to the local log (a projection, with the position
// applied) and then to the live state; the writer answers a request from
// the outcome of its entry once applied. A request that lost a race for
// its deal to another replica is checked again and republished, up to
// LedgerOptions::max_proposal_attempts times.
//
// Thread-safety: see ledger/committer.h.
#ifndef PACTLOG_LEDGER_REPLICATED_COMMITTER_H_
#define PACTLOG_LEDGER_REPLICATED_COMMITTER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "ledger/committer.h"
#include "storage/record_log.h"

namespace pactlog::ledger {

class ReplicatedCommitter final : public Committer {
 public:
  // `record` is the log of record; context.log its local projection.
  ReplicatedCommitter(CommitContext context,
                      std::unique_ptr<storage::RecordLog> record);
  ~ReplicatedCommitter() override;

  // Applies the record from the projection's position through the
  // record's last entry at the time of the call, then keeps applying.
  [[nodiscard]] absl::Status Start() override;
  void AbortStart() override;
  void Stop() override;
  void CommitBatch(std::vector<PendingAppend>& batch) override;
  [[nodiscard]] bool AwaitApplied(uint64_t sequence,
                                  absl::Time deadline) const override;
  pactlog::v1::Durability durability() const override;
  bool replicated() const override { return true; }
  ApplierStats applier_stats() const override;

 private:
  // The outcome of one of this process's own entries, once applied.
  struct Outcome {
    absl::Status status;
    pactlog::v1::AppendResponse response;
  };
  // The progress of one CommitBatch through its rounds of proposals.
  struct Proposals;
  // A request stored in the record at a position, to be answered once
  // that position is applied.
  using Stored = std::pair<size_t, storage::PublishResult>;

  // The requests of `remaining` that go into this round (one per deal: a
  // deal's next request is checked against the state its previous one
  // leaves); the others go to `later`.
  std::vector<size_t> TakeRound(const Proposals& batch,
                                const std::vector<size_t>& remaining,
                                std::vector<size_t>* later) const;
  // Makes sure the position of each deal of `round` is known and applied
  // here; returns those that are, answers the others UNAVAILABLE.
  std::vector<size_t> LocateDeals(Proposals& batch,
                                  const std::vector<size_t>& round);
  // Checks the requests of `located` against one applied prefix of the
  // record and builds an entry for each that must be published (into
  // `proposals`, their indexes into `proposed`); answers the others.
  void CheckRound(Proposals& batch, const std::vector<size_t>& located,
                  std::vector<storage::RecordProposal>* proposals,
                  std::vector<size_t>* proposed);
  // Sorts the publish results: stored ones into `stored`, lost races to
  // retry into `later`, failures answered. Returns the highest position
  // to wait for before answering (0: none).
  uint64_t SortPublished(Proposals& batch, const std::vector<size_t>& proposed,
                         std::vector<storage::PublishResult>& published,
                         std::vector<Stored>* stored,
                         std::vector<size_t>* later);
  // Answers each stored request from its entry's outcome, or sends it to
  // `later` to be proposed again.
  void AnswerStored(Proposals& batch, std::vector<Stored>& stored,
                    std::vector<size_t>* later);
  [[nodiscard]] absl::Status Unavailable(absl::string_view why) const;

  void ApplierLoop();
  [[nodiscard]] absl::Status ApplyEntries(
      absl::Span<const storage::RecordEntry> entries);
  // Waits until the record is applied through `position` or `deadline`.
  [[nodiscard]] bool AwaitPosition(uint64_t position,
                                   absl::Time deadline) const;
  void Warn(std::string_view message) const;

  const CommitContext context_;
  const std::unique_ptr<storage::RecordLog> record_;
  // This process's name as a proposer, and the number of its next
  // proposal (writer thread).
  const std::string proposer_id_;
  uint64_t next_proposal_ = 0;

  std::thread applier_;
  mutable absl::Mutex apply_mu_;
  bool applier_stop_ ABSL_GUARDED_BY(apply_mu_) = false;
  ApplierStats applier_stats_ ABSL_GUARDED_BY(apply_mu_);
  // Outcomes of this process's own entries, by position, until the writer
  // takes them.
  std::map<uint64_t, Outcome> outcomes_ ABSL_GUARDED_BY(apply_mu_);

  // Held shared by the writer while it checks requests, exclusively by the
  // applier while it writes and publishes what it applied, so a check sees
  // the log, the live state and the deal positions as of one entry.
  mutable absl::Mutex view_mu_ ABSL_ACQUIRED_BEFORE(positions_mu_);
  mutable absl::Mutex positions_mu_;
  // The position of each deal's last entry applied (deals touched since
  // start; others are looked up in the record).
  std::map<std::string, uint64_t, std::less<>> deal_positions_
      ABSL_GUARDED_BY(positions_mu_);
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_REPLICATED_COMMITTER_H_
