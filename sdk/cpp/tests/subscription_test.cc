// Subscriptions against a real pactlogd: catch-up then live, and resuming
// across a real server restart without a gap or a duplicate.
#include "pactlog/client/subscription.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pactlog/client/client.h"
#include "sdk/cpp/tests/pactlogd_process.h"
#include "sdk/cpp/tests/tcp_proxy.h"
#include "testing/events.h"

namespace pactlog::testing {
namespace {

using ::pactlog::client::Client;
using ::pactlog::client::ClientOptions;
using ::pactlog::client::SubscribeOptions;
using ::pactlog::client::Subscription;
using ::testing::HasSubstr;

constexpr absl::Duration kWait = absl::Seconds(30);

class SubscriptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = PactlogdProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ClientOptions options;
    // Appends during a restart keep trying until the server is back.
    options.retry.max_attempts = 300;
    options.retry.max_backoff = absl::Milliseconds(100);
    auto client = Client::Connect(server_->address(), options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
    ASSERT_TRUE(client_
                    ->Append("us-japan", {DealEvent(kDealTitle, 550'000'000'000,
                                                    Date(2025, 7, 22))})
                    .ok());
    ASSERT_TRUE(client_
                    ->Append("us-korea", {DealEvent(kDealTitle, 350'000'000'000,
                                                    Date(2025, 7, 30))})
                    .ok());
  }

  // Appends one tariff change to `deal`; its rate says which one it is.
  void AppendTariff(const std::string& deal, int n) {
    auto appended = client_->Append(
        deal, {TariffEvent("autos", 1000 + n, Date(2025, 8, 1))});
    ASSERT_TRUE(appended.ok()) << appended.status();
  }

  // Heartbeats come often, but a stream counts as broken only after 5 s of
  // silence: a loaded machine may pause a healthy stream for longer than a
  // few heartbeats, and that must not show up as a resubscription.
  // (ResubscribesWhenTheConnectionGoesSilent sets its own, short limit.)
  std::unique_ptr<Subscription> Subscribe(SubscribeOptions options = {}) {
    options.heartbeat_interval = absl::Milliseconds(200);
    options.missed_heartbeats = 25;
    auto subscription = client_->Subscribe(options);
    EXPECT_TRUE(subscription.ok()) << subscription.status();
    return subscription.ok() ? std::move(*subscription) : nullptr;
  }

