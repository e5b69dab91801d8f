// RocksDbEventLog: the EventLog on one local RocksDB database, the class
// behind OpenRocksDbEventLog (storage/rocksdb_event_log.h). Not part of the
// storage interface: only the files that implement the class include this
// header; everyone else opens the log through the factory. The on-disk
// layout is storage/FORMAT.md (encodings in storage/rocksdb_format.h); keep
// the two in step.
//
// The definitions are split by concern, as RocksDB splits its DBImpl:
//   rocksdb_event_log.cc            construction, closing, Stats, factory
//   rocksdb_event_log_open.cc       Open (options, column families, the
//                                   format version), recovery from a
//                                   failed write (Reopen)
//   rocksdb_event_log_write.cc      Append, AppendApplied, the event-id and
//                                   deal indexes they write
//   rocksdb_event_log_read.cc       Get, Scan, ScanDeal, FindEventId
//   rocksdb_event_log_snapshots.cc  snapshots and their checkpoint
//   rocksdb_event_log_backup.cc     CreateBackup
//
// Visibility: Append() publishes its last sequence in `last_sequence_` only
// after RocksDB has applied the whole batch. Every reader loads that value
// once, before touching RocksDB, and ignores anything beyond it, so a
// reader sees a prefix of the log that ends on a batch boundary even though
// RocksDB itself may already show a later batch.
//
// Thread-safety: as storage::EventLog.
#ifndef PACTLOG_STORAGE_ROCKSDB_EVENT_LOG_INTERNAL_H_
#define PACTLOG_STORAGE_ROCKSDB_EVENT_LOG_INTERNAL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"
#include "storage/event_log.h"
#include "storage/rocksdb_event_log.h"
#include "util/quote.h"

namespace pactlog::storage::internal {

// The column families (storage/FORMAT.md).
inline constexpr char kEventsCf[] = "events";
inline constexpr char kDealIndexCf[] = "deal_index";
inline constexpr char kEventIdsCf[] = "event_ids";
inline constexpr char kMetaCf[] = "meta";
inline constexpr char kSnapshotsCf[] = "snapshots";

inline rocksdb::Slice ToSlice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

inline std::string_view ToView(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

using ::pactlog::util::Quote;

class RocksDbEventLog final : public EventLog {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EventLog>> Open(
      const RocksDbOptions& options);

  ~RocksDbEventLog() override;

  [[nodiscard]] absl::Status Append(
      absl::Span<const pactlog::v1::Event> events) override;
  [[nodiscard]] absl::Status AppendApplied(
      absl::Span<const pactlog::v1::Event> events, uint64_t source_position,
      std::string_view unconfirmed) override;
  [[nodiscard]] absl::StatusOr<std::string> SourceUnconfirmed() const override
      ABSL_LOCKS_EXCLUDED(db_mu_);
  [[nodiscard]] absl::StatusOr<std::string> SourceIdentity() const override;
  [[nodiscard]] absl::Status SetSourceIdentity(
      std::string_view identity) override;
  [[nodiscard]] absl::StatusOr<uint64_t> SourcePosition() const override
      ABSL_LOCKS_EXCLUDED(db_mu_);
  uint64_t LastSequence() const override;
  [[nodiscard]] absl::StatusOr<pactlog::v1::Event> Get(
      uint64_t sequence) const override;
  [[nodiscard]] absl::Status Scan(uint64_t after_sequence,
                                  const EventVisitor& visitor) const override;
  [[nodiscard]] absl::Status ScanEncoded(
      uint64_t after_sequence,
      const EncodedEventVisitor& visitor) const override;
  [[nodiscard]] absl::Status ScanDeal(
      std::string_view deal_id, uint64_t after_version,
      const EventVisitor& visitor) const override;
  [[nodiscard]] absl::StatusOr<std::optional<EventIdEntry>> FindEventId(
      std::string_view event_id) const override;
  StorageStats Stats() const override;
  [[nodiscard]] absl::StatusOr<BackupInfo> CreateBackup(
      const std::string& directory) const override;
  [[nodiscard]] absl::Status WriteCheckpoint(
      const SnapshotCheckpoint& checkpoint,
      absl::Span<const SnapshotRecord> snapshots) override;
  [[nodiscard]] absl::StatusOr<std::optional<SnapshotCheckpoint>>
  LastCheckpoint() const override;
  [[nodiscard]] absl::Status ScanLatestSnapshots(
      uint64_t max_sequence, const SnapshotVisitor& visitor) const override;
  [[nodiscard]] absl::StatusOr<std::optional<SnapshotRecord>> FindSnapshot(
      std::string_view deal_id, uint64_t max_sequence) const override;
  [[nodiscard]] absl::Status DeleteSnapshots() override;

 private:
  // Append and AppendApplied: `source_position` and `unconfirmed`, when
  // not null, are stored in the same write.
  [[nodiscard]] absl::Status Write(absl::Span<const pactlog::v1::Event> events,
                                   const uint64_t* source_position,
                                   const std::string_view* unconfirmed)
      ABSL_LOCKS_EXCLUDED(append_mu_, db_mu_);
  // After a failed write: makes RocksDB take writes again (Resume, else
  // Reopen) and undoes that write. `last` is the last sequence before it.
  // UNAVAILABLE while the storage cannot recover yet; INTERNAL if the log
  // no longer ends at `last`.
  [[nodiscard]] absl::Status RecoverFromFailedWrite(uint64_t last)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_) ABSL_LOCKS_EXCLUDED(db_mu_);
  // Adds `events`, the next ones after `last`, to `batch` with their index
  // entries. INTERNAL for an event the log must not store (a sequence out
  // of order, an unindexable deal id, an empty event id).
  [[nodiscard]] absl::Status BatchEvents(
      absl::Span<const pactlog::v1::Event> events, uint64_t last,
      rocksdb::WriteBatch* batch) const ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  // Sets failed_batch_undo_ to delete every key that writing `events` after
  // `last` may have stored, and to put back `previous_position`.
  void RememberFailedWrite(absl::Span<const pactlog::v1::Event> events,
                           uint64_t last,
                           std::optional<uint64_t> previous_position)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_)
          ABSL_SHARED_LOCKS_REQUIRED(db_mu_);

