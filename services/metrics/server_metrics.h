// ServerMetrics: every series pactlogd exports, and the hooks that feed
// them. README.md ("Operating pactlog") lists the series.
//
//   - gRPC calls: a server interceptor counts every call of a pactlog,
//     health or reflection method by its status code, and times the unary
//     pactlog calls (appends, queries);
//   - commits: the ledger's commit observer counts events by kind and the
//     events per group commit;
//   - state read at scrape time: the log's last sequence and size on disk,
//     the writer's counters, subscribers and how far behind they are,
//     whether the server is serving, and the process's own figures;
//   - backups: Admin.Backup reports each backup.
//
// Thread-safety: every method may be called from any thread.
#ifndef PACTLOG_SERVICES_METRICS_SERVER_METRICS_H_
#define PACTLOG_SERVICES_METRICS_SERVER_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ledger/ledger.h"
#include "pactlog/v1/events.pb.h"
#include "services/metrics/registry.h"
#include "services/subscription_hub.h"

namespace pactlog::metrics {

class ServerMetrics {
 public:
  // `ledger` and `hub` are not owned and must outlive every Render() of
  // registry(), i.e. the metrics HTTP server must be stopped first.
  ServerMetrics(const ledger::Ledger* ledger,
                const services::SubscriptionHub* hub);
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;
  ~ServerMetrics();

  const Registry& registry() const { return registry_; }

  // The ledger's commit observer: counts the batch's events by kind and
  // observes its size. Never blocks.
  void OnCommit(absl::Span<const pactlog::v1::Event> events);

  // An interceptor factory for grpc::ServerBuilder. The interceptors it
  // makes refer to this object, which must outlive the gRPC server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewInterceptorFactory();

  // Records one Admin.Backup call; `sequence` and `bytes` count only when
  // `status` is OK.
  void OnBackup(const absl::Status& status, uint64_t sequence, uint64_t bytes,
                absl::Duration took);

 private:
  class Interceptor;
  class InterceptorFactory;

  // What is recorded for one gRPC method; built once, read-only after.
  struct MethodSeries {
    std::string service;
    std::string method;
    // Counters by status code, looked up on first use.
    std::atomic<Counter*> by_code[17] = {};
    // Latency of the call; nullptr when not timed (streams, non-pactlog).
    Histogram* latency = nullptr;
    // Only for DealLedger.Append: also counts appends by result.
    bool is_append = false;
  };

  void AddMethod(const std::string& service, const std::string& method,
                 Histogram* latency, bool is_append);
  // The series of `full_method` ("/pactlog.v1.DealQuery/GetDeal"), or the
  // catch-all for a method not known here.
  MethodSeries& SeriesOf(const char* full_method);
  void RecordCall(MethodSeries& series, grpc::StatusCode code,
                  absl::Duration took, bool deduplicated);
  // Copies the state kept elsewhere into gauges; runs before each Render.
  void Collect();

  const ledger::Ledger* const ledger_;
  const services::SubscriptionHub* const hub_;
  Registry registry_;

  Family<Counter>& grpc_requests_;
  Family<Counter>& appends_;
  // appends_ by result: recorded, deduplicated, rejected.
  Counter* append_results_[3] = {};
  Family<Counter>& events_;
  Histogram& group_commit_events_;
  Gauge& last_commit_time_;
  Family<Counter>& backups_;
  Histogram& backup_duration_;
  Gauge& last_backup_time_;
  Gauge& last_backup_sequence_;
  Gauge& last_backup_bytes_;

  // Keyed by "/service/method"; filled in the constructor only.
  absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>> methods_;
  MethodSeries other_;
};

}  // namespace pactlog::metrics

#endif  // PACTLOG_SERVICES_METRICS_SERVER_METRICS_H_
