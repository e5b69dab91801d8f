// The byte encodings of the RocksDB event log's keys and values, as
// storage/FORMAT.md specifies them (format version 1). Pure functions of
// bytes: no RocksDB type and no I/O, so the log, its tools and the
// stored_event fuzzer decode stored bytes through exactly this code.
// Internal to storage/, its tests and fuzz/. Thread-safe.
#ifndef PACTLOG_STORAGE_ROCKSDB_FORMAT_H_
#define PACTLOG_STORAGE_ROCKSDB_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pactlog/v1/events.pb.h"

namespace pactlog::storage::internal {

// The format version stored in `meta` under kFormatVersionKey.
inline constexpr uint64_t kFormatVersion = 1;
inline constexpr std::string_view kFormatVersionKey = "format_version";
// In `meta`: the position in the log of record this log is a projection of
// (storage/record_log.h) that the events written so far bring it up to.
inline constexpr std::string_view kSourcePositionKey = "source_position";
// In `meta`: the identity of that log of record (RecordLog::Identity()).
inline constexpr std::string_view kSourceIdentityKey = "source_identity";
// In `meta`: the applier's list of entries applied from the record's
// acknowledgement and not yet confirmed by its reader (EventLog::
// AppendApplied's `unconfirmed`; absent when empty).
inline constexpr std::string_view kSourceUnconfirmedKey = "source_unconfirmed";
// First byte of every value in `events`; the serialized Event follows.
inline constexpr char kEventValueFormat = 0x01;
// Ends the deal id in `deal_index` and `snapshots` keys. Deal ids never
// contain it, so one deal's keys never prefix another's.
inline constexpr char kDealIdTerminator = '\0';
// The checkpoint's key in `snapshots`. It starts with the terminator, so it
// sorts before every snapshot key (deal ids start with a letter or digit).
inline constexpr std::string_view kCheckpointKey =
    std::string_view("\0checkpoint", 11);

// Sequences and deal versions: 8 bytes big-endian, so that byte order is
// numeric order. Decode answers nullopt unless `bytes` is exactly 8 long.
std::string EncodeUint64(uint64_t value);
std::optional<uint64_t> DecodeUint64(std::string_view bytes);

// Whether `deal_id` can name a deal in the index: non-empty and without
// the terminator (which would make its prefix ambiguous).
bool IsIndexableDealId(std::string_view deal_id);
// `deal_id 0x00`: the prefix of all of a deal's keys.
std::string DealIndexPrefix(std::string_view deal_id);
// `deal_id 0x00 number`: a `deal_index` key (number = deal version) or a
// `snapshots` key (number = sequence).
std::string DealIndexKey(std::string_view deal_id, uint64_t number);
struct DealKey {
  std::string_view deal_id;  // points into the parsed key
  uint64_t number = 0;
};
// The reverse of DealIndexKey; nullopt for bytes it cannot have written.
// The answer refers to `key`'s bytes and lives no longer than they do.
std::optional<DealKey> ParseDealIndexKey(std::string_view key);

// An `events` value: the format byte, then `event` serialized.
// INTERNAL if the event does not serialize.
[[nodiscard]] absl::StatusOr<std::string> EncodeEventValue(
    const pactlog::v1::Event& event);
// The event stored under `sequence`. DATA_LOSS naming the sequence when the
// value is empty, has another format byte, does not parse, or carries
// another sequence than its key.
[[nodiscard]] absl::StatusOr<pactlog::v1::Event> DecodeEventValue(
    uint64_t sequence, std::string_view value);

// The checkpoint record's value: sequence, then deal count.
struct CheckpointValue {
  uint64_t sequence = 0;
  uint64_t deal_count = 0;
};
std::string EncodeCheckpoint(const CheckpointValue& checkpoint);
// nullopt unless `value` is 16 bytes (a cache entry that does not decode is
// treated as absent).
std::optional<CheckpointValue> DecodeCheckpoint(std::string_view value);

}  // namespace pactlog::storage::internal

#endif  // PACTLOG_STORAGE_ROCKSDB_FORMAT_H_
