// Helpers for the ledger's unit tests: append requests of the shapes the
// tests use, a synchronous Append, and LedgerTest, the fixture that opens a
// ledger over the in-memory fakes with a manual clock.
#ifndef PACTLOG_TESTS_LEDGER_LEDGER_TEST_SUPPORT_H_
#define PACTLOG_TESTS_LEDGER_LEDGER_TEST_SUPPORT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/ledger.h"
#include "pactlog/v1/ledger.pb.h"
#include "tests/ledger/memory_event_log.h"
#include "tests/ledger/memory_record_log.h"
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

// A ledger over a MemoryEventLog whose data outlives it, so that a second
// Open() recovers from what the first ledger wrote, as a restart does.
class LedgerTest : public ::testing::Test {
 protected:
  ~LedgerTest() override { ledger_.reset(); }

  // Replaces ledger_ with a new, recovered ledger over data_ with options_
  // and clock_; replicated over a new MemoryRecordLog (record_) when
  // replicated_.
  void Open();
  // As Open(), over the same record_ (a replica restarting).
  void Reopen();

  // Advances clock_ by append_step_, appends `request` and asserts that it
  // succeeds.
  void Append(const pactlog::v1::AppendRequest& request);

  ManualClock clock_{DealDate()};
  ledger::LedgerOptions options_;
  bool replicated_ = false;
  absl::Duration append_step_ = absl::ZeroDuration();
  std::shared_ptr<MemoryLogData> data_ = std::make_shared<MemoryLogData>();
  MemoryEventLog* log_ = nullptr;      // owned by ledger_
  MemoryRecordLog* record_ = nullptr;  // when replicated
  std::unique_ptr<ledger::Ledger> ledger_;

 private:
  void OpenOver(MemoryRecordLog* record);

  // record_, outliving each ledger that reads it (~LedgerTest ends
  // ledger_ first).
  std::unique_ptr<MemoryRecordLog> record_kept_;
};

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_LEDGER_LEDGER_TEST_SUPPORT_H_
