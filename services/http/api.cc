#include "services/http/api.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/client_callback.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pactlog/v1/query.pb.h"
#include "pactlog/v1/stream.grpc.pb.h"
#include "services/grpc_status.h"
#include "services/http/csv.h"
#include "services/http/http_status.h"
#include "services/http/request_fields.h"
#include "util/quote.h"

namespace pactlog::services::http {

// The gRPC calls in flight, so that Drain() can cancel them and wait.
class HttpApi::Calls {
 public:
  // False when draining: the call must not start.
  bool Add(grpc::ClientContext* context) {
    absl::MutexLock lock(&mu_);
    if (draining_) return false;
    live_.insert(context);
    return true;
  }
  void Remove(grpc::ClientContext* context) {
    absl::MutexLock lock(&mu_);
    live_.erase(context);
  }
  void CancelAllAndWait() {
    absl::MutexLock lock(&mu_);
    draining_ = true;
    for (grpc::ClientContext* context : live_) context->TryCancel();
    mu_.Await(absl::Condition(
        +[](absl::flat_hash_set<grpc::ClientContext*>* live) {
          return live->empty();
        },
        &live_));
  }

 private:
  absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<grpc::ClientContext*> live_ ABSL_GUARDED_BY(mu_);
};

namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using GenericStub = grpc::TemplatedGenericStub<google::protobuf::Message,
                                               google::protobuf::Message>;

constexpr char kJson[] = "application/json";
// Query parameters of the HTTP layer, not fields of a request.
const std::vector<std::string>& HttpParameters() {
  static const auto* const kNames =
      new std::vector<std::string>{"access_token"};
  return *kNames;
}

enum class Answer {
  kJson,         // the response as JSON
  kAllocations,  // GetDeal's deal.allocations as {allocations, logSequence}
  kProjectsCsv,
  kEventsCsv,
  kEventStream,  // Server-Sent Events
};

struct Route {
  std::string_view path_template;
  std::string_view rpc;  // full method name
  Answer answer;
};

// Literal routes before templated ones of the same shape: ".../projects.csv"
// is not a project id.
constexpr Route kRoutes[] = {
    {"/v1/deals", "pactlog.v1.DealQuery.ListDeals", Answer::kJson},
    {"/v1/events", "pactlog.v1.EventStream.Read", Answer::kJson},
    {"/v1/events:stream", "pactlog.v1.EventStream.Subscribe",
     Answer::kEventStream},
    {"/v1/deals/{deal_id}", "pactlog.v1.DealQuery.GetDeal", Answer::kJson},
    {"/v1/deals/{deal_id}/projects", "pactlog.v1.DealQuery.ListProjects",
     Answer::kJson},
    {"/v1/deals/{deal_id}/projects.csv", "pactlog.v1.DealQuery.ListProjects",
     Answer::kProjectsCsv},
    {"/v1/deals/{deal_id}/projects/{project_id}",
     "pactlog.v1.DealQuery.GetProject", Answer::kJson},
    {"/v1/deals/{deal_id}/allocations", "pactlog.v1.DealQuery.GetDeal",
     Answer::kAllocations},
    {"/v1/deals/{deal_id}/tariffs", "pactlog.v1.DealQuery.GetTariffs",
     Answer::kJson},
    {"/v1/deals/{deal_id}/compliance", "pactlog.v1.DealQuery.GetCompliance",
     Answer::kJson},
    {"/v1/deals/{deal_id}/lineage", "pactlog.v1.DealQuery.GetLineage",
     Answer::kJson},
    {"/v1/deals/{filter.deal_ids}/events", "pactlog.v1.EventStream.Read",
     Answer::kJson},
    {"/v1/deals/{filter.deal_ids}/events.csv", "pactlog.v1.EventStream.Read",
     Answer::kEventsCsv},
};

std::string ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

// "/pactlog.v1.DealQuery/GetDeal" for the method's full name.
std::string MethodPath(const MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(type)
          ->New());
}

