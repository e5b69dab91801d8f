#include "tests/ledger/memory_event_log.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace pactlog::testing {

namespace v1 = ::pactlog::v1;

MemoryEventLog::MemoryEventLog(std::shared_ptr<MemoryLogData> data)
    : data_(std::move(data)) {}

void MemoryEventLog::FailNextWrite(absl::Status status) {
  absl::MutexLock lock(&mu_);
  fail_next_write_ = std::move(status);
}

void MemoryEventLog::FailNextCheckpoint(absl::Status status) {
  absl::MutexLock lock(&mu_);
  fail_next_checkpoint_ = std::move(status);
}

void MemoryEventLog::HoldWrites() {
  absl::MutexLock lock(&mu_);
  hold_ = true;
}

void MemoryEventLog::ReleaseWrites() {
  absl::MutexLock lock(&mu_);
  hold_ = false;
}

void MemoryEventLog::AwaitHeldWrite() {
  absl::MutexLock lock(&mu_);
  auto waiting = [this]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_ > 0; };
  mu_.Await(absl::Condition(&waiting));
}

void MemoryEventLog::OverwriteEvent(const v1::Event& event) {
  absl::MutexLock lock(&data_->mu);
  data_->events[event.sequence()] = event;
}

void MemoryEventLog::CorruptSnapshots() {
  absl::MutexLock lock(&data_->mu);
  for (auto& [key, bytes] : data_->snapshots) bytes = "not a snapshot";
}

uint64_t MemoryEventLog::writes() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

uint64_t MemoryEventLog::gets() const {
  absl::MutexLock lock(&mu_);
  return gets_;
}

std::optional<std::string> MemoryEventLog::last_backup_directory() const {
  absl::MutexLock lock(&mu_);
  return last_backup_directory_;
}

absl::Status MemoryEventLog::Write(absl::Span<const v1::Event> events,
                                   std::optional<uint64_t> source_position) {
  {
    // A write fails if FailNextWrite came before it started, even when it
    // then waits at the hold.
    absl::MutexLock lock(&mu_);
    std::optional<absl::Status> failed = std::move(fail_next_write_);
    fail_next_write_.reset();
    auto released = [this]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !hold_; };
    ++held_;
    mu_.Await(absl::Condition(&released));
    --held_;
    if (failed.has_value()) return *std::move(failed);
  }
  absl::MutexLock lock(&data_->mu);
  uint64_t next = data_->events.empty() ? 1 : data_->events.rbegin()->first + 1;
  // Versions and ids as of the events of the batch before each.
  std::map<std::string, uint64_t> versions;
  std::set<std::string> ids;
  for (const v1::Event& event : events) {
    auto [version, fresh] = versions.try_emplace(event.deal_id(), 0);
    if (fresh) {
      const auto deal = data_->deals.find(event.deal_id());
      if (deal != data_->deals.end()) version->second = deal->second.size();
    }
    if (event.sequence() != next || event.deal_version() != ++version->second ||
        data_->event_ids.contains(event.data().event_id()) ||
        !ids.insert(event.data().event_id()).second) {
      return absl::InternalError(absl::StrCat(
          "refused event at sequence ", event.sequence(), " (expected ", next,
          ") of deal ", event.deal_id(), " at version ", event.deal_version()));
    }
    ++next;
  }
  for (const v1::Event& event : events) {
    data_->events[event.sequence()] = event;
    data_->event_ids[event.data().event_id()] = event.sequence();
    data_->deals[event.deal_id()].push_back(event.sequence());
  }
  if (source_position.has_value()) data_->source_position = *source_position;
  absl::MutexLock counters(&mu_);
  ++writes_;
  return absl::OkStatus();
}

absl::Status MemoryEventLog::Append(absl::Span<const v1::Event> events) {
  if (events.empty()) return absl::InternalError("empty append");
  return Write(events, std::nullopt);
}

absl::Status MemoryEventLog::AppendApplied(absl::Span<const v1::Event> events,
                                           uint64_t source_position,
                                           std::string_view unconfirmed) {
  if (absl::Status written = Write(events, source_position); !written.ok()) {
    return written;
  }
  absl::MutexLock lock(&data_->mu);
  data_->source_unconfirmed = std::string(unconfirmed);
  return absl::OkStatus();
}

absl::StatusOr<std::string> MemoryEventLog::SourceUnconfirmed() const {
  absl::MutexLock lock(&data_->mu);
  return data_->source_unconfirmed;
}

absl::StatusOr<uint64_t> MemoryEventLog::SourcePosition() const {
  absl::MutexLock lock(&data_->mu);
  return data_->source_position;
}

absl::StatusOr<std::string> MemoryEventLog::SourceIdentity() const {
  absl::MutexLock lock(&data_->mu);
  return data_->source_identity;
}

absl::Status MemoryEventLog::SetSourceIdentity(std::string_view identity) {
  absl::MutexLock lock(&data_->mu);
  data_->source_identity = std::string(identity);
  return absl::OkStatus();
}

