#include "ledger/live_state.h"

#include <algorithm>
#include <utility>

namespace pactlog::ledger {

void LiveState::Reset(
    std::map<std::string, domain::DealState, std::less<>> states,
    AppliedHead head) {
  absl::MutexLock lock(&mu_);
  deals_.clear();
  for (auto& [deal_id, state] : states) {
    deals_.emplace(deal_id,
                   std::make_shared<const domain::DealState>(std::move(state)));
  }
  applied_sequence_.store(head.sequence, std::memory_order_release);
  recent_heads_.clear();
  if (head.sequence != 0) recent_heads_.emplace_back(head.sequence, head.hash);
  head_ = std::move(head);
}

std::shared_ptr<const domain::DealState> LiveState::Deal(
    std::string_view deal_id, uint64_t* applied_sequence) const {
  absl::ReaderMutexLock lock(&mu_);
  if (applied_sequence != nullptr) *applied_sequence = head_.sequence;
  auto it = deals_.find(deal_id);
  return it == deals_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const domain::DealState>> LiveState::Deals(
    std::string_view after_id, int limit, uint64_t* applied_sequence) const {
  std::vector<std::shared_ptr<const domain::DealState>> out;
  absl::ReaderMutexLock lock(&mu_);
  if (applied_sequence != nullptr) *applied_sequence = head_.sequence;
  for (auto it = deals_.upper_bound(after_id);
       it != deals_.end() && static_cast<int>(out.size()) < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

AppliedHead LiveState::head() const {
  absl::ReaderMutexLock lock(&mu_);
  return head_;
}

std::optional<std::string> LiveState::HeadHashAt(uint64_t sequence) const {
  absl::ReaderMutexLock lock(&mu_);
  if (sequence == 0) return std::nullopt;
  if (sequence == head_.sequence) return head_.hash;
  // Heads are kept in sequence order: a binary search finds one.
  auto it =
      std::lower_bound(recent_heads_.begin(), recent_heads_.end(), sequence,
                       [](const std::pair<uint64_t, std::string>& head,
                          uint64_t wanted) { return head.first < wanted; });
  if (it == recent_heads_.end() || it->first != sequence) return std::nullopt;
  return it->second;
}

void LiveState::Commit(StagedDeals& staged, uint64_t event_count,
                       AppliedHead head) {
  absl::MutexLock lock(&mu_);
  for (auto& [deal_id, state] : staged) {
    if (!state->exists()) continue;
    deals_[deal_id] = std::move(state);
  }
  applied_sequence_.store(head.sequence, std::memory_order_release);
  recent_heads_.emplace_back(head.sequence, head.hash);
  if (recent_heads_.size() > kRecentHeads) recent_heads_.pop_front();
  head_ = std::move(head);
  ++stats_.batches;
  stats_.events_written += event_count;
}

LiveState::CheckpointView LiveState::ViewForCheckpoint(
    const std::set<std::string, std::less<>>& deal_ids) const {
  CheckpointView view;
  absl::ReaderMutexLock lock(&mu_);
  view.sequence = head_.sequence;
  view.deal_count = deals_.size();
  view.changed.reserve(deal_ids.size());
  for (const std::string& deal_id : deal_ids) {
    auto it = deals_.find(deal_id);
    if (it != deals_.end()) view.changed.push_back(it->second);
  }
  return view;
}

void LiveState::CountRequests(uint64_t requests, uint64_t unsynced) {
  absl::MutexLock lock(&mu_);
  stats_.requests += requests;
  stats_.acknowledged_unsynced += unsynced;
}

void LiveState::CountCheckpoint(bool written, uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  if (written) {
    ++stats_.checkpoints;
    stats_.last_checkpoint_sequence = sequence;
  } else {
    ++stats_.checkpoint_failures;
  }
}

WriterStats LiveState::writer_stats() const {
  absl::ReaderMutexLock lock(&mu_);
  return stats_;
}

}  // namespace pactlog::ledger