// The request id the server gave the call, as the response's header: in
// the initial metadata, or, for a call that failed before it sent any (a
// "trailers-only" answer), in the trailing metadata.
Headers ResponseHeaders(const grpc::ClientContext* context) {
  Headers headers = {{"Cache-Control", "no-store"}};
  if (context == nullptr) return headers;
  for (const auto* metadata : {&context->GetServerInitialMetadata(),
                               &context->GetServerTrailingMetadata()}) {
    if (auto it = metadata->find("x-request-id"); it != metadata->end()) {
      headers.emplace_back("x-request-id",
                           std::string(it->second.data(), it->second.size()));
      break;
    }
  }
  return headers;
}

// `context` is the failed call's, or null when no call was made.
void RespondError(Exchange& exchange, const grpc::Status& status,
                  const grpc::ClientContext* context = nullptr) {
  exchange.Respond(HttpStatusFor(status.error_code()), kJson, ErrorJson(status),
                   ResponseHeaders(context));
}

void RespondError(Exchange& exchange, const absl::Status& status) {
  RespondError(exchange, ToGrpcStatus(status));
}

// The caller's credentials and request id as the call's metadata.
void PrepareContext(const HttpRequest& request, const QueryParams& params,
                    grpc::ClientContext* context) {
  std::string authorization = request.authorization;
  for (const auto& [name, value] : params) {
    if (name == "access_token" && authorization.empty()) {
      authorization = absl::StrCat("Bearer ", value);
    }
  }
  if (!authorization.empty()) {
    context->AddMetadata("authorization", authorization);
  }
  if (!request.request_id.empty()) {
    context->AddMetadata("x-request-id", request.request_id);
  }
}

std::string AllocationsJson(const Message& response) {
  const auto& deal = static_cast<const pactlog::v1::GetDealResponse&>(response);
  std::string json = "{\"allocations\":[";
  for (int i = 0; i < deal.deal().allocations_size(); ++i) {
    if (i > 0) json += ",";
    json += ToJson(deal.deal().allocations(i));
  }
  absl::StrAppend(&json, "],\"logSequence\":\"", deal.log_sequence(), "\"}");
  return json;
}

// One unary call and what it answers; owns itself until the call ends.
struct UnaryCall {
  std::shared_ptr<Exchange> exchange;
  HttpApi::Calls* calls = nullptr;
  Answer answer = Answer::kJson;
  std::string method;
  grpc::ClientContext context;
  std::unique_ptr<Message> request;
  std::unique_ptr<Message> response;
};

void StartUnary(GenericStub& stub, absl::Duration deadline,
                std::unique_ptr<UnaryCall> call) {
  UnaryCall* raw = call.release();
  raw->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!raw->calls->Add(&raw->context)) {
    RespondError(*raw->exchange, grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                              "pactlogd is shutting down"));
    delete raw;
    return;
  }
  stub.UnaryCall(
      &raw->context, raw->method, grpc::StubOptions(), raw->request.get(),
      raw->response.get(), [raw](grpc::Status status) {
        std::unique_ptr<UnaryCall> call(raw);
        call->calls->Remove(&call->context);
        if (!status.ok()) {
          return RespondError(*call->exchange, status, &call->context);
        }
        call->exchange->Respond(200, kJson,
                                call->answer == Answer::kAllocations
                                    ? AllocationsJson(*call->response)
                                    : ToJson(*call->response) + "\n",
                                ResponseHeaders(&call->context));
      });
}

// A CSV export: one call per page, each page's rows written before the
// next page is asked for. Owns itself until the last page or a failure.
class CsvCall {
 public:
  CsvCall(GenericStub* stub, HttpApi::Calls* calls, absl::Duration deadline,
          std::shared_ptr<Exchange> exchange, const CsvExport* csv,
          std::string method, std::unique_ptr<Message> request,
          std::unique_ptr<Message> response, std::string filename)
      : stub_(stub),
        calls_(calls),
        deadline_(deadline),
        exchange_(std::move(exchange)),
        csv_(csv),
        method_(std::move(method)),
        request_(std::move(request)),
        response_(std::move(response)),
        filename_(std::move(filename)) {}

