// RocksDbEventLog: the EventLog on one local RocksDB database. The on-disk
// layout is described in storage/FORMAT.md; keep the two in step.
//
// Visibility: Append() publishes its last sequence in `last_sequence_` only
// after RocksDB has applied the whole batch. Every reader loads that value
// once, before touching RocksDB, and ignores anything beyond it, so a
// reader sees a prefix of the log that ends on a batch boundary even though
// RocksDB itself may already show a later batch.

#include "storage/rocksdb_event_log.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/transaction_log.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"
#include "storage/rocksdb_format.h"
#include "storage/rocksdb_status.h"
#include "util/status_macros.h"

namespace pactlog::storage {
namespace {

using ::pactlog::storage::internal::CheckpointValue;
using ::pactlog::storage::internal::DealIndexKey;
using ::pactlog::storage::internal::DealIndexPrefix;
using ::pactlog::storage::internal::DealKey;
using ::pactlog::storage::internal::DecodeCheckpoint;
using ::pactlog::storage::internal::DecodeEventValue;
using ::pactlog::storage::internal::DecodeUint64;
using ::pactlog::storage::internal::EncodeCheckpoint;
using ::pactlog::storage::internal::EncodeEventValue;
using ::pactlog::storage::internal::EncodeUint64;
using ::pactlog::storage::internal::FromRocksDb;
using ::pactlog::storage::internal::IsIndexableDealId;
using ::pactlog::storage::internal::kCheckpointKey;
using ::pactlog::storage::internal::kDealIdTerminator;
using ::pactlog::storage::internal::kFormatVersion;
using ::pactlog::storage::internal::kFormatVersionKey;
using ::pactlog::storage::internal::kSourcePositionKey;
using ::pactlog::storage::internal::ParseDealIndexKey;
using ::pactlog::v1::Event;

constexpr char kEventsCf[] = "events";
constexpr char kDealIndexCf[] = "deal_index";
constexpr char kEventIdsCf[] = "event_ids";
constexpr char kMetaCf[] = "meta";
constexpr char kSnapshotsCf[] = "snapshots";

constexpr size_t kMultiGetChunk = 256;
constexpr size_t kBlockCacheBytes = size_t{64} << 20;
constexpr size_t kTotalWriteBufferBytes = size_t{64} << 20;
constexpr double kBloomBitsPerKey = 10;

rocksdb::Slice ToSlice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

std::string_view ToView(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

// Debian's Abseil has its own string_view, which std::string_view does not
// convert to implicitly.
std::string Quote(std::string_view bytes) {
  return absl::StrCat(
      "\"", absl::CHexEscape(absl::string_view(bytes.data(), bytes.size())),
      "\"");
}

// Prefix of a `deal_index` key: the deal id with its terminator. Lets the
// Bloom filters of `deal_index` answer "does this deal have entries here".
class DealIdPrefixTransform final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "pactlog.DealIdPrefix.v1"; }

  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const size_t end = ToView(key).find(kDealIdTerminator);
    return rocksdb::Slice(key.data(), end + 1);
  }

  bool InDomain(const rocksdb::Slice& key) const override {
    return ToView(key).find(kDealIdTerminator) != std::string_view::npos;
  }
};

rocksdb::CompressionType ChooseCompression() {
  const std::vector<rocksdb::CompressionType> supported =
      rocksdb::GetSupportedCompressions();
  for (rocksdb::CompressionType preferred :
       {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), preferred) !=
        supported.end()) {
      return preferred;
    }
  }
  return rocksdb::kNoCompression;
}

enum class Filter { kNone, kWholeKey, kDealIdPrefix };

rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(
    const std::shared_ptr<rocksdb::Cache>& cache,
    rocksdb::CompressionType compression, Filter filter) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (filter != Filter::kNone) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
    table.whole_key_filtering = filter == Filter::kWholeKey;
  }

  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.compression = compression;
  options.level_compaction_dynamic_level_bytes = true;
  if (filter == Filter::kDealIdPrefix) {
    options.prefix_extractor = std::make_shared<DealIdPrefixTransform>();
  }
  return options;
}

bool IsPactlogColumnFamily(std::string_view name) {
  return name == rocksdb::kDefaultColumnFamilyName || name == kEventsCf ||
         name == kDealIndexCf || name == kEventIdsCf || name == kMetaCf ||
         name == kSnapshotsCf;
}

class RocksDbEventLog final : public EventLog {
 public:
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(
      const RocksDbOptions& options);

  ~RocksDbEventLog() override;

  absl::Status Append(absl::Span<const Event> events) override;
  absl::Status AppendApplied(absl::Span<const Event> events,
                             uint64_t source_position) override;
  absl::StatusOr<uint64_t> SourcePosition() const override;
  uint64_t LastSequence() const override;
  absl::StatusOr<Event> Get(uint64_t sequence) const override;
  absl::Status Scan(uint64_t after_sequence,
                    const EventVisitor& visitor) const override;
  absl::Status ScanDeal(std::string_view deal_id, uint64_t after_version,
                        const EventVisitor& visitor) const override;
  absl::StatusOr<std::optional<EventIdEntry>> FindEventId(
      std::string_view event_id) const override;
  StorageStats Stats() const override;
  absl::StatusOr<BackupInfo> CreateBackup(
      const std::string& directory) const override;
  absl::Status WriteCheckpoint(
      const SnapshotCheckpoint& checkpoint,
      absl::Span<const SnapshotRecord> snapshots) override;
  absl::StatusOr<std::optional<SnapshotCheckpoint>> LastCheckpoint()
      const override;
  absl::Status ScanLatestSnapshots(
      uint64_t max_sequence, const SnapshotVisitor& visitor) const override;
  absl::StatusOr<std::optional<SnapshotRecord>> FindSnapshot(
      std::string_view deal_id, uint64_t max_sequence) const override;
  absl::Status DeleteSnapshots() override;

