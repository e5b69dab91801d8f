// Ledger: the live record of every deal, kept in memory over an EventLog.
//
// The ledger owns the single writer of the log. Append() queues a request
// and returns at once; the writer thread takes every queued request,
// checks each in log order against the state including everything ahead of
// it in the same batch, writes all accepted events in ONE synced log write
// (group commit), then applies them to the in-memory state and runs each
// request's callback. So two concurrent requests can never both pass a rule
// only one of them may pass, and nothing is acknowledged before it is on
// disk. If the write fails, no request of the batch is acknowledged and the
// in-memory state is unchanged.
//
// Reads (Deal, Deals, DealAsOf) never wait for the writer: they see the
// state after some whole batch.
//
// With a replicated log of record (storage/record_log.h) the writer does
// not write: it checks each request against the live state and publishes
// it to the record, conditional on the deal's last entry being the one the
// live state ends with. An applier thread reads the record in order and
// applies every entry, whichever replica published it, with the same
// deterministic rules, writing the events to the local log (a projection)
// and then to the live state; the writer answers a request from the
// outcome of its entry once applied. A request that lost a race for its
// deal to another replica is checked again and republished, a bounded
// number of times.
//
// Thread-safety: every method may be called from any thread.
#ifndef PACTLOG_LEDGER_LEDGER_H_
#define PACTLOG_LEDGER_LEDGER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "domain/deal_state.h"
#include "ledger/clock.h"
#include "pactlog/v1/ledger.pb.h"
#include "pactlog/v1/query.pb.h"
#include "storage/event_log.h"
#include "storage/record_log.h"

namespace pactlog::ledger {

struct LedgerOptions {
  // Where recorded times come from; nullptr means the system clock. Not
  // owned; must outlive the ledger.
  Clock* clock = nullptr;
  // Most requests the writer takes into one synced write.
  int max_batch_requests = 512;
  // Most events the writer takes into one synced write (a request is never
  // split; one request may exceed this on its own).
  int max_batch_events = 4096;
  // After this many events the writer snapshots every deal changed since
  // the last checkpoint (0: never). Start-up then replays only the events
  // after the last checkpoint, and an as-of query on sequence or recorded
  // time replays at most about this many events of its deal.
  uint64_t snapshot_interval = 1000;
  // Replicated mode: where the applier reports trouble it retries (a lost
  // connection to the log of record, an entry it skipped). May be empty.
  std::function<void(std::string_view)> warn;
  // Replicated mode: how many times a request that lost a race for its deal
  // is checked again and republished before the caller gets ABORTED.
  int max_proposal_attempts = 32;
  // Replicated mode: how long the writer waits for its published entries
  // to be applied locally before answering UNAVAILABLE.
  absl::Duration apply_timeout = absl::Seconds(30);
};

// Bounds of a past state; a zero/absent bound does not limit.
struct AsOfBounds {
  uint64_t max_sequence = 0;
  std::optional<absl::Time> max_recorded_time;
  std::optional<absl::Time> max_effective_time;

  bool unbounded() const {
    return max_sequence == 0 && !max_recorded_time && !max_effective_time;
  }
  static AsOfBounds FromProto(const pactlog::v1::AsOf& as_of);
};

// Counters of the writer, for tests, benchmarks and metrics.
struct WriterStats {
  uint64_t batches = 0;         // synced writes made
  uint64_t requests = 0;        // requests answered by the writer
  uint64_t events_written = 0;  // events made durable
  uint64_t checkpoints = 0;     // snapshot checkpoints written
  uint64_t checkpoint_failures = 0;
  uint64_t last_checkpoint_sequence = 0;
};

// Counters of the applier (replicated mode), for tests and metrics.
struct ApplierStats {
  uint64_t applied_position = 0;  // last position of the record applied
  uint64_t entries = 0;           // entries applied since start
  uint64_t entries_refused = 0;   // entries whose rules failed on apply
  uint64_t entries_skipped = 0;   // entries that are not pactlog's
  uint64_t reader_restarts = 0;   // record readers reopened after an error
  uint64_t conflicts = 0;         // publishes that lost a race for a deal
};

// How the last Recover() rebuilt the state.
struct RecoveryStats {
  // The checkpoint the snapshots were loaded from (0: none, full replay).
  uint64_t checkpoint_sequence = 0;
  uint64_t deals_from_snapshots = 0;
  uint64_t events_replayed = 0;
};

// What Ledger::VerifyChain found.
struct ChainVerification {
  // The last sequence whose hash checked out (the start when none did).
  uint64_t verified_through = 0;
  // Its hash.
  std::string head_hash;
  // The first sequence where the chain breaks; 0 when it holds to the end.
  uint64_t first_broken_sequence = 0;
  // Why it breaks, naming the sequence and the hashes.
  std::string problem;
};

class Ledger {
 public:
  // Called exactly once per Append, on the writer thread (or on the
  // caller's thread when the ledger is not running).
  using AppendDone = std::function<void(absl::Status)>;
  // A committed batch's events in sequence order, shared (never copied)
  // by every observer that keeps them.
  using CommittedEvents =
      std::shared_ptr<const std::vector<pactlog::v1::Event>>;
  // Called on the writer thread after each batch is durable and applied.
  // Must not block.
  using CommitObserver = std::function<void(const CommittedEvents& events)>;

