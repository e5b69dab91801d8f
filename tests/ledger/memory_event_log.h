// MemoryEventLog: a storage::EventLog over std::map, for the ledger's unit
// tests, with switches to fail or hold the next write and counters of the
// calls the ledger makes.
//
// It keeps the EventLog contract (gapless sequences checked on Append, a
// scan sees a prefix, a checkpoint and its snapshots change together) but
// nothing is durable beyond the MemoryLogData, which a test may share
// between two logs to "reopen" the same data.
//
// Thread-safety: every method may be called from any thread.
#ifndef PACTLOG_TESTS_LEDGER_MEMORY_EVENT_LOG_H_
#define PACTLOG_TESTS_LEDGER_MEMORY_EVENT_LOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "storage/event_log.h"

namespace pactlog::testing {

// What a MemoryEventLog stores; outlives the logs that share it.
struct MemoryLogData {
  absl::Mutex mu;
  std::map<uint64_t, pactlog::v1::Event> events ABSL_GUARDED_BY(mu);
  std::map<std::string, uint64_t, std::less<>> event_ids ABSL_GUARDED_BY(mu);
  // Deal id -> the sequence of each of its events, in version order.
  std::map<std::string, std::vector<uint64_t>, std::less<>> deals
      ABSL_GUARDED_BY(mu);
  uint64_t source_position ABSL_GUARDED_BY(mu) = 0;
  std::string source_identity ABSL_GUARDED_BY(mu);
  std::string source_unconfirmed ABSL_GUARDED_BY(mu);
  std::optional<storage::SnapshotCheckpoint> checkpoint ABSL_GUARDED_BY(mu);
  // (deal id, sequence) -> snapshot bytes.
  std::map<std::pair<std::string, uint64_t>, std::string> snapshots
      ABSL_GUARDED_BY(mu);
};

class MemoryEventLog final : public storage::EventLog {
 public:
  explicit MemoryEventLog(
      std::shared_ptr<MemoryLogData> data = std::make_shared<MemoryLogData>());

  std::shared_ptr<MemoryLogData> data() const { return data_; }

  // The next Append/AppendApplied to start fails with `status` and stores
  // nothing.
  void FailNextWrite(absl::Status status);
  // The next WriteCheckpoint fails with `status` and stores nothing.
  void FailNextCheckpoint(absl::Status status);
  // Makes every write from now on wait, before it changes anything, until
  // ReleaseWrites().
  void HoldWrites();
  void ReleaseWrites();
  // Blocks until a write is waiting at the hold (that write has started).
  void AwaitHeldWrite();
  // Replaces the stored event at `event.sequence()` (tampering, for chain
  // tests); indexes are left as they are.
  void OverwriteEvent(const pactlog::v1::Event& event);
  // Makes every stored snapshot undecodable.
  void CorruptSnapshots();

  // Calls made so far.
  uint64_t writes() const;  // successful Append/AppendApplied calls
  uint64_t gets() const;    // Get calls
  std::optional<std::string> last_backup_directory() const;

  // storage::EventLog.
  [[nodiscard]] absl::Status Append(
      absl::Span<const pactlog::v1::Event> events) override;
  [[nodiscard]] absl::Status AppendApplied(
      absl::Span<const pactlog::v1::Event> events, uint64_t source_position,
      std::string_view unconfirmed) override;
  [[nodiscard]] absl::StatusOr<uint64_t> SourcePosition() const override;
  [[nodiscard]] absl::StatusOr<std::string> SourceUnconfirmed() const override;
  [[nodiscard]] absl::StatusOr<std::string> SourceIdentity() const override;
  [[nodiscard]] absl::Status SetSourceIdentity(
      std::string_view identity) override;
  uint64_t LastSequence() const override;
  [[nodiscard]] absl::StatusOr<pactlog::v1::Event> Get(
      uint64_t sequence) const override;
  [[nodiscard]] absl::Status Scan(
      uint64_t after_sequence,
      const storage::EventVisitor& visitor) const override;
  [[nodiscard]] absl::Status ScanDeal(
      std::string_view deal_id, uint64_t after_version,
      const storage::EventVisitor& visitor) const override;
  [[nodiscard]] absl::StatusOr<std::optional<storage::EventIdEntry>>
  FindEventId(std::string_view event_id) const override;
  storage::StorageStats Stats() const override;
  [[nodiscard]] absl::StatusOr<storage::BackupInfo> CreateBackup(
      const std::string& directory) const override;
  [[nodiscard]] absl::Status WriteCheckpoint(
      const storage::SnapshotCheckpoint& checkpoint,
      absl::Span<const storage::SnapshotRecord> snapshots) override;
  [[nodiscard]] absl::StatusOr<std::optional<storage::SnapshotCheckpoint>>
  LastCheckpoint() const override;
  [[nodiscard]] absl::Status ScanLatestSnapshots(
      uint64_t max_sequence,
      const storage::SnapshotVisitor& visitor) const override;
  [[nodiscard]] absl::StatusOr<std::optional<storage::SnapshotRecord>>
  FindSnapshot(std::string_view deal_id, uint64_t max_sequence) const override;
  [[nodiscard]] absl::Status DeleteSnapshots() override;

 private:
  [[nodiscard]] absl::Status Write(absl::Span<const pactlog::v1::Event> events,
                                   std::optional<uint64_t> source_position);
  // The first event after `after_sequence`, or nullopt at the end.
  std::optional<pactlog::v1::Event> EventAfter(uint64_t after_sequence) const;

  const std::shared_ptr<MemoryLogData> data_;

  mutable absl::Mutex mu_;
  std::optional<absl::Status> fail_next_write_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> fail_next_checkpoint_ ABSL_GUARDED_BY(mu_);
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  int held_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t writes_ ABSL_GUARDED_BY(mu_) = 0;
  mutable uint64_t gets_ ABSL_GUARDED_BY(mu_) = 0;
  mutable std::optional<std::string> last_backup_directory_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_LEDGER_MEMORY_EVENT_LOG_H_
