// The DealState test fixture shared by deal_state_test.cc and
// allocations_test.cc: event data builders in minor units and a fixture that
// records events as the ledger does (CheckRules, then Apply).
#ifndef PACTLOG_TESTS_DOMAIN_DEAL_STATE_FIXTURE_H_
#define PACTLOG_TESTS_DOMAIN_DEAL_STATE_FIXTURE_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "testing/events.h"

namespace pactlog::domain {

using ::pactlog::v1::EventData;

inline constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

inline absl::Time Day(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

inline int64_t Seconds(absl::Time t) { return absl::ToUnixSeconds(t); }

template <typename Message>
::testing::AssertionResult ProtoEquals(const Message& actual,
                                       const std::string& expected_text) {
  Message expected;
  if (!google::protobuf::TextFormat::ParseFromString(expected_text,
                                                     &expected)) {
    return ::testing::AssertionFailure() << "cannot parse expected text:\n"
                                         << expected_text;
  }
  google::protobuf::util::MessageDifferencer differencer;
  std::string differences;
  differencer.ReportDifferencesToString(&differences);
  if (differencer.Compare(expected, actual)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << differences << "\nactual:\n"
                                       << actual.DebugString();
}

// The domain tests give amounts in minor units and, where a rule is about
// currencies, another currency; the rest is testing/events.h's.
namespace events = ::pactlog::testing;

inline EventData DealData(
    int64_t ceiling, absl::Time effective,
    std::vector<std::pair<std::string, int32_t>> caps = {{"all-goods", 1500}},
    std::string currency = "USD") {
  EventData data =
      events::DealEvent("US-Japan Strategic Investment Framework",
                        events::Money(ceiling, currency), effective);
  auto* deal = data.mutable_announcement()->mutable_deal();
  deal->clear_tariff_caps();
  for (auto& [category, rate] : caps) {
    auto* cap = deal->add_tariff_caps();
    cap->set_product_category(category);
    cap->set_max_rate_bps(rate);
  }
  return data;
}

inline EventData ProjectData(std::string id, v1::Sector sector,
                             std::string us_state, int64_t pledged,
                             absl::Time effective,
                             std::string currency = "USD") {
  return events::ProjectEvent(id, sector, us_state,
                              events::Money(pledged, currency), effective);
}

inline EventData ApprovalData(std::string id, int64_t amount,
                              absl::Time effective,
                              std::string currency = "USD") {
  return events::ApprovalEvent(id, events::Money(amount, currency), effective);
}

inline EventData DisbursementData(
    std::string id, int64_t amount, absl::Time effective,
    v1::FundingSource source = v1::FUNDING_SOURCE_JBIC,
    std::string currency = "USD") {
  return events::DisbursementEvent(id, events::Money(amount, currency),
                                   effective, source);
}

inline EventData TariffData(std::string category, int32_t rate_bps,
                            absl::Time effective,
                            std::string instrument = "Executive Order 14345",
                            std::string reason = "") {
  EventData data = events::TariffEvent(category, rate_bps, effective);
  data.mutable_tariff_change()->set_legal_instrument(instrument);
  data.mutable_tariff_change()->set_reason(reason);
  return data;
}

class DealStateTest : public ::testing::Test {
 protected:
  static constexpr char kDeal[] = "us-japan";
  // Other deals share the log, so a deal's sequences have gaps.
  static constexpr uint64_t kSequenceStep = 3;

  // The event the ledger would build next for `data`.
  v1::Event Next(EventData data) const {
    v1::Event event;
    event.set_sequence(last_sequence_ + kSequenceStep);
    event.set_deal_id(kDeal);
    event.set_deal_version(state_.version() + 1);
    ToProtoTime(recorded_, event.mutable_recorded_time());
    event.set_actor("clerk");
    if (data.event_id().empty()) {
      data.set_event_id(absl::StrCat("event-", event.sequence()));
    }
    // The events it names, resolved as the ledger resolves them.
    for (std::string_view id : ReferencedIds(data)) {
      for (const v1::Event& recorded : log_) {
        if (recorded.data().event_id() == id) {
          MakeReference(recorded, event.add_references());
        }
      }
    }
    if (data.has_amendment() && IsRecordFix(data.amendment()) &&
        !data.has_effective_time() && event.references_size() > 0) {
      *data.mutable_effective_time() = event.references(0).effective_time();
    }
    if (!data.has_effective_time())
      ToProtoTime(recorded_, data.mutable_effective_time());
    *event.mutable_data() = std::move(data);
    return event;
  }

  // Checks the rules and, when they hold, folds the event: what the ledger
  // does on append.
  absl::Status Record(EventData data) {
    v1::Event event = Next(std::move(data));
    absl::Status status = state_.CheckRules(event);
    if (status.ok()) {
      state_.Apply(event);
      log_.push_back(event);
      last_sequence_ = event.sequence();
      recorded_ += absl::Seconds(1);
    }
    return status;
  }

  void RecordOrFail(EventData data) {
    absl::Status status = Record(std::move(data));
    ASSERT_TRUE(status.ok()) << status;
  }

  // A deal of ceiling 1000 effective kDealDay with one project "p" pledged
  // 1000 effective kProjectDay.
  void RecordDealWithProject() {
    RecordOrFail(DealData(1000, kDealDay));
    RecordOrFail(ProjectData("p", v1::SECTOR_ENERGY, "OH", 1000, kProjectDay));
  }

  static void ExpectRuleBroken(const absl::Status& status,
                               const std::string& rule,
                               std::vector<std::string> parts) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_THAT(std::string(status.message()),
                ::testing::HasSubstr(absl::StrCat("rule ", rule, ": ")));
    for (const std::string& part : parts) {
      EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(part));
    }
  }

  v1::DealState DealProto(absl::Time tariffs_at) const {
    v1::DealState proto;
    state_.ToProto(tariffs_at, &proto);
    return proto;
  }

  v1::ProjectState ProjectProto(std::string_view id) const {
    v1::ProjectState proto;
    absl::Status status = state_.ProjectToProto(id, &proto);
    EXPECT_TRUE(status.ok()) << status;
    return proto;
  }

  const absl::Time kDealDay = Day(2025, 7, 22);
  const absl::Time kProjectDay = Day(2025, 10, 28);

  DealState state_;
  std::vector<v1::Event> log_;
  uint64_t last_sequence_ = 0;
  absl::Time recorded_ = Day(2026, 3, 1);
};

}  // namespace pactlog::domain

#endif  // PACTLOG_TESTS_DOMAIN_DEAL_STATE_FIXTURE_H_
