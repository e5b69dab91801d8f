#include "ledger/as_of.h"

#include <algorithm>
#include <utility>

#include "ledger/checkpoints.h"
#include "util/status_macros.h"

namespace pactlog::ledger {

namespace v1 = ::pactlog::v1;

AsOfBounds AsOfBounds::FromProto(const v1::AsOf& as_of) {
  AsOfBounds bounds;
  bounds.max_sequence = as_of.sequence();
  if (as_of.has_recorded_time()) {
    bounds.max_recorded_time = domain::ToAbslTime(as_of.recorded_time());
  }
  if (as_of.has_effective_time()) {
    bounds.max_effective_time = domain::ToAbslTime(as_of.effective_time());
  }
  return bounds;
}

namespace {

// The last sequence a fold as of `bounds` may include.
absl::StatusOr<uint64_t> MaxSequence(const storage::EventLog& log,
                                     uint64_t applied,
                                     const AsOfBounds& bounds) {
  // Events past the live state's last sequence may be durable but not yet
  // applied; the answer never runs ahead of the live state.
  uint64_t max_sequence = bounds.max_sequence == 0
                              ? applied
                              : std::min(bounds.max_sequence, applied);
  if (bounds.max_recorded_time) {
    ASSIGN_OR_RETURN(const uint64_t recorded_by,
                     storage::LastSequenceRecordedBefore(
                         log, max_sequence,
                         *bounds.max_recorded_time + absl::Nanoseconds(1)));
    max_sequence = std::min(max_sequence, recorded_by);
  }
  return max_sequence;
}

bool InForce(const v1::Event& event, const AsOfBounds& bounds) {
  return !bounds.max_effective_time ||
         domain::ToAbslTime(event.data().effective_time()) <=
             *bounds.max_effective_time;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const domain::DealState>> FoldAsOf(
    const storage::EventLog& log, std::string_view deal_id,
    std::shared_ptr<const domain::DealState> live, uint64_t applied,
    const AsOfBounds& bounds) {
  if (live == nullptr) return live;
  ASSIGN_OR_RETURN(const uint64_t max_sequence,
                   MaxSequence(log, applied, bounds));
  if (!bounds.max_effective_time && max_sequence >= live->last_sequence()) {
    return live;
  }
  auto state = std::make_shared<domain::DealState>();
  if (!bounds.max_effective_time) {
    ASSIGN_OR_RETURN(*state, StateFromSnapshot(log, deal_id, max_sequence));
  }
  RETURN_IF_ERROR(
      log.ScanDeal(deal_id, state->version(), [&](const v1::Event& event) {
        if (event.sequence() > max_sequence) return false;
        if (InForce(event, bounds)) state->Apply(event);
        return true;
      }));
  if (!state->exists()) return nullptr;
  return state;
}

absl::Status ScanAsOf(const storage::EventLog& log, std::string_view deal_id,
                      uint64_t applied, const AsOfBounds& bounds,
                      uint64_t start_after, domain::DealState* start,
                      const storage::EventVisitor& visit) {
  ASSIGN_OR_RETURN(const uint64_t max_sequence,
                   MaxSequence(log, applied, bounds));
  const uint64_t from = std::min(start_after, max_sequence);
  *start = domain::DealState();
  if (from > 0 && !bounds.max_effective_time) {
    ASSIGN_OR_RETURN(*start, StateFromSnapshot(log, deal_id, from));
  }
  return log.ScanDeal(deal_id, start->version(), [&](const v1::Event& event) {
    if (event.sequence() > max_sequence) return false;
    if (!InForce(event, bounds)) return true;
    if (event.sequence() <= from) {
      start->Apply(event);
      return true;
    }
    return visit(event);
  });
}

}  // namespace pactlog::ledger
