// Exchange: one HTTP request and its response, as the JSON API's handlers
// (services/http/api.h) see it, apart from the connection that carries it
// (services/http/listener.h).
//
// A handler answers exactly once: with Respond(), or with StartStream(),
// any number of Write()s and Finish(). Until then the connection reads no
// further request.
//
// Thread-safety: every method may be called from any thread (a gRPC
// callback, typically); the connection runs them in order on its own
// strand. Callbacks run on the connection's I/O threads and must not block.
#ifndef PACTLOG_SERVICES_HTTP_EXCHANGE_H_
#define PACTLOG_SERVICES_HTTP_EXCHANGE_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace pactlog::services::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // "/v1/deals", %-escapes kept
  std::string query;   // after '?', "" when none
  // The request headers the API reads ("" when absent).
  std::string authorization;
  std::string request_id;     // x-request-id
  std::string last_event_id;  // Last-Event-ID (an EventSource resuming)
};

class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual const HttpRequest& request() const = 0;

  // The whole response. `headers` come after Content-Type/Content-Length.
  virtual void Respond(int status, std::string content_type, std::string body,
                       Headers headers = {}) = 0;

  // A response of unknown length (chunked): the header now, then Write()s.
  virtual void StartStream(int status, std::string content_type,
                           Headers headers = {}) = 0;
  // Sends `chunk` and then calls `written(true)`; `written(false)` when the
  // client is gone or too slow (the connection is then closed). Writes are
  // sent in the order they are made.
  virtual void Write(std::string chunk, std::function<void(bool)> written) = 0;
  // Ends a stream; the connection then closes.
  virtual void Finish() = 0;
  // Cuts a stream short: closes the connection without the chunked body's
  // end, so that the client sees an incomplete response, not a short one.
  virtual void Abort() = 0;
  // `gone` is called once when the client closes the connection (or it
  // fails) while a stream is open; not after Finish().
  virtual void OnClientGone(std::function<void()> gone) = 0;
};

}  // namespace pactlog::services::http

#endif  // PACTLOG_SERVICES_HTTP_EXCHANGE_H_
