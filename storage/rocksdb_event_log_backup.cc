// RocksDbEventLog (storage/rocksdb_event_log_internal.h): CreateBackup, a
// consistent copy of the database in a new directory.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/utilities/checkpoint.h"
#include "storage/rocksdb_event_log_internal.h"
#include "storage/rocksdb_format.h"
#include "storage/rocksdb_status.h"
#include "util/status_macros.h"

namespace pactlog::storage::internal {
namespace {

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

}  // namespace

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

}  // namespace pactlog::storage::internal
