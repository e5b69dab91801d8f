#ifndef PACTLOG_BENCH_HEADS_H_
#define PACTLOG_BENCH_HEADS_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace pactlog::bench {

// The event that stands for each subject an amendment phase amends: a fixed
// number of slots, read when a call is built and replaced when it completes,
// from the closed loop's threads.
class Heads {
 public:
  explicit Heads(std::vector<std::string> initial)
      : size_(initial.size()), heads_(std::move(initial)) {}

  size_t size() const { return size_; }

  std::string Get(size_t slot) const {
    absl::MutexLock lock(&mu_);
    return heads_[slot];
  }
  void Set(size_t slot, std::string head) {
    absl::MutexLock lock(&mu_);
    heads_[slot] = std::move(head);
  }

 private:
  const size_t size_;  // heads_.size(), readable without the lock
  mutable absl::Mutex mu_;
  std::vector<std::string> heads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pactlog::bench

#endif  // PACTLOG_BENCH_HEADS_H_
