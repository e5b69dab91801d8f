// The EventLog on one local RocksDB database: its options and its factory.
// The on-disk layout is storage/FORMAT.md (encodings in
// storage/rocksdb_format.h); the implementation is rocksdb_event_log.cc and
// the files rocksdb_event_log_internal.h lists.
// Thread-safety: as storage::EventLog.
#ifndef PACTLOG_STORAGE_ROCKSDB_EVENT_LOG_H_
#define PACTLOG_STORAGE_ROCKSDB_EVENT_LOG_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/event_log.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace pactlog::storage {

// The parts of its size the RocksDB log reports in StorageStats: sorted
// table files and write-ahead-log files on disk, memtables in memory.
inline constexpr char kTableFilesPart[] = "table_files";
inline constexpr char kWalPart[] = "wal";
inline constexpr char kMemtablesPart[] = "memtables";

struct RocksDbOptions {
  // Directory of the database; created when missing.
  std::string path;
  // Sync the write-ahead log on every Append (the durability promise).
  // Only tests and benchmarks of the raw engine may turn this off.
  bool sync = true;
  // The RocksDB environment (file system, threads); nullptr for the
  // default. Not owned; must outlive the log. Tests inject storage faults
  // through it, the fuzzer keeps its databases in memory.
  rocksdb::Env* env = nullptr;
};

// Opens (creating if needed) the RocksDB-backed log at options.path.
// Errors: UNAVAILABLE if the directory cannot be opened (e.g. locked by
// another process), DATA_LOSS if it holds a log of an unknown format or is
// corrupt, FAILED_PRECONDITION for a format version newer than this build.
[[nodiscard]] absl::StatusOr<std::unique_ptr<EventLog>> OpenRocksDbEventLog(
    const RocksDbOptions& options);

}  // namespace pactlog::storage

#endif  // PACTLOG_STORAGE_ROCKSDB_EVENT_LOG_H_
