// Committer: how the ledger's writer turns queued append requests into
// durable, applied events. Internal to ledger/.
//
// The Ledger chooses one implementation when it is constructed:
//   - LocalCommitter (ledger/local_committer.h): the local EventLog is the
//     log of record; each group of requests is checked and written in one
//     synced write (group commit);
//   - ReplicatedCommitter (ledger/replicated_committer.h): a RecordLog is
//     the log of record; requests are checked and published to it, and an
//     applier thread applies every replica's entries to the local log.
// Both check requests with the same rules (ledger/batch.h) and make
// committed events live the same way (PublishCommitted).
//
// Thread-safety: CommitBatch() is called by the ledger's writer thread
// only; Start() and Stop() by the thread that owns the ledger; the other
// methods from any thread.
#ifndef PACTLOG_LEDGER_COMMITTER_H_
#define PACTLOG_LEDGER_COMMITTER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ledger/batch.h"
#include "ledger/checkpoints.h"
#include "ledger/ledger.h"
#include "ledger/live_state.h"
#include "pactlog/v1/ledger.pb.h"
#include "storage/event_log.h"
#include "util/clock.h"

namespace pactlog::ledger {

// One queued Ledger::Append: the request, where its answer goes, and the
// callback that gets its status.
struct PendingAppend {
  const pactlog::v1::AppendRequest* request;
  pactlog::v1::AppendResponse* response;
  Ledger::AppendDone done;
};

// What a committer works on. Owned by the Ledger; every pointer outlives
// the committer.
struct CommitContext {
  storage::EventLog* log;
  LiveState* state;
  Checkpointer* checkpointer;
  util::Clock* clock;
  const LedgerOptions* options;
  const std::vector<Ledger::CommitObserver>* observers;
};

// After `batch`'s events (non-empty) are durable in the local log: makes
// them the live state with `last_recorded` as the head's recorded time,
// hands them to every observer, and lets the checkpointer write a
// checkpoint when one is due. Leaves batch.events() empty (moved to the
// observers). On the committing thread.
void PublishCommitted(const CommitContext& context, Batch& batch,
                      absl::Time last_recorded);

// Ends a CommitBatch: sets `durability` on every accepted request's
// response, counts the requests (and, for DURABILITY_COMMITTED_MAJORITY,
// the accepted ones as acknowledged unsynced), then runs each request's
// `done` with its result.
void AnswerBatch(const CommitContext& context,
                 std::vector<PendingAppend>& pending,
                 std::vector<absl::Status>& results,
                 pactlog::v1::Durability durability);

class Committer {
 public:
  Committer() = default;
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;
  virtual ~Committer() = default;

  // Called by Ledger::Recover once the live state is rebuilt from the
  // local log, before the writer starts: brings the live state up to the
  // log of record. Errors make Recover fail (UNAVAILABLE when the record
  // cannot be read or AbortStart() was called, FAILED_PRECONDITION when
  // the local data is not of this record).
  [[nodiscard]] virtual absl::Status Start() = 0;

  // Makes a Start() still in progress give up with UNAVAILABLE.
  virtual void AbortStart() = 0;

  // Stops and joins whatever Start() started. Called after the writer is
  // joined; idempotent.
  virtual void Stop() = 0;

  // Checks every request of `batch` in order (each against the state with
  // the ones before it accepted), makes the accepted events durable and
  // live, fills each accepted request's response and then runs every
  // request's `done` exactly once with the outcome Ledger::Append
  // documents. Counts the requests (LiveState::CountRequests).
  virtual void CommitBatch(std::vector<PendingAppend>& batch) = 0;

  // Waits until the live state reaches `sequence` or `deadline`; returns
  // whether it did. Only a replica can fall behind a sequence acknowledged
  // elsewhere, so the local committer answers at once.
  [[nodiscard]] virtual bool AwaitApplied(uint64_t sequence,
                                          absl::Time deadline) const = 0;

  // What an OK answer means (AppendResponse.durability, set on each).
  virtual pactlog::v1::Durability durability() const = 0;

  // True when a log of record other than the local log is in use.
  virtual bool replicated() const = 0;
  // True once applying stopped for good (ApplierStats::halted). Cheap: read
  // on every call.
  virtual bool halted() const = 0;
  virtual ApplierStats applier_stats() const = 0;
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_COMMITTER_H_