  // Takes ownership of `log`. The ledger is not ready until Recover().
  Ledger(std::unique_ptr<storage::EventLog> log, LedgerOptions options);
  // Replicated mode: `record` is the log of record and `log` its local
  // projection (see the top of this file).
  Ledger(std::unique_ptr<storage::EventLog> log,
         std::unique_ptr<storage::RecordLog> record, LedgerOptions options);
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;
  // Stops the writer (as Stop()).
  ~Ledger();

  // Rebuilds every deal's state from the last snapshot checkpoint and the
  // events after it (or the whole log when there is no usable checkpoint),
  // then starts the writer. In replicated mode it then applies the record
  // up to its last entry at the time of the call. Call once. Errors:
  // DATA_LOSS when the log is corrupt or has a gap (message names the
  // sequence), UNAVAILABLE when the log of record cannot be read; the
  // ledger then stays not ready.
  absl::Status Recover();
  RecoveryStats recovery_stats() const { return recovery_stats_; }

  // Makes a Recover() that is still applying the log of record give up
  // with UNAVAILABLE (for a stop signal during start-up); the ledger is then
  // only good for Stop(). No effect without a log of record.
  void AbortRecovery();

  // True once Recover() succeeded and until Stop().
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  // Stops accepting appends (they fail UNAVAILABLE), lets the writer finish
  // every request already queued (each is acknowledged or failed), and
  // joins it. Idempotent.
  void Stop();

  // Queues an append. `request` must already have passed
  // domain::ValidateAppendRequest. `request` and `response` are not owned
  // and must stay valid until `done` runs; `response` is filled only when
  // `done` gets OK. Never blocks on disk. `done` gets:
  //   OK                  durable (or a retry of a durable request:
  //                       response->deduplicated());
  //   ABORTED             expected version does not hold;
  //   NOT_FOUND / FAILED_PRECONDITION  from domain::DealState::CheckRules;
  //   ALREADY_EXISTS      an event id was used with other content, or the
  //                       request mixes recorded and new event ids;
  //   UNAVAILABLE         not ready, stopping, or the synced write failed
  //                       (nothing of the request was recorded);
  //   RESOURCE_EXHAUSTED  (replicated mode) the request is larger than the
  //                       log of record takes in one entry.
  void Append(const pactlog::v1::AppendRequest* request,
              pactlog::v1::AppendResponse* response, AppendDone done);

  // The live state of a deal, or nullptr if the deal does not exist.
  // `applied_sequence`, when not null, receives the last sequence applied
  // to the state that was read.
  std::shared_ptr<const domain::DealState> Deal(
      std::string_view deal_id, uint64_t* applied_sequence = nullptr) const;

  // Up to `limit` live deals with id > `after_id`, ordered by id.
  std::vector<std::shared_ptr<const domain::DealState>> Deals(
      std::string_view after_id, int limit,
      uint64_t* applied_sequence = nullptr) const;

  // The state of a deal folded from its events in the log that satisfy
  // every bound, never beyond the live state; nullptr when no event
  // qualifies or the deal is unknown. With unbounded bounds this is the
  // live state itself. `applied_sequence`, when not null, receives the last
  // sequence the answer could reflect. Errors: DATA_LOSS from the log.
  absl::StatusOr<std::shared_ptr<const domain::DealState>> DealAsOf(
      std::string_view deal_id, const AsOfBounds& bounds,
      uint64_t* applied_sequence = nullptr) const;

  // The last sequence applied to the live state.
  uint64_t applied_sequence() const {
    return applied_sequence_.load(std::memory_order_acquire);
  }

  // Waits until applied_sequence() >= sequence or `deadline`; returns
  // whether it got there. Only a replica of a replicated record can fall
  // behind a sequence another replica acknowledged, so the single-node
  // ledger answers at once.
  bool AwaitApplied(uint64_t sequence, absl::Time deadline) const;

