// EventStream.Subscribe against a real server: the hand-off from history to
// live under continuous appends, resume, filters, heartbeats, a stalled
// consumer, cancellation and shutdown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

using ::testing::HasSubstr;

// What one subscriber received.
struct Received {
  std::vector<uint64_t> sequences;
  int caught_up_messages = 0;
  uint64_t caught_up_at = 0;
  uint64_t last_progress = 0;
  int progress_messages = 0;
};

class SubscribeTest : public ServerTest {
 protected:
  void AppendTariffs(const std::string& deal, int count, int per_request = 1) {
    for (int i = 0; i < count; i += per_request) {
      std::vector<v1::EventData> events;
      for (int j = 0; j < per_request; ++j) {
        events.push_back(
            TariffEvent("all-goods", 1000 + i + j, Date(2025, 8, 1)));
      }
      grpc::Status status = Append(*server_, Request(deal, events));
      ASSERT_TRUE(status.ok()) << status.error_message();
    }
  }
  void Announce(const std::string& deal) {
    ASSERT_TRUE(Append(*server_, Request(deal, {DealEvent("D", 1'000'000'000,
                                                          Date(2025, 7, 22))}))
                    .ok());
  }
  // Reads from `reader` until an event with sequence >= `until` arrived.
  static bool ReadUntil(grpc::ClientReader<v1::SubscribeResponse>& reader,
                        uint64_t until, Received* out) {
    v1::SubscribeResponse message;
    while (out->sequences.empty() || out->sequences.back() < until) {
      if (!reader.Read(&message)) return false;
      Record(message, out);
    }
    return true;
  }
  static void Record(const v1::SubscribeResponse& message, Received* out) {
    if (message.has_events()) {
      for (const v1::Event& event : message.events().events()) {
        out->sequences.push_back(event.sequence());
      }
    } else if (message.has_caught_up()) {
      ++out->caught_up_messages;
      out->caught_up_at = message.caught_up().sequence();
    } else if (message.has_progress()) {
      ++out->progress_messages;
      out->last_progress = message.progress().last_examined_sequence();
    }
  }
  static std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
    std::vector<uint64_t> out;
    for (uint64_t s = first; s <= last; ++s) out.push_back(s);
    return out;
  }
};

TEST_F(SubscribeTest,
       JoinersDuringContinuousAppendsGetEverySequenceExactlyOnce) {
  Announce("deal-a");
  Announce("deal-b");
  AppendTariffs("deal-a", 200, 4);  // history: sequences 1..202
  constexpr int kSubscribers = 12;
  constexpr int kMoreRequests = 300;
  std::atomic<bool> appending{true};
  std::thread appender([&] {
    for (int i = 0; i < kMoreRequests; ++i) {
      ASSERT_TRUE(
          Append(*server_,
                 Request(i % 2 ? "deal-a" : "deal-b",
                         {TariffEvent("all-goods", 1000 + i, Date(2025, 8, 1)),
                          TariffEvent("autos", 1000 + i, Date(2025, 8, 1))}))
              .ok());
    }
    appending = false;
  });
  constexpr uint64_t kHistory = 202;
  const uint64_t final_sequence = kHistory + 2 * kMoreRequests;
  // Start positions drawn from the history recorded before the appender
  // started, so the positions tested are the same every run whatever the
  // appender reached; the subscribers still join while it appends.
  std::mt19937 random(7);
  std::vector<uint64_t> starts(kSubscribers);
  for (uint64_t& start : starts) {
    start = std::uniform_int_distribution<uint64_t>(0, kHistory)(random);
  }
  std::vector<std::thread> subscribers;
  std::vector<Received> received(kSubscribers);
  for (int i = 0; i < kSubscribers; ++i) {
    subscribers.emplace_back([&, i] {
      v1::SubscribeRequest request;
      request.set_after_sequence(starts[i]);
      request.set_max_events_per_message(7);
      auto context = StreamContext();
      auto reader = server_->stream().Subscribe(context.get(), request);
      ASSERT_TRUE(ReadUntil(*reader, final_sequence, &received[i]));
      context->TryCancel();
      reader->Finish();
    });
  }
  appender.join();
  for (std::thread& t : subscribers) t.join();
  EXPECT_FALSE(appending);
  for (int i = 0; i < kSubscribers; ++i) {
    SCOPED_TRACE(absl::StrCat("subscriber ", i, " started after ", starts[i]));
    EXPECT_EQ(received[i].sequences, Range(starts[i] + 1, final_sequence));
    EXPECT_LE(received[i].caught_up_messages, 1);
  }
}

