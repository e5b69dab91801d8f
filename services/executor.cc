#include "services/executor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pactlog::services {

Executor::Executor(ExecutorOptions options) : options_(std::move(options)) {
  const int threads = std::max(1, options_.threads);
  absl::MutexLock lock(&join_mu_);
  workers_.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    workers_.emplace_back(&Executor::WorkerLoop, this);
  }
}

Executor::~Executor() { Shutdown(); }

bool Executor::TrySubmit(Task task) {
  absl::MutexLock lock(&mu_);
  if (stopping_ ||
      static_cast<int>(queue_.size()) >= std::max(0, options_.max_queued)) {
    ++stats_.refused;
    return false;
  }
  queue_.push_back(std::move(task));
  return true;
}

absl::Status Executor::Overloaded() const {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    return absl::UnavailableError(
        "pactlogd is shutting down; retry against another server or after "
        "restart");
  }
  return absl::UnavailableError(
      absl::StrCat("pactlogd is overloaded: all ", options_.max_queued,
                   " places in the queue of its \"", options_.name,
                   "\" workers are taken; retry with backoff"));
}

void Executor::WorkerLoop() {
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || stopping_;
  };
  while (true) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&has_work));
      // Queued tasks run even when stopping: each finishes a call.
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      ++stats_.running;
    }
    std::move(task)();
    absl::MutexLock lock(&mu_);
    --stats_.running;
    ++stats_.completed;
  }
}

void Executor::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  absl::MutexLock lock(&join_mu_);
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

bool Executor::AwaitQueued(int n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(queue_.size()) >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

ExecutorStats Executor::stats() const {
  absl::MutexLock lock(&mu_);
  ExecutorStats stats = stats_;
  stats.queued = static_cast<int>(queue_.size());
  return stats;
}

}  // namespace pactlog::services
