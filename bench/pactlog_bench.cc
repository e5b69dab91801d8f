// pactlog-bench: measures pactlogd end to end over gRPC on 127.0.0.1.
//
// Starts a server in this process over a fresh temporary data directory
// and drives it with a fixed number of requests in flight through gRPC's
// callback client API. Prints one JSON object per metric:
//   {"metric": NAME, "value": X, "unit": U}
// --quick runs a seconds-long version for the test suite (no timing is
// asserted anywhere).
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "pactlog/v1/ledger.grpc.pb.h"
#include "pactlog/v1/stream.grpc.pb.h"
#include "services/server.h"

namespace {

namespace v1 = ::pactlog::v1;

struct RunResult {
  double events_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t batches = 0;
  uint64_t requests = 0;
};

v1::EventData TariffData(int i) {
  v1::EventData data;
  data.mutable_effective_time()->set_seconds(1'750'000'000 + i);
  data.mutable_provenance()->set_source("https://example.org/bench");
  data.mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
  v1::TariffChange* change = data.mutable_tariff_change();
  change->set_product_category("all-goods");
  change->set_rate_bps(1000 + i % 1000);
  change->set_legal_instrument("Bench Order");
  return data;
}

// Keeps `in_flight` Append calls going for `duration`, each carrying
// `events_per_request` tariff changes spread over `deals` deals.
class AppendLoad {
 public:
  AppendLoad(v1::DealLedger::Stub* stub, int deals, int events_per_request)
      : stub_(stub), deals_(deals), events_per_request_(events_per_request) {}

  RunResult Run(int in_flight, absl::Duration duration) {
    deadline_ = absl::Now() + duration;
    const absl::Time start = absl::Now();
    {
      absl::MutexLock lock(&mu_);
      outstanding_ = in_flight;
    }
    for (int i = 0; i < in_flight; ++i) Issue(i);
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](int* n) { return *n == 0; }, &outstanding_));
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    RunResult result;
    absl::MutexLock lock(&mu_);
    result.events_per_second =
        static_cast<double>(events_) / std::max(seconds, 1e-9);
    std::sort(latencies_ms_.begin(), latencies_ms_.end());
    if (!latencies_ms_.empty()) {
      result.p50_ms = latencies_ms_[latencies_ms_.size() / 2];
      result.p99_ms = latencies_ms_[latencies_ms_.size() * 99 / 100];
    }
    if (failures_ > 0) {
      std::cerr << "pactlog-bench: " << failures_ << " appends failed, first: "
                << first_failure_ << "\n";
    }
    return result;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    v1::AppendRequest request;
    v1::AppendResponse response;
    absl::Time started;
  };

  void Issue(int slot) {
    if (absl::Now() >= deadline_) {
      absl::MutexLock lock(&mu_);
      --outstanding_;
      return;
    }
    auto* call = new Call();
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(30));
    call->request.set_deal_id(absl::StrCat("bench-", slot % deals_));
    call->request.set_actor("bench");
    for (int e = 0; e < events_per_request_; ++e) {
      *call->request.add_events() = TariffData(e);
    }
    call->started = absl::Now();
    stub_->async()->Append(&call->context, &call->request, &call->response,
                           [this, call, slot](grpc::Status status) {
                             Done(call, status);
                             Issue(slot);
                           });
  }

  void Done(Call* call, const grpc::Status& status) {
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - call->started);
    {
      absl::MutexLock lock(&mu_);
      if (status.ok()) {
        events_ += call->request.events_size();
        latencies_ms_.push_back(ms);
      } else if (failures_++ == 0) {
        first_failure_ = status.error_message();
      }
    }
    delete call;
  }

  v1::DealLedger::Stub* const stub_;
  const int deals_;
  const int events_per_request_;
  absl::Time deadline_;
  absl::Mutex mu_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t events_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::string first_failure_ ABSL_GUARDED_BY(mu_);
  std::vector<double> latencies_ms_ ABSL_GUARDED_BY(mu_);
};

// `subscribers` live subscriptions follow the log while one thread appends
// single events at `rate` per second. Latency is measured from the moment an
// append is sent to the moment each subscriber receives its event, so it
// includes the append's own durable write. `stalled` more streams are open
// and never read, as a slow consumer would.
struct SubscribeResult {
  double p50_ms = 0;
  double p99_ms = 0;
};

