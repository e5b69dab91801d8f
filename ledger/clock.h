// Clock: where the ledger reads the time that it records on events.
// Injected so tests control recorded times. Implementations are
// thread-safe.
#ifndef PACTLOG_LEDGER_CLOCK_H_
#define PACTLOG_LEDGER_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace pactlog::ledger {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_CLOCK_H_