TEST_F(SubscribeTest, CaughtUpMarksTheEndOfHistoryThenLiveEventsFollow) {
  Announce("deal-a");
  AppendTariffs("deal-a", 9);  // 1..10
  v1::SubscribeRequest request;
  auto context = StreamContext();
  auto reader = server_->stream().Subscribe(context.get(), request);
  Received received;
  v1::SubscribeResponse message;
  while (received.caught_up_messages == 0 && reader->Read(&message))
    Record(message, &received);
  EXPECT_EQ(received.caught_up_at, 10u);
  EXPECT_EQ(received.sequences, Range(1, 10));
  AppendTariffs("deal-a", 3);
  ASSERT_TRUE(ReadUntil(*reader, 13, &received));
  EXPECT_EQ(received.sequences, Range(1, 13));
  context->TryCancel();
  reader->Finish();
}

TEST_F(SubscribeTest, ResumeWithTheLastSequenceSeenContinuesExactlyAfterIt) {
  Announce("deal-a");
  AppendTariffs("deal-a", 29);  // 1..30
  Received first;
  {
    v1::SubscribeRequest request;
    request.set_max_events_per_message(4);
    auto context = StreamContext();
    auto reader = server_->stream().Subscribe(context.get(), request);
    ASSERT_TRUE(ReadUntil(*reader, 12, &first));
    context->TryCancel();
    reader->Finish();
  }
  AppendTariffs("deal-a", 5);  // 31..35 while disconnected
  v1::SubscribeRequest request;
  request.set_after_sequence(first.sequences.back());
  auto context = StreamContext();
  auto reader = server_->stream().Subscribe(context.get(), request);
  Received second;
  ASSERT_TRUE(ReadUntil(*reader, 35, &second));
  EXPECT_EQ(second.sequences, Range(first.sequences.back() + 1, 35));
  context->TryCancel();
  reader->Finish();
}

TEST_F(SubscribeTest, FromEndDeliversOnlyNewEvents) {
  Announce("deal-a");
  AppendTariffs("deal-a", 4);  // 1..5
  v1::SubscribeRequest request;
  request.set_from_end(true);
  auto context = StreamContext();
  auto reader = server_->stream().Subscribe(context.get(), request);
  Received received;
  v1::SubscribeResponse message;
  ASSERT_TRUE(reader->Read(&message));
  Record(message, &received);
  EXPECT_EQ(received.caught_up_at, 5u);
  AppendTariffs("deal-a", 2);
  ASSERT_TRUE(ReadUntil(*reader, 7, &received));
  EXPECT_EQ(received.sequences, Range(6, 7));
  context->TryCancel();
  reader->Finish();
}

TEST_F(SubscribeTest, FromRecordedTimeStartsAtTheFirstEventRecordedThen) {
  Announce("deal-a");
  AppendTariffs("deal-a", 2);  // 1..3
  clock_.Advance(absl::Hours(2));
  const absl::Time later = clock_.Now();
  AppendTariffs("deal-a", 3);  // 4..6
  v1::SubscribeRequest request;
  *request.mutable_from_recorded_time() = Time(later);
  auto context = StreamContext();
  auto reader = server_->stream().Subscribe(context.get(), request);
  Received received;
  ASSERT_TRUE(ReadUntil(*reader, 6, &received));
  EXPECT_EQ(received.sequences, Range(4, 6));
  context->TryCancel();
  reader->Finish();
}

