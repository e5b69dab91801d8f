// MemoryRecordLog: a storage::RecordLog over a std::vector, for the
// ledger's unit tests of replicated mode.
//
// It keeps the RecordLog contract: positions 1, 2, 3, ...; a proposal is
// stored only when it is unconditional or its deal's last entry is at
// expected_deal_position (else ABORTED with the deal's position); a dedup_id
// seen before is answered as a duplicate of the first entry. Tests play the
// other replicas: Inject() stores an entry unconditionally, and a hook runs at
// the start of the next Publish (so another replica's entry lands between
// a proposer's check and its publication).
//
// Thread-safety: every method may be called from any thread.
#ifndef PACTLOG_TESTS_LEDGER_MEMORY_RECORD_LOG_H_
#define PACTLOG_TESTS_LEDGER_MEMORY_RECORD_LOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/record_log.h"

namespace pactlog::testing {

class MemoryRecordLog final : public storage::RecordLog {
 public:
  MemoryRecordLog();
  ~MemoryRecordLog() override;

  // Stores an entry at the next position, whatever its deal's last entry
  // is; returns the position.
  uint64_t Inject(std::string deal_id, std::string payload);
  // Runs `hook` once, at the start of the next Publish, before any of its
  // proposals is stored.
  void BeforeNextPublish(std::function<void()> hook);
  // While held, readers deliver nothing (as when the entries have not
  // reached this replica's reader yet).
  void HoldReaders(bool hold);
  // The next proposal Publish stores is answered as stored, but the record
  // keeps `payload` there instead (a record that lost what it
  // acknowledged and took another entry in its place).
  void StoreNextPublishAs(std::string payload);
  // Every entry stored so far, in order.
  std::vector<storage::RecordEntry> entries() const;
  // Proposals received by Publish so far.
  uint64_t proposals() const;

  // storage::RecordLog.
  std::string Describe() const override { return "memory record"; }
  // "memory-<n>", n counting the logs made by this process.
  std::string Identity() const override { return identity_; }
  storage::RecordDurability durability() const override {
    return storage::RecordDurability::kSyncedOnMajority;
  }
  [[nodiscard]] std::vector<storage::PublishResult> Publish(
      absl::Span<const storage::RecordProposal> proposals) override;
  [[nodiscard]] absl::StatusOr<uint64_t> DealPosition(
      std::string_view deal_id) override;
  [[nodiscard]] absl::StatusOr<uint64_t> LastPosition() override;
  [[nodiscard]] absl::StatusOr<std::unique_ptr<storage::RecordReader>> Read(
      uint64_t after_position) override;

  // Shared with the readers, which may outlive the log.
  struct Data {
    absl::Mutex mu;
    std::vector<storage::RecordEntry> entries ABSL_GUARDED_BY(mu);
    bool closed ABSL_GUARDED_BY(mu) = false;
    bool readers_held ABSL_GUARDED_BY(mu) = false;
  };

 private:
  uint64_t StoreLocked(std::string deal_id, std::string payload)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(data_->mu);

  const std::shared_ptr<Data> data_;
  std::string identity_;
  std::map<std::string, uint64_t, std::less<>> deal_positions_
      ABSL_GUARDED_BY(data_->mu);
  std::map<std::string, uint64_t> dedup_ids_ ABSL_GUARDED_BY(data_->mu);
  std::function<void()> before_publish_ ABSL_GUARDED_BY(data_->mu);
  std::optional<std::string> store_instead_ ABSL_GUARDED_BY(data_->mu);
  uint64_t proposals_ ABSL_GUARDED_BY(data_->mu) = 0;
};

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_LEDGER_MEMORY_RECORD_LOG_H_