 private:
  // Append and AppendApplied: `source_position`, when not null, is stored
  // in the same write.
  absl::Status Write(absl::Span<const Event> events,
                     const uint64_t* source_position);

  // The latest snapshot of `deal_id` at or before `max_sequence`, using
  // `it` (an iterator over `snapshots_`).
  absl::StatusOr<std::optional<SnapshotRecord>> LatestSnapshot(
      rocksdb::Iterator* it, std::string_view deal_id,
      uint64_t max_sequence) const;

  RocksDbEventLog(std::string path, bool sync, std::unique_ptr<rocksdb::DB> db,
                  std::vector<rocksdb::ColumnFamilyHandle*> handles);

  rocksdb::ColumnFamilyHandle* Handle(std::string_view name) const;

  // Checks the format version in `meta`, or records it in a database that
  // holds nothing yet (new, or its creation was interrupted).
  absl::Status CheckOrInitFormat();
  absl::StatusOr<bool> IsColumnFamilyEmpty(rocksdb::ColumnFamilyHandle* cf);
  absl::Status LoadLastSequence();

  // Fetches the events at `sequences` (versions[i] of `deal_id` is at
  // sequences[i]) and visits them in order, checking each against its index
  // entry. Sets *stopped when the visitor returns false.
  absl::Status VisitDealChunk(std::string_view deal_id,
                              absl::Span<const uint64_t> versions,
                              absl::Span<const uint64_t> sequences,
                              const EventVisitor& visitor, bool* stopped) const;

  // Closes the database and opens it again (after a write error RocksDB
  // treats as fatal), then deletes the keys of the failed batch in case its
  // write-ahead log record survived: a failed Append stays invisible.
  // Requires: append_mu_ held; takes db_mu_ exclusively.
  absl::Status Reopen() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  // OK when a file can be created, written and synced in the database's
  // directory.
  absl::Status ProbeWritable() const;
  // UNAVAILABLE while a failed Reopen left no database open.
  absl::Status CheckOpen() const ABSL_SHARED_LOCKS_REQUIRED(db_mu_);
  // Sets the column family members from handles_.
  void BindHandles();
  void CloseDb();

  const std::string path_;
  rocksdb::WriteOptions write_options_;
  // What the database was opened with, to open it again.
  rocksdb::DBOptions db_options_;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors_;
  // Held shared by every use of db_ and the handles, exclusively while
  // Reopen replaces them.
  mutable absl::Mutex db_mu_;
  std::unique_ptr<rocksdb::DB> db_;
  // Every handle the database was opened with; destroyed before db_ closes.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* events_;
  rocksdb::ColumnFamilyHandle* deal_index_;
  rocksdb::ColumnFamilyHandle* event_ids_;
  rocksdb::ColumnFamilyHandle* meta_;
  rocksdb::ColumnFamilyHandle* snapshots_;

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
  // Written only under append_mu_, after a successful write; read anywhere.
  std::atomic<uint64_t> last_sequence_{0};
};

absl::StatusOr<std::unique_ptr<EventLog>> RocksDbEventLog::Open(
    const RocksDbOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("RocksDbOptions.path is empty");
  }
  const std::filesystem::path path(options.path);
  rocksdb::Env* const env =
      options.env != nullptr ? options.env : rocksdb::Env::Default();
  if (const std::filesystem::path parent = path.parent_path();
      !parent.empty()) {
    // Every missing ancestor, outermost first.
    std::vector<std::string> missing;
    for (std::filesystem::path dir = parent;
         !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      if (env->FileExists(dir.string()).ok()) break;
      missing.push_back(dir.string());
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      const rocksdb::Status created = env->CreateDirIfMissing(*it);
      if (!created.ok()) {
        return absl::UnavailableError(
            absl::StrCat("creating directory ", *it,
                         " for the event log: ", created.ToString()));
      }
    }
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.db_write_buffer_size = kTotalWriteBufferBytes;
  db_options.keep_log_file_num = 10;
  db_options.env = env;

  // RocksDB refuses to open a database without naming all its column
  // families, so ones this build does not know (from a newer format) are
  // opened too, with default options, until the format check rejects them.
  std::vector<std::string> existing;
  if (env->FileExists((path / "CURRENT").string()).ok()) {
    RETURN_IF_ERROR(FromRocksDb(
        rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing),
        absl::StrCat("listing column families of the event log at ",
                     options.path)));
  }

  const std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(kBlockCacheBytes);
  const rocksdb::CompressionType compression = ChooseCompression();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kEventsCf, MakeColumnFamilyOptions(cache, compression, Filter::kNone)},
      {kDealIndexCf,
       MakeColumnFamilyOptions(cache, compression, Filter::kDealIdPrefix)},
      {kEventIdsCf,
       MakeColumnFamilyOptions(cache, compression, Filter::kWholeKey)},
      {kMetaCf, MakeColumnFamilyOptions(cache, compression, Filter::kNone)},
      {kSnapshotsCf,
       MakeColumnFamilyOptions(cache, compression, Filter::kNone)},
  };
  for (const std::string& name : existing) {
    if (!IsPactlogColumnFamily(name)) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  RETURN_IF_ERROR(
      FromRocksDb(rocksdb::DB::Open(db_options, options.path, descriptors,
                                    &handles, &raw_db),
                  absl::StrCat("opening the event log at ", options.path)));

  std::unique_ptr<RocksDbEventLog> log(new RocksDbEventLog(
      options.path, options.sync, std::unique_ptr<rocksdb::DB>(raw_db),
      std::move(handles)));
  log->db_options_ = db_options;
  log->descriptors_ = std::move(descriptors);
  RETURN_IF_ERROR(log->CheckOrInitFormat());
  RETURN_IF_ERROR(log->LoadLastSequence());
  return log;
}

