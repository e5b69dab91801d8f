// Snapshot checkpoints: how the ledger reads and writes the deal snapshots
// that storage::EventLog keeps as a cache of derived state.
//
// A checkpoint at sequence S holds, for every deal that exists at S, a
// snapshot of its state as of S (written when it changed since the last
// checkpoint). Start-up loads the last checkpoint and replays only the
// events after it; an as-of query starts folding from the latest snapshot
// before its bound. Snapshots are only a cache: anything unusable about
// them (missing, undecodable, written by another build, an incomplete
// checkpoint) means more replay, never an error or a different answer.
// Internal to ledger/.
#ifndef PACTLOG_LEDGER_CHECKPOINTS_H_
#define PACTLOG_LEDGER_CHECKPOINTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "domain/deal_state.h"
#include "ledger/live_state.h"
#include "pactlog/v1/events.pb.h"
#include "storage/event_log.h"

namespace pactlog::ledger {

// The state of `deal_id` that `record` holds, or nullopt when this build
// cannot use it (it does not decode, names another deal or sequence).
std::optional<domain::DealState> UsableSnapshot(
    const storage::SnapshotRecord& record, std::string_view deal_id);

// Loads the deal states of the last usable checkpoint of `log` into
// `states` and returns its sequence; 0 (and `states` empty) when there is
// none. Never fails: an unusable checkpoint reads as none.
uint64_t LoadCheckpoint(
    const storage::EventLog& log,
    std::map<std::string, domain::DealState, std::less<>>* states);

// The latest usable snapshot of `deal_id` at or before `max_sequence` as a
// state, or an empty state (fold from the first event) when there is none.
// Errors: those of EventLog::FindSnapshot.
[[nodiscard]] absl::StatusOr<domain::DealState> StateFromSnapshot(
    const storage::EventLog& log, std::string_view deal_id,
    uint64_t max_sequence);

// Decides when to write a checkpoint and writes it: after every `interval`
// events committed (never when 0) it snapshots each deal changed since the
// last checkpoint written — but no sooner than when the events since then
// have paid for the snapshots, at kSnapshotBytesPerEvent bytes of snapshot
// per event appended. A snapshot costs what its deal holds, not how many
// events it has folded: a deal of a million disbursements into one project
// is snapshotted every `interval` events, a deal whose tariff histories
// hold 2 MiB about every 8,000. So the cost of snapshots per event
// appended stays bounded however large the deals' states grow, and
// start-up and as-of queries replay more only where a snapshot is large.
// Incremental snapshots would remove the trade-off.
//
// Thread-safety: not thread-safe; used by the committing thread only (and
// by Recover before that thread starts).
class Checkpointer {
 public:
  Checkpointer(uint64_t interval, storage::EventLog* log, LiveState* state);
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // After start-up replayed `events_replayed` events after the checkpoint
  // at `checkpoint_sequence` into `states`: a deal changed after the
  // checkpoint has no snapshot of its current state yet, so the next
  // checkpoint writes one (or a later start-up would take its older
  // snapshot for current and skip those events).
  void Recovered(
      uint64_t checkpoint_sequence, uint64_t events_replayed,
      const std::map<std::string, domain::DealState, std::less<>>& states);

  // After `events` are durable and live: notes their deals as changed and
  // writes a checkpoint at the live head when one is due. A failed write
  // is counted (LiveState::CountCheckpoint) and retried after the next
  // interval; appends go on regardless.
  void Committed(absl::Span<const pactlog::v1::Event> events);

 private:
  // Bytes of snapshot one appended event pays for at most. Each byte goes
  // through the WAL, the memtable, a flush and compactions: on deals of 100k
  // events (megabyte snapshots) writing them is still the largest cost of
  // their appends that a profile names (bench/README.md), about what the
  // earlier rule cost there. (That rule waited for half of the events the
  // deals held: a deal of 1M small events was snapshotted every 500k
  // events, start-up took 3.6 s and an as-of read 200 ms.)
  static constexpr uint64_t kSnapshotBytesPerEvent = 256;

  void WriteCheckpoint();

  const uint64_t interval_;
  storage::EventLog* const log_;
  LiveState* const state_;
  std::set<std::string, std::less<>> dirty_deals_;
  // The size of each deal's last snapshot written by this process. A deal
  // not in it (new, or not snapshotted since start-up) counts as 0: its
  // first snapshot is due after `interval` events and measures it.
  std::map<std::string, uint64_t, std::less<>> snapshot_bytes_;
  // The sum of snapshot_bytes_ over dirty_deals_: about what the next
  // checkpoint writes.
  uint64_t dirty_bytes_ = 0;
  uint64_t events_since_checkpoint_ = 0;
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_CHECKPOINTS_H_
