// EventLog: the durable, append-only log of deal events.
//
// The log holds Events keyed by their global sequence (gapless from 1),
// with an index per deal (by deal version) and an index of event ids. It
// checks no deal rule: the single writer above it (ledger::Ledger) assigns
// sequences and versions and decides what may be appended.
//
// Thread-safety: Append() must be called by one thread at a time (the
// writer); every other method may be called concurrently with it and with
// each other, and sees a prefix of the log (never half a batch).
//
// No storage engine type appears here, so a replicated implementation can
// arrive without touching domain/ or services/. The RocksDB implementation
// and its options are in storage/rocksdb_event_log.h.
#ifndef PACTLOG_STORAGE_EVENT_LOG_H_
#define PACTLOG_STORAGE_EVENT_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "pactlog/v1/events.pb.h"

namespace pactlog::storage {

// Where an event id was recorded.
struct EventIdEntry {
  uint64_t sequence = 0;
};

// Visitor for scans: return true to go on, false to stop.
using EventVisitor = std::function<bool(const pactlog::v1::Event&)>;
// Visitor for scans that also want each event's serialised bytes (a
// pactlog.v1.Event message). Both are valid only during the call.
using EncodedEventVisitor =
    std::function<bool(const pactlog::v1::Event&, std::string_view encoded)>;

// How much room the log takes, for monitoring. Fields an implementation
// cannot tell are 0.
// Sizes of a log for monitoring, in terms every engine has: bytes on disk
// and bytes buffered in memory, each broken down into the engine's own
// parts by name (the RocksDB log: "table_files" and "wal" on disk,
// "memtables" in memory; see storage/rocksdb_event_log.h). Metrics export
// each part as pactlog_storage_bytes{medium, part}.
struct StorageStats {
  struct Part {
    std::string name;
    uint64_t bytes = 0;
  };
  std::vector<Part> on_disk;
  std::vector<Part> in_memory;
  // The engine's estimate of the live data (what compaction would keep);
  // 0 when it has none.
  uint64_t live_data_bytes = 0;

  uint64_t disk_bytes() const { return Sum(on_disk); }
  uint64_t memory_bytes() const { return Sum(in_memory); }

 private:
  static uint64_t Sum(const std::vector<Part>& parts) {
    uint64_t total = 0;
    for (const Part& part : parts) total += part.bytes;
    return total;
  }
};

// A copy of the log written by EventLog::CreateBackup.
struct BackupInfo {
  // The copy holds exactly the events 1..sequence.
  uint64_t sequence = 0;
  // Total size of the copy's files.
  uint64_t bytes = 0;
};

// A snapshot of one deal's derived state right after the event at
// `sequence`, the deal's last event at that point. The bytes are opaque to
// the log (the ledger encodes them).
struct SnapshotRecord {
  std::string deal_id;
  uint64_t sequence = 0;
  std::string bytes;
};

// A point at which every deal was covered by a snapshot: for each of the
// `deal_count` deals that existed, its latest snapshot at or before
// `sequence` is its state at `sequence`.
struct SnapshotCheckpoint {
  uint64_t sequence = 0;
  uint64_t deal_count = 0;
};

using SnapshotVisitor = std::function<bool(const SnapshotRecord&)>;

class EventLog {
 public:
  EventLog() = default;
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  virtual ~EventLog() = default;

  // Appends `events` atomically and durably: when OK is returned the whole
  // batch is synced to stable storage and survives a crash of the process
  // or the machine; on error none of it is visible, now or after a restart.
  // Requires: events non-empty; their sequences are LastSequence()+1,
  // +2, ... in order; each event's deal_version is the next of its deal;
  // every event_id is new. The log trusts its single writer on these.
  // Errors: UNAVAILABLE for I/O errors (the write may be retried),
  // INTERNAL when the log refuses (e.g. sequences out of order).
  [[nodiscard]] virtual absl::Status Append(
      absl::Span<const pactlog::v1::Event> events) = 0;

  // As Append, for a log that is a projection of a log of record (see
  // storage/record_log.h): the batch may be empty, and `source_position`,
  // the position in the log of record this write brings the projection up
  // to, is stored in the same atomic write, as is `unconfirmed`: the
  // applier's own note of the entries it applied without the record's
  // reader having confirmed them yet (opaque here; "" for none).
  // UNIMPLEMENTED when the implementation cannot serve as a projection.
  [[nodiscard]] virtual absl::Status AppendApplied(
      absl::Span<const pactlog::v1::Event> events, uint64_t source_position,
      std::string_view unconfirmed) {
    return absl::UnimplementedError(
        "this event log cannot be a projection of a log of record");
  }

  // The source position of the last AppendApplied (0 when none).
  [[nodiscard]] virtual absl::StatusOr<uint64_t> SourcePosition() const {
    return 0;
  }

  // The `unconfirmed` of the last AppendApplied ("" when none).
  [[nodiscard]] virtual absl::StatusOr<std::string> SourceUnconfirmed() const {
    return std::string();
  }

