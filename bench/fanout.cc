#include "bench/fanout.h"

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace pactlog::bench {
namespace {

namespace v1 = ::pactlog::v1;

// Latencies from an event's send time (carried in the event) to its
// arrival at each follower, in 10 µs buckets up to 10 s.
class LatencyHistogram {
 public:
  LatencyHistogram() : buckets_(kBuckets) {}
  void Add(int64_t micros) {
    const int64_t bucket = std::clamp<int64_t>(micros / 10, 0, kBuckets - 1);
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t count() const { return count_.load(); }
  double QuantileMs(double q) const {
    const uint64_t target = static_cast<uint64_t>(q * count_.load());
    uint64_t seen = 0;
    for (int64_t b = 0; b < kBuckets; ++b) {
      seen += buckets_[b].load();
      if (seen > target) return (b + 1) * 10 / 1000.0;
    }
    return kBuckets * 10 / 1000.0;
  }

 private:
  static constexpr int64_t kBuckets = 1'000'000;
  std::vector<std::atomic<uint64_t>> buckets_;
  std::atomic<uint64_t> count_{0};
};

// A stream read on gRPC's callback API (no thread of its own): a follower
// reads until it has seen `follow` events after the sequence it caught up
// at; a catch-up (follow < 0) until CaughtUp.
class Reader final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  Reader(const StartFollow& start, int64_t follow, LatencyHistogram* latencies)
      : follow_(follow), latencies_(latencies) {
    start(&context_, this);
    StartRead(&message_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    const absl::Time now = absl::Now();
    const int64_t now_us = absl::ToUnixMicros(now);
    for (const v1::Event& event : message_.events().events()) {
      int64_t sent = 0;
      if (latencies_ != nullptr &&
          absl::SimpleAtoi(event.data().disbursement().tranche(), &sent)) {
        latencies_->Add(now_us - sent);
      }
      last_ = event.sequence();
      ++events_;
    }
    last_receipt_ = now;
    if (message_.has_caught_up() && !caught_up_.HasBeenNotified()) {
      until_ = message_.caught_up().sequence() + follow_;
      caught_up_.Notify();
    }
    const bool done = follow_ < 0
                          ? message_.has_caught_up()
                          : caught_up_.HasBeenNotified() && last_ >= until_;
    if (done) {
      reached_.Notify();
      context_.TryCancel();
      return;
    }
    StartRead(&message_);
  }

  void OnDone(const grpc::Status& /*status*/) override {
    if (!caught_up_.HasBeenNotified()) caught_up_.Notify();
    if (!reached_.HasBeenNotified()) reached_.Notify();
    done_.Notify();
  }

  void WaitCaughtUp() { caught_up_.WaitForNotification(); }
  // Then: the time of the last message read, and the events read.
  void WaitReached() { reached_.WaitForNotification(); }
  absl::Time last_receipt() const { return last_receipt_; }
  uint64_t events() const { return events_; }
  void Cancel() { context_.TryCancel(); }
  void WaitDone() { done_.WaitForNotification(); }

 private:
  grpc::ClientContext context_;
  v1::SubscribeResponse message_;
  const int64_t follow_;
  LatencyHistogram* const latencies_;
  // Written by the one read in progress; read after reached_.
  uint64_t until_ = 0;
  uint64_t last_ = 0;
  uint64_t events_ = 0;
  absl::Time last_receipt_ = absl::InfinitePast();
  absl::Notification caught_up_, reached_, done_;
};

}  // namespace

FanoutResult MeasureFanout(const StartFollow& follow,
                           const PublishEvent& publish,
                           const FanoutLoad& load) {
  const int64_t total =
      static_cast<int64_t>(load.rate * absl::ToDoubleSeconds(load.duration));
  LatencyHistogram latencies;
  std::vector<std::unique_ptr<Reader>> followers;
  for (int i = 0; i < load.streams; ++i) {
    followers.push_back(std::make_unique<Reader>(follow, total, &latencies));
  }
  for (auto& follower : followers) follower->WaitCaughtUp();

  FanoutResult result;
  std::atomic<int64_t> unacknowledged{total};
  std::atomic<int> failures{0};
  absl::Notification all_acknowledged;
  const absl::Duration interval = absl::Seconds(1) / load.rate;
  const absl::Time start = absl::Now();
  absl::Time next = start;
  for (int64_t n = 0; n < total; ++n) {
    absl::SleepFor(next - absl::Now());
    next += interval;
    publish(n, absl::StrCat(absl::ToUnixMicros(absl::Now())), [&](bool ok) {
      if (!ok) failures.fetch_add(1);
      if (unacknowledged.fetch_sub(1) == 1) all_acknowledged.Notify();
    });
    if (n == total / 2 && load.sample_rss) result.rss_mib = load.sample_rss();
  }
  if (total > 0) all_acknowledged.WaitForNotification();
  result.failures = failures.load();
  // A failed publish never arrives: do not wait for it.
  absl::Time end = start;
  for (auto& follower : followers) {
    if (result.failures == 0) follower->WaitReached();
    follower->Cancel();
  }
  for (auto& follower : followers) {
    follower->WaitDone();
    end = std::max(end, follower->last_receipt());
  }
  result.deliveries = latencies.count();
  result.expected_deliveries = static_cast<uint64_t>(total) * load.streams;
  const double seconds = absl::ToDoubleSeconds(end - start);
  result.deliveries_per_second = seconds > 0 ? result.deliveries / seconds : 0;
  result.p50_ms = latencies.QuantileMs(0.5);
  result.p99_ms = latencies.QuantileMs(0.99);
  return result;
}

double MeasureCatchUpStream(const StartFollow& start) {
  const absl::Time begin = absl::Now();
  Reader reader(start, -1, nullptr);
  reader.WaitReached();
  reader.WaitDone();
  const double seconds = absl::ToDoubleSeconds(reader.last_receipt() - begin);
  return seconds > 0 ? reader.events() / seconds : 0;
}

}  // namespace pactlog::bench
