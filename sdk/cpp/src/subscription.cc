#include "pactlog/client/subscription.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "pactlog/client/client.h"
#include "src/connection.h"

// How it works. Each attempt to follow the log is one Stream: a gRPC
// callback reactor that keeps one read in flight and hands every message to
// the shared State's inbox. The consumer (Next) takes messages from the
// inbox; when the inbox is full the stream stops reading, which is what
// lets the server's one-message-in-flight backpressure reach it, and reads
// again when the consumer has taken one.
//
// Lifetime of a Stream: it holds an "owner hold" on the RPC from its start
// until FinishStream releases it, so gRPC cannot call OnDone (where the
// Stream deletes itself) while the consumer may still touch it. A paused
// stream holds a second hold, taken in OnReadDone before the pause is made
// visible, so a consumer that resumes it always finds it alive.
//
// The Stream's OnDone runs on a gRPC thread and holds the State, never the
// channel: a channel destroyed from inside one of its own callbacks breaks
// gRPC's completion-queue bookkeeping. The Subscription owns the channel
// reference and drops it on the consumer's thread, after the stream is done.
//
// The resume position is advanced when a message is received, not when it
// is consumed: messages already in the inbox are delivered before those of
// the next stream, and the next stream starts after the last received
// position, so nothing is skipped or repeated.

namespace pactlog::client {

namespace v1 = ::pactlog::v1;

namespace {

// Messages held for the consumer before the stream stops reading.
constexpr size_t kInboxLimit = 8;

bool IsResubscribable(absl::StatusCode code) {
  // UNAVAILABLE: the server stopped or the connection broke.
  // DEADLINE_EXCEEDED: not this side's (a stream has no deadline). OK and
  // CANCELLED (when this side did not cancel): the stream ended early
  // without an error of the request itself.
  return code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kDeadlineExceeded ||
         code == absl::StatusCode::kOk || code == absl::StatusCode::kCancelled;
}

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  timespec ts = absl::ToTimespec(time);
  out->set_seconds(ts.tv_sec);
  out->set_nanos(static_cast<int32_t>(ts.tv_nsec));
}

// Appends the events of `batch` after *last_queued to `pending`, advancing
// *last_queued.
void QueueNewEvents(const v1::EventBatch& batch, uint64_t* last_queued,
                    std::deque<v1::Event>* pending) {
  for (const v1::Event& event : batch.events()) {
    // The server promises each event once; this guards the promise across
    // resubscriptions all the same.
    if (event.sequence() <= *last_queued) continue;
    *last_queued = event.sequence();
    pending->push_back(event);
  }
}

}  // namespace

struct Subscription::State {
  explicit State(SubscribeOptions options_in)
      : options(std::move(options_in)) {}

  // One entry of the inbox: a message, or the mark that a new stream
  // started (so that caught_up resets in order with the messages).
  struct Item {
    bool restart = false;
    v1::SubscribeResponse message;
  };

  // Called by the stream's reactions.
  bool Deliver(v1::SubscribeResponse message) {
    absl::MutexLock lock(&mu);
    uint64_t position = resume_after;
    switch (message.message_case()) {
      case v1::SubscribeResponse::kEvents: {
        const v1::EventBatch& batch = message.events();
        position = std::max(position, batch.last_examined_sequence());
        if (batch.events_size() > 0) {
          position = std::max(position,
                              batch.events(batch.events_size() - 1).sequence());
        }
        break;
      }
      case v1::SubscribeResponse::kCaughtUp:
        position = std::max(position, message.caught_up().sequence());
        break;
      case v1::SubscribeResponse::kProgress:
        position =
            std::max(position, message.progress().last_examined_sequence());
        break;
      case v1::SubscribeResponse::MESSAGE_NOT_SET:
        break;
    }
    resume_after = position;
    position_known = true;
    progress.resume_after = position;
    last_activity = absl::Now();
    inbox.push_back(Item{false, std::move(message)});
    // A stream being finished never pauses: its holds are being released.
    if (inbox.size() < kInboxLimit || finishing) return true;
    paused = true;
    return false;
  }
  void ReadsEnded() {
    absl::MutexLock lock(&mu);
    reads_ended = true;
  }
  void StreamDone(const grpc::Status& status) {
    absl::MutexLock lock(&mu);
    done = true;
    done_status = internal::ToStatus(status);
  }

