#include "services/subscription_hub.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"
#include "domain/deal_state.h"
#include "domain/validation.h"
#include "services/event_filter.h"
#include "services/event_stream_service.h"
#include "services/grpc_status.h"
#include "util/status_macros.h"

namespace pactlog::services {
namespace {

namespace v1 = ::pactlog::v1;

constexpr int kDefaultEventsPerMessage = 64;
constexpr int kMaxEventsPerMessage = 1000;
constexpr int kDefaultHeartbeatMs = 5000;
constexpr int kMinHeartbeatMs = 100;
constexpr int kMaxHeartbeatMs = 600000;
// How often idle streams are checked for a due heartbeat.
constexpr absl::Duration kHeartbeatTick = absl::Milliseconds(50);

absl::Status ValidateSubscribe(const v1::SubscribeRequest& request) {
  std::vector<domain::FieldViolation> violations;
  domain::CheckEventFilter("filter", request.filter(), &violations);
  if (request.max_events_per_message() < 0 ||
      request.max_events_per_message() > kMaxEventsPerMessage) {
    violations.push_back(
        {"max_events_per_message",
         absl::StrCat("must be 1..", kMaxEventsPerMessage,
                      " (or 0 for the default ", kDefaultEventsPerMessage,
                      "), got ", request.max_events_per_message())});
  }
  const int heartbeat = request.heartbeat_interval_ms();
  if (heartbeat != 0 &&
      (heartbeat < kMinHeartbeatMs || heartbeat > kMaxHeartbeatMs)) {
    violations.push_back(
        {"heartbeat_interval_ms",
         absl::StrCat("must be ", kMinHeartbeatMs, "..", kMaxHeartbeatMs,
                      " (or 0 for the default ", kDefaultHeartbeatMs, "), got ",
                      heartbeat)});
  }
  if (request.has_from_recorded_time()) {
    const auto& ts = request.from_recorded_time();
    if (ts.nanos() < 0 || ts.nanos() > 999'999'999) {
      violations.push_back(
          {"from_recorded_time.nanos",
           absl::StrCat("must be 0..999999999, got ", ts.nanos())});
    }
  }
  return domain::ViolationsToStatus(violations);
}

}  // namespace

struct SubscriptionHub::Subscriber {
  Subscriber(const v1::EventFilter& filter, const ledger::Ledger* ledger,
             int max_events, absl::Duration heartbeat, uint64_t position)
      : matcher(filter, ledger),
        max_events(max_events),
        heartbeat(heartbeat),
        position(position),
        examined(position) {}

  const EventMatcher matcher;
  const int max_events;
  const absl::Duration heartbeat;
  // When a heartbeat is due (unix nanos), readable without `mu`.
  std::atomic<int64_t> heartbeat_due_ns{0};
  // Guarded by the hub's mu_.
  bool queued = false;
  // Owned by the one worker serving the subscriber (it is queued at most
  // once): the recorded time the stream starts before, until a worker has
  // found its sequence.
  std::optional<absl::Time> start_recorded_before;

  absl::Mutex mu;
  Reactor* reactor ABSL_GUARDED_BY(mu) = nullptr;  // null once done
  bool finished ABSL_GUARDED_BY(mu) = false;
  // The guarded call (request id, principal, subscription slot), released
  // when the stream is done; null when the caller passed none.
  std::shared_ptr<const security::Call> call ABSL_GUARDED_BY(mu);
  bool in_flight ABSL_GUARDED_BY(mu) = false;
  uint64_t position ABSL_GUARDED_BY(mu);
  bool caught_up_sent ABSL_GUARDED_BY(mu) = false;
  // The next message: built by the worker serving the subscriber while
  // nothing is in flight (without `mu`: only that worker touches it and
  // `batch` then), then owned by gRPC from StartWrite until OnWriteDone,
  // which drops it. It refers to the shared records of its events.
  grpc::ByteBuffer message;
  EventBatchWriter batch;
  // Bytes of `message` while in flight, readable without `mu`.
  std::atomic<int64_t> held_bytes{0};
  // A copy of `position` readable without `mu`, for the lag in stats().
  std::atomic<uint64_t> examined;

