// PactlogServer: wires the event log, the ledger and the three gRPC
// services (plus health and reflection) into one running server.
//
// Life: Start() opens the log and listens, reporting NOT_SERVING on the
// standard health service; Recover() replays the log and then reports
// SERVING; Shutdown() stops. Used by pactlogd's main and by tests.
// Thread-safety: Shutdown() may be called from any thread, once.
#ifndef PACTLOG_SERVICES_SERVER_H_
#define PACTLOG_SERVICES_SERVER_H_

#include <grpcpp/server.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/limits.h"
#include "ledger/ledger.h"
#include "services/admin_service.h"
#include "services/deal_ledger_service.h"
#include "services/deal_query_service.h"
#include "services/event_stream_service.h"
#include "services/executor.h"
#include "services/http/api.h"
#include "services/http/listener.h"
#include "services/metrics/http_server.h"
#include "services/metrics/server_metrics.h"
#include "services/security/call_guard.h"
#include "services/security/transport.h"
#include "services/subscription_hub.h"
#include "storage/event_log.h"
#include "storage/nats_record_log.h"
#include "util/clock.h"

namespace pactlog::services {

struct ServerOptions {
  // host:port to listen on; port 0 picks a free port (see port()).
  std::string listen_address = "127.0.0.1:50051";
  // Directory of the RocksDB log; created when missing. With `log_url` it
  // holds only the replica's projection of the log of record.
  std::string data_dir = "var/pactlog";
  // The log of record: empty for the embedded RocksDB log in `data_dir`,
  // or "nats://h1:4222,h2:4222,..." for a NATS JetStream stream that
  // several replicas share (storage/record_log.h).
  std::string log_url;
  // The JetStream stream, subject prefix and replica count with a nats://
  // log_url.
  storage::NatsRecordLogOptions nats;
  // Where the server reports trouble it retries on its own (a lost
  // connection to the log of record). May be empty.
  std::function<void(std::string_view)> warn;
  // Source of recorded times; nullptr for the system clock. Not owned.
  util::Clock* clock = nullptr;
  // Opens the local event log in `directory`, synced on every append when
  // `sync` (false only for a projection of a log of record, which is
  // rebuilt from the record after a crash). Empty for the RocksDB log
  // (storage/rocksdb_event_log.h); tests pass one that injects storage
  // faults.
  std::function<absl::StatusOr<std::unique_ptr<storage::EventLog>>(
      const std::string& directory, bool sync)>
      open_event_log;
  // Events between snapshot checkpoints (0: no snapshots); see
  // ledger::LedgerOptions::snapshot_interval.
  uint64_t snapshot_interval = 1000;
  // Replicated mode: groups of requests published and not yet answered at
  // once; see ledger::LedgerOptions::max_groups_in_flight.
  int max_groups_in_flight = 4;
  SubscriptionHubOptions subscriptions;
  // Where calls that may wait or read storage run (services/executor.h):
  // queries and Read on `reads`; Admin's backups and chain checks on
  // `long_tasks`. A full executor answers UNAVAILABLE.
  ExecutorOptions reads{.name = "reads", .threads = 4, .max_queued = 1024};
  ExecutorOptions long_tasks{.name = "long", .threads = 2, .max_queued = 16};
  // TLS / mTLS of the gRPC port; plaintext when no certificate is given.
  security::TransportOptions transport;
  // Authentication (token file), the per-principal subscription limit and
  // where failed calls are logged. No token file: no authentication.
  security::GuardOptions guard;
  // Allows a non-loopback listen address without TLS and authentication.
  bool insecure = false;
  // Largest request message accepted; larger ones fail RESOURCE_EXHAUSTED.
  int max_message_bytes = static_cast<int>(domain::kMaxRequestBytes);
  // host:port of the Prometheus endpoint (/metrics, /healthz) over plain
  // HTTP; empty for none. Port 0 picks a free port (see metrics_port()).
  std::string metrics_listen_address;
  // When set, Admin.Backup writes only inside this directory.
  std::string backup_root;
  // host:port of the read-only HTTP/JSON API and the web page
  // (services/http/api.h), with the gRPC port's TLS files and tokens; empty
  // for none. Port 0 picks a free port (see http_port()).
  std::string http_listen_address;
  // The web page's built files (web/build.sh); empty for the API alone.
  std::string web_root;
  // host:port of a plaintext gRPC port that serves only the standard health
  // service (kubelet's gRPC probes cannot speak TLS); empty for none.
  std::string health_listen_address;
};

class PactlogServer {
 public:
  // Opens the log and starts listening. Errors: UNAVAILABLE when the log
  // is locked or the address cannot be bound; DATA_LOSS /
  // FAILED_PRECONDITION from opening the log; FAILED_PRECONDITION when a
  // non-loopback address lacks TLS or authentication and `insecure` is not
  // set (for the gRPC and the HTTP address alike); INVALID_ARGUMENT /
  // NOT_FOUND for unusable TLS or token files or web root.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PactlogServer>> Start(
      const ServerOptions& options);