  // The latest snapshot of `deal_id` at or before `max_sequence`, using
  // `it` (an iterator over `snapshots_`).
  [[nodiscard]] absl::StatusOr<std::optional<SnapshotRecord>> LatestSnapshot(
      rocksdb::Iterator* it, std::string_view deal_id,
      uint64_t max_sequence) const;

  RocksDbEventLog(std::string path, bool sync, std::unique_ptr<rocksdb::DB> db,
                  std::vector<rocksdb::ColumnFamilyHandle*> handles);

  rocksdb::ColumnFamilyHandle* Handle(std::string_view name) const
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);

  // Checks the format version in `meta`, or records it in a database that
  // holds nothing yet (new, or its creation was interrupted).
  [[nodiscard]] absl::Status CheckOrInitFormat()
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  [[nodiscard]] absl::StatusOr<bool> IsColumnFamilyEmpty(
      rocksdb::ColumnFamilyHandle* cf) ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  [[nodiscard]] absl::Status LoadLastSequence()
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);

  // Fetches the events at `sequences` (versions[i] of `deal_id` is at
  // sequences[i]) and visits them in order, checking each against its index
  // entry. Sets *stopped when the visitor returns false.
  [[nodiscard]] absl::Status VisitDealChunk(
      std::string_view deal_id, absl::Span<const uint64_t> versions,
      absl::Span<const uint64_t> sequences, const EventVisitor& visitor,
      bool* stopped) const ABSL_SHARED_LOCKS_REQUIRED(db_mu_);

  // Closes the database and opens it again (after a write error RocksDB
  // treats as fatal), then deletes the keys of the failed batch in case its
  // write-ahead log record survived: a failed Append stays invisible.
  // Requires: append_mu_ held; takes db_mu_ exclusively.
  [[nodiscard]] absl::Status Reopen() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_)
      ABSL_LOCKS_EXCLUDED(db_mu_);
  // OK when a file can be created, written and synced in the database's
  // directory.
  [[nodiscard]] absl::Status ProbeWritable() const;
  // UNAVAILABLE while a failed Reopen left no database open.
  [[nodiscard]] absl::Status CheckOpen() const
      ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  // Sets the column family members from handles_.
  void BindHandles() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // Destroys the handles and closes db_, leaving it null.
  void CloseDb() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);

  const std::string path_;
  rocksdb::WriteOptions write_options_;
  // What the database was opened with, to open it again.
  rocksdb::DBOptions db_options_;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors_;
  // Held shared by every use of db_ and the handles (RocksDB serialises
  // the reads and writes themselves), exclusively while Reopen replaces
  // them and while the destructor closes the database. Taken after
  // append_mu_, never before it.
  mutable absl::Mutex db_mu_ ABSL_ACQUIRED_AFTER(append_mu_);
  std::unique_ptr<rocksdb::DB> db_ ABSL_GUARDED_BY(db_mu_);
  // Every handle the database was opened with; destroyed before db_ closes.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_ ABSL_GUARDED_BY(db_mu_);
  rocksdb::ColumnFamilyHandle* events_ ABSL_GUARDED_BY(db_mu_);
  rocksdb::ColumnFamilyHandle* deal_index_ ABSL_GUARDED_BY(db_mu_);
  rocksdb::ColumnFamilyHandle* event_ids_ ABSL_GUARDED_BY(db_mu_);
  rocksdb::ColumnFamilyHandle* meta_ ABSL_GUARDED_BY(db_mu_);
  rocksdb::ColumnFamilyHandle* snapshots_ ABSL_GUARDED_BY(db_mu_);

  // Serialises Append so its check of the next sequence holds for its write
  // even if a caller breaks the one-writer rule.
  absl::Mutex append_mu_;
  // A write failed: RocksDB refuses writes until Resume() succeeds or, for
  // errors it deems fatal, Reopen(); the next Append tries both.
  bool write_failed_ ABSL_GUARDED_BY(append_mu_) = false;
  // Deletes every key of the batch whose write failed.
  rocksdb::WriteBatch failed_batch_undo_ ABSL_GUARDED_BY(append_mu_);
  // The stored source position, read once on the first AppendApplied and
  // kept in step by it, so that the writes of a projection read nothing.
  std::optional<uint64_t> source_position_ ABSL_GUARDED_BY(append_mu_);
  // Whether kSourceUnconfirmedKey is stored, known after the first
  // AppendApplied (an empty note deletes it only then).
  std::optional<bool> unconfirmed_stored_ ABSL_GUARDED_BY(append_mu_);
  // Written only under append_mu_, after a successful write; read anywhere.
  std::atomic<uint64_t> last_sequence_{0};
};

}  // namespace pactlog::storage::internal

#endif  // PACTLOG_STORAGE_ROCKSDB_EVENT_LOG_INTERNAL_H_
