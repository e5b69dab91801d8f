// libFuzzer target: whatever bytes a damaged or foreign log holds, the
// decoders of the on-disk format (storage/rocksdb_format.h, the code
// RocksDbEventLog reads through) and the start-up fold that rebuilds deal
// states from them (DealState::DecodeSnapshot, then DealState::Apply per
// event, as Ledger::Recover does) answer with a Status and never crash.
// No database is opened: an input is decoded and folded in memory, so this
// runs thousands of inputs a second. stored_database_fuzzer covers the same
// bytes through a real RocksDB database, at a few inputs a second.
//
// Input layout: records { kind: 1 byte (mod 4); length: 2 bytes
// little-endian; that many bytes }... (a truncated record is dropped):
//   0 an `events` value, stored under the next sequence (1, 2, ...);
//   1 a `deal_index` key;
//   2 a `snapshots` entry: key length (1 byte), key, then the value; the
//     events after it are stored from the sequence after its key's;
//   3 the checkpoint's value.
//
// Properties:
//   - DecodeEventValue answers OK or DATA_LOSS; what it decodes encodes
//     back (EncodeEventValue) to bytes that decode to the same event;
//   - a `deal_index` key that parses is byte for byte what DealIndexKey
//     makes of its parts; a checkpoint value that decodes encodes back to
//     the same 16 bytes;
//   - DecodeSnapshot answers OK, DATA_LOSS or FAILED_PRECONDITION; the
//     state it rebuilds is snapshotted again to the same bytes;
//   - every deal state folded from decoded events renders (ToProto, every
//     project, the tariff lines) and its snapshot decodes to a state whose
//     snapshot is the same bytes (what start-up loads answers like what
//     the writer held).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "domain/hash_chain.h"
#include "fuzz/property.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "pactlog/internal/deal_snapshot.pb.h"
#include "pactlog/v1/events.pb.h"
#include "storage/rocksdb_format.h"

namespace {

namespace v1 = ::pactlog::v1;
using ::pactlog::fuzz::ExpectCode;
using ::pactlog::fuzz::Violated;
namespace format = ::pactlog::storage::internal;
using ::pactlog::domain::DealState;

// A fold is bounded so that one input cannot run for long.
constexpr int kMaxEvents = 512;

std::string SnapshotBytes(const DealState& state) {
  pactlog::internal::DealSnapshot snapshot;
  state.ToSnapshot(&snapshot);
  // Deterministic, so that equal snapshots are equal bytes.
  return pactlog::domain::DeterministicBytes(snapshot);
}

absl::Time RenderTime() {
  return absl::FromCivil(absl::CivilDay(2026, 1, 5), absl::UTCTimeZone());
}

// Everything a query can ask of a state, and its snapshot round trip.
void Render(const DealState& state) {
  if (state.exists()) {
    v1::DealState deal;
    state.ToProto(RenderTime(), &deal);
  }
  for (const auto& [id, project] : state.projects()) {
    v1::ProjectState out;
    state.ProjectToProto(project, &out);
  }
  std::vector<v1::TariffLine> lines;
  ExpectCode(
      state.TariffsToProto(RenderTime(), "", /*with_history=*/true, &lines),
      {absl::StatusCode::kNotFound}, "TariffsToProto");
  if (!state.exists()) return;
  const std::string bytes = SnapshotBytes(state);
  absl::StatusOr<DealState> again =
      DealState::DecodeSnapshot(bytes, state.deal_id(), state.last_sequence());
  if (!again.ok()) {
    Violated(absl::StrCat("the snapshot of deal ", state.deal_id(),
                          " does not decode: ", again.status().ToString()));
  }
  if (SnapshotBytes(*again) != bytes) {
    Violated(absl::StrCat("the snapshot of deal ", state.deal_id(),
                          " changed in the round trip"));
  }
}

class Replay {
 public:
  void Event(std::string_view value) {
    if (events_ >= kMaxEvents) return;
    ++events_;
    absl::StatusOr<v1::Event> event =
        format::DecodeEventValue(next_sequence_, value);
    ExpectCode(event.status(), {absl::StatusCode::kDataLoss},
               "DecodeEventValue");
    if (!event.ok()) return;
    RoundTrip(*event);
    ++next_sequence_;
    // Ledger::Recover: each event at the next version of its deal.
    DealState& state = states_[event->deal_id()];
    if (event->deal_version() != state.version() + 1) return;
    state.Apply(*event);
  }

