// An EventLog that holds its readers at a gate, for tests of what pactlog
// does while a storage read is slow: it wraps a real log and passes every
// call through, except that while the gate is closed the reads an as-of
// query, a log scan or a chain check make (Get, Scan, ScanDeal,
// FindSnapshot, ScanLatestSnapshots) wait until it opens. Appends, the
// event-id index and checkpoints are not held, so the writer goes on.
//
//   auto gate = std::make_shared<ReadGate>();
//   ... open the log as std::make_unique<GatedEventLog>(std::move(log), gate)
//   gate->Close();
//   ... start reads; gate->AwaitWaiting(2) returns once two are held ...
//   gate->Open();
#ifndef PACTLOG_TESTS_FAULTS_GATED_EVENT_LOG_H_
#define PACTLOG_TESTS_FAULTS_GATED_EVENT_LOG_H_

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/event_log.h"

namespace pactlog::testing {

class ReadGate {
 public:
  void Close() {
    absl::MutexLock lock(&mu_);
    open_ = false;
  }
  void Open() {
    absl::MutexLock lock(&mu_);
    open_ = true;
  }
  // Returns true once at least `n` readers wait at the closed gate; false
  // if that has not happened within `timeout` (a test then fails rather
  // than hangs).
  [[nodiscard]] bool AwaitWaiting(int n,
                                  absl::Duration timeout = absl::Seconds(60)) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return waiting_ >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }
  int waiting() {
    absl::MutexLock lock(&mu_);
    return waiting_;
  }
  // Called by every gated read: returns at once while the gate is open.
  void Pass() {
    absl::MutexLock lock(&mu_);
    if (open_) return;
    ++waiting_;
    mu_.Await(absl::Condition(&open_));
    --waiting_;
  }

 private:
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

class GatedEventLog final : public storage::EventLog {
 public:
  GatedEventLog(std::unique_ptr<storage::EventLog> log,
                std::shared_ptr<ReadGate> gate)
      : log_(std::move(log)), gate_(std::move(gate)) {}

  [[nodiscard]] absl::Status Append(
      absl::Span<const pactlog::v1::Event> events) override {
    return log_->Append(events);
  }
  [[nodiscard]] absl::Status AppendApplied(
      absl::Span<const pactlog::v1::Event> events, uint64_t source_position,
      std::string_view unconfirmed) override {
    return log_->AppendApplied(events, source_position, unconfirmed);
  }
  [[nodiscard]] absl::StatusOr<uint64_t> SourcePosition() const override {
    return log_->SourcePosition();
  }
  [[nodiscard]] absl::StatusOr<std::string> SourceUnconfirmed() const override {
    return log_->SourceUnconfirmed();
  }
  uint64_t LastSequence() const override { return log_->LastSequence(); }
  [[nodiscard]] absl::StatusOr<pactlog::v1::Event> Get(
      uint64_t sequence) const override {
    gate_->Pass();
    return log_->Get(sequence);
  }
  [[nodiscard]] absl::Status Scan(
      uint64_t after_sequence,
      const storage::EventVisitor& visitor) const override {
    gate_->Pass();
    return log_->Scan(after_sequence, visitor);
  }
  [[nodiscard]] absl::Status ScanEncoded(
      uint64_t after_sequence,
      const storage::EncodedEventVisitor& visitor) const override {
    gate_->Pass();
    return log_->ScanEncoded(after_sequence, visitor);
  }
  [[nodiscard]] absl::Status ScanDeal(
      std::string_view deal_id, uint64_t after_version,
      const storage::EventVisitor& visitor) const override {
    gate_->Pass();
    return log_->ScanDeal(deal_id, after_version, visitor);
  }
  [[nodiscard]] absl::StatusOr<std::optional<storage::EventIdEntry>>
  FindEventId(std::string_view event_id) const override {
    return log_->FindEventId(event_id);
  }
  storage::StorageStats Stats() const override { return log_->Stats(); }
  [[nodiscard]] absl::StatusOr<storage::BackupInfo> CreateBackup(
      const std::string& directory) const override {
    return log_->CreateBackup(directory);
  }
  [[nodiscard]] absl::Status WriteCheckpoint(
      const storage::SnapshotCheckpoint& checkpoint,
      absl::Span<const storage::SnapshotRecord> snapshots) override {
    return log_->WriteCheckpoint(checkpoint, snapshots);
  }
  [[nodiscard]] absl::StatusOr<std::optional<storage::SnapshotCheckpoint>>
  LastCheckpoint() const override {
    return log_->LastCheckpoint();
  }
  [[nodiscard]] absl::Status ScanLatestSnapshots(
      uint64_t max_sequence,
      const storage::SnapshotVisitor& visitor) const override {
    gate_->Pass();
    return log_->ScanLatestSnapshots(max_sequence, visitor);
  }
  [[nodiscard]] absl::StatusOr<std::optional<storage::SnapshotRecord>>
  FindSnapshot(std::string_view deal_id, uint64_t max_sequence) const override {
    gate_->Pass();
    return log_->FindSnapshot(deal_id, max_sequence);
  }
  [[nodiscard]] absl::Status DeleteSnapshots() override {
    return log_->DeleteSnapshots();
  }

 private:
  const std::unique_ptr<storage::EventLog> log_;
  const std::shared_ptr<ReadGate> gate_;
};

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_FAULTS_GATED_EVENT_LOG_H_
