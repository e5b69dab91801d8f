// The limits of this machine, measured in the same run as pactlogd so that
// pactlog's figures can be given as ratios: a gRPC echo service built with
// the same gRPC and server settings, and raw RocksDB synced writes and
// scans.
#ifndef PACTLOG_BENCH_BASELINES_H_
#define PACTLOG_BENCH_BASELINES_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/closed_loop.h"

namespace pactlog::bench {

// Runs the echo server in this process until SIGTERM: prints "port N" on
// stdout once listening. For `pactlog-bench --serve-echo`.
int ServeEcho();

// SIGTERM to a child process the tool started, then waits for its end.
void StopChild(pid_t pid);

// The echo server as a child process (this same binary with
// --serve-echo), so that it runs apart from the load as pactlogd does.
class EchoServer {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EchoServer>> Spawn();
  ~EchoServer();
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// Unary echo calls of `payload_bytes`, `in_flight` at once, over one
// channel.
LoadResult MeasureEcho(int port, int in_flight, int payload_bytes,
                       absl::Duration duration);

struct RocksDbBaselines {
  double synced_puts_c64_per_second = 0;        // one put per synced write
  double synced_batch64_events_per_second = 0;  // 64 puts per synced write
  double scan_events_per_second = 0;            // warm sequential scan
};

// Measures raw RocksDB in a fresh database under `dir` with values of
// `value_bytes`; the scan reads `scan_events` values.
[[nodiscard]] absl::StatusOr<RocksDbBaselines> MeasureRocksDb(
    const std::string& dir, int value_bytes, absl::Duration duration,
    int scan_events);

}  // namespace pactlog::bench

#endif  // PACTLOG_BENCH_BASELINES_H_
