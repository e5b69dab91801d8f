// RocksDbEventLog (storage/rocksdb_event_log_internal.h): Append and
// AppendApplied, which write each event with its entries in the deal index
// and the event-id index in one batch, and the source position the latter
// keeps.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "storage/rocksdb_event_log_internal.h"
#include "storage/rocksdb_format.h"
#include "storage/rocksdb_status.h"
#include "util/status_macros.h"

namespace pactlog::storage::internal {
namespace {

using ::pactlog::v1::Event;

}  // namespace

absl::Status RocksDbEventLog::Append(absl::Span<const Event> events) {
  if (events.empty()) {
    return absl::InternalError("refusing to append an empty batch of events");
  }
  return Write(events, nullptr, nullptr);
}

absl::Status RocksDbEventLog::AppendApplied(absl::Span<const Event> events,
                                            uint64_t source_position,
                                            std::string_view unconfirmed) {
  return Write(events, &source_position, &unconfirmed);
}

absl::StatusOr<std::string> RocksDbEventLog::SourceUnconfirmed() const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  std::string value;
  const rocksdb::Status status = db_->Get(
      rocksdb::ReadOptions(), meta_, ToSlice(kSourceUnconfirmedKey), &value);
  if (status.IsNotFound()) return std::string();
  RETURN_IF_ERROR(FromRocksDb(status, "reading the unconfirmed entries"));
  return value;
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

absl::StatusOr<std::string> RocksDbEventLog::SourceIdentity() const {
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  std::string value;
  const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), meta_,
                                          ToSlice(kSourceIdentityKey), &value);
  if (status.IsNotFound()) return std::string();
  RETURN_IF_ERROR(FromRocksDb(status, "reading the source identity"));
  return value;
}

absl::Status RocksDbEventLog::SetSourceIdentity(std::string_view identity) {
  absl::MutexLock lock(&append_mu_);
  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  rocksdb::WriteOptions synced;
  synced.sync = true;
  return FromRocksDb(
      db_->Put(synced, meta_, ToSlice(kSourceIdentityKey), ToSlice(identity)),
      absl::StrCat("recording the log of record's identity in ", path_));
}

absl::Status RocksDbEventLog::Write(absl::Span<const Event> events,
                                    const uint64_t* source_position,
                                    const std::string_view* unconfirmed) {
  absl::MutexLock lock(&append_mu_);
  const uint64_t last = last_sequence_.load(std::memory_order_relaxed);
  if (write_failed_) {
    RETURN_IF_ERROR(RecoverFromFailedWrite(last));
  }
  // SourcePosition() takes db_mu_ itself, so it comes first.
  if (source_position != nullptr && !source_position_.has_value()) {
    ASSIGN_OR_RETURN(source_position_, SourcePosition());
  }
  if (unconfirmed != nullptr && !unconfirmed_stored_.has_value()) {
    ASSIGN_OR_RETURN(const std::string stored, SourceUnconfirmed());
    unconfirmed_stored_ = !stored.empty();
  }
  // What undoes this write's source position if the write fails.
  std::optional<uint64_t> previous_position;
  if (source_position != nullptr) previous_position = source_position_;

  absl::ReaderMutexLock db_lock(&db_mu_);
  RETURN_IF_ERROR(CheckOpen());
  rocksdb::WriteBatch batch;
  RETURN_IF_ERROR(BatchEvents(events, last, &batch));
  if (source_position != nullptr) {
    RETURN_IF_ERROR(FromRocksDb(batch.Put(meta_, ToSlice(kSourcePositionKey),
                                          EncodeUint64(*source_position)),
                                "batching the source position"));
  }
  if (unconfirmed != nullptr && !unconfirmed->empty()) {
    RETURN_IF_ERROR(FromRocksDb(
        batch.Put(meta_, ToSlice(kSourceUnconfirmedKey), ToSlice(*unconfirmed)),
        "batching the unconfirmed entries"));
  } else if (unconfirmed != nullptr && *unconfirmed_stored_) {
    RETURN_IF_ERROR(
        FromRocksDb(batch.Delete(meta_, ToSlice(kSourceUnconfirmedKey)),
                    "batching the unconfirmed entries"));
  }
  const uint64_t new_last = last + events.size();
  const rocksdb::Status written = db_->Write(write_options_, &batch);
  if (!written.ok()) {
    // RocksDB stops writing after such an error; the next Append resumes.
    write_failed_ = true;
    RememberFailedWrite(events, last, previous_position);
    // Whether the note reached the log is unknown: read it again.
    unconfirmed_stored_.reset();
    return FromRocksDb(
        written, absl::StrCat("appending events at sequences ", last + 1, "..",
                              new_last, " to the event log at ", path_));
  }
  last_sequence_.store(new_last, std::memory_order_release);
  if (source_position != nullptr) source_position_ = *source_position;
  if (unconfirmed != nullptr) unconfirmed_stored_ = !unconfirmed->empty();
  return absl::OkStatus();
}

absl::Status RocksDbEventLog::RecoverFromFailedWrite(uint64_t last) {
  // Errors RocksDB deems fatal (a failed write-ahead log write or sync)
  // need the database closed and opened again; Reopen does that in place.
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
  return absl::OkStatus();
}

absl::Status RocksDbEventLog::BatchEvents(absl::Span<const Event> events,
                                          uint64_t last,
                                          rocksdb::WriteBatch* batch) const {
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
        FromRocksDb(batch->Put(events_, sequence_key, value), doing));
    RETURN_IF_ERROR(FromRocksDb(
        batch->Put(deal_index_,
                   DealIndexKey(event.deal_id(), event.deal_version()),
                   sequence_key),
        doing));
    RETURN_IF_ERROR(FromRocksDb(
        batch->Put(event_ids_, event.data().event_id(), sequence_key), doing));
  }
  return absl::OkStatus();
}

void RocksDbEventLog::RememberFailedWrite(
    absl::Span<const Event> events, uint64_t last,
    std::optional<uint64_t> previous_position) {
  // Whether the record reached the write-ahead log is unknown, so its keys
  // are deleted on recovery.
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
}

}  // namespace pactlog::storage::internal