  void Snapshot(std::string_view entry) {
    if (entry.empty()) return;
    const size_t key_size = static_cast<unsigned char>(entry[0]);
    if (1 + key_size > entry.size()) return;
    const std::optional<format::DealKey> key =
        format::ParseDealIndexKey(entry.substr(1, key_size));
    if (!key.has_value()) return;
    absl::StatusOr<DealState> state = DealState::DecodeSnapshot(
        entry.substr(1 + key_size), key->deal_id, key->number);
    ExpectCode(
        state.status(),
        {absl::StatusCode::kDataLoss, absl::StatusCode::kFailedPrecondition},
        "DecodeSnapshot");
    if (!state.ok()) return;
    Render(*state);
    // As start-up from a checkpoint: the events after it fold on top.
    next_sequence_ = std::max(next_sequence_, key->number + 1);
    states_[std::string(key->deal_id)] = *std::move(state);
  }

  void Finish() const {
    for (const auto& [deal_id, state] : states_) Render(state);
  }

 private:
  void RoundTrip(const v1::Event& event) const {
    absl::StatusOr<std::string> encoded = format::EncodeEventValue(event);
    if (!encoded.ok()) Violated(encoded.status().ToString());
    absl::StatusOr<v1::Event> again =
        format::DecodeEventValue(next_sequence_, *encoded);
    if (!again.ok()) {
      Violated(absl::StrCat("an encoded event does not decode: ",
                            again.status().ToString()));
    }
    if (!google::protobuf::util::MessageDifferencer::Equals(event, *again)) {
      Violated(absl::StrCat("the event at sequence ", next_sequence_,
                            " changed in the round trip"));
    }
  }

  uint64_t next_sequence_ = 1;
  int events_ = 0;
  std::map<std::string, DealState, std::less<>> states_;
};

void IndexKey(std::string_view key) {
  const std::optional<format::DealKey> parsed = format::ParseDealIndexKey(key);
  if (!parsed.has_value()) return;
  if (!format::IsIndexableDealId(parsed->deal_id) ||
      format::DealIndexKey(parsed->deal_id, parsed->number) != key) {
    Violated(absl::StrCat("the deal_index key of ", key.size(),
                          " bytes does not round-trip"));
  }
}

void Checkpoint(std::string_view value) {
  const std::optional<format::CheckpointValue> decoded =
      format::DecodeCheckpoint(value);
  if (decoded.has_value() && format::EncodeCheckpoint(*decoded) != value) {
    Violated("the checkpoint value does not round-trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Undecodable bytes are expected here; protobuf would log each one.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Replay replay;
  size_t at = 0;
  while (at + 3 <= input.size()) {
    const int kind = static_cast<unsigned char>(input[at]) % 4;
    const size_t length =
        static_cast<unsigned char>(input[at + 1]) |
        (size_t{static_cast<unsigned char>(input[at + 2])} << 8);
    at += 3;
    if (at + length > input.size()) break;
    const std::string_view bytes = input.substr(at, length);
    at += length;
    switch (kind) {
      case 0:
        replay.Event(bytes);
        break;
      case 1:
        IndexKey(bytes);
        break;
      case 2:
        replay.Snapshot(bytes);
        break;
      default:
        Checkpoint(bytes);
        break;
    }
  }
  replay.Finish();
  return 0;
}