RocksDbEventLog::RocksDbEventLog(
    std::string path, bool sync, std::unique_ptr<rocksdb::DB> db,
    std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : path_(std::move(path)), db_(std::move(db)), handles_(std::move(handles)) {
  write_options_.sync = sync;
  BindHandles();
}

void RocksDbEventLog::BindHandles() {
  events_ = Handle(kEventsCf);
  deal_index_ = Handle(kDealIndexCf);
  event_ids_ = Handle(kEventIdsCf);
  meta_ = Handle(kMetaCf);
  snapshots_ = Handle(kSnapshotsCf);
}

RocksDbEventLog::~RocksDbEventLog() {
  // A clean close writes the memtables to table files, so that the next
  // open has no write-ahead log to replay and starts at once. (After a
  // crash the log is replayed as usual.) Best effort: nothing depends on it.
  if (db_ == nullptr) return;  // a failed Reopen
  rocksdb::FlushOptions flush;
  flush.allow_write_stall = true;
  db_->Flush(flush, handles_).PermitUncheckedError();
  CloseDb();
}

void RocksDbEventLog::CloseDb() {
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  handles_.clear();
  // Everything acknowledged is already in the synced WAL; a failing close
  // loses nothing that was promised.
  db_->Close().PermitUncheckedError();
  db_.reset();
}

absl::Status RocksDbEventLog::CheckOpen() const {
  if (db_ != nullptr) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("the event log at ", path_,
                   " is closed while it recovers from a storage error; retry"));
}

absl::Status RocksDbEventLog::ProbeWritable() const {
  // Through the database's Env, so it meets the same file system.
  rocksdb::Env* env = db_options_.env;
  const std::string probe = absl::StrCat(path_, "/PACTLOG-WRITE-PROBE");
  std::unique_ptr<rocksdb::WritableFile> file;
  rocksdb::Status status =
      env->NewWritableFile(probe, &file, rocksdb::EnvOptions());
  if (status.ok()) status = file->Append("probe");
  if (status.ok()) status = file->Sync();
  if (file != nullptr) {
    const rocksdb::Status closed = file->Close();
    if (status.ok()) status = closed;
  }
  env->DeleteFile(probe).PermitUncheckedError();
  return FromRocksDb(
      status, absl::StrCat("probing whether ", path_, " is writable again"));
}

absl::Status RocksDbEventLog::Reopen() {
  // Closing is only worth it once the storage takes writes again; until
  // then the open database keeps serving reads.
  RETURN_IF_ERROR(ProbeWritable());
  absl::MutexLock lock(&db_mu_);
  const std::string doing = absl::StrCat("reopening the event log at ", path_,
                                         " after a storage error");
  if (db_ != nullptr) CloseDb();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  const rocksdb::Status opened =
      rocksdb::DB::Open(db_options_, path_, descriptors_, &handles, &raw_db);
  if (!opened.ok()) {
    // Read-only, so that reads go on; the next Append tries again.
    handles.clear();
    raw_db = nullptr;
    if (rocksdb::DB::OpenForReadOnly(db_options_, path_, descriptors_, &handles,
                                     &raw_db)
            .ok()) {
      db_.reset(raw_db);
      handles_ = std::move(handles);
      BindHandles();
    }
    return FromRocksDb(opened, doing);
  }
  db_.reset(raw_db);
  handles_ = std::move(handles);
  BindHandles();
  rocksdb::WriteOptions sync_write;
  sync_write.sync = true;
  RETURN_IF_ERROR(
      FromRocksDb(db_->Write(sync_write, &failed_batch_undo_), doing));
  return LoadLastSequence();
}

rocksdb::ColumnFamilyHandle* RocksDbEventLog::Handle(
    std::string_view name) const {
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    if (handle->GetName() == name) return handle;
  }
  return nullptr;  // Cannot happen: Open names every pactlog family.
}

absl::StatusOr<bool> RocksDbEventLog::IsColumnFamilyEmpty(
    rocksdb::ColumnFamilyHandle* cf) {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf));
  it->SeekToFirst();
  RETURN_IF_ERROR(FromRocksDb(
      it->status(), absl::StrCat("reading column family ", cf->GetName(),
                                 " of the event log at ", path_)));
  return !it->Valid();
}

