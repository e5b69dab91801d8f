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
// not write: it queues the requests, and a few group workers publish the
// queued requests of deals no other group holds as one entry of the record
// each, several groups in flight (ledger/replicated_committer.h). An
// applier thread applies every entry of the record in order (as a reader
// thread brings it, or from the record's acknowledgement for this
// replica's own), whichever replica published it, with the same
// deterministic rules,
// writing the events to the local log (a projection) and then to the live
// state; each request is answered from its outcome there once its entry is
// applied. So two replicas' requests for one deal are decided in the
// record's order, the same way on every replica.
//
// The two modes are two Committers (ledger/committer.h), chosen once by
// the constructor.
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
#include "pactlog/v1/ledger.pb.h"
#include "pactlog/v1/query.pb.h"
#include "storage/event_log.h"
#include "storage/record_log.h"
#include "util/clock.h"

namespace pactlog::ledger {

// Internals (ledger/*.h other than this file and clock.h).
class Checkpointer;
class Committer;
class LiveState;
struct PendingAppend;

struct LedgerOptions {
  // Where recorded times come from; nullptr means the system clock. Not
  // owned; must outlive the ledger.
  util::Clock* clock = nullptr;
  // Most requests the writer takes into one synced write.
  int max_batch_requests = 512;
  // Most events the writer takes into one synced write (a request is never
  // split; one request may exceed this on its own).
  int max_batch_events = 4096;
  // After this many events the writer snapshots every deal changed since
  // the last checkpoint (0: never), and no sooner than those events pay for
  // the snapshots at 256 bytes each (Checkpointer). Start-up then replays
  // only the events after the last checkpoint, and an as-of query on
  // sequence or recorded time replays at most about max(this, the
  // snapshots' bytes / 256) events of its deal.
  uint64_t snapshot_interval = 1000;
  // Replicated mode: where the applier reports trouble it retries (a lost
  // connection to the log of record, an entry it skipped). May be empty.
  std::function<void(std::string_view)> warn;
  // Replicated mode: called once, from the applier thread, when it halts
  // for good (ApplierStats::halted says why); ready() is false from then
  // on. May be empty.
  std::function<void()> halted;
  // Replicated mode: how many groups of requests are published and not
  // yet answered at once (each group is one entry of the log of record;
  // a deal is in one group being published at a time).
  int max_groups_in_flight = 4;
  // Replicated mode: how long the writer waits for its published entries
  // to be applied locally before answering UNAVAILABLE.
  absl::Duration apply_timeout = absl::Seconds(30);
  // Replicated mode: most of this replica's entries applied from the
  // record's acknowledgement whose copy the reader has not yet brought to
  // confirm them; past it the applier waits for the reader.
  int max_unconfirmed_entries = 4096;
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
  // Appends acknowledged OK before they were fsynced wherever the log of
  // record keeps them (AppendResponse.durability
  // DURABILITY_COMMITTED_MAJORITY); 0 unless such a log is in use.
  uint64_t acknowledged_unsynced = 0;
};

// Counters of the applier (replicated mode), for tests and metrics.
struct ApplierStats {
  uint64_t applied_position = 0;  // last position of the record applied
  uint64_t entries = 0;           // entries applied since start
  uint64_t requests = 0;          // requests applied (a group holds several)
  uint64_t requests_refused = 0;  // requests whose rules failed on apply
  uint64_t entries_skipped = 0;   // entries that are not pactlog's
  uint64_t reader_restarts = 0;   // record readers reopened after an error
  // This replica's own entries applied from the record's acknowledgement,
  // before a reader delivered them (which then confirms each); counting
  // those applied so before the last stop and still unconfirmed then.
  uint64_t entries_from_acks = 0;
  // Of those, the ones the reader's copy has confirmed since (the rest are
  // applied and not yet checked against the record).
  uint64_t entries_confirmed = 0;
  // Why applying stopped for good (empty while it goes on): the record
  // holds something else than it acknowledged at a position applied.
  std::string halted;
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
  [[nodiscard]] absl::Status Recover();
  RecoveryStats recovery_stats() const { return recovery_stats_; }

  // Makes a Recover() that is still applying the log of record give up
  // with UNAVAILABLE (for a stop signal during start-up); the ledger is then
  // only good for Stop(). No effect without a log of record.
  void AbortRecovery();

  // True once Recover() succeeded and until Stop(), unless the applier
  // halted (replicated mode: the local data is no longer the record's).
  bool ready() const;

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
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const domain::DealState>>
  DealAsOf(std::string_view deal_id, const AsOfBounds& bounds,
           uint64_t* applied_sequence = nullptr) const;

