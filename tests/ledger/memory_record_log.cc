#include "tests/ledger/memory_record_log.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pactlog::testing {
namespace {

class MemoryRecordReader final : public storage::RecordReader {
 public:
  MemoryRecordReader(std::shared_ptr<MemoryRecordLog::Data> data,
                     uint64_t after_position)
      : data_(std::move(data)), next_index_(after_position) {}

  absl::Status Next(absl::Duration timeout, size_t max,
                    std::vector<storage::RecordEntry>* out) override {
    absl::MutexLock lock(&data_->mu);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(data_->mu) {
      return (data_->entries.size() > next_index_ && !data_->readers_held) ||
             data_->closed;
    };
    data_->mu.AwaitWithTimeout(absl::Condition(&available), timeout);
    if (data_->closed) return absl::UnavailableError("record closed");
    if (data_->readers_held) return absl::OkStatus();
    const size_t end = std::min(data_->entries.size(), next_index_ + max);
    for (; next_index_ < end; ++next_index_) {
      out->push_back(data_->entries[next_index_]);
    }
    return absl::OkStatus();
  }

 private:
  const std::shared_ptr<MemoryRecordLog::Data> data_;
  // Entry i is at position i + 1.
  size_t next_index_;
};

}  // namespace

MemoryRecordLog::MemoryRecordLog() : data_(std::make_shared<Data>()) {
  static std::atomic<uint64_t> made{0};
  identity_ = absl::StrCat("memory-", ++made);
}

MemoryRecordLog::~MemoryRecordLog() {
  absl::MutexLock lock(&data_->mu);
  data_->closed = true;
}

uint64_t MemoryRecordLog::StoreLocked(std::string deal_id,
                                      std::string payload) {
  const uint64_t position = data_->entries.size() + 1;
  deal_positions_[deal_id] = position;
  data_->entries.push_back(storage::RecordEntry{
      .position = position,
      .deal_id = std::move(deal_id),
      .payload = std::move(payload),
  });
  return position;
}

uint64_t MemoryRecordLog::Inject(std::string deal_id, std::string payload) {
  absl::MutexLock lock(&data_->mu);
  return StoreLocked(std::move(deal_id), std::move(payload));
}

void MemoryRecordLog::BeforeNextPublish(std::function<void()> hook) {
  absl::MutexLock lock(&data_->mu);
  before_publish_ = std::move(hook);
}

void MemoryRecordLog::HoldReaders(bool hold) {
  absl::MutexLock lock(&data_->mu);
  data_->readers_held = hold;
}

void MemoryRecordLog::StoreNextPublishAs(std::string payload) {
  absl::MutexLock lock(&data_->mu);
  store_instead_ = std::move(payload);
}

std::vector<storage::RecordEntry> MemoryRecordLog::entries() const {
  absl::MutexLock lock(&data_->mu);
  return data_->entries;
}

uint64_t MemoryRecordLog::proposals() const {
  absl::MutexLock lock(&data_->mu);
  return proposals_;
}

std::vector<storage::PublishResult> MemoryRecordLog::Publish(
    absl::Span<const storage::RecordProposal> proposals) {
  std::function<void()> hook;
  {
    absl::MutexLock lock(&data_->mu);
    hook = std::move(before_publish_);
    before_publish_ = nullptr;
  }
  if (hook) hook();
  std::vector<storage::PublishResult> results;
  absl::MutexLock lock(&data_->mu);
  for (const storage::RecordProposal& proposal : proposals) {
    ++proposals_;
    storage::PublishResult result;
    auto deal = deal_positions_.find(proposal.deal_id);
    const uint64_t deal_position =
        deal == deal_positions_.end() ? 0 : deal->second;
    if (auto seen = dedup_ids_.find(proposal.dedup_id);
        seen != dedup_ids_.end()) {
      result.position = seen->second;
      result.duplicate = true;
    } else if (!proposal.unconditional &&
               deal_position != proposal.expected_deal_position) {
      result.status = absl::AbortedError("the deal has a later entry");
      result.position = deal_position;
    } else {
      result.position = StoreLocked(proposal.deal_id,
                                    store_instead_.value_or(proposal.payload));
      store_instead_.reset();
      dedup_ids_[proposal.dedup_id] = result.position;
    }
    results.push_back(std::move(result));
  }
  return results;
}

absl::StatusOr<uint64_t> MemoryRecordLog::DealPosition(
    std::string_view deal_id) {
  absl::MutexLock lock(&data_->mu);
  auto it = deal_positions_.find(deal_id);
  return it == deal_positions_.end() ? 0 : it->second;
}

absl::StatusOr<uint64_t> MemoryRecordLog::LastPosition() {
  absl::MutexLock lock(&data_->mu);
  return data_->entries.size();
}

absl::StatusOr<std::unique_ptr<storage::RecordReader>> MemoryRecordLog::Read(
    uint64_t after_position) {
  return std::make_unique<MemoryRecordReader>(data_, after_position);
}

}  // namespace pactlog::testing
