// Fan-out and catch-up, for pactlogd and for their raw gRPC baselines.
//
// Fan-out: `streams` live subscribers follow one publisher that sends
// events open-loop at a fixed rate, as independent recorders would; each
// event carries its send time (data.disbursement.tranche, unix
// microseconds), so every delivery's latency is known. The same followers
// and publisher loop measure pactlogd (EventStream.Subscribe, one-event
// Appends) and the baseline (Echo.Follow and Echo.Publish in
// bench/echo.proto): an in-process fan-out that serialises each event once
// and writes the same bytes to every stream, with nothing else behind it.
//
// Catch-up: one subscriber reads from the start until CaughtUp; the
// baseline (Echo.Replay) writes one pre-serialised message over and over.
#ifndef PACTLOG_BENCH_FANOUT_H_
#define PACTLOG_BENCH_FANOUT_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_callback.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "pactlog/v1/stream.pb.h"

namespace pactlog::bench {

// Starts one Subscribe-shaped call on `context` for `reactor`.
using StartFollow = std::function<void(
    grpc::ClientContext* context,
    grpc::ClientReadReactor<pactlog::v1::SubscribeResponse>* reactor)>;
// Sends the n-th event (0-based) of a run carrying `tranche`; calls
// `done(ok)` once it is acknowledged, from any thread.
using PublishEvent = std::function<void(int64_t n, const std::string& tranche,
                                        std::function<void(bool ok)> done)>;

struct FanoutResult {
  // Events received over all streams, per second from the first send to
  // the last receipt.
  double deliveries_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t deliveries = 0;
  // What the run should have delivered: events published × streams.
  uint64_t expected_deliveries = 0;
  // Publishes that failed; the run is void when any did.
  int failures = 0;
  // Resident memory of the server at the middle of the run, when asked.
  double rss_mib = 0;
};

struct FanoutLoad {
  int streams = 100;
  int rate = 1000;  // events/s
  absl::Duration duration = absl::Seconds(3);
  // Called at the middle of the run (for the server's RSS); may be empty.
  std::function<double()> sample_rss;
};

// Opens load.streams followers from the end of the log, waits until each
// is caught up, publishes rate × duration events and waits until every
// follower has them all (the sequence it caught up at plus that many).
FanoutResult MeasureFanout(const StartFollow& follow,
                           const PublishEvent& publish, const FanoutLoad& load);

// Reads one stream from `start` until CaughtUp; returns events/s.
double MeasureCatchUpStream(const StartFollow& start);

}  // namespace pactlog::bench

#endif  // PACTLOG_BENCH_FANOUT_H_
