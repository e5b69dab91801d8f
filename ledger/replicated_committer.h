// ReplicatedCommitter: propose to a replicated log of record, apply what
// it holds (storage/record_log.h).
//
// The writer does not write. CommitBatch() queues the requests and
// returns; a few group workers (LedgerOptions::max_groups_in_flight) each
// take the queued requests of deals no other group holds, in arrival
// order, and publish them as one entry of the record: a group, filed
// under storage::kGroupDealId, unconditional. While one group waits for
// its acknowledgement and to be applied, the next is already published
// (the pipeline); a deal is in one group being published at a time (until
// the record acknowledged it), so its requests are recorded in the order
// they came.
//
// A reader thread reads the record in order, and an applier thread applies
// every entry, whichever replica published it, with the same deterministic
// rules (ledger/batch.h), request by request: that is where a request is
// accepted or refused, on every replica alike. It writes the events to the
// local log (a projection, with the position applied) and then to the live
// state; a group worker answers each of its requests from that outcome
// once its entry is applied. Nothing is checked before publishing beyond
// the request's shape (the service validated it): a proposer's view may be
// behind the record, and only the applied order decides.
//
// The record's acknowledgement of one of this replica's own entries names
// its position, and the entry there is the one published: when every
// position before it is applied, the applier applies it from the worker's
// copy without waiting for the reader to bring it (a round trip less on
// every append). The reader's copy, when it comes, confirms it; a record
// that holds something else than it acknowledged at a position applied
// halts the applier (ApplierStats::halted) and every append is refused
// UNAVAILABLE from then on. The check outlives a stop: each write of the
// local data lists (by position and a digest of the payload) the entries
// applied from acknowledgements that the reader has not yet confirmed,
// and Start() reads the record again from the first of them, so a replica
// that stopped or crashed before the reader's copy came checks it then.
//
// Thread-safety: see ledger/committer.h. CommitBatch() may return before
// the requests are answered; Stop() answers everything queued first.
#ifndef PACTLOG_LEDGER_REPLICATED_COMMITTER_H_
#define PACTLOG_LEDGER_REPLICATED_COMMITTER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
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
  bool halted() const override {
    return halted_.load(std::memory_order_acquire);
  }
  ApplierStats applier_stats() const override;

 private:
  // The outcome of one request of this process's own entries, once applied.
  struct Outcome {
    absl::Status status;
    pactlog::v1::AppendResponse response;
  };
  // Where an outcome is kept: the entry's position and the request's index
  // in it.
  using OutcomeKey = std::pair<uint64_t, int>;

  // A group worker: takes groups until Stop() and the queue is empty.
  void GroupLoop();
  // Moves into `group` the queued requests of deals no group holds (all of
  // each such deal's, in order, within the batch limits) and marks their
  // deals held. Empty when there is none.
  void TakeGroupLocked(std::vector<PendingAppend>* group)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_);
  // Publishes `group`, releases its `held` deals (may be null) once the
  // record has answered the publish, waits until the group is applied and
  // answers every request.
  void CommitGroup(std::vector<PendingAppend>& group,
                   std::vector<std::string>* held);
  // Lets other groups take `deals` again; clears it.
  void ReleaseDeals(std::vector<std::string>& deals);
  // The answer to `request` whose entry the record stored earlier under
  // the same content id, once applied.
  [[nodiscard]] absl::Status AnswerRepeat(
      const pactlog::v1::AppendRequest& request,
      pactlog::v1::AppendResponse* response)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);
  [[nodiscard]] absl::Status Unavailable(absl::string_view why) const;

  // The reader: reads the record after the applied position into
  // delivered_ until Stop().
  void ReaderLoop(uint64_t position);
  // The applier: applies delivered_ and acknowledged_ in record order.
  void ApplierLoop();
  // Moves into `run` the entries at the positions after `position`, in
  // order, from delivered_ or (while fewer than max_unconfirmed_entries
  // wait for confirmation) acknowledged_, at most max_batch_requests; into
  // `confirming` the delivered entries at `position` or before; and into
  // `from_ack` whether each entry of `run` came from acknowledged_.
  void TakeRunLocked(uint64_t position, bool use_acks,
                     std::vector<storage::RecordEntry>* run,
                     std::vector<storage::RecordEntry>* confirming,
                     std::vector<bool>* from_ack)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);
  // Checks what the reader delivered at positions applied from an
  // acknowledgement against what was applied; halts on a difference and
  // returns false.
  [[nodiscard]] bool Confirm(absl::Span<const storage::RecordEntry> delivered);
  // Stops applying for good, for `why`.
  void Halt(std::string why);
  // Applies `entries` (from_ack[i]: entry i came from acknowledged_).
  [[nodiscard]] absl::Status ApplyEntries(
      absl::Span<const storage::RecordEntry> entries,
      const std::vector<bool>& from_ack);
  // Waits until the record is applied through `position` or `deadline`.
  [[nodiscard]] bool AwaitPosition(uint64_t position,
                                   absl::Time deadline) const;
  void Warn(std::string_view message) const;

  const CommitContext context_;
  const std::unique_ptr<storage::RecordLog> record_;
  // This process's name as a proposer, and the number of its next
  // proposal.
  const std::string proposer_id_;
  std::atomic<uint64_t> next_proposal_{0};

  // The queue between the writer and the group workers.
  absl::Mutex queue_mu_;
  std::deque<PendingAppend> queued_ ABSL_GUARDED_BY(queue_mu_);
  // Deals of the groups being published (held until the record answered,
  // so that a deal's requests are recorded in the order they came).
  absl::flat_hash_set<std::string> held_deals_ ABSL_GUARDED_BY(queue_mu_);
  bool workers_stop_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::vector<std::thread> workers_;

  std::thread reader_;
  std::thread applier_;
  // Set once, with applier_stats_.halted.
  std::atomic<bool> halted_{false};
  mutable absl::Mutex apply_mu_;
  bool applier_stop_ ABSL_GUARDED_BY(apply_mu_) = false;
  ApplierStats applier_stats_ ABSL_GUARDED_BY(apply_mu_);
  // Entries the reader read and the applier has not taken, in order.
  std::deque<storage::RecordEntry> delivered_ ABSL_GUARDED_BY(apply_mu_);
  // This replica's entries the record acknowledged at positions not yet
  // applied.
  std::map<uint64_t, storage::RecordEntry> acknowledged_
      ABSL_GUARDED_BY(apply_mu_);
  // Applier thread only (and Start() before it runs): the payload digests
  // of the entries applied from an acknowledgement that the reader has not
  // yet confirmed, by position; what the last local write listed, less the
  // confirmations since.
  std::map<uint64_t, std::string> unconfirmed_;
  // Outcomes of this process's own requests until their worker takes them.
  std::map<OutcomeKey, Outcome> outcomes_ ABSL_GUARDED_BY(apply_mu_);
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_REPLICATED_COMMITTER_H_