  // Called by the consumer (Subscription::Pump).
  // Waits until the subscription is cancelled or `until` passes; returns
  // whether it is cancelled.
  bool AwaitCancelled(absl::Time until) {
    absl::MutexLock lock(&mu);
    mu.AwaitWithDeadline(absl::Condition(&cancelled), until);
    return cancelled;
  }
  // Takes the first item of the (non-empty) inbox. When that lets a paused
  // stream read again, sets *resume: the caller resumes it.
  Item TakeItem(absl::Time now, bool* resume)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Item item = std::move(inbox.front());
    inbox.pop_front();
    if (paused) {
      paused = false;
      last_activity = now;
      *resume = true;
    }
    return item;
  }
  // Folds a caught-up or progress message into `progress`.
  void NoteProgress(const v1::SubscribeResponse& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (message.has_caught_up()) {
      progress.caught_up = true;
      progress.caught_up_sequence = message.caught_up().sequence();
      progress.head_sequence =
          std::max(progress.head_sequence, message.caught_up().sequence());
    } else if (message.has_progress()) {
      progress.head_sequence =
          std::max(progress.head_sequence, message.progress().head_sequence());
    }
  }

  const SubscribeOptions options;

  mutable absl::Mutex mu;
  std::deque<Item> inbox ABSL_GUARDED_BY(mu);
  bool paused ABSL_GUARDED_BY(mu) = false;
  bool finishing ABSL_GUARDED_BY(mu) = false;
  bool reads_ended ABSL_GUARDED_BY(mu) = false;
  bool done ABSL_GUARDED_BY(mu) = true;  // no stream running yet
  absl::Status done_status ABSL_GUARDED_BY(mu);
  absl::Time last_activity ABSL_GUARDED_BY(mu);
  bool cancelled ABSL_GUARDED_BY(mu) = false;
  bool position_known ABSL_GUARDED_BY(mu) = false;
  uint64_t resume_after ABSL_GUARDED_BY(mu) = 0;
  SubscriptionProgress progress ABSL_GUARDED_BY(mu);
};

class Subscription::Stream final
    : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  // `connection` must outlive the stream (the Subscription keeps it).
  Stream(const internal::Connection& connection, std::shared_ptr<State> state,
         v1::SubscribeRequest request)
      : state_(std::move(state)), request_(std::move(request)) {
    connection.Prepare(&context_, /*with_deadline=*/false);
  }

  void Start(const internal::Connection& connection) {
    connection.stream->async()->Subscribe(&context_, &request_, this);
    AddHold();  // the owner hold, released by Release()
    StartRead(&message_);
    StartCall();
  }

  // Consumer side; only while the owner hold is held.
  void Resume() {
    StartRead(&message_);
    RemoveHold();  // the pause hold
  }
  void Cancel() { context_.TryCancel(); }
  void ReleasePauseHold() { RemoveHold(); }
  void Release() { RemoveHold(); }  // after this the Stream may be gone

  void OnReadDone(bool ok) override {
    if (!ok) {
      state_->ReadsEnded();
      return;
    }
    // Hold before the pause can be seen, so Resume() finds the RPC alive.
    // And take the message first: once the pause is seen, the consumer may
    // start the next read into message_.
    AddHold();
    v1::SubscribeResponse received = std::move(message_);
    message_.Clear();
    bool keep_reading = state_->Deliver(std::move(received));
    if (keep_reading) {
      StartRead(&message_);
      RemoveHold();
    }
  }

  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<State> state = std::move(state_);
    grpc::Status copy = status;
    delete this;
    state->StreamDone(copy);
  }

 private:
  std::shared_ptr<State> state_;
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::SubscribeResponse message_;
};

