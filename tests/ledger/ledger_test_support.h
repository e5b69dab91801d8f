// Helpers for the ledger's unit tests: a manual clock, append requests of
// the shapes the tests use, and a synchronous Append.
#ifndef PACTLOG_TESTS_LEDGER_LEDGER_TEST_SUPPORT_H_
#define PACTLOG_TESTS_LEDGER_LEDGER_TEST_SUPPORT_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/ledger.h"
#include "pactlog/v1/ledger.pb.h"
#include "util/clock.h"

namespace pactlog::testing {

using ::pactlog::util::ManualClock;

// When the test deals take effect.
absl::Time DealDate();

// Announces deal `deal_id` (one event; `event_id` may be empty).
pactlog::v1::AppendRequest AnnounceDeal(const std::string& deal_id,
                                        const std::string& event_id = "");
// Announces project `project_id` of `deal_id`.
pactlog::v1::AppendRequest AnnounceProject(const std::string& deal_id,
                                           const std::string& project_id,
                                           const std::string& event_id = "");
// `count` tariff changes of `deal_id` in one request.
pactlog::v1::AppendRequest ChangeTariffs(const std::string& deal_id, int count);

struct AppendResult {
  absl::Status status;
  pactlog::v1::AppendResponse response;
};

// Appends `request` and waits for its callback.
AppendResult AppendAndWait(ledger::Ledger& ledger,
                           const pactlog::v1::AppendRequest& request);

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_LEDGER_LEDGER_TEST_SUPPORT_H_