  std::unique_ptr<PactlogdProcess> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(SubscriptionTest, CaughtUpIsSetWhenTheLastHistoryEventIsHandedOver) {
  for (int i = 0; i < 3; ++i) AppendTariff("us-japan", i);  // sequences 3..5
  auto subscription = Subscribe();
  for (uint64_t expected = 1; expected <= 5; ++expected) {
    EXPECT_FALSE(subscription->progress().caught_up) << expected;
    auto event = subscription->Next(kWait);
    ASSERT_TRUE(event.ok()) << event.status();
    EXPECT_EQ(event->sequence(), expected);
  }
  // Without waiting for anything more.
  EXPECT_TRUE(subscription->progress().caught_up);
  EXPECT_EQ(subscription->progress().caught_up_sequence, 5u);
}

TEST_F(SubscriptionTest, DefaultsFollowTheBehaviourRules) {
  SubscribeOptions options;
  EXPECT_EQ(options.initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(options.max_backoff, absl::Seconds(1));
  EXPECT_EQ(options.reconnect_timeout, absl::InfiniteDuration());
}

TEST_F(SubscriptionTest, CatchesUpThenFollowsLive) {
  for (int i = 0; i < 5; ++i) AppendTariff("us-japan", i);  // sequences 3..7
  auto subscription = Subscribe();
  for (uint64_t expected = 1; expected <= 7; ++expected) {
    auto event = subscription->Next(kWait);
    ASSERT_TRUE(event.ok()) << event.status();
    EXPECT_EQ(event->sequence(), expected);
  }
  ASSERT_TRUE(subscription->WaitCaughtUp(kWait).ok());
  EXPECT_TRUE(subscription->progress().caught_up);
  EXPECT_EQ(subscription->progress().caught_up_sequence, 7u);

  for (int i = 5; i < 8; ++i) AppendTariff("us-korea", i);  // live: 8..10
  for (uint64_t expected = 8; expected <= 10; ++expected) {
    auto event = subscription->Next(kWait);
    ASSERT_TRUE(event.ok()) << event.status();
    EXPECT_EQ(event->sequence(), expected);
    EXPECT_EQ(event->deal_id(), "us-korea");
  }
  EXPECT_EQ(subscription->progress().last_sequence, 10u);
  EXPECT_EQ(subscription->progress().resubscriptions, 0);
  // Nothing more: the wait ends with DEADLINE_EXCEEDED and the subscription
  // stays usable.
  EXPECT_EQ(subscription->Next(absl::Milliseconds(300)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  AppendTariff("us-japan", 9);
  auto event = subscription->Next(kWait);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->sequence(), 11u);
}

TEST_F(SubscriptionTest, StartsAfterASequenceOrAtTheEnd) {
  for (int i = 0; i < 3; ++i) AppendTariff("us-japan", i);  // 3..5
  SubscribeOptions after;
  after.after_sequence = 4;
  auto from_four = Subscribe(after);
  auto event = from_four->Next(kWait);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->sequence(), 5u);

  SubscribeOptions at_end;
  at_end.from_end = true;
  auto tail = Subscribe(at_end);
  ASSERT_TRUE(tail->WaitCaughtUp(kWait).ok());
  AppendTariff("us-korea", 7);  // 6
  event = tail->Next(kWait);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->sequence(), 6u);
}

TEST_F(SubscriptionTest, FiltersOnTheServer) {
  SubscribeOptions options;
  options.filter.add_deal_ids("us-korea");
  options.filter.add_kinds(v1::EVENT_KIND_TARIFF_CHANGE);
  auto subscription = Subscribe(options);
  for (int i = 0; i < 6; ++i) AppendTariff(i % 2 ? "us-korea" : "us-japan", i);
  for (int i = 1; i < 6; i += 2) {
    auto event = subscription->Next(kWait);
    ASSERT_TRUE(event.ok()) << event.status();
    EXPECT_EQ(event->deal_id(), "us-korea");
    EXPECT_EQ(event->data().tariff_change().rate_bps(), 1000 + i);
  }
}

// The server is stopped (SIGTERM) and started again on the same port and
// data while appends keep coming. The subscription resubscribes by itself
// and delivers every sequence exactly once.
TEST_F(SubscriptionTest, ResumesAcrossAServerRestartWithoutGapOrDuplicate) {
  constexpr int kAppends = 60;
  auto subscription = Subscribe();
  std::atomic<int> appended{0};
  std::thread appender([&] {
    for (int i = 0; i < kAppends; ++i) {
      AppendTariff(i % 3 ? "us-japan" : "us-korea", i);
      ++appended;
    }
  });
  // Joined on every way out of the test, failed assertions included.
  absl::Cleanup join = [&] { appender.join(); };

  std::vector<uint64_t> sequences;
  bool restarted = false;
  const uint64_t total = 2 + kAppends;
  while (sequences.size() < total) {
    auto event = subscription->Next(kWait);
    ASSERT_TRUE(event.ok())
        << event.status() << " after " << sequences.size() << " events";
    sequences.push_back(event->sequence());
    if (!restarted && sequences.size() == 20) {
      absl::Status status = server_->Restart();
      ASSERT_TRUE(status.ok()) << status;
      restarted = true;
    }
  }
  std::move(join).Invoke();
  ASSERT_EQ(appended.load(), kAppends);
  for (size_t i = 0; i < sequences.size(); ++i) {
    ASSERT_EQ(sequences[i], i + 1) << "at position " << i;
  }
  EXPECT_GE(subscription->progress().resubscriptions, 1);
  EXPECT_EQ(subscription->Next(absl::Milliseconds(300)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

// A narrow filter resumes from the last position the server examined, so
// the events of other deals appended meanwhile are neither delivered nor
// cause a gap.
TEST_F(SubscriptionTest, FilteredSubscriptionResumesAcrossARestart) {
  SubscribeOptions options;
  options.filter.add_deal_ids("us-korea");
  auto subscription = Subscribe(options);
  auto first = subscription->Next(kWait);  // Korea's announcement
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->sequence(), 2u);
  for (int i = 0; i < 4; ++i) AppendTariff("us-japan", i);  // 3..6
  AppendTariff("us-korea", 4);                              // 7
  auto second = subscription->Next(kWait);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->sequence(), 7u);

  ASSERT_TRUE(server_->Restart().ok());
  for (int i = 5; i < 8; ++i) AppendTariff("us-japan", i);  // 8..10
  AppendTariff("us-korea", 8);                              // 11
  auto third = subscription->Next(kWait);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->sequence(), 11u);
  EXPECT_EQ(third->data().tariff_change().rate_bps(), 1008);
  EXPECT_GE(subscription->progress().resubscriptions, 1);
  EXPECT_GE(subscription->progress().resume_after, 11u);
}

TEST_F(SubscriptionTest, GivesUpAfterTheReconnectTimeout) {
  SubscribeOptions options;
  options.reconnect_timeout = absl::Milliseconds(500);
  options.max_backoff = absl::Milliseconds(100);
  auto subscription = Subscribe(options);
  ASSERT_TRUE(subscription->WaitCaughtUp(kWait).ok());
  ASSERT_TRUE(server_->Stop().ok());
  auto event = subscription->Next(kWait);
  // The two announcements were delivered before; then the outage.
  while (event.ok()) event = subscription->Next(kWait);
  EXPECT_EQ(event.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(event.status().message(), HasSubstr("gave up resubscribing"));
}

TEST_F(SubscriptionTest, CancelEndsTheSubscription) {
  auto subscription = Subscribe();
  ASSERT_TRUE(subscription->WaitCaughtUp(kWait).ok());
  std::thread canceller([&] { subscription->Cancel(); });
  // Either Next is blocked when Cancel arrives, or Cancel came first: both
  // end in CANCELLED once the queued events are taken.
  absl::StatusOr<v1::Event> event = subscription->Next(kWait);
  while (event.ok()) event = subscription->Next(kWait);
  canceller.join();
  EXPECT_EQ(event.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(subscription->Next().status().code(), absl::StatusCode::kCancelled);
}

TEST_F(SubscriptionTest, ServerRejectionsAreFinal) {
  SubscribeOptions beyond;
  beyond.after_sequence = 1000;
  auto subscription = Subscribe(beyond);
  auto event = subscription->Next(kWait);
  EXPECT_EQ(event.status().code(), absl::StatusCode::kOutOfRange)
      << event.status();
  EXPECT_EQ(subscription->Next(kWait).status().code(),
            absl::StatusCode::kOutOfRange);

  SubscribeOptions too_many;
  too_many.max_events_per_message = 5000;
  auto rejected = Subscribe(too_many);
  auto error = rejected->Next(kWait);
  EXPECT_EQ(error.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(error.status().message(), HasSubstr("max_events_per_message"));
}

TEST_F(SubscriptionTest, ContradictoryOptionsAreRejectedLocally) {
  SubscribeOptions both;
  both.from_end = true;
  both.after_sequence = 3;
  EXPECT_EQ(client_->Subscribe(both).status().code(),
            absl::StatusCode::kInvalidArgument);
  SubscribeOptions fast;
  fast.heartbeat_interval = absl::Milliseconds(10);
  EXPECT_EQ(client_->Subscribe(fast).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A consumer that stops reading is not cut off: the subscription stops
// pulling from the server and later delivers everything in order.
TEST_F(SubscriptionTest, SlowConsumerGetsEverythingInOrder) {
  SubscribeOptions options;
  options.max_events_per_message = 1;
  auto subscription = Subscribe(options);
  for (int i = 0; i < 100; ++i) AppendTariff("us-japan", i);
  for (uint64_t expected = 1; expected <= 102; ++expected) {
    auto event = subscription->Next(kWait);
    ASSERT_TRUE(event.ok()) << event.status();
    ASSERT_EQ(event->sequence(), expected);
  }
}

// The connection goes silent without closing (a vanished peer): no
// heartbeat arrives, the subscription gives the stream up, keepalive drops
// the dead connection, and the resubscription over a new one delivers the
// events appended meanwhile.
TEST_F(SubscriptionTest, ResubscribesWhenTheConnectionGoesSilent) {
  auto proxy = TcpProxy::Start(server_->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  ClientOptions options;
  options.keepalive_time = absl::Seconds(1);
  options.keepalive_timeout = absl::Seconds(1);
  auto via_proxy = Client::Connect((*proxy)->address(), options);
  ASSERT_TRUE(via_proxy.ok()) << via_proxy.status();
  SubscribeOptions subscribe;
  subscribe.heartbeat_interval = absl::Milliseconds(200);
  auto subscription = (*via_proxy)->Subscribe(subscribe);
  ASSERT_TRUE(subscription.ok()) << subscription.status();
  ASSERT_TRUE((*subscription)->WaitCaughtUp(kWait).ok());

  (*proxy)->BlackHoleOpenConnections();
  for (int i = 0; i < 3; ++i) AppendTariff("us-japan", i);  // 3..5
  std::vector<uint64_t> sequences;
  while (sequences.size() < 5) {
    auto event = (*subscription)->Next(kWait);
    ASSERT_TRUE(event.ok()) << event.status();
    sequences.push_back(event->sequence());
  }
  EXPECT_EQ(sequences, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_GE((*subscription)->progress().resubscriptions, 1);
  EXPECT_GE((*proxy)->connections_accepted(), 2);
}

TEST_F(SubscriptionTest, StartsAtARecordedTime) {
  for (int i = 0; i < 3; ++i) AppendTariff("us-japan", i);  // 3..5
  auto read = client_->Read(3, {}, 1);  // the event at sequence 4
  ASSERT_TRUE(read.ok()) << read.status();
  const google::protobuf::Timestamp& recorded = read->events(0).recorded_time();
  SubscribeOptions options;
  options.from_recorded_time = absl::FromUnixSeconds(recorded.seconds()) +
                               absl::Nanoseconds(recorded.nanos());
  auto subscription = Subscribe(options);
  auto event = subscription->Next(kWait);
  ASSERT_TRUE(event.ok()) << event.status();
  // Events recorded in the same instant as #4 come with it.
  EXPECT_LE(event->sequence(), 4u);
  EXPECT_GE(event->sequence(), 3u);
  EXPECT_EQ(absl::FromUnixSeconds(event->recorded_time().seconds()) +
                absl::Nanoseconds(event->recorded_time().nanos()),
            *options.from_recorded_time);
}

}  // namespace
}  // namespace pactlog::testing