absl::Status RocksDbEventLog::CheckOrInitFormat() {
  std::string stored;
  const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), meta_,
                                          ToSlice(kFormatVersionKey), &stored);
  if (status.ok()) {
    uint64_t version = 0;
    const bool is_number =
        !stored.empty() &&
        std::all_of(stored.begin(), stored.end(), absl::ascii_isdigit) &&
        absl::SimpleAtoi(stored, &version) && version >= 1;
    if (!is_number) {
      return absl::DataLossError(
          absl::StrCat("the event log at ", path_,
                       " has an unreadable format_version ", Quote(stored)));
    }
    if (version != kFormatVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the event log at ", path_, " has format version ", version,
          "; this build reads format version ", kFormatVersion));
    }
    return absl::OkStatus();
  }
  if (!status.IsNotFound()) {
    return FromRocksDb(status, absl::StrCat("reading the format version of "
                                            "the event log at ",
                                            path_));
  }

  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    ASSIGN_OR_RETURN(const bool empty, IsColumnFamilyEmpty(handle));
    if (!empty || !IsPactlogColumnFamily(handle->GetName())) {
      return absl::DataLossError(absl::StrCat(
          "the database at ", path_,
          " has no format_version and its column "
          "family ",
          handle->GetName(), " is ", empty ? "unknown" : "not empty",
          ": not a pactlog event log, or corrupt"));
    }
  }
  rocksdb::WriteOptions sync_write;
  sync_write.sync = true;
  return FromRocksDb(
      db_->Put(sync_write, meta_, ToSlice(kFormatVersionKey),
               absl::StrCat(kFormatVersion)),
      absl::StrCat("recording the format version of the event log at ", path_));
}

absl::Status RocksDbEventLog::LoadLastSequence() {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), events_));
  it->SeekToLast();
  RETURN_IF_ERROR(FromRocksDb(
      it->status(),
      absl::StrCat("finding the last event of the event log at ", path_)));
  if (!it->Valid()) {
    last_sequence_.store(0, std::memory_order_release);
    return absl::OkStatus();
  }
  const std::optional<uint64_t> last = DecodeUint64(ToView(it->key()));
  if (!last.has_value()) {
    return absl::DataLossError(
        absl::StrCat("the last key of column family events in ", path_,
                     " is not a sequence: ", Quote(ToView(it->key()))));
  }
  last_sequence_.store(*last, std::memory_order_release);
  return absl::OkStatus();
}

absl::Status RocksDbEventLog::Append(absl::Span<const Event> events) {
  if (events.empty()) {
    return absl::InternalError("refusing to append an empty batch of events");
  }
  return Write(events, nullptr);
}

absl::Status RocksDbEventLog::AppendApplied(absl::Span<const Event> events,
                                            uint64_t source_position) {
  return Write(events, &source_position);
}

absl::StatusOr<uint64_t> RocksDbEventLog::SourcePosition() const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  std::string value;
  const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), meta_,
                                          ToSlice(kSourcePositionKey), &value);
  if (status.IsNotFound()) return 0;
  RETURN_IF_ERROR(FromRocksDb(status, "reading the source position"));
  std::optional<uint64_t> position = DecodeUint64(value);
  if (!position) {
    return absl::DataLossError(absl::StrCat("the source position in ", path_,
                                            " is malformed: ", Quote(value)));
  }
  return *position;
}