absl::StatusOr<std::unique_ptr<Subscription>> Client::Subscribe(
    const SubscribeOptions& options) {
  if (options.from_end && options.from_recorded_time.has_value()) {
    return absl::InvalidArgumentError(
        "from_end and from_recorded_time exclude each other");
  }
  if ((options.from_end || options.from_recorded_time.has_value()) &&
      options.after_sequence != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("after_sequence (", options.after_sequence, ") excludes ",
                     options.from_end ? "from_end" : "from_recorded_time"));
  }
  if (options.heartbeat_interval < absl::Milliseconds(100) ||
      options.heartbeat_interval > absl::Minutes(10)) {
    return absl::InvalidArgumentError(
        absl::StrCat("heartbeat_interval must be 100ms..10m, got ",
                     absl::FormatDuration(options.heartbeat_interval)));
  }
  if (options.missed_heartbeats < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "missed_heartbeats must be >= 1, got ", options.missed_heartbeats));
  }
  auto state = std::make_shared<Subscription::State>(options);
  {
    absl::MutexLock lock(&state->mu);
    if (!options.from_end && !options.from_recorded_time.has_value()) {
      state->position_known = true;
      state->resume_after = options.after_sequence;
      state->progress.resume_after = options.after_sequence;
    }
  }
  auto subscription = std::unique_ptr<Subscription>(
      new Subscription(connection_, std::move(state)));
  subscription->StartStream();
  return subscription;
}

Subscription::Subscription(std::shared_ptr<internal::Connection> connection,
                           std::shared_ptr<State> state)
    : connection_(std::move(connection)), state_(std::move(state)) {}

Subscription::~Subscription() {
  Cancel();
  if (stream_ != nullptr) FinishStream(/*cancel=*/true).IgnoreError();
}

void Subscription::Cancel() {
  absl::MutexLock lock(&state_->mu);
  state_->cancelled = true;
}

SubscriptionProgress Subscription::progress() const {
  absl::MutexLock lock(&state_->mu);
  return state_->progress;
}

void Subscription::StartStream() {
  const SubscribeOptions& options = state_->options;
  v1::SubscribeRequest request;
  *request.mutable_filter() = options.filter;
  request.set_max_events_per_message(options.max_events_per_message);
  request.set_heartbeat_interval_ms(static_cast<int32_t>(
      absl::ToInt64Milliseconds(options.heartbeat_interval)));
  {
    absl::MutexLock lock(&state_->mu);
    if (state_->position_known) {
      request.set_after_sequence(state_->resume_after);
    } else if (options.from_end) {
      request.set_from_end(true);
    } else {
      SetTime(*options.from_recorded_time,
              request.mutable_from_recorded_time());
    }
    if (generation_ > 0) state_->inbox.push_back(State::Item{true, {}});
    state_->paused = false;
    state_->finishing = false;
    state_->reads_ended = false;
    state_->done = false;
    state_->last_activity = absl::Now();
  }
  ++generation_;
  stream_ = new Stream(*connection_, state_, std::move(request));
  stream_->Start(*connection_);
}

absl::Status Subscription::FinishStream(bool cancel) {
  bool paused;
  {
    absl::MutexLock lock(&state_->mu);
    paused = state_->paused;
    state_->paused = false;
    state_->finishing = true;
  }
  if (cancel) stream_->Cancel();
  if (paused) stream_->ReleasePauseHold();
  stream_->Release();
  stream_ = nullptr;
  absl::MutexLock lock(&state_->mu);
  state_->mu.Await(absl::Condition(&state_->done));
  return state_->done_status;
}

absl::Status Subscription::OnStreamEnded(absl::Status status) {
  if (!IsResubscribable(status.code())) {
    final_status_ = status;
    return final_status_;
  }
  absl::Time now = absl::Now();
  if (outage_start_ == absl::InfinitePast()) {
    outage_start_ = now;
    attempts_in_outage_ = 0;
  }
  const SubscribeOptions& options = state_->options;
  if (now - outage_start_ > options.reconnect_timeout) {
    final_status_ = absl::UnavailableError(absl::StrCat(
        "gave up resubscribing after ",
        absl::FormatDuration(now - outage_start_), " and ", attempts_in_outage_,
        " attempts; last error: ", status.ToString()));
    return final_status_;
  }
  // initial_backoff before the first attempt, doubling to max_backoff,
  // with jitter below the nominal wait (so that max_backoff is a cap).
  absl::Duration backoff = options.initial_backoff;
  for (int i = 0; i < attempts_in_outage_ && backoff < options.max_backoff;
       ++i) {
    backoff *= 2;
  }
  backoff = std::min(backoff, options.max_backoff);
  thread_local absl::BitGen random;
  backoff = backoff * absl::Uniform(random, 0.8, 1.0);
  ++attempts_in_outage_;
  resubscribe_at_ = now + backoff;
  return absl::OkStatus();
}

