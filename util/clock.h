// Clock: where pactlog reads the time it records and reports.
//
// Every time that becomes data goes through a Clock: the recorded time of
// each event (ledger), the time at which a query evaluates tariffs in force
// when it names none (DealQuery). Tests and fuzzers inject a ManualClock
// so those times are theirs to choose.
//
// Deadlines and timeouts of real waits (a mutex's AwaitWithTimeout, gRPC
// deadlines, NATS publish timeouts, heartbeat ticks) and durations measured
// for metrics and logs read absl::Now() directly: they bound how long a
// thread really waits, and a test clock that stands still would make them
// wait forever.
//
// Implementations are thread-safe.
#ifndef PACTLOG_UTIL_CLOCK_H_
#define PACTLOG_UTIL_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace pactlog::util {

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

// A clock that moves only when told to (tests, fuzzers, tools replaying a
// record at its own times).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }
  void Set(absl::Time time) {
    absl::MutexLock lock(&mu_);
    now_ = time;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pactlog::util

#endif  // PACTLOG_UTIL_CLOCK_H_