  void MarkSent(absl::Time now = absl::Now())
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    heartbeat_due_ns.store(absl::ToUnixNanos(now + heartbeat),
                           std::memory_order_relaxed);
  }
  // Finishes the stream once.
  void FinishLocked(const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

// One committed batch in the recent window and its events' records, which
// the first worker to read the batch encodes.
class SubscriptionHub::WindowBatch {
 public:
  explicit WindowBatch(ledger::Ledger::CommittedEvents events)
      : events_(std::move(events)) {}

  const std::vector<v1::Event>& events() const { return *events_; }
  uint64_t first_sequence() const { return events_->front().sequence(); }
  uint64_t last_sequence() const { return events_->back().sequence(); }
  size_t size() const { return events_->size(); }

  // records()[i] is the record of events()[i].
  const std::vector<grpc::Slice>& records() const {
    absl::call_once(encoded_, [this] {
      records_.reserve(events_->size());
      for (const v1::Event& event : *events_) {
        records_.push_back(EncodeEventRecord(event));
      }
    });
    return records_;
  }

 private:
  const ledger::Ledger::CommittedEvents events_;
  mutable absl::once_flag encoded_;
  mutable std::vector<grpc::Slice> records_;
};

class SubscriptionHub::Reactor final
    : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  Reactor(SubscriptionHub* hub, std::shared_ptr<Subscriber> subscriber)
      : hub_(hub), subscriber_(std::move(subscriber)) {}

  void OnWriteDone(bool ok) override {
    // Still this reaction's until in_flight is cleared: no worker touches
    // it while a write is in flight.
    subscriber_->message.Clear();
    {
      absl::MutexLock lock(&subscriber_->mu);
      subscriber_->in_flight = false;
      subscriber_->held_bytes.store(0, std::memory_order_relaxed);
      // A failed write means the call is over; OnCancel or OnDone follows.
      if (!ok || subscriber_->finished) return;
    }
    hub_->Enqueue(subscriber_);
  }

  void OnCancel() override {
    absl::MutexLock lock(&subscriber_->mu);
    subscriber_->FinishLocked(absl::CancelledError("the client cancelled"));
  }

  void OnDone() override {
    {
      absl::MutexLock lock(&subscriber_->mu);
      subscriber_->finished = true;
      subscriber_->reactor = nullptr;
      subscriber_->call.reset();
      subscriber_->held_bytes.store(0, std::memory_order_relaxed);
    }
    hub_->Remove(subscriber_.get());
    delete this;
  }

 private:
  SubscriptionHub* const hub_;
  const std::shared_ptr<Subscriber> subscriber_;
};

void SubscriptionHub::Subscriber::FinishLocked(const absl::Status& status) {
  if (finished || reactor == nullptr) return;
  finished = true;
  reactor->Finish(call != nullptr ? ToGrpcStatus(status, *call)
                                  : ToGrpcStatus(status));
}

// A reactor for a call refused before it started.
class RefusedReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  RefusedReactor(std::shared_ptr<const security::Call> call,
                 const absl::Status& status) {
    Finish(call != nullptr ? ToGrpcStatus(status, *call)
                           : ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscriptionHub::Refuse(
    std::shared_ptr<const security::Call> call, const absl::Status& status) {
  return new RefusedReactor(std::move(call), status);
}

SubscriptionHub::SubscriptionHub(const ledger::Ledger* ledger,
                                 SubscriptionHubOptions options)
    : ledger_(ledger), options_(options) {
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back(&SubscriptionHub::WorkerLoop, this);
  }
}

SubscriptionHub::~SubscriptionHub() { Shutdown(); }

void SubscriptionHub::OnCommit(const ledger::Ledger::CommittedEvents& events) {
  if (events == nullptr || events->empty()) return;
  {
    absl::MutexLock lock(&window_mu_);
    window_.push_back(std::make_shared<const WindowBatch>(events));
    window_events_ += events->size();
    const size_t keep =
        static_cast<size_t>(std::max(options_.recent_events, 0));
    while (window_.size() > 1 &&
           window_events_ - window_.front()->size() >= keep) {
      window_events_ -= window_.front()->size();
      window_.pop_front();
    }
  }
  absl::MutexLock lock(&mu_);
  for (auto& [raw, subscriber] : idle_) {
    if (!subscriber->queued) {
      subscriber->queued = true;
      runnable_.push_back(subscriber);
    }
  }
  idle_.clear();
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SubscriptionHub::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request,
    std::shared_ptr<const security::Call> call) {
  if (!ledger_->ready()) return Refuse(call, NotReadyError(*ledger_));
  if (absl::Status valid = ValidateSubscribe(*request); !valid.ok()) {
    return Refuse(call, valid);
  }
  const uint64_t head = ledger_->applied_sequence();
  uint64_t position = 0;
  std::optional<absl::Time> start_recorded_before;
  switch (request->start_case()) {
    case v1::SubscribeRequest::kAfterSequence:
      position = request->after_sequence();
      if (position > head) {
        return Refuse(call,
                      absl::OutOfRangeError(absl::StrCat(
                          "after_sequence ", position,
                          " is beyond the last sequence of the log, ", head)));
      }
      break;
    case v1::SubscribeRequest::kFromEnd:
      position = head;
      break;
    case v1::SubscribeRequest::kFromRecordedTime:
      // Found by a binary search of storage: a worker does it (Advance).
      start_recorded_before = domain::ToAbslTime(request->from_recorded_time());
      break;
    case v1::SubscribeRequest::START_NOT_SET:
      break;
  }
  const int max_events = request->max_events_per_message() == 0
                             ? kDefaultEventsPerMessage
                             : request->max_events_per_message();
  const int heartbeat_ms = request->heartbeat_interval_ms() == 0
                               ? kDefaultHeartbeatMs
                               : request->heartbeat_interval_ms();
  auto subscriber =
      std::make_shared<Subscriber>(request->filter(), ledger_, max_events,
                                   absl::Milliseconds(heartbeat_ms), position);
  subscriber->start_recorded_before = start_recorded_before;
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return Refuse(
          call,
          absl::UnavailableError(
              "pactlogd is shutting down; subscribe again to another server or "
              "after restart"));
    }
    if (static_cast<int>(all_.size()) >= options_.max_subscribers) {
      return Refuse(call, absl::ResourceExhaustedError(absl::StrCat(
                              "this server already serves the maximum of ",
                              options_.max_subscribers, " subscriptions")));
    }
    all_.emplace(subscriber.get(), subscriber);
  }
  auto* reactor = new Reactor(this, subscriber);
  {
    absl::MutexLock lock(&subscriber->mu);
    subscriber->reactor = reactor;
    subscriber->call = std::move(call);
    subscriber->MarkSent();
  }
  Enqueue(subscriber);
  return reactor;
}

