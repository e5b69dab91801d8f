#include "services/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace pactlog::services {
namespace {

// Holds the executor's workers inside tasks until Open().
class Gate {
 public:
  // A task that waits at the gate, counting itself in while it waits.
  Executor::Task Waiter() {
    return [this] {
      absl::MutexLock lock(&mu_);
      ++waiting_;
      mu_.Await(absl::Condition(&open_));
      --waiting_;
    };
  }
  void AwaitWaiting(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return waiting_ >= n;
    };
    mu_.Await(absl::Condition(&reached));
  }
  void Open() {
    absl::MutexLock lock(&mu_);
    open_ = true;
  }

 private:
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(ExecutorTest, RunsEveryTaskItAccepts) {
  Executor executor({.name = "test", .threads = 3, .max_queued = 1000});
  std::atomic<int> ran{0};
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(executor.TrySubmit([&ran] { ++ran; }));
  }
  executor.Shutdown();
  EXPECT_EQ(ran.load(), 500);
  EXPECT_EQ(executor.stats().completed, 500u);
  EXPECT_EQ(executor.stats().refused, 0u);
}

TEST(ExecutorTest, AwaitQueuedSeesTasksWaitingForAWorker) {
  Executor executor({.name = "test", .threads = 1, .max_queued = 10});
  Gate gate;
  ASSERT_TRUE(executor.TrySubmit(gate.Waiter()));
  gate.AwaitWaiting(1);
  // Nothing waits for the one worker yet.
  EXPECT_FALSE(executor.AwaitQueued(1, absl::Milliseconds(10)));
  ASSERT_TRUE(executor.TrySubmit([] {}));
  ASSERT_TRUE(executor.TrySubmit([] {}));
  EXPECT_TRUE(executor.AwaitQueued(2, absl::Seconds(60)));
  EXPECT_FALSE(executor.AwaitQueued(3, absl::Milliseconds(10)));
  gate.Open();
  executor.Shutdown();
  EXPECT_EQ(executor.stats().completed, 3u);
}

TEST(ExecutorTest, RefusesAtOnceWhenItsQueueIsFull) {
  Executor executor({.name = "reads", .threads = 2, .max_queued = 3});
  Gate gate;
  ASSERT_TRUE(executor.TrySubmit(gate.Waiter()));
  ASSERT_TRUE(executor.TrySubmit(gate.Waiter()));
  gate.AwaitWaiting(2);  // Both workers are busy: what follows queues.
  std::atomic<int> ran{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(executor.TrySubmit([&ran] { ++ran; })) << i;
  }
  EXPECT_FALSE(executor.TrySubmit([&ran] { ran += 100; }));
  ExecutorStats stats = executor.stats();
  EXPECT_EQ(stats.queued, 3);
  EXPECT_EQ(stats.running, 2);
  EXPECT_EQ(stats.refused, 1u);

  const absl::Status overloaded = executor.Overloaded();
  EXPECT_EQ(overloaded.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(overloaded.message().find("\"reads\""), absl::string_view::npos)
      << overloaded;
  EXPECT_NE(overloaded.message().find("all 3 places"), absl::string_view::npos)
      << overloaded;

  gate.Open();
  executor.Shutdown();
  EXPECT_EQ(ran.load(), 3);  // The refused task never ran.
  EXPECT_EQ(executor.stats().completed, 5u);
}

TEST(ExecutorTest, ShutdownRunsWhatIsQueuedThenRefuses) {
  Executor executor({.name = "long", .threads = 1, .max_queued = 8});
  Gate gate;
  ASSERT_TRUE(executor.TrySubmit(gate.Waiter()));
  gate.AwaitWaiting(1);
  std::vector<int> order;
  absl::Mutex order_mu;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(executor.TrySubmit([&, i] {
      absl::MutexLock lock(&order_mu);
      order.push_back(i);
    }));
  }
  absl::Notification shut_down;
  std::thread stopper([&] {
    executor.Shutdown();
    shut_down.Notify();
  });
  // Shutdown waits for the queued tasks, which wait for the gate.
  EXPECT_FALSE(shut_down.HasBeenNotified());
  gate.Open();
  stopper.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));  // one worker: FIFO
  EXPECT_FALSE(executor.TrySubmit([] {}));
  EXPECT_EQ(executor.Overloaded().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(executor.Overloaded().message().find("shutting down"),
            absl::string_view::npos);
  executor.Shutdown();  // idempotent
}

}  // namespace
}  // namespace pactlog::services
