// ClosedLoop: keeps a fixed number of asynchronous calls in flight for a
// while and measures their rate and latency. The caller's `issue` starts
// one call and reports its end through the callback it is given, from any
// thread (gRPC's callback API calls it on gRPC's threads).
#ifndef PACTLOG_BENCH_CLOSED_LOOP_H_
#define PACTLOG_BENCH_CLOSED_LOOP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pactlog::bench {

struct LoadResult {
  double calls_per_second = 0;
  double items_per_second = 0;  // items (e.g. events) the calls carried
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t calls = 0;
  uint64_t failures = 0;
  std::string first_failure;
};

// Reports the end of one call: ok or not, how many items it carried, and
// the error text when not ok.
using CallDone = std::function<void(bool ok, int items, const std::string&)>;
using IssueCall = std::function<void(CallDone done)>;

LoadResult RunClosedLoop(int in_flight, absl::Duration duration,
                         const IssueCall& issue);

// The q-quantile (0..1) of `values`, which it sorts.
double Quantile(std::vector<double>& values, double q);

}  // namespace pactlog::bench

#endif  // PACTLOG_BENCH_CLOSED_LOOP_H_
