#include "storage/rocksdb_format.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pactlog::storage::internal {

std::string EncodeUint64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

std::optional<uint64_t> DecodeUint64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

bool IsIndexableDealId(std::string_view deal_id) {
  return !deal_id.empty() &&
         deal_id.find(kDealIdTerminator) == std::string_view::npos;
}

std::string DealIndexPrefix(std::string_view deal_id) {
  std::string prefix(deal_id);
  prefix.push_back(kDealIdTerminator);
  return prefix;
}

std::string DealIndexKey(std::string_view deal_id, uint64_t number) {
  return absl::StrCat(DealIndexPrefix(deal_id), EncodeUint64(number));
}

std::optional<DealKey> ParseDealIndexKey(std::string_view key) {
  const size_t end = key.find(kDealIdTerminator);
  if (end == std::string_view::npos || end == 0 || key.size() != end + 9) {
    return std::nullopt;
  }
  return DealKey{.deal_id = key.substr(0, end),
                 .number = *DecodeUint64(key.substr(end + 1))};
}

absl::StatusOr<std::string> EncodeEventValue(const pactlog::v1::Event& event) {
  std::string value(1, kEventValueFormat);
  if (!event.AppendToString(&value)) {
    return absl::InternalError(absl::StrCat(
        "event at sequence ", event.sequence(), " does not serialize"));
  }
  return value;
}

absl::StatusOr<pactlog::v1::Event> DecodeEventValue(uint64_t sequence,
                                                    std::string_view value) {
  if (value.empty()) {
    return absl::DataLossError(
        absl::StrCat("event at sequence ", sequence, " is stored empty"));
  }
  if (value[0] != kEventValueFormat) {
    return absl::DataLossError(absl::StrCat(
        "event at sequence ", sequence, " has unknown value format byte 0x",
        absl::Hex(static_cast<unsigned char>(value[0]), absl::kZeroPad2)));
  }
  pactlog::v1::Event event;
  value.remove_prefix(1);
  if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat("event at sequence ", sequence,
                                            " does not decode (", value.size(),
                                            " bytes of pactlog.v1.Event)"));
  }
  if (event.sequence() != sequence) {
    return absl::DataLossError(absl::StrCat("event stored at sequence ",
                                            sequence, " carries sequence ",
                                            event.sequence()));
  }
  return event;
}

std::string EncodeCheckpoint(const CheckpointValue& checkpoint) {
  return absl::StrCat(EncodeUint64(checkpoint.sequence),
                      EncodeUint64(checkpoint.deal_count));
}

std::optional<CheckpointValue> DecodeCheckpoint(std::string_view value) {
  if (value.size() != 16) return std::nullopt;
  return CheckpointValue{.sequence = *DecodeUint64(value.substr(0, 8)),
                         .deal_count = *DecodeUint64(value.substr(8))};
}

}  // namespace pactlog::storage::internal
