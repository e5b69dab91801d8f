// RocksDbEventLog (storage/rocksdb_event_log_internal.h): the snapshots of
// deal states and their checkpoint, a cache kept beside the events in
// column family `snapshots` (storage/FORMAT.md).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "storage/rocksdb_event_log_internal.h"
#include "storage/rocksdb_format.h"
#include "storage/rocksdb_status.h"
#include "util/status_macros.h"

namespace pactlog::storage::internal {

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

}  // namespace pactlog::storage::internal
