// The etcd baseline of pactlog-bench: a single-node etcd (Debian's
// etcd-server 3.4) spawned over a fresh data directory on free ports, and
// KV Puts to it through the same closed loop and callback client shape as
// pactlog's appends. The requests are written as wire bytes here (a
// PutRequest is key = 1, value = 2, both bytes) and sent with
// grpc::GenericStub to /etcdserverpb.KV/Put, so no etcd proto is needed.
#ifndef PACTLOG_BENCH_ETCD_BASELINE_H_
#define PACTLOG_BENCH_ETCD_BASELINE_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/closed_loop.h"

namespace pactlog::bench {

class EtcdServer {
 public:
  // The etcd binary on PATH (env ETCD overrides it), or NotFound.
  [[nodiscard]] static absl::StatusOr<std::string> Binary();
  // Starts etcd over `data_dir` (which it creates) and waits until a Put
  // succeeds.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EtcdServer>> Spawn(
      const std::string& binary, const std::string& data_dir);
  ~EtcdServer();
  int client_port() const { return client_port_; }

 private:
  pid_t pid_ = -1;
  int client_port_ = 0;
};

// Puts of `value_bytes` to keys of their own, `in_flight` at once, over one
// channel.
LoadResult MeasureEtcdPut(int client_port, int in_flight, int value_bytes,
                          absl::Duration duration);

}  // namespace pactlog::bench

#endif  // PACTLOG_BENCH_ETCD_BASELINE_H_
