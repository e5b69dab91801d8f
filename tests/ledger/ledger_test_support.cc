#include "tests/ledger/ledger_test_support.h"

#include "absl/synchronization/notification.h"
#include "sdk/cpp/tests/test_events.h"

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
  return Request(deal_id, DealEvent(550'000'000'000, DealDate()), event_id);
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

}  // namespace pactlog::testing
