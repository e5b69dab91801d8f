// SubscriptionHub: serves every EventStream.Subscribe stream of a server.
//
// Each subscription is a position in the log (the last sequence examined)
// and at most one message in flight. A small pool of worker threads moves
// subscriptions forward: a subscription whose write completed, or that is
// idle at the head of the log when a batch commits, is queued; a worker
// fills its next message from an in-memory window of recent events when
// the position is inside it, else from storage, and starts the write. So a
// slow consumer costs one message of memory and never blocks the writer or
// other consumers: it falls behind the window, reads from storage, and
// catches up again. Each event is serialised once, when a worker first
// reads its batch from the window (or as storage keeps it), and every
// message is built from those shared bytes (services/subscribe_wire.h).
// gRPC reactor threads and the ledger's writer thread
// never read storage here: a worker reads it (a position behind the window,
// the start of a stream from a recorded time), holding no lock that a
// stream's reactions take.
//
// Thread-safety: all methods may be called from any thread.
#ifndef PACTLOG_SERVICES_SUBSCRIPTION_HUB_H_
#define PACTLOG_SERVICES_SUBSCRIPTION_HUB_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ledger/ledger.h"
#include "pactlog/v1/stream.pb.h"
#include "services/security/call_guard.h"
#include "services/subscribe_wire.h"

namespace pactlog::services {

struct SubscriptionHubOptions {
  // Threads that fill and start writes.
  int workers = 2;
  // Streams open at once; more are refused with RESOURCE_EXHAUSTED.
  int max_subscribers = 10000;
  // Recent events kept in memory for live subscribers.
  int recent_events = 16384;
  // Most events one step examines before yielding to other streams.
  int max_examined_per_step = 4096;
};

// Counters for tests, benchmarks and metrics.
struct SubscriptionHubStats {
  int subscribers = 0;
  // Bytes of the messages held for subscribers (at most one each).
  int64_t held_message_bytes = 0;
  // The most any one subscriber holds: bounded by one message, however far
  // behind it is.
  int64_t max_held_message_bytes = 0;
  // Messages whose events came from storage rather than the recent window.
  uint64_t storage_reads = 0;
  // How many log positions the furthest-behind subscriber has yet to
  // examine (the log's last sequence minus its position), and the sum over
  // all subscribers.
  uint64_t max_lag_events = 0;
  uint64_t total_lag_events = 0;
};

class SubscriptionHub {
 public:
  // `ledger` is not owned and must outlive the hub.
  SubscriptionHub(const ledger::Ledger* ledger, SubscriptionHubOptions options);
  SubscriptionHub(const SubscriptionHub&) = delete;
  SubscriptionHub& operator=(const SubscriptionHub&) = delete;
  // Shuts down (see Shutdown).
  ~SubscriptionHub();

  // The ledger's commit observer: keeps the events in the recent window and
  // wakes idle subscriptions. Called on the writer thread; never blocks on
  // I/O.
  void OnCommit(const ledger::Ledger::CommittedEvents& events);

  // Starts serving one Subscribe call. Validates `request`; a bad request
  // is finished at once with INVALID_ARGUMENT / OUT_OF_RANGE. `call`, when
  // given, ends the stream (request id, log) and is held until the stream
  // is done.
  // The stream's messages are SubscribeResponse in wire form.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(
      grpc::CallbackServerContext* context,
      const pactlog::v1::SubscribeRequest* request,
      std::shared_ptr<const security::Call> call = nullptr);

  // A stream finished at once with `status` (not OK), through `call` when
  // given.
  static grpc::ServerWriteReactor<grpc::ByteBuffer>* Refuse(
      std::shared_ptr<const security::Call> call, const absl::Status& status);

  // Ends every open stream with UNAVAILABLE ("reconnect") and refuses new
  // ones; joins the workers. Idempotent.
  void Shutdown();

  SubscriptionHubStats stats() const;

 private:
  struct Subscriber;
  class Reactor;
  class WindowBatch;

  // What a worker does with a subscriber after one step.
  enum class Step { kNone, kRequeue, kPark };

  void WorkerLoop();
  // Builds and starts the subscriber's next message when there is one.
  Step Advance(Subscriber& subscriber);
  // Moves `subscriber` forward by one message, or parks it as idle.
  void Serve(const std::shared_ptr<Subscriber>& subscriber);
  // Queues `subscriber` for a worker unless it is already queued.
  void Enqueue(const std::shared_ptr<Subscriber>& subscriber);
  // Adds the records of events matching the subscriber's filter after
  // `position` to `out`; returns the last sequence examined.
  [[nodiscard]] absl::StatusOr<uint64_t> Fill(const Subscriber& subscriber,
                                              uint64_t position, uint64_t head,
                                              EventBatchWriter* out);
  void Remove(Subscriber* subscriber);

  const ledger::Ledger* const ledger_;
  const SubscriptionHubOptions options_;

  mutable absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::shared_ptr<Subscriber>> runnable_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Subscriber*, std::shared_ptr<Subscriber>> all_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Subscriber*, std::shared_ptr<Subscriber>> idle_
      ABSL_GUARDED_BY(mu_);
  uint64_t storage_reads_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> workers_;

  // The recent window: whole committed batches, consecutive in sequence,
  // ending at the last commit, shared with the ledger (no event is copied
  // into it), each with its events' records once a worker has read it. Holds at
  // least options_.recent_events events once the log has that many, and at most
  // one batch more.
  mutable absl::Mutex window_mu_;
  std::deque<std::shared_ptr<const WindowBatch>> window_
      ABSL_GUARDED_BY(window_mu_);
  size_t window_events_ ABSL_GUARDED_BY(window_mu_) = 0;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_SUBSCRIPTION_HUB_H_
