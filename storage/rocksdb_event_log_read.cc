// RocksDbEventLog (storage/rocksdb_event_log_internal.h): the reads of
// events, by sequence (Get, Scan), by deal (ScanDeal, through the deal
// index) and by event id (FindEventId). Each sees only the prefix of the log
// up to LastSequence() (see "Visibility" in the internal header).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "storage/rocksdb_event_log_internal.h"
#include "storage/rocksdb_format.h"
#include "storage/rocksdb_status.h"
#include "util/status_macros.h"

namespace pactlog::storage::internal {
namespace {

using ::pactlog::v1::Event;

constexpr size_t kMultiGetChunk = 256;

}  // namespace

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
  return ScanEncoded(after_sequence,
                     [&](const Event& event, std::string_view /*encoded*/) {
                       return visitor(event);
                     });
}

// The stored value is the format byte and the serialised event
// (storage/FORMAT.md), so the bytes passed on are the value's tail.
absl::Status RocksDbEventLog::ScanEncoded(
    uint64_t after_sequence, const EncodedEventVisitor& visitor) const {
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
    const std::string_view value = ToView(it->value());
    ASSIGN_OR_RETURN(const Event event, DecodeEventValue(*sequence, value));
    if (!visitor(event, value.substr(1))) return absl::OkStatus();
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

}  // namespace pactlog::storage::internal
