#include "ledger/checkpoints.h"

#include <utility>
#include <vector>

#include "pactlog/internal/deal_snapshot.pb.h"
#include "util/status_macros.h"

namespace pactlog::ledger {

std::optional<domain::DealState> UsableSnapshot(
    const storage::SnapshotRecord& record, std::string_view deal_id) {
  absl::StatusOr<domain::DealState> state =
      domain::DealState::DecodeSnapshot(record.bytes, deal_id, record.sequence);
  if (!state.ok()) return std::nullopt;
  return *std::move(state);
}

uint64_t LoadCheckpoint(
    const storage::EventLog& log,
    std::map<std::string, domain::DealState, std::less<>>* states) {
  absl::StatusOr<std::optional<storage::SnapshotCheckpoint>> checkpoint =
      log.LastCheckpoint();
  if (!checkpoint.ok() || !checkpoint->has_value() ||
      (*checkpoint)->sequence == 0 ||
      (*checkpoint)->sequence > log.LastSequence()) {
    return 0;
  }
  const storage::SnapshotCheckpoint at = **checkpoint;
  bool usable = true;
  absl::Status scanned = log.ScanLatestSnapshots(
      at.sequence, [&](const storage::SnapshotRecord& record) {
        std::optional<domain::DealState> state =
            UsableSnapshot(record, record.deal_id);
        usable = state.has_value();
        if (usable) states->emplace(record.deal_id, *std::move(state));
        return usable;
      });
  if (!scanned.ok() || !usable || states->size() != at.deal_count) {
    states->clear();
    return 0;
  }
  return at.sequence;
}

absl::StatusOr<domain::DealState> StateFromSnapshot(
    const storage::EventLog& log, std::string_view deal_id,
    uint64_t max_sequence) {
  ASSIGN_OR_RETURN(std::optional<storage::SnapshotRecord> record,
                   log.FindSnapshot(deal_id, max_sequence));
  if (record.has_value()) {
    std::optional<domain::DealState> state = UsableSnapshot(*record, deal_id);
    if (state.has_value()) return *std::move(state);
  }
  return domain::DealState();
}

Checkpointer::Checkpointer(uint64_t interval, storage::EventLog* log,
                           LiveState* state)
    : interval_(interval), log_(log), state_(state) {}

void Checkpointer::Recovered(
    uint64_t checkpoint_sequence, uint64_t events_replayed,
    const std::map<std::string, domain::DealState, std::less<>>& states) {
  events_since_checkpoint_ = events_replayed;
  for (const auto& [deal_id, state] : states) {
    if (state.last_sequence() > checkpoint_sequence) {
      dirty_deals_.insert(deal_id);
    }
  }
}

void Checkpointer::Committed(absl::Span<const pactlog::v1::Event> events) {
  if (interval_ == 0) return;
  for (const pactlog::v1::Event& event : events) {
    if (dirty_deals_.insert(event.deal_id()).second) {
      auto size = snapshot_bytes_.find(event.deal_id());
      if (size != snapshot_bytes_.end()) dirty_bytes_ += size->second;
    }
  }
  events_since_checkpoint_ += events.size();
  if (events_since_checkpoint_ >= interval_ &&
      events_since_checkpoint_ * kSnapshotBytesPerEvent >= dirty_bytes_) {
    WriteCheckpoint();
  }
}

void Checkpointer::WriteCheckpoint() {
  const LiveState::CheckpointView view =
      state_->ViewForCheckpoint(dirty_deals_);
  const storage::SnapshotCheckpoint checkpoint{
      .sequence = view.sequence,
      .deal_count = view.deal_count,
  };
  std::vector<storage::SnapshotRecord> records;
  records.reserve(view.changed.size());
  internal::DealSnapshot snapshot;
  for (const auto& state : view.changed) {
    state->ToSnapshot(&snapshot);
    records.push_back(storage::SnapshotRecord{
        .deal_id = state->deal_id(),
        .sequence = state->last_sequence(),
        .bytes = snapshot.SerializeAsString(),
    });
  }
  // On failure the deals stay dirty and the next interval tries again.
  events_since_checkpoint_ = 0;
  const absl::Status written = log_->WriteCheckpoint(checkpoint, records);
  if (written.ok()) {
    for (const storage::SnapshotRecord& record : records) {
      snapshot_bytes_.insert_or_assign(record.deal_id, record.bytes.size());
    }
    dirty_deals_.clear();
    dirty_bytes_ = 0;
  }
  state_->CountCheckpoint(written.ok(), checkpoint.sequence);
}

}  // namespace pactlog::ledger
