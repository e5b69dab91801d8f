// RecordLog: a replicated log of record that several pactlogd replicas
// share, with the local EventLog of each replica as its projection.
//
// In the default mode the local EventLog is itself the log of record: the
// ledger's single writer decides everything and writes it. Once the record
// must outlive a machine, the record is a totally ordered log held by a
// replicated engine instead (NATS JetStream, storage/nats_record_log.h),
// and every replica is a pure function of it:
//
//   - a replica that takes an append request checks it against its view,
//     then PUBLISHES one entry holding the request (with every event id
//     and the proposed recorded time filled in), on condition that the
//     deal's last entry is still the one its view ends with;
//   - every replica READS the entries in order and applies each one with
//     the same deterministic rules (idempotency, expected version, deal
//     rules; sequences, versions, hash chain and recorded times derived
//     from the entries before it), so all replicas hold the same events at
//     the same sequences; an entry the rules refuse adds no event anywhere;
//   - the local EventLog keeps the applied events, indexes and snapshots
//     together with the position applied (EventLog::AppendApplied), all of
//     it rebuildable from the log of record.
//
// Positions are the log of record's own, increasing but not necessarily
// dense; they are not the ledger's event sequences.
//
// Thread-safety: every method may be called from any thread.
#ifndef PACTLOG_STORAGE_RECORD_LOG_H_
#define PACTLOG_STORAGE_RECORD_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace pactlog::storage {

// One entry of the log of record.
struct RecordEntry {
  uint64_t position = 0;
  std::string deal_id;
  std::string payload;
};

// An entry to publish.
struct RecordProposal {
  std::string deal_id;
  // Publishing the same id again within the engine's de-duplication window
  // stores nothing and answers with the first entry's position.
  std::string dedup_id;
  std::string payload;
  // The position of the deal's last entry as the proposer saw it (0: the
  // deal has none). The entry is stored only if that still holds, unless
  // `unconditional`.
  uint64_t expected_deal_position = 0;
  bool unconditional = false;
};

// The deal_id under which entries of several deals are filed (a group;
// not a valid deal id, which starts with a letter or digit). Such an entry
// is always unconditional.
inline constexpr char kGroupDealId[] = "";

struct PublishResult {
  // OK: stored (on a quorum of the engine's replicas) at `position`.
  // ABORTED: the deal's last entry is not at expected_deal_position; it is
  //   at `position`.
  // UNAVAILABLE / DEADLINE_EXCEEDED: not known to be stored; publishing the
  //   same proposal again is safe within the de-duplication window.
  absl::Status status;
  uint64_t position = 0;
  // OK for an entry stored earlier under the same dedup_id.
  bool duplicate = false;
};

// What the engine's acknowledgement of a publish means.
enum class RecordDurability {
  // Committed on a majority of the engine's servers, not yet fsynced there.
  kCommittedOnMajority,
  // Fsynced on a majority of the engine's servers.
  kSyncedOnMajority,
};

// Reads entries in order from a position on, following new ones live.
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Appends up to `max` entries after the last one returned (or after the
  // start position) to `out`, waiting up to `timeout` for the first. OK
  // with nothing added on timeout. After an error the reader is unusable;
  // open another from the last position applied.
  [[nodiscard]] virtual absl::Status Next(absl::Duration timeout, size_t max,
                                          std::vector<RecordEntry>* out) = 0;
};

class RecordLog {
 public:
  RecordLog() = default;
  RecordLog(const RecordLog&) = delete;
  RecordLog& operator=(const RecordLog&) = delete;
  virtual ~RecordLog() = default;

  // Where the record is, for logs and errors (no credentials).
  virtual std::string Describe() const = 0;

  // A name of this very log that a recreated log of the same name does not
  // share (a replica's local data records it with the position applied and
  // refuses a log of another identity).
  virtual std::string Identity() const = 0;

  // What an OK PublishResult means.
  virtual RecordDurability durability() const = 0;

  // Publishes every proposal, concurrently; result i is proposal i's.
  [[nodiscard]] virtual std::vector<PublishResult> Publish(
      absl::Span<const RecordProposal> proposals) = 0;

  // The position of the last entry of `deal_id` (0: none).
  [[nodiscard]] virtual absl::StatusOr<uint64_t> DealPosition(
      std::string_view deal_id) = 0;

  // The position of the last entry of the whole log (0: empty).
  [[nodiscard]] virtual absl::StatusOr<uint64_t> LastPosition() = 0;

  // A reader of the entries after `after_position`.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<RecordReader>> Read(
      uint64_t after_position) = 0;
};

}  // namespace pactlog::storage

#endif  // PACTLOG_STORAGE_RECORD_LOG_H_