  void Next(const QueryParams& params) {
    context_ = std::make_unique<grpc::ClientContext>();
    PrepareContext(exchange_->request(), params, context_.get());
    context_->set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
    if (!calls_->Add(context_.get())) {
      return End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "pactlogd is shutting down"));
    }
    response_->Clear();
    stub_->UnaryCall(context_.get(), method_, grpc::StubOptions(),
                     request_.get(), response_.get(),
                     [this, params](grpc::Status status) {
                       calls_->Remove(context_.get());
                       OnPage(status, params);
                     });
  }

 private:
  void OnPage(const grpc::Status& status, const QueryParams& params) {
    if (!status.ok()) return End(status);
    std::string rows = csv_->rows(*response_);
    if (!started_) {
      started_ = true;
      Headers headers = ResponseHeaders(context_.get());
      headers.emplace_back(
          "Content-Disposition",
          absl::StrCat("attachment; filename=\"", filename_, "\""));
      exchange_->StartStream(200, "text/csv; charset=utf-8",
                             std::move(headers));
      rows.insert(0, csv_->header);
    }
    const bool more = csv_->next(*response_, request_.get());
    exchange_->Write(std::move(rows), [this, more, params](bool ok) {
      if (!ok) return delete this;
      if (!more) {
        exchange_->Finish();
        return delete this;
      }
      Next(params);
    });
  }

  // A failure before the first page is an error answer; after it, the CSV
  // is cut short (the client sees a chunked body without its last chunk).
  void End(const grpc::Status& status) {
    if (!started_) {
      RespondError(*exchange_, status, context_.get());
    } else {
      exchange_->Abort();
    }
    delete this;
  }

  GenericStub* const stub_;
  HttpApi::Calls* const calls_;
  const absl::Duration deadline_;
  const std::shared_ptr<Exchange> exchange_;
  const CsvExport* const csv_;
  const std::string method_;
  std::unique_ptr<Message> request_;
  std::unique_ptr<Message> response_;
  const std::string filename_;
  std::unique_ptr<grpc::ClientContext> context_;
  bool started_ = false;
};

std::string SseMessage(std::string_view event, uint64_t id,
                       const std::string& data) {
  return absl::StrCat("id: ", id, "\nevent: ", util::AsAbsl(event),
                      "\ndata: ", data, "\n\n");
}

// EventStream.Subscribe as Server-Sent Events. The next message is read
// only when the previous one is written, so a slow client slows its own
// subscription and nothing queues up. Owns itself until OnDone.
class EventStreamCall final
    : public grpc::ClientReadReactor<pactlog::v1::SubscribeResponse> {
 public:
  EventStreamCall(HttpApi::Calls* calls, std::shared_ptr<Exchange> exchange,
                  pactlog::v1::SubscribeRequest request)
      : calls_(calls),
        exchange_(std::move(exchange)),
        request_(std::move(request)) {}

  void Start(pactlog::v1::EventStream::Stub& stub, const QueryParams& params) {
    PrepareContext(exchange_->request(), params, &context_);
    if (!calls_->Add(&context_)) {
      RespondError(*exchange_, grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                            "pactlogd is shutting down"));
      delete this;
      return;
    }
    stub.async()->Subscribe(&context_, &request_, this);
    // The first read goes in before the call starts: a subscription the
    // service refuses at once may otherwise be done, and this reactor
    // deleted, before StartRead is reached.
    StartRead(&response_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows.
    std::string text;
    switch (response_.message_case()) {
      case pactlog::v1::SubscribeResponse::kEvents:
        for (const pactlog::v1::Event& event : response_.events().events()) {
          absl::StrAppend(&text,
                          SseMessage("event", event.sequence(), ToJson(event)));
        }
        break;
      case pactlog::v1::SubscribeResponse::kCaughtUp:
        text = SseMessage("caught_up", response_.caught_up().sequence(),
                          ToJson(response_.caught_up()));
        break;
      case pactlog::v1::SubscribeResponse::kProgress:
        text = SseMessage("progress",
                          response_.progress().last_examined_sequence(),
                          ToJson(response_.progress()));
        break;
      default:
        break;
    }
    if (text.empty()) {  // a message kind newer than this server knows
      StartRead(&response_);
      return;
    }
    if (!started_) StartSse();
    AddHold();
    exchange_->Write(std::move(text), [this](bool written) {
      if (written) {
        StartRead(&response_);
      } else {
        context_.TryCancel();
      }
      RemoveHold();
    });
  }

  void OnDone(const grpc::Status& status) override {
    calls_->Remove(&context_);
    if (!started_) {
      RespondError(*exchange_, status, &context_);
    } else {
      const std::string error = ErrorJson(status);
      // One line of data: ErrorJson ends with a newline.
      exchange_->Write(absl::StrCat("event: error\ndata: ",
                                    error.substr(0, error.size() - 1), "\n\n"),
                       [](bool) {});
      exchange_->Finish();
    }
    delete this;
  }

 private:
  // The 200 answer goes out with the subscription's first message, not its
  // initial metadata: a request the service refuses (a bad parameter, a
  // missing token) is then an error answer with its HTTP status.
  void StartSse() {
    started_ = true;
    Headers headers = ResponseHeaders(&context_);
    headers.emplace_back("X-Accel-Buffering", "no");
    exchange_->StartStream(200, "text/event-stream; charset=utf-8",
                           std::move(headers));
    // A browser reconnects a second after a lost stream.
    AddHold();
    exchange_->Write("retry: 1000\n\n", [this](bool) { RemoveHold(); });
    exchange_->OnClientGone([this] { context_.TryCancel(); });
  }

  HttpApi::Calls* const calls_;
  const std::shared_ptr<Exchange> exchange_;
  grpc::ClientContext context_;
  pactlog::v1::SubscribeRequest request_;
  pactlog::v1::SubscribeResponse response_;
  bool started_ = false;
};