TEST_F(SubscribeTest, ServerSideFiltersByDealKindSectorAndCategory) {
  Announce("deal-a");  // 1
  Announce("deal-b");  // 2
  ASSERT_TRUE(
      Append(*server_,
             Request("deal-a", {ProjectEvent("grid", v1::SECTOR_ENERGY, "OH",
                                             100, Date(2025, 9, 1)),
                                ProjectEvent("chips", v1::SECTOR_SEMICONDUCTORS,
                                             "AZ", 100, Date(2025, 9, 1)),
                                ApprovalEvent("grid", 50, Date(2025, 9, 2)),
                                ApprovalEvent("chips", 50, Date(2025, 9, 2)),
                                TariffEvent("autos", 1500, Date(2025, 9, 3)),
                                TariffEvent("steel", 2500, Date(2025, 9, 3))}))
          .ok());              // 3..8
  AppendTariffs("deal-b", 2);  // 9..10

  auto collect = [&](v1::EventFilter filter) {
    v1::SubscribeRequest request;
    *request.mutable_filter() = filter;
    auto context = StreamContext();
    auto reader = server_->stream().Subscribe(context.get(), request);
    Received received;
    v1::SubscribeResponse message;
    while (received.caught_up_messages == 0 && reader->Read(&message))
      Record(message, &received);
    context->TryCancel();
    reader->Finish();
    EXPECT_EQ(received.caught_up_at, 10u);
    return received.sequences;
  };
  v1::EventFilter by_deal;
  by_deal.add_deal_ids("deal-b");
  EXPECT_EQ(collect(by_deal), (std::vector<uint64_t>{2, 9, 10}));
  v1::EventFilter by_kind;
  by_kind.add_kinds(v1::EVENT_KIND_APPROVAL);
  EXPECT_EQ(collect(by_kind), (std::vector<uint64_t>{5, 6}));
  v1::EventFilter by_sector;
  by_sector.add_sectors(v1::SECTOR_ENERGY);
  EXPECT_EQ(collect(by_sector), (std::vector<uint64_t>{3, 5}));
  v1::EventFilter by_category;
  by_category.add_product_categories("steel");
  EXPECT_EQ(collect(by_category), (std::vector<uint64_t>{8}));
}

TEST_F(SubscribeTest, NarrowFilterGetsProgressHeartbeatsToCheckpointFrom) {
  Announce("deal-a");
  AppendTariffs("deal-a", 20);  // 1..21, none an approval
  v1::SubscribeRequest request;
  request.mutable_filter()->add_kinds(v1::EVENT_KIND_APPROVAL);
  request.set_heartbeat_interval_ms(100);
  auto context = StreamContext();
  auto reader = server_->stream().Subscribe(context.get(), request);
  Received received;
  v1::SubscribeResponse message;
  while (received.progress_messages < 2 && reader->Read(&message))
    Record(message, &received);
  EXPECT_TRUE(received.sequences.empty());
  EXPECT_EQ(received.caught_up_at, 21u);
  EXPECT_EQ(received.last_progress, 21u);
  context->TryCancel();
  reader->Finish();
}

