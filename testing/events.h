// Builders of valid deal events, shared by every C++ test, the benchmark
// and the fuzzers, so that one place says what a well-formed event of each
// kind looks like (the shapes of the 2025 US-Japan framework).
//
// Each builder returns an EventData that passes domain/validation.h with an
// effective time and a provenance (a fact sheet, officially announced); no
// event id, so the ledger generates one unless the caller sets it. Callers
// that need another value of a field set it on the returned message.
//
//   Request("us-japan", {DealEvent("US-Japan framework", 550'000'000'000,
//                                  Date(2025, 7, 22)),
//                        TariffEvent("all-goods", 1500, Date(2025, 9, 16))})
//
// Amounts are given either as whole US dollars (int64_t) or as a Money in
// minor units of any currency (Money, Usd).
#ifndef PACTLOG_TESTING_EVENTS_H_
#define PACTLOG_TESTING_EVENTS_H_

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "pactlog/v1/events.pb.h"
#include "pactlog/v1/ledger.pb.h"

namespace pactlog::testing {

namespace v1 = ::pactlog::v1;

// Midnight UTC of a civil day.
absl::Time Date(int year, int month, int day);
// `t` as a proto timestamp.
google::protobuf::Timestamp Time(absl::Time t);

// An amount in minor units (cents for USD).
v1::Money Money(int64_t minor_units, const std::string& currency = "USD");
// Whole US dollars.
v1::Money Usd(int64_t dollars);

// The part every event has: the effective time and a provenance.
v1::EventData EventAt(absl::Time effective);

// The title the tests give a deal when it does not matter.
inline constexpr char kDealTitle[] = "US-Japan framework";

// A deal of Japan investing in the US up to `ceiling`, with one tariff cap
// on "all-goods".
v1::EventData DealEvent(const std::string& title, const v1::Money& ceiling,
                        absl::Time effective, int32_t cap_bps = 1500);
v1::EventData DealEvent(const std::string& title, int64_t ceiling_dollars,
                        absl::Time effective, int32_t cap_bps = 1500);

// A project named "Project <id>" with one sponsor.
v1::EventData ProjectEvent(const std::string& project_id, v1::Sector sector,
                           const std::string& us_state,
                           const v1::Money& pledged, absl::Time effective);
v1::EventData ProjectEvent(const std::string& project_id, v1::Sector sector,
                           const std::string& us_state, int64_t pledged_dollars,
                           absl::Time effective);

// An allocation named "Allocation <id>" of `sector`; `cap` absent when
// nullptr; an earmark inside `parent` when not empty. A company allocation
// when `lead_company` is not empty (led by it, home country "JP").
v1::EventData AllocationEvent(const std::string& allocation_id,
                              v1::Sector sector, const v1::Money* cap,
                              absl::Time effective,
                              const std::string& parent = "",
                              const std::string& lead_company = "");

// The site of a project announced without one.
v1::EventData ProjectSiteEvent(const std::string& project_id,
                               const std::string& us_state,
                               absl::Time effective);

v1::EventData ApprovalEvent(const std::string& project_id,
                            const v1::Money& amount, absl::Time effective);
v1::EventData ApprovalEvent(const std::string& project_id,
                            int64_t amount_dollars, absl::Time effective);

// A disbursement of tranche "T1".
v1::EventData DisbursementEvent(
    const std::string& project_id, const v1::Money& amount,
    absl::Time effective, v1::FundingSource source = v1::FUNDING_SOURCE_JBIC);
v1::EventData DisbursementEvent(const std::string& project_id,
                                int64_t amount_dollars, absl::Time effective);

// A tariff change by "Executive Order 14345" for "framework terms".
v1::EventData TariffEvent(const std::string& category, int32_t rate_bps,
                          absl::Time effective);

// Amendments of the event recorded as `target`, with a provenance (a
// correction notice, confirmed) and no effective time: a correction,
// retraction or firmness change takes effect when its target did, and a
// caller sets one on a revision or a withdrawal that takes effect later.
v1::EventData ReviseEvent(const std::string& target, const v1::Money& amount);
v1::EventData WithdrawEvent(const std::string& target,
                            const std::string& reason);
v1::EventData RaiseFirmnessEvent(const std::string& target,
                                 v1::Firmness firmness);
v1::EventData RetractEvent(const std::string& target,
                           const std::string& reason);
// `replacement`'s kind (any builder's result) as the correction.
v1::EventData CorrectEvent(const std::string& target,
                           const v1::EventData& replacement);

// A request appending `events` to `deal_id` as `actor`.
v1::AppendRequest Request(const std::string& deal_id,
                          std::vector<v1::EventData> events,
                          const std::string& actor = "test");

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTING_EVENTS_H_