  // The identity of the log of record this log is a projection of
  // (storage::RecordLog::Identity()), "" until one is set.
  [[nodiscard]] virtual absl::StatusOr<std::string> SourceIdentity() const {
    return std::string();
  }

  // Records `identity` as the source's, durably. UNIMPLEMENTED when the
  // implementation cannot serve as a projection.
  [[nodiscard]] virtual absl::Status SetSourceIdentity(
      std::string_view identity) {
    return absl::UnimplementedError(
        "this event log cannot be a projection of a log of record");
  }

  // The sequence of the last event (0 for an empty log).
  virtual uint64_t LastSequence() const = 0;

  // One event by sequence. NOT_FOUND when absent, DATA_LOSS when the
  // stored bytes do not decode (message names the sequence).
  [[nodiscard]] virtual absl::StatusOr<pactlog::v1::Event> Get(
      uint64_t sequence) const = 0;

  // Visits events with sequence in (after_sequence, LastSequence()] in
  // order until the visitor returns false. Stops with DATA_LOSS naming the
  // sequence of an event that does not decode.
  [[nodiscard]] virtual absl::Status Scan(
      uint64_t after_sequence, const EventVisitor& visitor) const = 0;

  // As Scan, also passing each event's serialised bytes, so a caller that
  // sends events on (subscriptions) need not encode them again. A log that
  // stores events serialised passes the stored bytes, which decode to the
  // event it passes; this default serialises each event Scan visits.
  [[nodiscard]] virtual absl::Status ScanEncoded(
      uint64_t after_sequence, const EncodedEventVisitor& visitor) const;

  // Visits the events of one deal with deal_version > after_version in
  // version order until the visitor returns false. An unknown deal visits
  // nothing.
  [[nodiscard]] virtual absl::Status ScanDeal(
      std::string_view deal_id, uint64_t after_version,
      const EventVisitor& visitor) const = 0;

  // Where `event_id` was recorded, or nullopt if never.
  [[nodiscard]] virtual absl::StatusOr<std::optional<EventIdEntry>> FindEventId(
      std::string_view event_id) const = 0;

  // Sizes for monitoring; cheap enough to call on every metrics scrape.
  virtual StorageStats Stats() const { return {}; }

  // Writes a consistent copy of the whole log to `directory`, which must
  // not exist yet (its parent must), while appends go on. The copy is a
  // log of its own that the same implementation opens; it holds a prefix of
  // this log, every event up to the returned sequence, which is at least
  // LastSequence() at the time of the call. Errors: ALREADY_EXISTS when
  // `directory` exists, FAILED_PRECONDITION when its parent does not,
  // UNAVAILABLE on I/O errors (a partial copy is removed), UNIMPLEMENTED when
  // the implementation cannot copy itself.
  [[nodiscard]] virtual absl::StatusOr<BackupInfo> CreateBackup(
      const std::string& directory) const {
    return absl::UnimplementedError("this event log cannot be backed up");
  }

  // Snapshots are a cache of state derived from the log: they make start-up
  // and as-of queries replay less, and deleting any or all of them changes
  // no answer. They are written without a sync of their own; a crash may
  // drop the latest checkpoint, but a checkpoint and its snapshots always
  // survive or vanish together.

  // Stores `snapshots` and makes `checkpoint` the last checkpoint, in one
  // atomic write. Requires checkpoint.sequence <= LastSequence() and every
  // snapshot's sequence <= checkpoint.sequence.
  [[nodiscard]] virtual absl::Status WriteCheckpoint(
      const SnapshotCheckpoint& checkpoint,
      absl::Span<const SnapshotRecord> snapshots) = 0;

  // The last checkpoint written, or nullopt if none (or they were deleted).
  [[nodiscard]] virtual absl::StatusOr<std::optional<SnapshotCheckpoint>>
  LastCheckpoint() const = 0;

  // Visits, for every deal with a snapshot at or before `max_sequence`, its
  // latest such snapshot, in deal id order, until the visitor returns false.
  [[nodiscard]] virtual absl::Status ScanLatestSnapshots(
      uint64_t max_sequence, const SnapshotVisitor& visitor) const = 0;

  // The latest snapshot of `deal_id` at or before `max_sequence`.
  [[nodiscard]] virtual absl::StatusOr<std::optional<SnapshotRecord>>
  FindSnapshot(std::string_view deal_id, uint64_t max_sequence) const = 0;

  // Deletes every snapshot and the checkpoint (durably).
  [[nodiscard]] virtual absl::Status DeleteSnapshots() = 0;
};

// The last sequence in [0, head] whose event was recorded before `time`.
// Recorded times are non-decreasing in sequence order, so this is a binary
// search of O(log head) reads. Errors: those of EventLog::Get.
[[nodiscard]] absl::StatusOr<uint64_t> LastSequenceRecordedBefore(
    const EventLog& log, uint64_t head, absl::Time time);

}  // namespace pactlog::storage

#endif  // PACTLOG_STORAGE_EVENT_LOG_H_
