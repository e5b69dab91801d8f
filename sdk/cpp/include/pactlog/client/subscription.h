// A subscription to a pactlogd server's log: the history from a start
// position, then every new event as it is committed, each event exactly
// once and in sequence order, across disconnects.
//
// The subscription remembers how far it has received (the last event's
// sequence, or the last position the server reported examining, whichever
// is larger). When the stream ends with UNAVAILABLE or DEADLINE_EXCEEDED
// (the server stopped or restarted, the network failed) or stays silent for
// `missed_heartbeats` heartbeat intervals, it resubscribes after that
// position, waiting 100 ms doubling to 1 s between tries (reset once a
// resumed stream delivers a message), and by default never gives up; so
// the events Next() returns have no gap and no duplicate.
//
// Caught up: once Next() has handed over the last event of the history that
// existed when the (current) stream started, progress().caught_up is
// already true, before the caller waits for the first live event.
//
// Thread-safety: Next() and WaitCaughtUp() are called from one thread at a
// time (the consumer). Cancel() and progress() may be called from any
// thread. The subscription keeps its own reference to the channel, so it may
// outlive the Client that made it.
#ifndef PACTLOG_CLIENT_SUBSCRIPTION_H_
#define PACTLOG_CLIENT_SUBSCRIPTION_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pactlog/v1/events.pb.h"
#include "pactlog/v1/stream.pb.h"

namespace pactlog::client {

namespace internal {
struct Connection;
}  // namespace internal

struct SubscribeOptions {
  // Where to start. By default after `after_sequence` (0: the whole log).
  uint64_t after_sequence = 0;
  // Only events committed after the subscription starts. Excludes
  // from_recorded_time and a non-zero after_sequence.
  bool from_end = false;
  // Events recorded at or after this time. Excludes from_end and a non-zero
  // after_sequence.
  // (With either, a stream that breaks before the server has reported any
  // position is resubscribed with the same start.)
  std::optional<absl::Time> from_recorded_time;
  // Server-side filter; every non-empty list must match.
  ::pactlog::v1::EventFilter filter;
  // 1..1000 events per message; 0 for the server's default (64).
  int max_events_per_message = 0;
  // How often an idle stream hears from the server (100 ms .. 10 min).
  absl::Duration heartbeat_interval = absl::Seconds(5);
  // A stream silent this many heartbeat intervals is treated as broken
  // (a dead peer that never closed the connection) and resubscribed; the
  // channel's keepalive (ClientOptions) replaces the dead connection.
  int missed_heartbeats = 3;
  // How long to keep trying to resubscribe before Next() gives up with
  // UNAVAILABLE; by default never. The clock restarts whenever a message
  // arrives.
  absl::Duration reconnect_timeout = absl::InfiniteDuration();
  // Wait before each resubscription attempt: doubles from initial to max,
  // with jitter.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(1);
};

// Where a subscription stands.
struct SubscriptionProgress {
  // Sequence of the last event Next() returned; 0 before the first.
  uint64_t last_sequence = 0;
  // The position a resubscription would start after: everything up to it
  // has been received (and, if the filter matched, queued for Next()).
  uint64_t resume_after = 0;
  // The last log head the server reported; 0 before any report.
  uint64_t head_sequence = 0;
  // True once the consumer has passed the end of the history on the
  // current stream (the server's CaughtUp message); false again after a
  // resubscription until that stream has caught up.
  bool caught_up = false;
  // The sequence of the last CaughtUp message consumed.
  uint64_t caught_up_sequence = 0;
  // How many times the subscription has resubscribed.
  int resubscriptions = 0;
};

class Subscription {
 public:
  ~Subscription();  // cancels the stream and waits for it to end
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The next event, in strictly increasing sequence. Blocks up to `timeout`
  // (then DEADLINE_EXCEEDED; the subscription stays usable). Resubscribes
  // transparently after a disconnect. Errors: CANCELLED after Cancel();
  // UNAVAILABLE when resubscribing failed for reconnect_timeout; any other
  // error the server ended the stream with (INVALID_ARGUMENT for a
  // malformed filter, OUT_OF_RANGE when the start is beyond the log,
  // RESOURCE_EXHAUSTED at the server's subscriber limit), after which the
  // subscription is over and every call returns that error.
  [[nodiscard]] absl::StatusOr<::pactlog::v1::Event> Next(
      absl::Duration timeout = absl::InfiniteDuration());

  // Waits until the current stream has delivered the whole history
  // (progress().caught_up), keeping the events it passes for Next(). Errors
  // as Next().
  [[nodiscard]] absl::Status WaitCaughtUp(
      absl::Duration timeout = absl::InfiniteDuration());

  // Ends the subscription: a blocked Next() returns CANCELLED, and so does
  // every later call. Safe from any thread, any number of times.
  void Cancel();

  SubscriptionProgress progress() const;

 private:
  friend class Client;
  struct State;
  class Stream;

  Subscription(std::shared_ptr<internal::Connection> connection,
               std::shared_ptr<State> state);
  // Starts a stream from the current resume position.
  void StartStream();
  // Ends the current stream (cancelling it unless it ended by itself) and
  // returns its status.
  [[nodiscard]] absl::Status FinishStream(bool cancel);
  // Handles the end of a stream: schedules a resubscription or makes the
  // subscription's error final.
  [[nodiscard]] absl::Status OnStreamEnded(absl::Status status);
  // Moves stream messages into pending_ until `done` holds or `deadline`
  // passes (DEADLINE_EXCEEDED).
  template <typename Done>
  [[nodiscard]] absl::Status Pump(absl::Time deadline, Done done);

  // Declared first, destroyed last: the channel outlives every stream.
  std::shared_ptr<internal::Connection> connection_;
  std::shared_ptr<State> state_;
  Stream* stream_ = nullptr;  // the current stream; ends itself in OnDone
  std::deque<::pactlog::v1::Event> pending_;  // received, not yet returned
  uint64_t last_queued_sequence_ = 0;
  absl::Status final_status_;  // set when the subscription is over
  int generation_ = 0;         // streams started so far
  // While between streams: when to resubscribe.
  absl::Time resubscribe_at_ = absl::InfinitePast();
  // When the current outage began (InfinitePast: none) and how many
  // resubscriptions it has seen.
  absl::Time outage_start_ = absl::InfinitePast();
  int attempts_in_outage_ = 0;
};

}  // namespace pactlog::client

#endif  // PACTLOG_CLIENT_SUBSCRIPTION_H_
