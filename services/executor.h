// Executor: a bounded pool of threads for the work a gRPC reaction must not
// do itself.
//
// gRPC runs callback-API reactions on a small shared pool; one that waits
// (for a replica to apply a sequence) or reads storage (an as-of fold, a log
// scan, a chain check, a backup) holds a thread every other call needs. So a
// handler that may wait or read hands its call to an Executor with
// TrySubmit() and returns; a worker runs the task, which finishes the call.
//
// The queue is bounded. When it is full TrySubmit() refuses at once and the
// handler finishes its call with Overloaded() (UNAVAILABLE, which clients
// retry with backoff): a storm of slow reads costs its callers a retry
// instead of memory, and never delays calls that need no executor, such as
// appends.
//
// Shutdown() refuses new tasks, runs every task already queued (each
// finishes its call), and joins the workers. Tasks must not wait for tasks
// of the same executor.
//
// Thread-safety: every method may be called from any thread.
#ifndef PACTLOG_SERVICES_EXECUTOR_H_
#define PACTLOG_SERVICES_EXECUTOR_H_

#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pactlog::services {

struct ExecutorOptions {
  // Names the executor in errors and metrics ("reads", "long").
  std::string name = "executor";
  // Worker threads; at least 1.
  int threads = 4;
  // Tasks waiting for a worker at most; TrySubmit() refuses beyond.
  int max_queued = 1024;
};

// Counters, for tests and metrics.
struct ExecutorStats {
  int queued = 0;          // waiting for a worker now
  int running = 0;         // being run now
  uint64_t completed = 0;  // run to the end since start
  uint64_t refused = 0;    // TrySubmit() calls refused (full or stopping)
};

class Executor {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  explicit Executor(ExecutorOptions options);
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  // Shuts down (see Shutdown).
  ~Executor();

  // Queues `task` for a worker and returns true; returns false, and drops
  // `task` unrun, when the queue holds max_queued tasks or Shutdown() has
  // begun. Never blocks.
  [[nodiscard]] bool TrySubmit(Task task);

  // The status a handler finishes its call with when TrySubmit() refused:
  // UNAVAILABLE, naming the executor and its limit.
  [[nodiscard]] absl::Status Overloaded() const;

  // Refuses new tasks, runs the queued ones and joins the workers.
  // Idempotent.
  void Shutdown();

  ExecutorStats stats() const;
  const std::string& name() const { return options_.name; }

  // Waits until at least `n` tasks wait for a worker, for at most
  // `timeout`; true if they do. For tests that need a call held in the
  // queue; a real caller has no reason to wait for that.
  [[nodiscard]] bool AwaitQueued(int n, absl::Duration timeout) const;

 private:
  void WorkerLoop();

  const ExecutorOptions options_;
  mutable absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  ExecutorStats stats_ ABSL_GUARDED_BY(mu_);
  // Held while Shutdown() joins, so that two callers never join one thread.
  absl::Mutex join_mu_;
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(join_mu_);
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_EXECUTOR_H_
