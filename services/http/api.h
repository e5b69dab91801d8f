// HttpApi: the read-only HTTP/JSON API and the web page, served on
// pactlogd's HTTP port (--http-listen). Every /v1 route calls the real gRPC
// service through the server's in-process channel, so validation, error
// codes, authorization (role `reader`), executors and limits are the gRPC
// port's own; the caller's `Authorization: Bearer <token>` (or an
// `access_token` query parameter, for EventSource) and `x-request-id` go
// along as metadata.
//
//   GET /v1/deals                                   DealQuery.ListDeals
//   GET /v1/deals/{deal_id}                         DealQuery.GetDeal
//   GET /v1/deals/{deal_id}/projects                DealQuery.ListProjects
//   GET /v1/deals/{deal_id}/projects/{project_id}   DealQuery.GetProject
//   GET /v1/deals/{deal_id}/allocations             DealQuery.GetDeal's
//                                                   deal.allocations
//   GET /v1/deals/{deal_id}/tariffs                 DealQuery.GetTariffs
//   GET /v1/deals/{deal_id}/compliance              DealQuery.GetCompliance
//   GET /v1/deals/{deal_id}/lineage                 DealQuery.GetLineage
//   GET /v1/deals/{deal_id}/events                  EventStream.Read of the
//                                                   deal
//   GET /v1/events                                  EventStream.Read
//   GET /v1/deals/{deal_id}/projects.csv            all projects, as CSV
//   GET /v1/deals/{deal_id}/events.csv              all events, as CSV
//   GET /v1/events:stream                           EventStream.Subscribe as
//                                                   Server-Sent Events
//   GET /healthz                                    200 SERVING / 503
//   GET /, /assets/...                              the web page (web root)
//
// Query parameters set request fields (services/http/request_fields.h):
// e.g. ?as_of.effective_time=2025-09-04T00:00:00Z&min_sequence=12. Bodies
// are Protobuf's JSON mapping of the response (lowerCamelCase names,
// 64-bit integers as strings, every field printed); errors as
// services/http/http_status.h.
//
// Server-Sent Events: each event is `id: <sequence>`, `event: event`,
// `data: <Event JSON>`; the stream also sends `event: caught_up` (data
// CaughtUp) once history is delivered and `event: progress` (data
// Progress) as heartbeats, both with the sequence examined as their id. A
// client resumes with the Last-Event-ID header (EventSource does so by
// itself), which stands for after_sequence and wins over the URL's own
// start (a reconnecting EventSource sends its first URL). The 200 answer
// comes with the subscription's first message, so a subscription the
// service refuses (a bad parameter, no token) is an error answer with its
// HTTP status; one that fails later ends with `event: error` (data: the
// error JSON).
//
// Thread-safety: Handle() may be called from any thread; Drain() once.
#ifndef PACTLOG_SERVICES_HTTP_API_H_
#define PACTLOG_SERVICES_HTTP_API_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/http/exchange.h"
#include "services/http/static_files.h"

namespace pactlog::services::http {

struct ApiOptions {
  // Where the web page's files are; empty for no page (/ is then 404).
  std::string web_root;
  // Whether pactlogd serves (/healthz).
  std::function<bool()> ready;
  // Deadline of each unary call.
  absl::Duration call_deadline = absl::Seconds(30);
  // Heartbeat of the Server-Sent Events streams (a proxy closes a silent
  // connection; the browser's EventSource reconnects).
  absl::Duration stream_heartbeat = absl::Seconds(15);
};

class HttpApi {
 public:
  // `channel` reaches the pactlog services (the server's in-process
  // channel). Errors: those of StaticFiles::Load for the web root.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpApi>> Create(
      ApiOptions options, std::shared_ptr<grpc::Channel> channel);
  ~HttpApi();

  void Handle(std::shared_ptr<Exchange> exchange);

  // Cancels every call in flight and waits until they have ended; later
  // requests are answered 503.
  void Drain();

  class Calls;

 private:
  HttpApi(ApiOptions options, std::shared_ptr<grpc::Channel> channel,
          StaticFiles files);

  void HandleV1(const std::shared_ptr<Exchange>& exchange);

  const ApiOptions options_;
  const std::shared_ptr<grpc::Channel> channel_;
  const StaticFiles files_;
  struct Stubs;
  const std::unique_ptr<Stubs> stubs_;
  const std::unique_ptr<Calls> calls_;
};

}  // namespace pactlog::services::http

#endif  // PACTLOG_SERVICES_HTTP_API_H_
