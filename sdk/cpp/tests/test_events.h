// Event builders for the client tests: the shapes of the US-Japan deal.
#ifndef PACTLOG_SDK_CPP_TESTS_TEST_EVENTS_H_
#define PACTLOG_SDK_CPP_TESTS_TEST_EVENTS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "pactlog/v1/events.pb.h"

namespace pactlog::testing {

namespace v1 = ::pactlog::v1;

absl::Time Date(int year, int month, int day);
v1::Money Usd(int64_t dollars);

v1::EventData DealEvent(int64_t ceiling_dollars, absl::Time effective,
                        int32_t cap_bps = 1500);
v1::EventData ProjectEvent(const std::string& project_id, v1::Sector sector,
                           const std::string& us_state, int64_t pledged_dollars,
                           absl::Time effective);
v1::EventData ApprovalEvent(const std::string& project_id,
                            int64_t amount_dollars, absl::Time effective);
v1::EventData TariffEvent(const std::string& category, int32_t rate_bps,
                          absl::Time effective);

}  // namespace pactlog::testing

#endif  // PACTLOG_SDK_CPP_TESTS_TEST_EVENTS_H_