template <typename Done>
absl::Status Subscription::Pump(absl::Time deadline, Done done) {
  State& state = *state_;
  const absl::Duration stall_timeout =
      state.options.heartbeat_interval * state.options.missed_heartbeats;
  while (!done()) {
    if (!final_status_.ok()) return final_status_;

    if (stream_ == nullptr) {
      // Between streams: wait for the backoff to pass, then resubscribe.
      if (state.AwaitCancelled(std::min(deadline, resubscribe_at_))) {
        final_status_ = absl::CancelledError("subscription cancelled");
        continue;
      }
      if (absl::Now() < resubscribe_at_) {
        return absl::DeadlineExceededError("no event before the deadline");
      }
      StartStream();
      continue;
    }

    enum class What { kItem, kCancelled, kEnded, kStalled, kTimeout };
    What what;
    bool resume = false;
    {
      absl::MutexLock lock(&state.mu);
      auto ready = [&state]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu) {
        return !state.inbox.empty() || state.reads_ended || state.cancelled;
      };
      state.mu.AwaitWithDeadline(
          absl::Condition(&ready),
          std::min(deadline, state.last_activity + stall_timeout));
      absl::Time now = absl::Now();
      if (state.cancelled) {
        what = What::kCancelled;
      } else if (!state.inbox.empty()) {
        what = What::kItem;
        State::Item item = state.TakeItem(now, &resume);
        if (item.restart) {
          state.progress.caught_up = false;
          ++state.progress.resubscriptions;
        } else {
          // A message from the server ends any outage.
          outage_start_ = absl::InfinitePast();
          if (item.message.has_events()) {
            QueueNewEvents(item.message.events(), &last_queued_sequence_,
                           &pending_);
          } else {
            state.NoteProgress(item.message);
          }
        }
      } else if (state.reads_ended) {
        what = What::kEnded;
      } else if (now >= state.last_activity + stall_timeout) {
        what = What::kStalled;
      } else if (now >= deadline) {
        what = What::kTimeout;
      } else {
        continue;
      }
    }
    switch (what) {
      case What::kItem:
        if (resume) stream_->Resume();
        break;
      case What::kCancelled:
        FinishStream(/*cancel=*/true).IgnoreError();
        final_status_ = absl::CancelledError("subscription cancelled");
        break;
      case What::kEnded: {
        absl::Status ended = FinishStream(/*cancel=*/false);
        OnStreamEnded(std::move(ended)).IgnoreError();
        break;
      }
      case What::kStalled:
        FinishStream(/*cancel=*/true).IgnoreError();
        OnStreamEnded(absl::UnavailableError(
                          absl::StrCat("nothing heard from the server for ",
                                       absl::FormatDuration(stall_timeout))))
            .IgnoreError();
        break;
      case What::kTimeout:
        return absl::DeadlineExceededError("no event before the deadline");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Event> Subscription::Next(absl::Duration timeout) {
  absl::Time deadline = timeout == absl::InfiniteDuration()
                            ? absl::InfiniteFuture()
                            : absl::Now() + timeout;
  absl::Status status = Pump(deadline, [this] { return !pending_.empty(); });
  if (!status.ok()) return status;
  v1::Event event = std::move(pending_.front());
  pending_.pop_front();
  bool history = false;
  {
    absl::MutexLock lock(&state_->mu);
    state_->progress.last_sequence = event.sequence();
    history = !state_->progress.caught_up;
  }
  if (history && pending_.empty()) {
    // This may be the last event of the history: take in the stream's next
    // message, which the server sends at once while catching up, so that a
    // CaughtUp after it is seen before the caller asks. Stops at the next
    // events, at the end of the stream, or at the caller's deadline; any
    // error resurfaces on the next call.
    Pump(deadline, [this] {
      absl::MutexLock lock(&state_->mu);
      return state_->progress.caught_up || !pending_.empty() ||
             stream_ == nullptr;
    }).IgnoreError();
  }
  return event;
}

absl::Status Subscription::WaitCaughtUp(absl::Duration timeout) {
  absl::Time deadline = timeout == absl::InfiniteDuration()
                            ? absl::InfiniteFuture()
                            : absl::Now() + timeout;
  return Pump(deadline, [this] {
    absl::MutexLock lock(&state_->mu);
    return state_->progress.caught_up;
  });
}

}  // namespace pactlog::client