SubscribeResult RunSubscribers(pactlog::services::PactlogServer& server,
                               v1::DealLedger::Stub* ledger,
                               v1::EventStream::Stub* stream, int subscribers,
                               int stalled, int rate, absl::Duration duration) {
  const uint64_t start = server.ledger().applied_sequence();
  const int total = static_cast<int>(rate * absl::ToDoubleSeconds(duration));
  const uint64_t last = start + total;
  std::vector<std::vector<absl::Time>> received(
      subscribers, std::vector<absl::Time>(total + 1));
  std::vector<std::unique_ptr<grpc::ClientContext>> stalled_contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>>>
      stalled_readers;
  v1::SubscribeRequest request;
  request.set_after_sequence(start);
  for (int i = 0; i < stalled; ++i) {
    stalled_contexts.push_back(std::make_unique<grpc::ClientContext>());
    stalled_readers.push_back(
        stream->Subscribe(stalled_contexts.back().get(), request));
  }
  absl::Notification all_caught_up;
  std::atomic<int> caught_up{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < subscribers; ++i) {
    readers.emplace_back([&, i] {
      grpc::ClientContext context;
      auto reader = stream->Subscribe(&context, request);
      v1::SubscribeResponse message;
      uint64_t seen = start;
      while (seen < last && reader->Read(&message)) {
        const absl::Time now = absl::Now();
        if (message.has_caught_up() && ++caught_up == subscribers) {
          all_caught_up.Notify();
        }
        for (const v1::Event& event : message.events().events()) {
          seen = event.sequence();
          received[i][seen - start] = now;
        }
      }
      context.TryCancel();
      reader->Finish();
    });
  }
  all_caught_up.WaitForNotification();
  std::vector<absl::Time> sent(total + 1);
  const absl::Duration interval = absl::Seconds(1) / rate;
  absl::Time next = absl::Now();
  for (int i = 0; i < total; ++i) {
    absl::SleepFor(next - absl::Now());
    next += interval;
    grpc::ClientContext context;
    v1::AppendRequest append;
    append.set_deal_id("bench-0");
    append.set_actor("bench");
    *append.add_events() = TariffData(i);
    v1::AppendResponse response;
    const absl::Time before = absl::Now();
    if (!ledger->Append(&context, append, &response).ok()) continue;
    sent[response.sequences(0) - start] = before;
  }
  for (std::thread& t : readers) t.join();
  SubscribeResult result;
  std::vector<double> latencies;
  for (const auto& times : received) {
    for (int k = 1; k <= total; ++k) {
      if (sent[k] == absl::Time() || times[k] == absl::Time()) continue;
      latencies.push_back(absl::ToDoubleMilliseconds(times[k] - sent[k]));
    }
  }
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    result.p50_ms = latencies[latencies.size() / 2];
    result.p99_ms = latencies[latencies.size() * 99 / 100];
  }
  for (auto& context : stalled_contexts) context->TryCancel();
  for (auto& reader : stalled_readers) reader->Finish();
  return result;
}

void Print(const std::string& metric, double value, const std::string& unit) {
  std::printf("{\"metric\": \"%s\", \"value\": %.3f, \"unit\": \"%s\"}\n",
              metric.c_str(), value, unit.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pactlog-bench: end-to-end benchmarks of pactlogd"};
  bool quick = false;
  bool json = false;
  double seconds = 10;
  app.add_flag("--quick", quick, "seconds-long smoke run");
  app.add_flag("--json", json, "one JSON object per metric (always on)");
  app.add_option("--seconds", seconds, "duration of each timed phase");
  CLI11_PARSE(app, argc, argv);
  if (quick) seconds = 1;

  std::string dir_template =
      (std::filesystem::temp_directory_path() / "pactlog-bench-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) {
    std::cerr << "pactlog-bench: cannot make a temporary directory\n";
    return 1;
  }
  int rc = 0;
  {
    pactlog::services::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_template;
    auto server = pactlog::services::PactlogServer::Start(options);
    if (!server.ok() || !(*server)->Recover().ok()) {
      std::cerr << "pactlog-bench: server did not start\n";
      return 1;
    }
    auto channel = grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", (*server)->port()),
        grpc::InsecureChannelCredentials());
    auto stub = v1::DealLedger::NewStub(channel);
    constexpr int kDeals = 64;
    // Announce the deals the load appends to.
    for (int d = 0; d < kDeals; ++d) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
      v1::AppendRequest request;
      request.set_deal_id(absl::StrCat("bench-", d));
      request.set_actor("bench");
      v1::EventData* data = request.add_events();
      data->mutable_provenance()->set_source("https://example.org/bench");
      data->mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
      data->mutable_effective_time()->set_seconds(1'700'000'000);
      v1::DealAnnouncement* deal = data->mutable_announcement()->mutable_deal();
      deal->set_title("bench");
      deal->set_investor_country("JP");
      deal->set_host_country("US");
      deal->mutable_commitment_ceiling()->set_currency_code("USD");
      deal->mutable_commitment_ceiling()->set_minor_units(1'000'000);
      v1::AppendResponse response;
      grpc::Status status = stub->Append(&context, request, &response);
      if (!status.ok()) {
        std::cerr << "pactlog-bench: setup failed: " << status.error_message()
                  << "\n";
        return 1;
      }
    }

    auto& ledger = (*server)->ledger();
    auto before = ledger.writer_stats();
    RunResult single =
        AppendLoad(stub.get(), kDeals, 1).Run(64, absl::Seconds(seconds));
    auto after = ledger.writer_stats();
    Print("append_single_c64_eps", single.events_per_second, "events/s");
    Print("append_p50_ms_c64", single.p50_ms, "ms");
    Print("append_p99_ms_c64", single.p99_ms, "ms");
    const double batches = static_cast<double>(after.batches - before.batches);
    Print("append_single_c64_requests_per_sync",
          batches > 0 ? (after.requests - before.requests) / batches : 0,
          "requests");

    RunResult batch64 =
        AppendLoad(stub.get(), kDeals, 64).Run(8, absl::Seconds(seconds));
    Print("append_batch64_eps", batch64.events_per_second, "events/s");

    auto stream = v1::EventStream::NewStub(channel);
    const int live = quick ? 10 : 100;
    SubscribeResult subscribed =
        RunSubscribers(**server, stub.get(), stream.get(), live, live / 10,
                       quick ? 200 : 2000, absl::Seconds(seconds));
    Print(absl::StrCat("subscribe_p50_ms_", live), subscribed.p50_ms, "ms");
    Print(absl::StrCat("subscribe_p99_ms_", live), subscribed.p99_ms, "ms");

    (*server)->Shutdown(absl::Seconds(5));
    if (single.events_per_second <= 0 || batch64.events_per_second <= 0) rc = 1;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_template, ignored);
  return rc;
}
