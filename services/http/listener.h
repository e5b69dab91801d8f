// HttpListener: the connections of the HTTP port, on Boost.Beast. Accepts
// (TLS when a certificate is given, with a client certificate required when
// a client CA is), reads HTTP/1.1 requests one at a time per connection and
// hands each to the handler as an Exchange (services/http/exchange.h).
//
// Limits: request headers up to 16 KiB (431 beyond), no request body (GET
// only: 413 for one); a connection idle for 60 s is closed, and so is a
// stream whose client has not taken a chunk for 60 s; at most
// `max_connections` at once (more are closed on accept).
//
// Thread-safety: Stop() may be called from any thread; the destructor stops.
#ifndef PACTLOG_SERVICES_HTTP_LISTENER_H_
#define PACTLOG_SERVICES_HTTP_LISTENER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/http/exchange.h"
#include "services/security/transport.h"

namespace pactlog::services::http {

struct ListenerOptions {
  // host:port; port 0 picks a free port (see port()).
  std::string address;
  // The same PEM files as the gRPC port's; plaintext without a certificate.
  security::TransportOptions transport;
  int threads = 2;
  int max_connections = 1024;
};

class HttpListener {
 public:
  using Handler = std::function<void(std::shared_ptr<Exchange>)>;

  // Errors: INVALID_ARGUMENT for a malformed address or unusable PEM files,
  // NOT_FOUND for a missing one, UNAVAILABLE when the address cannot be
  // bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpListener>> Start(
      const ListenerOptions& options, Handler handler);

  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;
  ~HttpListener();

  // Stops accepting, closes every connection and joins the I/O threads.
  // Idempotent. Exchanges still held by handlers then do nothing.
  void Stop();

  int port() const;

  // The acceptor, I/O threads and connections (listener.cc; named there by
  // the connections too).
  struct State;

 private:
  explicit HttpListener(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace pactlog::services::http

#endif  // PACTLOG_SERVICES_HTTP_LISTENER_H_