// The file name of a CSV export: "<deal>-projects.csv".
std::string CsvFilename(const QueryParams& variables, std::string_view what) {
  std::string deal = variables.empty() ? "pactlog" : variables.front().second;
  for (char& c : deal) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!plain) c = '_';
  }
  return absl::StrCat(deal, "-", util::AsAbsl(what), ".csv");
}

}  // namespace

struct HttpApi::Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : generic(channel), events(pactlog::v1::EventStream::NewStub(channel)) {}
  GenericStub generic;
  std::unique_ptr<pactlog::v1::EventStream::Stub> events;
};

absl::StatusOr<std::unique_ptr<HttpApi>> HttpApi::Create(
    ApiOptions options, std::shared_ptr<grpc::Channel> channel) {
  StaticFiles files;
  if (!options.web_root.empty()) {
    auto loaded = StaticFiles::Load(options.web_root);
    if (!loaded.ok()) return loaded.status();
    files = *std::move(loaded);
  }
  return std::unique_ptr<HttpApi>(
      new HttpApi(std::move(options), std::move(channel), std::move(files)));
}

HttpApi::HttpApi(ApiOptions options, std::shared_ptr<grpc::Channel> channel,
                 StaticFiles files)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      files_(std::move(files)),
      stubs_(std::make_unique<Stubs>(channel_)),
      calls_(std::make_unique<Calls>()) {}

HttpApi::~HttpApi() = default;

void HttpApi::Drain() { calls_->CancelAllAndWait(); }

void HttpApi::Handle(std::shared_ptr<Exchange> exchange) {
  const HttpRequest& request = exchange->request();
  if (request.method != "GET") {
    exchange->Respond(
        405, kJson,
        ErrorJson(grpc::Status(
            grpc::StatusCode::UNIMPLEMENTED,
            absl::StrCat("the HTTP API is read-only: ", request.method,
                         " is not served; use GET (appends go to the gRPC "
                         "DealLedger service)"))),
        {{"Allow", "GET"}});
    return;
  }
  if (request.path == "/healthz") {
    const bool ready = options_.ready && options_.ready();
    exchange->Respond(ready ? 200 : 503, "text/plain; charset=utf-8",
                      ready ? "SERVING\n" : "NOT_SERVING\n",
                      {{"Cache-Control", "no-store"}});
    return;
  }
  if (absl::StartsWith(request.path, "/v1/") || request.path == "/v1") {
    HandleV1(exchange);
    return;
  }
  if (const StaticFiles::File* file = files_.Find(request.path)) {
    exchange->Respond(200, file->content_type, file->body, file->headers);
    return;
  }
  RespondError(
      *exchange,
      grpc::Status(grpc::StatusCode::NOT_FOUND,
                   absl::StrCat("no page at ", util::Quote(request.path),
                                files_.empty() ? " (pactlogd runs without "
                                                 "--web-root)"
                                               : "")));
}