void SubscriptionHub::Enqueue(const std::shared_ptr<Subscriber>& subscriber) {
  absl::MutexLock lock(&mu_);
  idle_.erase(subscriber.get());
  if (subscriber->queued) return;
  subscriber->queued = true;
  runnable_.push_back(subscriber);
}

void SubscriptionHub::Remove(Subscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  idle_.erase(subscriber);
  all_.erase(subscriber);
}

void SubscriptionHub::WorkerLoop() {
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !runnable_.empty() || shutting_down_;
  };
  while (true) {
    std::shared_ptr<Subscriber> next;
    {
      absl::MutexLock lock(&mu_);
      if (!mu_.AwaitWithTimeout(absl::Condition(&has_work), kHeartbeatTick)) {
        // Quiet: queue the idle streams whose heartbeat is due.
        const int64_t now = absl::ToUnixNanos(absl::Now());
        for (auto it = idle_.begin(); it != idle_.end();) {
          auto current = it++;
          if (current->second->heartbeat_due_ns.load(
                  std::memory_order_relaxed) <= now) {
            current->second->queued = true;
            runnable_.push_back(current->second);
            idle_.erase(current);
          }
        }
        continue;
      }
      if (shutting_down_) return;
      next = std::move(runnable_.front());
      runnable_.pop_front();
      next->queued = false;
    }
    Serve(next);
  }
}

