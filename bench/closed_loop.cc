#include "bench/closed_loop.h"

#include <algorithm>
#include <memory>

#include "absl/time/clock.h"

namespace pactlog::bench {
namespace {

class Loop : public std::enable_shared_from_this<Loop> {
 public:
  Loop(absl::Time deadline, const IssueCall& issue)
      : deadline_(deadline), issue_(issue) {}

  void Start(int in_flight) {
    {
      absl::MutexLock lock(&mu_);
      outstanding_ = in_flight;
    }
    for (int i = 0; i < in_flight; ++i) Next();
  }

  LoadResult Wait(absl::Time started) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &outstanding_));
    const double seconds =
        std::max(absl::ToDoubleSeconds(absl::Now() - started), 1e-9);
    result_.calls_per_second = result_.calls / seconds;
    result_.items_per_second = items_ / seconds;
    result_.p50_ms = Quantile(latencies_ms_, 0.5);
    result_.p99_ms = Quantile(latencies_ms_, 0.99);
    return result_;
  }

 private:
  void Next() {
    const absl::Time now = absl::Now();
    if (now >= deadline_) {
      absl::MutexLock lock(&mu_);
      --outstanding_;
      return;
    }
    issue_([self = shared_from_this(), now](bool ok, int items,
                                            const std::string& error) {
      self->Done(now, ok, items, error);
      self->Next();
    });
  }

  void Done(absl::Time started, bool ok, int items, const std::string& error) {
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - started);
    absl::MutexLock lock(&mu_);
    if (ok) {
      ++result_.calls;
      items_ += items;
      latencies_ms_.push_back(ms);
    } else if (result_.failures++ == 0) {
      result_.first_failure = error;
    }
  }

  const absl::Time deadline_;
  const IssueCall& issue_;
  absl::Mutex mu_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  double items_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<double> latencies_ms_ ABSL_GUARDED_BY(mu_);
  LoadResult result_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

double Quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index =
      std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  return values[index];
}

LoadResult RunClosedLoop(int in_flight, absl::Duration duration,
                         const IssueCall& issue) {
  const absl::Time started = absl::Now();
  auto loop = std::make_shared<Loop>(started + duration, issue);
  loop->Start(in_flight);
  return loop->Wait(started);
}

}  // namespace pactlog::bench
