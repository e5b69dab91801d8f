// MetricsHttpServer: the plain-HTTP endpoint Prometheus scrapes, apart from
// the gRPC port.
//
//   GET /metrics  the registry in the text exposition format
//   GET /healthz  200 "SERVING" while `healthy()` is true, else 503
//                 "NOT_SERVING" (e.g. while the log is being replayed)
//
// Anything else is 404; methods other than GET/HEAD are 405. Requests are
// served by two threads of its own, never by gRPC's threads.
//
// Thread-safety: Stop() may be called from any thread; the destructor stops.
#ifndef PACTLOG_SERVICES_METRICS_HTTP_SERVER_H_
#define PACTLOG_SERVICES_METRICS_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "services/metrics/registry.h"

namespace httplib {
class Server;
}

namespace pactlog::metrics {

// "host:port" split; an IPv6 host is written in brackets ("[::1]:9464").
// INVALID_ARGUMENT when the port is missing or not in 0..65535, or the host
// is empty.
struct HostPort {
  std::string host;
  int port = 0;
};
[[nodiscard]] absl::StatusOr<HostPort> ParseHostPort(std::string_view address);

class MetricsHttpServer {
 public:
  // Listens on `address` (port 0 picks a free port; see port()).
  // `registry` is not owned and must outlive the server; `healthy` is
  // called for every /healthz request. Errors: INVALID_ARGUMENT for a
  // malformed address, UNAVAILABLE when it cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      std::string_view address, const Registry* registry,
      std::function<bool()> healthy);

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;
  ~MetricsHttpServer();

  // Stops listening and joins the server's threads. Idempotent.
  void Stop();

  // The port actually bound.
  int port() const { return port_; }

 private:
  MetricsHttpServer();

  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::atomic<bool> listen_returned_{false};
  int port_ = 0;
};

}  // namespace pactlog::metrics

#endif  // PACTLOG_SERVICES_METRICS_HTTP_SERVER_H_