absl::Status RocksDbEventLog::Write(absl::Span<const Event> events,
                                    const uint64_t* source_position) {
  absl::MutexLock lock(&append_mu_);
  const uint64_t last = last_sequence_.load(std::memory_order_relaxed);
  // Errors RocksDB deems fatal (a failed write-ahead log write or sync)
  // need the database closed and opened again; Reopen does that in place.
  if (write_failed_) {
    rocksdb::Status resumed;
    {
      absl::ReaderMutexLock lock(&db_mu_);
      resumed =
          db_ != nullptr ? db_->Resume() : rocksdb::Status::IOError("not open");
    }
    absl::Status recovered;
    if (resumed.ok()) {
      rocksdb::WriteOptions sync_write;
      sync_write.sync = true;
      absl::ReaderMutexLock lock(&db_mu_);
      recovered = FromRocksDb(db_->Write(sync_write, &failed_batch_undo_),
                              "undoing the failed write");
    } else {
      recovered = Reopen();
    }
    if (!recovered.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "the event log at ", path_,
          " refuses writes after a storage error and cannot recover yet (",
          recovered.message(), "); nothing was recorded, retry"));
    }
    write_failed_ = false;
    failed_batch_undo_.Clear();
    if (LastSequence() != last) {
      return absl::InternalError(absl::StrCat(
          "after recovering from a storage error the event log at ", path_,
          " ends at sequence ", LastSequence(), ", not ", last));
    }
  }
  rocksdb::WriteBatch batch;
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& event = events[i];
    const uint64_t expected = last + 1 + i;
    if (event.sequence() != expected) {
      return absl::InternalError(absl::StrCat(
          "refusing to append: event ", i, " of the batch has sequence ",
          event.sequence(), " but the next sequence is ", expected,
          " (the log ends at ", last, ")"));
    }
    if (!IsIndexableDealId(event.deal_id())) {
      return absl::InternalError(absl::StrCat(
          "refusing to append event at sequence ", expected, ": deal id ",
          Quote(event.deal_id()), " is empty or contains a NUL byte"));
    }
    if (event.data().event_id().empty()) {
      return absl::InternalError(
          absl::StrCat("refusing to append event at sequence ", expected,
                       ": its event id is empty"));
    }
    const std::string sequence_key = EncodeUint64(expected);
    const std::string doing =
        absl::StrCat("batching event at sequence ", expected);
    ASSIGN_OR_RETURN(const std::string value, EncodeEventValue(event));
    RETURN_IF_ERROR(
        FromRocksDb(batch.Put(events_, sequence_key, value), doing));
    RETURN_IF_ERROR(FromRocksDb(
        batch.Put(deal_index_,
                  DealIndexKey(event.deal_id(), event.deal_version()),
                  sequence_key),
        doing));
    RETURN_IF_ERROR(FromRocksDb(
        batch.Put(event_ids_, event.data().event_id(), sequence_key), doing));
  }
  // What undoes this write's source position if the write fails.
  std::optional<uint64_t> previous_position;
  if (source_position != nullptr) {
    if (!source_position_.has_value()) {
      ASSIGN_OR_RETURN(source_position_, SourcePosition());
    }
    previous_position = source_position_;
    RETURN_IF_ERROR(FromRocksDb(batch.Put(meta_, ToSlice(kSourcePositionKey),
                                          EncodeUint64(*source_position)),
                                "batching the source position"));
  }
  const uint64_t new_last = last + events.size();
  rocksdb::Status written;
  {
    absl::ReaderMutexLock lock(&db_mu_);
    written = db_->Write(write_options_, &batch);
  }
  if (!written.ok()) {
    // RocksDB stops writing after such an error; the next Append resumes.
    // Whether the record reached the write-ahead log is unknown, so its
    // keys are deleted on recovery.
    write_failed_ = true;
    failed_batch_undo_.Clear();
    for (size_t i = 0; i < events.size(); ++i) {
      const std::string sequence_key = EncodeUint64(last + 1 + i);
      failed_batch_undo_.Delete(events_, sequence_key).PermitUncheckedError();
      failed_batch_undo_
          .Delete(deal_index_,
                  DealIndexKey(events[i].deal_id(), events[i].deal_version()))
          .PermitUncheckedError();
      failed_batch_undo_.Delete(event_ids_, events[i].data().event_id())
          .PermitUncheckedError();
    }
    if (previous_position.has_value()) {
      failed_batch_undo_
          .Put(meta_, ToSlice(kSourcePositionKey),
               EncodeUint64(*previous_position))
          .PermitUncheckedError();
    }
    return FromRocksDb(
        written, absl::StrCat("appending events at sequences ", last + 1, "..",
                              new_last, " to the event log at ", path_));
  }
  last_sequence_.store(new_last, std::memory_order_release);
  if (source_position != nullptr) source_position_ = *source_position;
  return absl::OkStatus();
}

uint64_t RocksDbEventLog::LastSequence() const {
  return last_sequence_.load(std::memory_order_acquire);
}

absl::StatusOr<Event> RocksDbEventLog::Get(uint64_t sequence) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  const uint64_t last = LastSequence();
  if (sequence == 0 || sequence > last) {
    return absl::NotFoundError(absl::StrCat("no event at sequence ", sequence,
                                            "; the log ends at sequence ",
                                            last));
  }
  rocksdb::PinnableSlice value;
  const rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), events_, EncodeUint64(sequence), &value);
  if (status.IsNotFound()) {
    return absl::DataLossError(
        absl::StrCat("event at sequence ", sequence,
                     " is missing; the log ends at sequence ", last));
  }
  RETURN_IF_ERROR(FromRocksDb(
      status, absl::StrCat("reading event at sequence ", sequence)));
  return DecodeEventValue(sequence, ToView(value));
}

absl::Status RocksDbEventLog::Scan(uint64_t after_sequence,
                                   const EventVisitor& visitor) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  const uint64_t last = LastSequence();
  if (after_sequence >= last) return absl::OkStatus();

  const std::string upper_key = EncodeUint64(last + 1);
  const rocksdb::Slice upper(upper_key);
  rocksdb::ReadOptions read_options;
  if (last < std::numeric_limits<uint64_t>::max()) {
    read_options.iterate_upper_bound = &upper;
  }
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, events_));

  uint64_t expected = after_sequence + 1;
  for (it->Seek(EncodeUint64(expected)); it->Valid(); it->Next()) {
    const std::optional<uint64_t> sequence = DecodeUint64(ToView(it->key()));
    if (!sequence.has_value()) {
      return absl::DataLossError(
          absl::StrCat("key after sequence ", expected - 1,
                       " in column family events is not a sequence: ",
                       Quote(ToView(it->key()))));
    }
    if (*sequence != expected) {
      return absl::DataLossError(absl::StrCat("events at sequences ", expected,
                                              "..", *sequence - 1,
                                              " are missing"));
    }
    ASSIGN_OR_RETURN(const Event event,
                     DecodeEventValue(*sequence, ToView(it->value())));
    if (!visitor(event)) return absl::OkStatus();
    if (*sequence == last) break;
    ++expected;
  }
  // A damaged block stops the iterator at the first event it holds.
  RETURN_IF_ERROR(FromRocksDb(
      it->status(),
      absl::StrCat("reading the event at sequence ", expected,
                   " (scanning after sequence ", after_sequence, ")")));
  if (!it->Valid()) {
    return absl::DataLossError(absl::StrCat("events at sequences ", expected,
                                            "..", last, " are missing"));
  }
  return absl::OkStatus();
}

