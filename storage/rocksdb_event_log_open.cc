// RocksDbEventLog (storage/rocksdb_event_log_internal.h): opening the
// database (its options and column families), checking or recording its
// format version, and opening it again after a write error RocksDB deems
// fatal.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "storage/rocksdb_event_log_internal.h"
#include "storage/rocksdb_format.h"
#include "storage/rocksdb_status.h"
#include "util/status_macros.h"

namespace pactlog::storage::internal {
namespace {

constexpr size_t kBlockCacheBytes = size_t{64} << 20;
constexpr size_t kTotalWriteBufferBytes = size_t{64} << 20;
constexpr double kBloomBitsPerKey = 10;

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

}  // namespace

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
  {
    absl::ReaderMutexLock db_lock(&log->db_mu_);
    RETURN_IF_ERROR(log->CheckOrInitFormat());
    RETURN_IF_ERROR(log->LoadLastSequence());
  }
  return log;
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

}  // namespace pactlog::storage::internal
