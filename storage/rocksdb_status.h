// Conversion of RocksDB statuses into absl::Status. This is the one place in
// pactlog where that happens; the header is internal to storage/ and must
// not be included from outside it.
#ifndef PACTLOG_STORAGE_ROCKSDB_STATUS_H_
#define PACTLOG_STORAGE_ROCKSDB_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace pactlog::storage::internal {

// Returns OK for an OK `status`. Otherwise returns an error whose message is
// "<doing>: <RocksDB's message>", where `doing` says what was being done
// (e.g. "reading event at sequence 42"), and whose code is:
//   IOError, Busy, TimedOut, TryAgain, Incomplete,
//   ShutdownInProgress                    -> UNAVAILABLE (may be retried)
//   Corruption                            -> DATA_LOSS
//   NotFound                              -> NOT_FOUND
//   InvalidArgument, NotSupported, other  -> INTERNAL
[[nodiscard]] absl::Status FromRocksDb(const rocksdb::Status& status,
                                       absl::string_view doing);

}  // namespace pactlog::storage::internal

#endif  // PACTLOG_STORAGE_ROCKSDB_STATUS_H_