absl::Status RocksDbEventLog::ScanDeal(std::string_view deal_id,
                                       uint64_t after_version,
                                       const EventVisitor& visitor) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  if (!IsIndexableDealId(deal_id) ||
      after_version == std::numeric_limits<uint64_t>::max()) {
    return absl::OkStatus();
  }
  const uint64_t last = LastSequence();
  const std::string prefix = DealIndexPrefix(deal_id);
  // The first key past every key of this deal: the terminator plus one.
  std::string upper_key(deal_id);
  upper_key.push_back(static_cast<char>(kDealIdTerminator + 1));
  const rocksdb::Slice upper(upper_key);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper;
  read_options.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, deal_index_));

  const std::string doing =
      absl::StrCat("scanning the index of deal ", Quote(deal_id));
  uint64_t expected_version = after_version + 1;
  std::vector<uint64_t> versions;
  std::vector<uint64_t> sequences;
  versions.reserve(kMultiGetChunk);
  sequences.reserve(kMultiGetChunk);
  bool stopped = false;
  bool at_end = false;
  it->Seek(absl::StrCat(prefix, EncodeUint64(expected_version)));
  while (!at_end) {
    versions.clear();
    sequences.clear();
    for (; it->Valid() && versions.size() < kMultiGetChunk; it->Next()) {
      const std::string_view key = ToView(it->key());
      const std::optional<DealKey> entry = ParseDealIndexKey(key);
      const std::optional<uint64_t> sequence =
          DecodeUint64(ToView(it->value()));
      if (!entry.has_value() || entry->deal_id != deal_id ||
          !sequence.has_value()) {
        return absl::DataLossError(absl::StrCat(
            "malformed entry in the index of deal ", Quote(deal_id), ": key ",
            Quote(key), ", value ", Quote(ToView(it->value()))));
      }
      const uint64_t version = entry->number;
      // The writer assigns deal versions in sequence order, so nothing
      // after this entry lies inside the visible prefix either.
      if (*sequence > last) break;
      if (version != expected_version) {
        return absl::DataLossError(absl::StrCat(
            "versions ", expected_version, "..", version - 1, " of deal ",
            Quote(deal_id), " are missing from its index"));
      }
      versions.push_back(version);
      sequences.push_back(*sequence);
      ++expected_version;
    }
    RETURN_IF_ERROR(FromRocksDb(it->status(), doing));
    at_end = versions.size() < kMultiGetChunk;
    if (versions.empty()) break;
    RETURN_IF_ERROR(
        VisitDealChunk(deal_id, versions, sequences, visitor, &stopped));
    if (stopped) break;
  }
  return absl::OkStatus();
}

absl::Status RocksDbEventLog::VisitDealChunk(
    std::string_view deal_id, absl::Span<const uint64_t> versions,
    absl::Span<const uint64_t> sequences, const EventVisitor& visitor,
    bool* stopped) const {
  const size_t n = sequences.size();
  std::vector<std::string> key_bytes;
  std::vector<rocksdb::Slice> keys;
  key_bytes.reserve(n);
  keys.reserve(n);
  for (uint64_t sequence : sequences) {
    key_bytes.push_back(EncodeUint64(sequence));
    keys.emplace_back(key_bytes.back());
  }
  std::vector<rocksdb::PinnableSlice> values(n);
  std::vector<rocksdb::Status> statuses(n);
  db_->MultiGet(rocksdb::ReadOptions(), events_, n, keys.data(), values.data(),
                statuses.data());

  for (size_t i = 0; i < n; ++i) {
    if (statuses[i].IsNotFound()) {
      return absl::DataLossError(absl::StrCat(
          "version ", versions[i], " of deal ", Quote(deal_id),
          " is indexed at sequence ", sequences[i], ", which is missing"));
    }
    RETURN_IF_ERROR(FromRocksDb(
        statuses[i], absl::StrCat("reading event at sequence ", sequences[i],
                                  " for deal ", Quote(deal_id))));
    ASSIGN_OR_RETURN(const Event event,
                     DecodeEventValue(sequences[i], ToView(values[i])));
    if (event.deal_id() != deal_id || event.deal_version() != versions[i]) {
      return absl::DataLossError(absl::StrCat(
          "version ", versions[i], " of deal ", Quote(deal_id),
          " is indexed at sequence ", sequences[i], ", which holds version ",
          event.deal_version(), " of deal ", Quote(event.deal_id())));
    }
    if (!visitor(event)) {
      *stopped = true;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<EventIdEntry>> RocksDbEventLog::FindEventId(
    std::string_view event_id) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  if (event_id.empty()) return std::nullopt;
  const uint64_t last = LastSequence();
  rocksdb::PinnableSlice value;
  const rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), event_ids_, ToSlice(event_id), &value);
  if (status.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocksDb(
      status, absl::StrCat("looking up event id ", Quote(event_id))));
  const std::optional<uint64_t> sequence = DecodeUint64(ToView(value));
  if (!sequence.has_value() || *sequence == 0) {
    return absl::DataLossError(
        absl::StrCat("the entry of event id ", Quote(event_id),
                     " is not a sequence: ", Quote(ToView(value))));
  }
  if (*sequence > last) return std::nullopt;
  return EventIdEntry{.sequence = *sequence};
}