  // Visits, in log order, the events of `deal_id` a DealAsOf with
  // `bounds` folds after sequence `start_after`, until `visit` returns
  // false (nothing for an unknown deal); `*start` receives the state those
  // events apply to, folded from a snapshot where one serves (ScanAsOf in
  // ledger/as_of.h). Reads the log: call it from a reads executor. Sets
  // `*applied_sequence` as DealAsOf.
  [[nodiscard]] absl::Status ScanDealAsOf(
      std::string_view deal_id, const AsOfBounds& bounds, uint64_t start_after,
      domain::DealState* start,
      const std::function<bool(const pactlog::v1::Event&)>& visit,
      uint64_t* applied_sequence = nullptr) const;

  // The last sequence applied to the live state.
  uint64_t applied_sequence() const;

  // Waits until applied_sequence() >= sequence or `deadline`; returns
  // whether it got there. Only a replica of a replicated record can fall
  // behind a sequence another replica acknowledged, so the single-node
  // ledger answers at once.
  [[nodiscard]] bool AwaitApplied(uint64_t sequence, absl::Time deadline) const;

  // True when a log of record other than the local log is in use.
  bool replicated() const;
  ApplierStats applier_stats() const;

  // The hash of the event at `sequence` (32 zero bytes for 0). The live
  // head (sequence == applied_sequence()) and the ends of the last 4096
  // committed batches (the sequences live reads answer at) are answered
  // from memory, any other sequence from the log. Errors: NOT_FOUND beyond the
  // log, DATA_LOSS when the event has no hash.
  [[nodiscard]] absl::StatusOr<std::string> ChainHeadAt(
      uint64_t sequence) const;

  // Re-checks the hash chain from the event after `after_sequence` to the
  // last applied one. With `trusted_hash` (e.g. a chain head an auditor
  // pinned earlier), the hash at `after_sequence` must equal it too.
  // `cancelled`, when given, is polled once per 4096 events examined
  // (before the 4097th, the 8193rd, ...); when it returns true the
  // verification stops with CANCELLED ("chain verification cancelled at
  // sequence N", N the last sequence verified). It runs on the calling
  // thread and must not wait for the ledger. Errors: OUT_OF_RANGE for a
  // start beyond the log, CANCELLED, and I/O errors; a broken chain is a
  // result, not an error.
  [[nodiscard]] absl::StatusOr<ChainVerification> VerifyChain(
      uint64_t after_sequence, std::string_view trusted_hash,
      const std::function<bool()>& cancelled = nullptr) const;

  // Registers an observer of commits. Call before Recover().
  void AddCommitObserver(CommitObserver observer);

  // Narrow reads of the log, for services that stream, back up or monitor
  // it. Each may run concurrently with appends and sees a prefix of the
  // log; ScanEvents and CreateBackup may see events that are durable but
  // not yet applied (beyond applied_sequence()).

  // Visits the events with sequence > `after_sequence` in order until
  // `visit` returns false, as storage::EventLog::Scan (same errors).
  [[nodiscard]] absl::Status ScanEvents(
      uint64_t after_sequence,
      const std::function<bool(const pactlog::v1::Event&)>& visit) const;
  // As ScanEvents, also passing each event's serialised bytes
  // (storage::EventLog::ScanEncoded).
  [[nodiscard]] absl::Status ScanEncodedEvents(
      uint64_t after_sequence, const storage::EncodedEventVisitor& visit) const;

  // Writes a consistent copy of the log to `directory`, as
  // storage::EventLog::CreateBackup (same requirements and errors).
  [[nodiscard]] absl::StatusOr<storage::BackupInfo> CreateBackup(
      const std::string& directory) const;

  // The last sequence in [0, applied_sequence()] whose event was recorded
  // before `time` (storage::LastSequenceRecordedBefore). Errors: those of
  // storage::EventLog::Get.
  [[nodiscard]] absl::StatusOr<uint64_t> LastSequenceRecordedBefore(
      absl::Time time) const;

  // The log's sizes for monitoring (storage::EventLog::Stats); cheap.
  storage::StorageStats storage_stats() const;

  WriterStats writer_stats() const;

 private:
  void WriterLoop();
  // Replays the log after `checkpoint` into `states` (loaded from that
  // checkpoint); returns the last sequence and the latest recorded time.
  [[nodiscard]] absl::Status Replay(
      uint64_t checkpoint,
      std::map<std::string, domain::DealState, std::less<>>* states,
      uint64_t* last_sequence, absl::Time* last_recorded);

  const std::unique_ptr<storage::EventLog> log_;
  const LedgerOptions options_;
  util::SystemClock system_clock_;
  util::Clock* const clock_;
  std::vector<CommitObserver> observers_;
  const std::unique_ptr<LiveState> state_;
  const std::unique_ptr<Checkpointer> checkpointer_;
  // Chosen once, by the constructor: local group commit or replicated.
  const std::unique_ptr<Committer> committer_;

  std::atomic<bool> ready_{false};

  mutable absl::Mutex queue_mu_;
  std::vector<PendingAppend> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool accepting_ ABSL_GUARDED_BY(queue_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread writer_;

  RecoveryStats recovery_stats_;
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_LEDGER_H_