uint64_t MemoryEventLog::LastSequence() const {
  absl::MutexLock lock(&data_->mu);
  return data_->events.empty() ? 0 : data_->events.rbegin()->first;
}

absl::StatusOr<v1::Event> MemoryEventLog::Get(uint64_t sequence) const {
  {
    absl::MutexLock lock(&mu_);
    ++gets_;
  }
  absl::MutexLock lock(&data_->mu);
  auto it = data_->events.find(sequence);
  if (it == data_->events.end()) {
    return absl::NotFoundError(absl::StrCat("no event at sequence ", sequence));
  }
  return it->second;
}

std::optional<v1::Event> MemoryEventLog::EventAfter(
    uint64_t after_sequence) const {
  absl::MutexLock lock(&data_->mu);
  auto it = data_->events.upper_bound(after_sequence);
  if (it == data_->events.end()) return std::nullopt;
  return it->second;
}

absl::Status MemoryEventLog::Scan(uint64_t after_sequence,
                                  const storage::EventVisitor& visitor) const {
  // One event at a time, without the lock while visiting: a visitor may
  // call back into the log.
  for (std::optional<v1::Event> event = EventAfter(after_sequence);
       event.has_value(); event = EventAfter(event->sequence())) {
    if (!visitor(*event)) break;
  }
  return absl::OkStatus();
}

absl::Status MemoryEventLog::ScanDeal(
    std::string_view deal_id, uint64_t after_version,
    const storage::EventVisitor& visitor) const {
  std::vector<v1::Event> events;
  {
    absl::MutexLock lock(&data_->mu);
    auto deal = data_->deals.find(deal_id);
    if (deal == data_->deals.end()) return absl::OkStatus();
    for (size_t v = after_version; v < deal->second.size(); ++v) {
      events.push_back(data_->events.at(deal->second[v]));
    }
  }
  for (const v1::Event& event : events) {
    if (!visitor(event)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<storage::EventIdEntry>>
MemoryEventLog::FindEventId(std::string_view event_id) const {
  absl::MutexLock lock(&data_->mu);
  auto it = data_->event_ids.find(event_id);
  if (it == data_->event_ids.end()) return std::nullopt;
  return storage::EventIdEntry{.sequence = it->second};
}

storage::StorageStats MemoryEventLog::Stats() const {
  absl::MutexLock lock(&data_->mu);
  storage::StorageStats stats;
  stats.in_memory = {{"events", data_->events.size()}};
  return stats;
}

absl::StatusOr<storage::BackupInfo> MemoryEventLog::CreateBackup(
    const std::string& directory) const {
  {
    absl::MutexLock lock(&mu_);
    last_backup_directory_ = directory;
  }
  return storage::BackupInfo{.sequence = LastSequence(), .bytes = 0};
}

absl::Status MemoryEventLog::WriteCheckpoint(
    const storage::SnapshotCheckpoint& checkpoint,
    absl::Span<const storage::SnapshotRecord> snapshots) {
  {
    absl::MutexLock lock(&mu_);
    if (fail_next_checkpoint_.has_value()) {
      absl::Status failed = *std::move(fail_next_checkpoint_);
      fail_next_checkpoint_.reset();
      return failed;
    }
  }
  absl::MutexLock lock(&data_->mu);
  for (const storage::SnapshotRecord& record : snapshots) {
    data_->snapshots[{record.deal_id, record.sequence}] = record.bytes;
  }
  data_->checkpoint = checkpoint;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<storage::SnapshotCheckpoint>>
MemoryEventLog::LastCheckpoint() const {
  absl::MutexLock lock(&data_->mu);
  return data_->checkpoint;
}

absl::Status MemoryEventLog::ScanLatestSnapshots(
    uint64_t max_sequence, const storage::SnapshotVisitor& visitor) const {
  std::vector<storage::SnapshotRecord> latest;
  {
    absl::MutexLock lock(&data_->mu);
    for (const auto& [key, bytes] : data_->snapshots) {
      if (key.second > max_sequence) continue;
      if (!latest.empty() && latest.back().deal_id == key.first) {
        latest.back() = {key.first, key.second, bytes};
      } else {
        latest.push_back({key.first, key.second, bytes});
      }
    }
  }
  for (const storage::SnapshotRecord& record : latest) {
    if (!visitor(record)) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<storage::SnapshotRecord>>
MemoryEventLog::FindSnapshot(std::string_view deal_id,
                             uint64_t max_sequence) const {
  absl::MutexLock lock(&data_->mu);
  std::optional<storage::SnapshotRecord> found;
  for (auto it = data_->snapshots.lower_bound({std::string(deal_id), 0});
       it != data_->snapshots.end() && it->first.first == deal_id &&
       it->first.second <= max_sequence;
       ++it) {
    found =
        storage::SnapshotRecord{it->first.first, it->first.second, it->second};
  }
  return found;
}

absl::Status MemoryEventLog::DeleteSnapshots() {
  absl::MutexLock lock(&data_->mu);
  data_->snapshots.clear();
  data_->checkpoint.reset();
  return absl::OkStatus();
}

}  // namespace pactlog::testing