void HttpApi::HandleV1(const std::shared_ptr<Exchange>& exchange) {
  const HttpRequest& request = exchange->request();
  const Route* route = nullptr;
  QueryParams variables;
  for (const Route& candidate : kRoutes) {
    if (MatchPathTemplate(candidate.path_template, request.path, &variables)) {
      route = &candidate;
      break;
    }
  }
  if (route == nullptr) {
    RespondError(*exchange,
                 grpc::Status(grpc::StatusCode::NOT_FOUND,
                              absl::StrCat("no route for GET ",
                                           util::Quote(request.path),
                                           "; the routes are listed in the "
                                           "README (HTTP/JSON API)")));
    return;
  }
  const MethodDescriptor* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          std::string(route->rpc));
  auto params = ParseQuery(request.query);
  if (!params.ok()) {
    RespondError(*exchange, params.status());
    return;
  }
  std::unique_ptr<Message> rpc_request = NewMessage(method->input_type());
  std::vector<domain::FieldViolation> violations;
  for (const auto& [path, value] : variables) {
    SetRequestField(path, path, value, rpc_request.get(), &violations);
  }
  if (absl::Status status = domain::ViolationsToStatus(violations);
      !status.ok()) {
    RespondError(*exchange, status);
    return;
  }
  if (absl::Status status =
          SetRequestFields(*params, rpc_request.get(), HttpParameters());
      !status.ok()) {
    RespondError(*exchange, status);
    return;
  }

  switch (route->answer) {
    case Answer::kJson:
    case Answer::kAllocations: {
      auto call = std::make_unique<UnaryCall>();
      call->exchange = exchange;
      call->calls = calls_.get();
      call->answer = route->answer;
      call->method = MethodPath(*method);
      PrepareContext(request, *params, &call->context);
      call->request = std::move(rpc_request);
      call->response = NewMessage(method->output_type());
      StartUnary(stubs_->generic, options_.call_deadline, std::move(call));
      return;
    }
    case Answer::kProjectsCsv:
    case Answer::kEventsCsv: {
      const bool projects = route->answer == Answer::kProjectsCsv;
      auto* csv = new CsvCall(
          &stubs_->generic, calls_.get(), options_.call_deadline, exchange,
          projects ? &ProjectsCsv() : &EventsCsv(), MethodPath(*method),
          std::move(rpc_request), NewMessage(method->output_type()),
          CsvFilename(variables, projects ? "projects" : "events"));
      csv->Next(*params);
      return;
    }
    case Answer::kEventStream: {
      auto* subscribe =
          static_cast<pactlog::v1::SubscribeRequest*>(rpc_request.get());
      // A reconnecting EventSource sends its first URL again, start and
      // all, with the id of the last message it received: that id is
      // where it stands, whatever the URL says.
      if (!request.last_event_id.empty()) {
        uint64_t after = 0;
        if (!absl::SimpleAtoi(request.last_event_id, &after)) {
          RespondError(
              *exchange,
              domain::ViolationsToStatus(
                  {{"Last-Event-ID",
                    absl::StrCat("must be the sequence of the last "
                                 "event received, got ",
                                 util::Quote(request.last_event_id))}}));
          return;
        }
        subscribe->set_after_sequence(after);
      }
      if (subscribe->heartbeat_interval_ms() == 0) {
        subscribe->set_heartbeat_interval_ms(static_cast<int32_t>(
            absl::ToInt64Milliseconds(options_.stream_heartbeat)));
      }
      auto* call =
          new EventStreamCall(calls_.get(), exchange, std::move(*subscribe));
      call->Start(*stubs_->events, *params);
      return;
    }
  }
}

}  // namespace pactlog::services::http
