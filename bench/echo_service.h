// The echo server's one service (pactlog.bench.Echo in bench/echo.proto):
// the unary echo, the fan-out baseline (Follow, Publish) and the stream
// baseline (Replay). It runs in the echo server process (baselines.h).
#ifndef PACTLOG_BENCH_ECHO_SERVICE_H_
#define PACTLOG_BENCH_ECHO_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>

namespace pactlog::bench {

std::unique_ptr<grpc::Service> NewEchoService();

}  // namespace pactlog::bench

#endif  // PACTLOG_BENCH_ECHO_SERVICE_H_
