#include "services/metrics/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pactlog::metrics {
namespace {

// Scrapes are small and rare: two threads serve them all.
constexpr size_t kThreads = 2;

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(std::string_view address_view) {
  // Debian's Abseil has a string_view of its own: work on a std::string.
  const std::string address(address_view);
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", address,
                     "\" is not host:port (e.g. 0.0.0.0:9464)"));
  }
  std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  if (!absl::SimpleAtoi(port_text, &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", address, "\" has port \"", port_text,
                     "\"; a port is 0..65535"));
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", address,
                     "\" has no host; use 0.0.0.0 for every interface"));
  }
  return HostPort{host, port};
}

MetricsHttpServer::MetricsHttpServer()
    : http_(std::make_unique<httplib::Server>()) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    std::string_view address, const Registry* registry,
    std::function<bool()> healthy) {
  absl::StatusOr<HostPort> host_port = ParseHostPort(address);
  if (!host_port.ok()) return host_port.status();

  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer());
  httplib::Server& http = *server->http_;
  http.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  http.set_read_timeout(5, 0);
  http.set_write_timeout(5, 0);
  http.set_payload_max_length(64 << 10);
  // httplib's default also sets SO_REUSEPORT, which would let a second
  // server take the same port silently; an occupied port must be an error.
  http.set_socket_options([](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.Get("/metrics",
           [registry](const httplib::Request&, httplib::Response& response) {
             response.set_content(registry->Render(),
                                  std::string(Registry::kContentType).c_str());
           });
  http.Get("/healthz",
           [healthy = std::move(healthy)](const httplib::Request&,
                                          httplib::Response& response) {
             const bool serving = healthy();
             response.status = serving ? 200 : 503;
             response.set_content(serving ? "SERVING\n" : "NOT_SERVING\n",
                                  "text/plain; charset=utf-8");
           });
  // Only GET is routed; say so for the other methods instead of 404.
  auto not_allowed = [](const httplib::Request&, httplib::Response& response) {
    response.status = 405;
    response.set_header("Allow", "GET, HEAD");
    response.set_content("only GET is served here\n", "text/plain");
  };
  for (const char* path : {"/metrics", "/healthz"}) {
    http.Post(path, not_allowed);
    http.Put(path, not_allowed);
    http.Delete(path, not_allowed);
    http.Patch(path, not_allowed);
  }

  if (host_port->port == 0) {
    server->port_ = http.bind_to_any_port(host_port->host);
    if (server->port_ < 0) server->port_ = 0;
  } else if (http.bind_to_port(host_port->host, host_port->port)) {
    server->port_ = host_port->port;
  }
  if (server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for metrics on ", std::string(address),
                     " (address in use, or not an address of this machine)"));
  }
  MetricsHttpServer* raw = server.get();
  server->thread_ = std::thread([raw] {
    raw->http_->listen_after_bind();
    raw->listen_returned_.store(true, std::memory_order_release);
  });
  return server;
}

void MetricsHttpServer::Stop() {
  if (!thread_.joinable()) return;
  // httplib's stop() does nothing until the listening loop has started;
  // the loop starts at once, so wait for it (or for its failure) first.
  while (!http_->is_running() &&
         !listen_returned_.load(std::memory_order_acquire)) {
    std::this_thread::yield();
  }
  http_->stop();
  thread_.join();
}

}  // namespace pactlog::metrics