StorageStats RocksDbEventLog::Stats() const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  if (db_ == nullptr) return {};
  uint64_t table_files = 0, memtables = 0, live_data = 0;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    uint64_t value = 0;
    if (db_->GetIntProperty(handle, rocksdb::DB::Properties::kTotalSstFilesSize,
                            &value)) {
      table_files += value;
    }
    if (db_->GetIntProperty(
            handle, rocksdb::DB::Properties::kCurSizeAllMemTables, &value)) {
      memtables += value;
    }
    if (db_->GetIntProperty(
            handle, rocksdb::DB::Properties::kEstimateLiveDataSize, &value)) {
      live_data += value;
    }
  }
  uint64_t wal = 0;
  rocksdb::VectorLogPtr wal_files;
  if (db_->GetSortedWalFiles(wal_files).ok()) {
    for (const std::unique_ptr<rocksdb::LogFile>& file : wal_files) {
      wal += file->SizeFileBytes();
    }
  }
  StorageStats stats;
  stats.on_disk = {{kTableFilesPart, table_files}, {kWalPart, wal}};
  stats.in_memory = {{kMemtablesPart, memtables}};
  stats.live_data_bytes = live_data;
  return stats;
}

// The last sequence stored in the database at `path`, opened read-only so
// that the copy is not changed by looking at it. Every column family is
// named (RocksDB requires it) with default options: enough to read `events`.
absl::StatusOr<uint64_t> LastSequenceOfCopy(const std::string& path) {
  const std::string doing =
      absl::StrCat("reading the last sequence of the copy at ", path);
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  RETURN_IF_ERROR(FromRocksDb(
      rocksdb::DB::ListColumnFamilies(options, path, &names), doing));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  RETURN_IF_ERROR(
      FromRocksDb(rocksdb::DB::OpenForReadOnly(options, path, descriptors,
                                               &handles, &raw_db),
                  doing));
  std::unique_ptr<rocksdb::DB> db(raw_db);
  absl::StatusOr<uint64_t> last = absl::DataLossError(
      absl::StrCat(doing, ": it has no column family ", kEventsCf));
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    if (handle->GetName() != kEventsCf) continue;
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handle));
    it->SeekToLast();
    if (!it->status().ok()) {
      last = FromRocksDb(it->status(), doing);
    } else if (!it->Valid()) {
      last = 0;
    } else if (std::optional<uint64_t> key = DecodeUint64(ToView(it->key()));
               key.has_value()) {
      last = *key;
    } else {
      last = absl::DataLossError(absl::StrCat(
          doing,
          ": its last key is not a sequence: ", Quote(ToView(it->key()))));
    }
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db->Close().PermitUncheckedError();
  return last;
}

// A backup is a RocksDB checkpoint: it flushes the memtables, hard-links
// the table files (copies them across file systems) and copies the MANIFEST
// and the live write-ahead-log files as they are at that moment, so the
// copy is consistent across column families: opening it recovers a prefix
// of the writes, whole batches only (snapshots included, which are written
// after the events they cover). Which prefix is read back from the copy
// itself, so the answer is exact however the copy raced with appends.
absl::StatusOr<BackupInfo> RocksDbEventLog::CreateBackup(
    const std::string& directory) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  namespace fs = std::filesystem;
  const fs::path target(directory);
  if (directory.empty() || !target.is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "backup directory ", Quote(directory), " is not an absolute path"));
  }
  std::error_code error;
  if (fs::exists(fs::symlink_status(target, error))) {
    return absl::AlreadyExistsError(absl::StrCat(
        "backup directory ", directory,
        " already exists; a backup is written to a new directory"));
  }
  // RocksDB builds the copy in "<directory>.tmp" and renames it at the end.
  const fs::path staging(directory + ".tmp");
  if (fs::exists(fs::symlink_status(staging, error))) {
    return absl::AlreadyExistsError(absl::StrCat(
        staging.string(), " exists: an earlier backup to ", directory,
        " was interrupted; remove it or choose another directory"));
  }
  const fs::path parent = target.parent_path();
  if (!fs::is_directory(parent, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the parent directory ", parent.string(),
                     " of backup directory ", directory, " does not exist"));
  }

  const std::string doing =
      absl::StrCat("backing up the event log at ", path_, " to ", directory);
  rocksdb::Checkpoint* raw_checkpoint = nullptr;
  RETURN_IF_ERROR(FromRocksDb(
      rocksdb::Checkpoint::Create(db_.get(), &raw_checkpoint), doing));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw_checkpoint);
  absl::Status created =
      FromRocksDb(checkpoint->CreateCheckpoint(directory), doing);
  absl::StatusOr<uint64_t> sequence =
      created.ok() ? LastSequenceOfCopy(directory) : created;
  uint64_t bytes = 0;
  if (sequence.ok()) {
    for (const fs::directory_entry& entry :
         fs::recursive_directory_iterator(target, error)) {
      if (entry.is_regular_file(error)) bytes += entry.file_size(error);
    }
    if (error) {
      sequence = absl::UnavailableError(
          absl::StrCat(doing, ": measuring the copy: ", error.message()));
    }
  }
  if (!sequence.ok()) {
    // Leave nothing half-made behind; neither path existed before.
    fs::remove_all(target, error);
    fs::remove_all(staging, error);
    return sequence.status();
  }
  return BackupInfo{.sequence = *sequence, .bytes = bytes};
}