absl::StatusOr<uint64_t> SubscriptionHub::Fill(const Subscriber& subscriber,
                                               uint64_t position, uint64_t head,
                                               EventBatchWriter* out) {
  {
    absl::ReaderMutexLock lock(&window_mu_);
    if (!window_.empty() && position + 1 >= window_.front()->first_sequence() &&
        position < window_.back()->last_sequence()) {
      uint64_t last = position;
      int examined = 0;
      // The batch holding position + 1: batches are consecutive, so a
      // binary search on their first sequences finds it.
      auto batch = std::upper_bound(
          window_.begin(), window_.end(), position + 1,
          [](uint64_t sequence, const std::shared_ptr<const WindowBatch>& b) {
            return sequence < b->first_sequence();
          });
      --batch;
      size_t i = position + 1 - (*batch)->first_sequence();
      for (; batch != window_.end(); ++batch, i = 0) {
        const std::vector<v1::Event>& events = (*batch)->events();
        for (; i < events.size(); ++i) {
          const v1::Event& event = events[i];
          if (event.sequence() > head) return last;
          last = event.sequence();
          if (subscriber.matcher.Matches(event)) {
            out->Add((*batch)->records()[i]);
          }
          if (out->events() >= subscriber.max_events ||
              ++examined >= options_.max_examined_per_step) {
            return last;
          }
        }
      }
      return last;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    ++storage_reads_;
  }
  return ReadMatching(
      *ledger_, subscriber.matcher, position, head, subscriber.max_events,
      options_.max_examined_per_step,
      [out](const v1::Event& /*event*/, std::string_view encoded) {
        out->Add(EventRecordFromEncoded(encoded));
      });
}

SubscriptionHub::Step SubscriptionHub::Advance(Subscriber& s) {
  uint64_t position;
  bool caught_up_sent;
  {
    absl::MutexLock lock(&s.mu);
    if (s.finished || s.in_flight || s.reactor == nullptr) return Step::kNone;
    position = s.position;
    caught_up_sent = s.caught_up_sent;
  }
  // From here to the write, storage is read without s.mu, which the
  // stream's reactions (OnCancel, OnWriteDone) take: only the worker
  // serving this queued-once subscriber moves its position or fills its
  // message, and nothing is in flight.
  if (s.start_recorded_before.has_value()) {
    absl::StatusOr<uint64_t> start =
        ledger_->LastSequenceRecordedBefore(*s.start_recorded_before);
    s.start_recorded_before.reset();
    absl::MutexLock lock(&s.mu);
    if (!start.ok()) {
      s.FinishLocked(start.status());
      return Step::kNone;
    }
    position = s.position = *start;
    s.examined.store(position, std::memory_order_relaxed);
  }
  const uint64_t head = ledger_->applied_sequence();
  // One clock read per step: for the heartbeat due now and the next one.
  const absl::Time now = absl::Now();
  const bool heartbeat_due =
      s.heartbeat_due_ns.load(std::memory_order_relaxed) <=
      absl::ToUnixNanos(now);
  // The stream's next message: a batch of events when any match, else
  // CaughtUp once, else a due Progress; else nothing.
  EventBatchWriter& batch = s.batch;  // empty: Finish and errors clear it
  if (position < head) {
    absl::StatusOr<uint64_t> last = Fill(s, position, head, &batch);
    if (!last.ok()) {
      batch.Clear();
      absl::MutexLock lock(&s.mu);
      s.FinishLocked(last.status());
      return Step::kNone;
    }
    position = *last;
  }
  bool marks_caught_up = false;
  bool has_message = true;
  if (batch.events() > 0) {
    batch.Finish(position, &s.message);
  } else if (position >= head && !caught_up_sent) {
    v1::SubscribeResponse caught_up;
    caught_up.mutable_caught_up()->set_sequence(position);
    s.message = SerializeResponse(caught_up);
    marks_caught_up = true;
  } else if (heartbeat_due) {
    v1::SubscribeResponse progress;
    progress.mutable_progress()->set_last_examined_sequence(position);
    progress.mutable_progress()->set_head_sequence(head);
    s.message = SerializeResponse(progress);
  } else {
    has_message = false;
  }
  absl::MutexLock lock(&s.mu);
  s.position = position;
  s.examined.store(position, std::memory_order_relaxed);
  if (!has_message) {
    // Nothing to say: let other streams go before scanning on, or park.
    return position < head ? Step::kRequeue : Step::kPark;
  }
  if (s.finished || s.reactor == nullptr) {
    s.message.Clear();
    return Step::kNone;
  }
  if (marks_caught_up) s.caught_up_sent = true;
  s.in_flight = true;
  s.held_bytes.store(static_cast<int64_t>(s.message.Length()),
                     std::memory_order_relaxed);
  s.MarkSent(now);
  s.reactor->StartWrite(&s.message);
  return Step::kNone;
}

void SubscriptionHub::Serve(const std::shared_ptr<Subscriber>& subscriber) {
  switch (Advance(*subscriber)) {
    case Step::kNone:
      return;
    case Step::kRequeue:
      Enqueue(subscriber);
      return;
    case Step::kPark:
      break;
  }
  // At the head with nothing to say: park until a commit or a heartbeat.
  // The head is read again under mu_: the ledger publishes a new head
  // before OnCommit takes mu_, so a commit is never missed. The position
  // cannot move meanwhile: only a worker serving this queued-once
  // subscriber moves it.
  uint64_t position;
  {
    absl::MutexLock lock(&subscriber->mu);
    position = subscriber->position;
  }
  absl::MutexLock hub_lock(&mu_);
  if (shutting_down_ || subscriber->queued) return;
  if (ledger_->applied_sequence() > position) {
    subscriber->queued = true;
    runnable_.push_back(subscriber);
  } else if (all_.contains(subscriber.get())) {
    idle_.emplace(subscriber.get(), subscriber);
  }
}

void SubscriptionHub::Shutdown() {
  std::vector<std::shared_ptr<Subscriber>> open;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (auto& [raw, subscriber] : all_) open.push_back(subscriber);
    runnable_.clear();
    idle_.clear();
  }
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  for (const auto& subscriber : open) {
    absl::MutexLock lock(&subscriber->mu);
    subscriber->FinishLocked(absl::UnavailableError(
        "pactlogd is shutting down; resubscribe with after_sequence = the "
        "last sequence received"));
  }
}

SubscriptionHubStats SubscriptionHub::stats() const {
  SubscriptionHubStats stats;
  const uint64_t head = ledger_->applied_sequence();
  absl::MutexLock lock(&mu_);
  stats.subscribers = static_cast<int>(all_.size());
  for (const auto& [raw, subscriber] : all_) {
    const int64_t held = subscriber->held_bytes.load(std::memory_order_relaxed);
    stats.held_message_bytes += held;
    stats.max_held_message_bytes = std::max(stats.max_held_message_bytes, held);
    const uint64_t examined =
        subscriber->examined.load(std::memory_order_relaxed);
    const uint64_t lag = head > examined ? head - examined : 0;
    stats.max_lag_events = std::max(stats.max_lag_events, lag);
    stats.total_lag_events += lag;
  }
  stats.storage_reads = storage_reads_;
  return stats;
}

}  // namespace pactlog::services
