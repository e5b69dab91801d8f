// A real NATS JetStream cluster for tests: `size` nats-server processes on
// 127.0.0.1 (free client, cluster and monitoring ports, a fresh store
// directory each), routed to one another, ready (every server's /healthz
// answers ok) when Start returns. Servers can be killed (SIGKILL) and
// started again on the same ports and store, as after a machine crash.
//
// The binary is env NATS_SERVER when set, else /usr/sbin/nats-server.
//
// Thread-safety: none; one test drives one cluster.
#ifndef PACTLOG_TESTS_CLUSTER_NATS_CLUSTER_H_
#define PACTLOG_TESTS_CLUSTER_NATS_CLUSTER_H_

#include <nats/nats.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/ops/ops_support.h"

namespace pactlog::testing {

class NatsCluster {
 public:
  // The servers' max_payload: a quarter of NATS's default, so that a test
  // can exceed it with a request pactlogd itself accepts.
  static constexpr int kMaxPayloadBytes = 256 * 1024;

  // `sync_always`: jetstream { sync_interval: always }, as in every
  // configuration pactlog ships; false leaves the servers' default (an
  // fsync every 2 minutes).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<NatsCluster>> Start(
      int size = 3, bool sync_always = true);
  ~NatsCluster();

  // "nats://127.0.0.1:p1,127.0.0.1:p2,..." for pactlogd --log.
  std::string url() const;
  // One server's "nats://127.0.0.1:port".
  std::string server_url(int i) const;
  // "http://127.0.0.1:m1,http://127.0.0.1:m2,..." for pactlogd
  // --nats-monitor, the servers `only` names (all when empty).
  std::string monitor_urls(const std::vector<int>& only = {}) const;
  int size() const { return static_cast<int>(servers_.size()); }

  // SIGKILL server i.
  void Kill(int i);
  // SIGTERM server i and wait for its exit.
  void Stop(int i);
  // Server i's process id, its name (server_name, as stream info reports
  // it) and its JetStream store directory.
  pid_t pid(int i) const { return servers_[i].process->pid(); }
  const std::string& name(int i) const { return servers_[i].name; }
  const std::string& store_dir(int i) const { return servers_[i].store_dir; }
  // Starts server i again (same ports, same store) and waits until it is
  // healthy.
  [[nodiscard]] absl::Status Restart(int i);
  // Whether server i fsyncs each write from its next Restart on (the
  // cluster's setting until then).
  void SetSyncAlways(int i, bool sync_always) {
    servers_[i].sync_always = sync_always;
  }
  bool running(int i);
  // Creates a file-backed stream with these subjects, as an operator
  // might have.
  [[nodiscard]] absl::Status AddStream(const std::string& stream,
                                       const std::vector<std::string>& subjects,
                                       int replicas);
  // The index of the server leading `stream`'s Raft group.
  [[nodiscard]] absl::StatusOr<int> StreamLeader(const std::string& stream);
  // Whether server i answers /healthz with 200 now: its JetStream current
  // with the meta leader and no stream it holds catching up.
  bool Healthy(int i);
  // Waits until `stream` has a leader other than server `not_leader`
  // (asking the leader to step down while it is that one), every replica
  // it lists current with no lag, and every running server healthy; the
  // leader's index, or DEADLINE_EXCEEDED naming what was still wanting.
  [[nodiscard]] absl::StatusOr<int> SettleStream(const std::string& stream,
                                                 int not_leader,
                                                 absl::Duration timeout);
  // What server i wrote so far.
  std::string Log(int i) const;
  // Every server's log, each headed by its name.
  std::string Logs() const;

 private:
  struct Server {
    std::string name;
    int client_port = 0;
    int cluster_port = 0;
    int monitor_port = 0;
    std::string store_dir;
    std::string log_path;
    bool sync_always = true;
    std::unique_ptr<ChildProcess> process;
  };
  NatsCluster() = default;
  [[nodiscard]] absl::Status Launch(int i);
  // Connects to the running servers and runs `call` on a JetStream
  // context; the first failure's status.
  natsStatus WithJetStream(const std::function<natsStatus(jsCtx*)>& call);
  // Runs `call` on `stream`'s cluster info when the stream has a leader.
  void WithStreamCluster(const std::string& stream,
                         const std::function<void(const jsClusterInfo&)>& call);
  // The index of the server named `name`, -1 if none is.
  int IndexOf(const std::string& name) const;
  // The same with the connection itself.
  natsStatus WithConnection(
      const std::function<natsStatus(natsConnection*)>& call);
  [[nodiscard]] absl::Status WaitHealthy(int i, absl::Duration timeout);
  // Waits until a server (the meta leader) lists every other server current
  // in the JetStream meta group (UNAVAILABLE with the servers' logs after
  // `timeout`).
  [[nodiscard]] absl::Status WaitMetaGroup(absl::Duration timeout);

  std::string dir_;
  std::vector<Server> servers_;
};

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_CLUSTER_NATS_CLUSTER_H_
