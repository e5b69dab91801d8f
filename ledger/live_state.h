// LiveState: the ledger's in-memory record — every deal's live state and
// the applied head of the log (its last sequence, that event's hash and
// recorded time) — plus the writer's counters.
//
// It changes a whole committed batch at a time (Commit), so a reader sees
// the deals, the applied sequence and the head hash as of the same batch.
// Internal to ledger/.
//
// Thread-safety: every method may be called from any thread; Reset() and
// Commit() by one thread at a time (the committing thread).
#ifndef PACTLOG_LEDGER_LIVE_STATE_H_
#define PACTLOG_LEDGER_LIVE_STATE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "ledger/ledger.h"

namespace pactlog::ledger {

// The last event applied to the live state.
struct AppliedHead {
  uint64_t sequence = 0;
  // Its hash (the genesis hash for sequence 0).
  std::string hash;
  // Its recorded time (InfinitePast for sequence 0).
  absl::Time recorded_time = absl::InfinitePast();
};

// Deal states staged by a batch, by deal id; states that do not exist (a
// refused first event) are not published.
using StagedDeals = std::map<std::string, std::shared_ptr<domain::DealState>>;

class LiveState {
 public:
  LiveState() = default;
  LiveState(const LiveState&) = delete;
  LiveState& operator=(const LiveState&) = delete;

  // Replaces every deal and the head with a recovered state.
  void Reset(std::map<std::string, domain::DealState, std::less<>> states,
             AppliedHead head);

  // The live state of `deal_id`, or nullptr if the deal does not exist.
  // `applied_sequence`, when not null, receives the head's sequence as of
  // the same batch.
  std::shared_ptr<const domain::DealState> Deal(
      std::string_view deal_id, uint64_t* applied_sequence = nullptr) const;

  // Up to `limit` deals with id > `after_id`, ordered by id.
  std::vector<std::shared_ptr<const domain::DealState>> Deals(
      std::string_view after_id, int limit, uint64_t* applied_sequence) const;

  uint64_t applied_sequence() const {
    return applied_sequence_.load(std::memory_order_acquire);
  }
  AppliedHead head() const;
  // The hash at `sequence` when it is the head's sequence or that of one
  // of the last kRecentHeads heads (the ends of the last committed
  // batches, which are the sequences live queries answer at); nullopt for
  // 0 and any other sequence.
  std::optional<std::string> HeadHashAt(uint64_t sequence) const;
  static constexpr size_t kRecentHeads = 4096;

  // Makes a durable batch of `event_count` events live: every existing
  // state of `staged` replaces the deal's (moved out of `staged`) and
  // `head` becomes the head. Counts one batch.
  void Commit(StagedDeals& staged, uint64_t event_count, AppliedHead head);

  // What a checkpoint at the head covers: the head's sequence, how many
  // deals exist, and the live states of those of `deal_ids` that exist.
  struct CheckpointView {
    uint64_t sequence = 0;
    uint64_t deal_count = 0;
    std::vector<std::shared_ptr<const domain::DealState>> changed;
  };
  CheckpointView ViewForCheckpoint(
      const std::set<std::string, std::less<>>& deal_ids) const;

  // Counters (see WriterStats).
  // `unsynced` of them acknowledged before an fsync (WriterStats).
  void CountRequests(uint64_t requests, uint64_t unsynced);
  void CountCheckpoint(bool written, uint64_t sequence);
  WriterStats writer_stats() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const domain::DealState>, std::less<>>
      deals_ ABSL_GUARDED_BY(mu_);
  AppliedHead head_ ABSL_GUARDED_BY(mu_);
  // (sequence, hash) of the last heads, oldest first, ending with head_:
  // so a query that read the live state a few commits ago still finds its
  // chain head in memory.
  std::deque<std::pair<uint64_t, std::string>> recent_heads_
      ABSL_GUARDED_BY(mu_);
  // head_.sequence, also readable without the lock.
  std::atomic<uint64_t> applied_sequence_{0};
  WriterStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_LIVE_STATE_H_