absl::Status RocksDbEventLog::WriteCheckpoint(
    const SnapshotCheckpoint& checkpoint,
    absl::Span<const SnapshotRecord> snapshots) {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  if (checkpoint.sequence > LastSequence()) {
    return absl::InternalError(absl::StrCat(
        "refusing a snapshot checkpoint at sequence ", checkpoint.sequence,
        " beyond the end of the log, ", LastSequence()));
  }
  rocksdb::WriteBatch batch;
  const std::string doing = absl::StrCat(
      "writing the snapshot checkpoint at sequence ", checkpoint.sequence);
  for (const SnapshotRecord& snapshot : snapshots) {
    if (!IsIndexableDealId(snapshot.deal_id) ||
        snapshot.sequence > checkpoint.sequence) {
      return absl::InternalError(absl::StrCat(
          "refusing the snapshot of deal ", Quote(snapshot.deal_id),
          " at sequence ", snapshot.sequence, " in the checkpoint at ",
          checkpoint.sequence));
    }
    RETURN_IF_ERROR(FromRocksDb(
        batch.Put(snapshots_, DealIndexKey(snapshot.deal_id, snapshot.sequence),
                  snapshot.bytes),
        doing));
  }
  RETURN_IF_ERROR(
      FromRocksDb(batch.Put(snapshots_, ToSlice(kCheckpointKey),
                            EncodeCheckpoint(CheckpointValue{
                                .sequence = checkpoint.sequence,
                                .deal_count = checkpoint.deal_count})),
                  doing));
  // Unsynced: the next synced append carries it to disk, and a crash
  // before that loses only a cache.
  rocksdb::WriteOptions options;
  options.sync = false;
  return FromRocksDb(db_->Write(options, &batch), doing);
}

absl::StatusOr<std::optional<SnapshotCheckpoint>>
RocksDbEventLog::LastCheckpoint() const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  std::string value;
  const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), snapshots_,
                                          ToSlice(kCheckpointKey), &value);
  if (status.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocksDb(status, "reading the snapshot checkpoint"));
  const std::optional<CheckpointValue> decoded = DecodeCheckpoint(value);
  // A cache entry that does not decode is treated as absent.
  if (!decoded.has_value()) return std::nullopt;
  return SnapshotCheckpoint{.sequence = decoded->sequence,
                            .deal_count = decoded->deal_count};
}

absl::StatusOr<std::optional<SnapshotRecord>> RocksDbEventLog::LatestSnapshot(
    rocksdb::Iterator* it, std::string_view deal_id,
    uint64_t max_sequence) const {
  it->SeekForPrev(DealIndexKey(deal_id, max_sequence));
  RETURN_IF_ERROR(
      FromRocksDb(it->status(),
                  absl::StrCat("finding a snapshot of deal ", Quote(deal_id))));
  if (!it->Valid()) return std::nullopt;
  const std::optional<DealKey> key = ParseDealIndexKey(ToView(it->key()));
  if (!key.has_value() || key->deal_id != deal_id) return std::nullopt;
  return SnapshotRecord{
      .deal_id = std::string(deal_id),
      .sequence = key->number,
      .bytes = std::string(ToView(it->value())),
  };
}

absl::Status RocksDbEventLog::ScanLatestSnapshots(
    uint64_t max_sequence, const SnapshotVisitor& visitor) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  std::unique_ptr<rocksdb::Iterator> deals(
      db_->NewIterator(rocksdb::ReadOptions(), snapshots_));
  std::unique_ptr<rocksdb::Iterator> latest(
      db_->NewIterator(rocksdb::ReadOptions(), snapshots_));
  // Past the checkpoint key, then one deal at a time: jump to its latest
  // snapshot at or before max_sequence, then past all its keys.
  deals->Seek(ToSlice(std::string_view("\1", 1)));
  while (deals->Valid()) {
    const std::string_view key = ToView(deals->key());
    const size_t end = key.find(kDealIdTerminator);
    if (end == std::string_view::npos || end == 0) {
      return absl::DataLossError(absl::StrCat(
          "malformed key in column family snapshots: ", Quote(key)));
    }
    const std::string deal_id(key.substr(0, end));
    ASSIGN_OR_RETURN(std::optional<SnapshotRecord> snapshot,
                     LatestSnapshot(latest.get(), deal_id, max_sequence));
    if (snapshot.has_value() && !visitor(*snapshot)) return absl::OkStatus();
    std::string next_deal = deal_id;
    next_deal.push_back(static_cast<char>(kDealIdTerminator + 1));
    deals->Seek(next_deal);
  }
  return FromRocksDb(deals->status(), "scanning the snapshots");
}

absl::StatusOr<std::optional<SnapshotRecord>> RocksDbEventLog::FindSnapshot(
    std::string_view deal_id, uint64_t max_sequence) const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  if (!IsIndexableDealId(deal_id)) return std::nullopt;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), snapshots_));
  return LatestSnapshot(it.get(), deal_id, max_sequence);
}

absl::Status RocksDbEventLog::DeleteSnapshots() {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  rocksdb::WriteBatch batch;
  // Every key: the checkpoint key starts with the terminator, deal ids with
  // a letter or digit, so all lie below 0xff.
  RETURN_IF_ERROR(
      FromRocksDb(batch.DeleteRange(snapshots_, ToSlice(std::string_view()),
                                    ToSlice(std::string_view("\xff", 1))),
                  "deleting the snapshots"));
  rocksdb::WriteOptions options;
  options.sync = true;
  return FromRocksDb(db_->Write(options, &batch), "deleting the snapshots");
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLog>> OpenRocksDbEventLog(
    const RocksDbOptions& options) {
  return RocksDbEventLog::Open(options);
}

}  // namespace pactlog::storage
