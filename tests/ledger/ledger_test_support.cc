#include "tests/ledger/ledger_test_support.h"

#include "absl/synchronization/notification.h"
#include "testing/events.h"

namespace pactlog::testing {

namespace v1 = ::pactlog::v1;

absl::Time DealDate() { return Date(2025, 9, 4); }

namespace {

v1::AppendRequest Request(const std::string& deal_id, v1::EventData data,
                          const std::string& event_id) {
  v1::AppendRequest request;
  request.set_deal_id(deal_id);
  request.set_actor("ledger-test");
  if (!event_id.empty()) data.set_event_id(event_id);
  *request.add_events() = std::move(data);
  return request;
}

}  // namespace

v1::AppendRequest AnnounceDeal(const std::string& deal_id,
                               const std::string& event_id) {
  return Request(deal_id, DealEvent(kDealTitle, 550'000'000'000, DealDate()),
                 event_id);
}

v1::AppendRequest AnnounceProject(const std::string& deal_id,
                                  const std::string& project_id,
                                  const std::string& event_id) {
  return Request(
      deal_id,
      ProjectEvent(project_id, v1::SECTOR_ENERGY, "TX", 1'000, DealDate()),
      event_id);
}

v1::AppendRequest ChangeTariffs(const std::string& deal_id, int count) {
  v1::AppendRequest request;
  request.set_deal_id(deal_id);
  request.set_actor("ledger-test");
  for (int i = 0; i < count; ++i) {
    *request.add_events() =
        TariffEvent("all-goods", 1000 + i % 100, DealDate());
  }
  return request;
}

AppendResult AppendAndWait(ledger::Ledger& ledger,
                           const v1::AppendRequest& request) {
  AppendResult result;
  absl::Notification done;
  ledger.Append(&request, &result.response, [&](absl::Status status) {
    result.status = std::move(status);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

namespace {

// Lends a record kept by the test to one ledger at a time.
class LentRecordLog final : public storage::RecordLog {
 public:
  explicit LentRecordLog(storage::RecordLog* log) : log_(log) {}
  std::string Describe() const override { return log_->Describe(); }
  std::string Identity() const override { return log_->Identity(); }
  storage::RecordDurability durability() const override {
    return log_->durability();
  }
  std::vector<storage::PublishResult> Publish(
      absl::Span<const storage::RecordProposal> proposals) override {
    return log_->Publish(proposals);
  }
  absl::StatusOr<uint64_t> DealPosition(std::string_view deal_id) override {
    return log_->DealPosition(deal_id);
  }
  absl::StatusOr<uint64_t> LastPosition() override {
    return log_->LastPosition();
  }
  absl::StatusOr<std::unique_ptr<storage::RecordReader>> Read(
      uint64_t after_position) override {
    return log_->Read(after_position);
  }

 private:
  storage::RecordLog* const log_;
};

}  // namespace

void LedgerTest::Open() {
  ledger_.reset();
  record_kept_ = replicated_ ? std::make_unique<MemoryRecordLog>() : nullptr;
  OpenOver(record_kept_.get());
}

void LedgerTest::Reopen() {
  ledger_.reset();
  OpenOver(record_kept_.get());
}

void LedgerTest::OpenOver(MemoryRecordLog* record) {
  auto log = std::make_unique<MemoryEventLog>(data_);
  log_ = log.get();
  ledger::LedgerOptions options = options_;
  options.clock = &clock_;
  if (record != nullptr) {
    record_ = record;
    ledger_ = std::make_unique<ledger::Ledger>(
        std::move(log), std::make_unique<LentRecordLog>(record), options);
  } else {
    record_ = nullptr;
    ledger_ = std::make_unique<ledger::Ledger>(std::move(log), options);
  }
  const absl::Status recovered = ledger_->Recover();
  ASSERT_TRUE(recovered.ok()) << recovered;
}

void LedgerTest::Append(const pactlog::v1::AppendRequest& request) {
  clock_.Advance(append_step_);
  const absl::Status status = AppendAndWait(*ledger_, request).status;
  ASSERT_TRUE(status.ok()) << status;
}

}  // namespace pactlog::testing
