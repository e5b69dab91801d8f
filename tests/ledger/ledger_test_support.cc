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

void LedgerTest::Open() {
  ledger_.reset();
  auto log = std::make_unique<MemoryEventLog>(data_);
  log_ = log.get();
  ledger::LedgerOptions options = options_;
  options.clock = &clock_;
  if (replicated_) {
    auto record = std::make_unique<MemoryRecordLog>();
    record_ = record.get();
    ledger_ = std::make_unique<ledger::Ledger>(std::move(log),
                                               std::move(record), options);
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