  // True when a log of record other than the local log is in use.
  bool replicated() const { return record_ != nullptr; }
  ApplierStats applier_stats() const;

  // The hash of the event at `sequence` (32 zero bytes for 0). Errors:
  // NOT_FOUND beyond the log, DATA_LOSS when the event has no hash.
  absl::StatusOr<std::string> ChainHeadAt(uint64_t sequence) const;

  // Re-checks the hash chain from the event after `after_sequence` to the
  // last applied one. With `trusted_hash` (e.g. a chain head an auditor
  // pinned earlier), the hash at `after_sequence` must equal it too.
  // Errors: OUT_OF_RANGE for a start beyond the log, and I/O errors; a
  // broken chain is a result, not an error.
  absl::StatusOr<ChainVerification> VerifyChain(
      uint64_t after_sequence, std::string_view trusted_hash) const;

  // Registers an observer of commits. Call before Recover().
  void AddCommitObserver(CommitObserver observer);

  const storage::EventLog& log() const { return *log_; }

  WriterStats writer_stats() const;

 private:
  struct Pending {
    const pactlog::v1::AppendRequest* request;
    pactlog::v1::AppendResponse* response;
    AppendDone done;
  };
  class Batch;

  struct Outcome {
    absl::Status status;
    pactlog::v1::AppendResponse response;
  };

  void WriterLoop();
  void ProcessBatch(std::vector<Pending>& pending);
  // After `batch` is durable: makes it the live state and tells observers.
  void Commit(Batch& batch, absl::Time last_recorded);

  // Replicated mode.
  void ProposeBatch(std::vector<Pending>& pending);
  void ApplierLoop();
  absl::Status ApplyEntries(absl::Span<const storage::RecordEntry> entries);
  // Waits until the record is applied through `position` or `deadline`.
  bool AwaitPosition(uint64_t position, absl::Time deadline) const;
  void Warn(std::string_view message) const;
  // Loads the deal states of the last usable checkpoint into `states` and
  // returns its sequence; 0 (and `states` empty) when there is none.
  uint64_t LoadCheckpoint(
      std::map<std::string, domain::DealState, std::less<>>* states);
  // Snapshots the deals changed since the last checkpoint (writer thread).
  void WriteCheckpoint();
  // The latest snapshot of `deal_id` at or before `max_sequence` as a
  // state, or an empty state when there is none usable.
  absl::StatusOr<domain::DealState> StateFromSnapshot(
      std::string_view deal_id, uint64_t max_sequence) const;

  const std::unique_ptr<storage::EventLog> log_;
  const std::unique_ptr<storage::RecordLog> record_;
  const LedgerOptions options_;
  SystemClock system_clock_;
  Clock* const clock_;
  std::vector<CommitObserver> observers_;

  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> applied_sequence_{0};

  mutable absl::Mutex queue_mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool accepting_ ABSL_GUARDED_BY(queue_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread writer_;

  mutable absl::Mutex state_mu_;
  std::map<std::string, std::shared_ptr<const domain::DealState>, std::less<>>
      deals_ ABSL_GUARDED_BY(state_mu_);

  RecoveryStats recovery_stats_;

  // Replicated mode. This process's name as a proposer, and the number of
  // its next proposal (writer thread).
  std::string proposer_id_;
  uint64_t next_proposal_ = 0;
  std::thread applier_;
  mutable absl::Mutex apply_mu_;
  bool applier_stop_ ABSL_GUARDED_BY(apply_mu_) = false;
  ApplierStats applier_stats_ ABSL_GUARDED_BY(apply_mu_);
  // Outcomes of this process's own entries, by position, until the writer
  // takes them.
  std::map<uint64_t, Outcome> outcomes_ ABSL_GUARDED_BY(apply_mu_);
  // Held shared by the writer while it checks requests, exclusively by the
  // applier while it writes and publishes what it applied.
  absl::Mutex view_mu_ ABSL_ACQUIRED_BEFORE(state_mu_);
  // The position of each deal's last entry applied (deals touched since
  // start; others are looked up in the record).
  std::map<std::string, uint64_t, std::less<>> deal_positions_
      ABSL_GUARDED_BY(state_mu_);

  // Owned by the writer thread (by the applier in replicated mode).
  absl::Time last_recorded_time_ = absl::InfinitePast();
  // The hash of the last event written.
  std::string last_hash_;
  std::set<std::string, std::less<>> dirty_deals_;
  uint64_t events_since_checkpoint_ = 0;
  WriterStats stats_ ABSL_GUARDED_BY(state_mu_);
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_LEDGER_H_