  PactlogServer(const PactlogServer&) = delete;
  PactlogServer& operator=(const PactlogServer&) = delete;
  ~PactlogServer();

  // Replays the log; on success health turns SERVING. Errors as
  // ledger::Ledger::Recover().
  [[nodiscard]] absl::Status Recover();

  // Makes a Recover() running on another thread give up as soon as it can
  // (at once while it applies a replicated log of record; after the local
  // replay otherwise). Then call Shutdown().
  void AbortRecovery() { ledger_->AbortRecovery(); }

  // Health NOT_SERVING; the ledger stops taking appends and acknowledges
  // those already received; every subscription ends with UNAVAILABLE; then
  // gRPC waits up to `grace` for the remaining calls (cancelling them after
  // it: a chain verification stops), which the executors finish.
  void Shutdown(absl::Duration grace = absl::Seconds(5));

  // The port actually bound.
  int port() const { return port_; }
  ledger::Ledger& ledger() { return *ledger_; }
  SubscriptionHub& subscriptions() { return *hub_; }
  security::CallGuard& guard() { return *guard_; }

  // Re-reads the token file (pactlogd does on SIGHUP); on error the tokens
  // in force stay.
  [[nodiscard]] absl::Status ReloadTokens() { return guard_->ReloadTokens(); }
  // The port of the metrics endpoint; 0 when it is off.
  int metrics_port() const;
  // The port of the HTTP/JSON API; 0 when it is off.
  int http_port() const;
  // The port of the health-only gRPC endpoint; 0 when it is off.
  int health_port() const { return health_port_; }
  const metrics::ServerMetrics& metrics() const { return *metrics_; }
  ExecutorStats read_executor_stats() const { return reads_->stats(); }
  // Executor::AwaitQueued of the read executor, for tests.
  [[nodiscard]] bool AwaitReadsQueued(int n, absl::Duration timeout) const {
    return reads_->AwaitQueued(n, timeout);
  }

 private:
  PactlogServer() = default;

  // The HTTP API on options.http_listen_address (after server_ is up).
  [[nodiscard]] absl::Status StartHttp(const ServerOptions& options);
  // Health checks (both gRPC servers) answer NOT_SERVING from now on. Any
  // thread, once Start() has returned.
  void StopServing();

  util::SystemClock system_clock_;
  // Before everything that serves calls: calls hold subscription slots of
  // the guard until they are done.
  std::unique_ptr<security::CallGuard> guard_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<SubscriptionHub> hub_;
  // After the ledger and the hub, before the services whose calls they run.
  std::unique_ptr<Executor> reads_;
  std::unique_ptr<Executor> long_tasks_;
  // Before the services and the gRPC server, whose interceptors use it.
  std::unique_ptr<metrics::ServerMetrics> metrics_;
  std::unique_ptr<DealLedgerService> ledger_service_;
  std::unique_ptr<DealQueryService> query_service_;
  std::unique_ptr<EventStreamService> stream_service_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  // After the gRPC server, whose in-process channel the API calls through.
  std::unique_ptr<http::HttpApi> http_api_;
  std::unique_ptr<http::HttpListener> http_listener_;
  // Destroyed first: its scrapes read the ledger and the hub.
  std::unique_ptr<metrics::MetricsHttpServer> metrics_http_;
  std::unique_ptr<grpc::Server> health_server_;
  int health_port_ = 0;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_SERVER_H_