TEST_F(SubscribeTest,
       StalledSubscriberNeitherSlowsAppendsNorOthersAndHoldsOneMessage) {
  // A recent-events window much shorter than the log, so the stalled
  // stream must fall back to storage.
  subscriptions_.recent_events = 256;
  Restart();
  Announce("deal-a");
  v1::SubscribeRequest request;
  request.set_max_events_per_message(16);
  // The stalled client opens its stream and reads nothing.
  auto stalled_context = StreamContext();
  auto stalled = server_->stream().Subscribe(stalled_context.get(), request);
  // A healthy one reads everything on its own thread.
  constexpr int kRequests = 250;
  constexpr int kPerRequest = 16;
  const uint64_t final_sequence = 1 + kRequests * kPerRequest;
  Received healthy;
  std::thread healthy_reader([&] {
    auto context = StreamContext();
    auto reader = server_->stream().Subscribe(context.get(), request);
    ASSERT_TRUE(ReadUntil(*reader, final_sequence, &healthy));
    context->TryCancel();
    reader->Finish();
  });
  // Large events so the stalled stream's flow-control window fills.
  for (int i = 0; i < kRequests; ++i) {
    std::vector<v1::EventData> events;
    for (int j = 0; j < kPerRequest; ++j) {
      v1::EventData event =
          TariffEvent("all-goods", 1000 + j, Date(2025, 8, 1));
      event.mutable_provenance()->set_source(std::string(1800, 'a' + j));
      events.push_back(std::move(event));
    }
    grpc::Status status = Append(*server_, Request("deal-a", events));
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  healthy_reader.join();
  EXPECT_EQ(healthy.sequences, Range(1, final_sequence));
  // Server-side, the stalled stream holds at most its one message: 16
  // events of ~2 KB each, whatever the log's length (8 MB here). The
  // healthy stream may not be released yet, so look at the most any one
  // stream holds.
  services::SubscriptionHubStats stats =
      server_->server().subscriptions().stats();
  EXPECT_LE(stats.max_held_message_bytes, 16 * 4096);
  RecordProperty("stalled_held_message_bytes",
                 std::to_string(stats.max_held_message_bytes));
  // Once it reads again it catches up from storage with nothing lost.
  Received late;
  ASSERT_TRUE(ReadUntil(*stalled, final_sequence, &late));
  EXPECT_EQ(late.sequences, Range(1, final_sequence));
  EXPECT_GT(server_->server().subscriptions().stats().storage_reads,
            stats.storage_reads);
  stalled_context->TryCancel();
  stalled->Finish();
}

TEST_F(SubscribeTest, CancelledStreamIsReleasedOnTheServer) {
  Announce("deal-a");
  v1::SubscribeRequest request;
  auto context = StreamContext();
  auto reader = server_->stream().Subscribe(context.get(), request);
  v1::SubscribeResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(server_->server().subscriptions().stats().subscribers, 1);
  context->TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The server learns of the cancellation asynchronously.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (server_->server().subscriptions().stats().subscribers != 0 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(server_->server().subscriptions().stats().subscribers, 0);
}

TEST_F(SubscribeTest, ShutdownEndsEveryStreamWithUnavailable) {
  Announce("deal-a");
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>>>
      readers;
  for (int i = 0; i < 5; ++i) {
    contexts.push_back(StreamContext());
    v1::SubscribeRequest request;
    readers.push_back(
        server_->stream().Subscribe(contexts.back().get(), request));
    v1::SubscribeResponse message;
    Received received;
    while (received.caught_up_messages == 0 && readers.back()->Read(&message)) {
      Record(message, &received);
    }
  }
  server_->server().Shutdown(absl::Seconds(5));
  for (auto& reader : readers) {
    v1::SubscribeResponse message;
    while (reader->Read(&message)) {
    }
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(status.error_message(), HasSubstr("resubscribe"));
  }
}

TEST_F(SubscribeTest, BadRequestsAreRefusedWithTheRightCode) {
  Announce("deal-a");
  {
    v1::SubscribeRequest request;
    request.set_after_sequence(99);
    auto context = StreamContext();
    auto reader = server_->stream().Subscribe(context.get(), request);
    v1::SubscribeResponse message;
    EXPECT_FALSE(reader->Read(&message));
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_THAT(status.error_message(), HasSubstr("99"));
  }
  {
    v1::SubscribeRequest request;
    request.mutable_filter()->add_sectors(static_cast<v1::Sector>(77));
    request.set_heartbeat_interval_ms(5);
    auto context = StreamContext();
    auto reader = server_->stream().Subscribe(context.get(), request);
    v1::SubscribeResponse message;
    EXPECT_FALSE(reader->Read(&message));
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("filter.sectors[0]"));
    EXPECT_THAT(status.error_message(), HasSubstr("heartbeat_interval_ms"));
  }
}

}  // namespace
}  // namespace pactlog::testing
