#include "storage/rocksdb_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace pactlog::storage::internal {

absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::string_view doing) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(doing, ": ", status.ToString());
  switch (status.code()) {
    case rocksdb::Status::kIOError:
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kIncomplete:
    case rocksdb::Status::kShutdownInProgress:
      return absl::UnavailableError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace pactlog::storage::internal
