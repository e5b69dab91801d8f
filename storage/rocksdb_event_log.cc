// RocksDbEventLog (storage/rocksdb_event_log_internal.h): construction,
// closing, Stats() and the factory. The other concerns have files of their
// own, listed in the internal header; the on-disk layout is
// storage/FORMAT.md, keep the two in step.

#include "storage/rocksdb_event_log.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/transaction_log.h"
#include "storage/rocksdb_event_log_internal.h"

namespace pactlog::storage {
namespace internal {

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
  absl::MutexLock db_lock(&db_mu_);
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

rocksdb::ColumnFamilyHandle* RocksDbEventLog::Handle(
    std::string_view name) const {
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    if (handle->GetName() == name) return handle;
  }
  return nullptr;  // Cannot happen: Open names every pactlog family.
}

uint64_t RocksDbEventLog::LastSequence() const {
  return last_sequence_.load(std::memory_order_acquire);
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

}  // namespace internal

absl::StatusOr<std::unique_ptr<EventLog>> OpenRocksDbEventLog(
    const RocksDbOptions& options) {
  return internal::RocksDbEventLog::Open(options);
}

}  // namespace pactlog::storage
