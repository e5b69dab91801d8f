#include "pactlog/client/client.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/status.pb.h"
#include "pactlog/client/error.h"
#include "src/connection.h"
#include "src/settings.h"

namespace pactlog::client {

namespace internal {

void Connection::Prepare(grpc::ClientContext* context,
                         bool with_deadline) const {
  if (with_deadline) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
  }
  if (!options.bearer_token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options.bearer_token));
  }
}

absl::Status ToStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status converted(static_cast<absl::StatusCode>(status.error_code()),
                         status.error_message());
  google::rpc::Status details;
  // Details that do not parse are dropped: the message still says it all.
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details())) {
    return converted;
  }
  for (const google::protobuf::Any& any : details.details()) {
    // A status keeps one payload per type URL. Concatenated serialized
    // messages parse as their merge, so two details of one type (say two
    // BadRequests) become one holding both violation lists.
    absl::Cord payload =
        converted.GetPayload(any.type_url()).value_or(absl::Cord());
    payload.Append(any.value());
    converted.SetPayload(any.type_url(), std::move(payload));
  }
  return converted;
}

}  // namespace internal

namespace {

using internal::Connection;
using internal::ToStatus;

// The transient failures of sdk/BEHAVIOUR.md, UNAVAILABLE and
// DEADLINE_EXCEEDED, and CANCELLED: the client never cancels a unary call
// itself, so a CANCELLED comes from a server shutting down with the call in
// flight (a restart), which a retry with the same event ids survives.
// Every other code is final.
bool IsRetryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::CANCELLED;
}

// Runs `call(context)` with a fresh context per attempt, retrying the
// transient failures with exponential backoff, and answers the last
// attempt's status with the attempts made (error.h); *attempts_out, when
// not null, receives them too. Only idempotent calls come here: queries,
// and appends whose event ids are all set.
template <typename Call>
absl::Status WithRetries(const Connection& connection, Call call,
                         int* attempts_out = nullptr) {
  const RetryPolicy& policy = connection.options.retry;
  absl::Duration backoff = policy.initial_backoff;
  absl::BitGen random;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    connection.Prepare(&context);
    grpc::Status status = call(&context);
    if (status.ok() || !IsRetryable(status.error_code()) ||
        attempt >= policy.max_attempts) {
      if (attempts_out != nullptr) *attempts_out = attempt;
      return WithAttempts(ToStatus(status), attempt);
    }
    // Jitter spreads clients out; the wait stays within max_backoff.
    absl::SleepFor(std::min(backoff * absl::Uniform(random, 0.8, 1.2),
                            policy.max_backoff));
    backoff = std::min(backoff * 2, policy.max_backoff);
  }
}

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  timespec ts = absl::ToTimespec(time);
  out->set_seconds(ts.tv_sec);
  out->set_nanos(static_cast<int32_t>(ts.tv_nsec));
}

void SetReadOptions(const QueryOptions& options, v1::ReadOptions* out) {
  v1::AsOf* as_of = out->mutable_as_of();
  as_of->set_sequence(options.as_of.sequence);
  if (options.as_of.recorded_time.has_value()) {
    SetTime(*options.as_of.recorded_time, as_of->mutable_recorded_time());
  }
  if (options.as_of.effective_time.has_value()) {
    SetTime(*options.as_of.effective_time, as_of->mutable_effective_time());
  }
  out->set_min_sequence(options.at_least_sequence);
}

bool IsPrintableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= 0x20 && c < 0x7f; });
}

absl::Status ValidateOptions(std::string_view address,
                             const ClientOptions& options) {
  if (address.empty()) {
    return absl::InvalidArgumentError("address is empty; want host:port");
  }
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("deadline must be positive, got ",
                     absl::FormatDuration(options.deadline)));
  }
  if (!IsPrintableAscii(options.bearer_token)) {
    return absl::InvalidArgumentError(
        "bearer_token must be printable ASCII (it travels as gRPC metadata)");
  }
  if (options.keepalive_time < absl::Seconds(1) ||
      options.keepalive_timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "keepalive_time and keepalive_timeout must be at least 1s, got ",
        absl::FormatDuration(options.keepalive_time), " and ",
        absl::FormatDuration(options.keepalive_timeout)));
  }
  if (options.retry.max_attempts < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retry.max_attempts must be >= 1, got ", options.retry.max_attempts));
  }
  if (options.tls.has_value() && options.tls->client_cert_pem.empty() !=
                                     options.tls->client_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "tls.client_cert_pem and tls.client_key_pem go together: give both "
        "for mutual TLS, or neither");
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view ServingStatusName(ServingStatus status) {
  switch (status) {
    case ServingStatus::kServing:
      return "SERVING";
    case ServingStatus::kNotServing:
      return "NOT_SERVING";
    case ServingStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
    case ServingStatus::kUnknown:
      break;
  }
  return "UNKNOWN";
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(
    std::string_view address, ClientOptions options) {
  if (address.empty()) {
    return absl::InvalidArgumentError("address is empty; want host:port");
  }
  options.address = std::string(address);
  return Connect(std::move(options));
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  absl::StatusOr<ClientOptions> resolved = internal::ResolveOptions(
      std::move(options), internal::Environment::Process());
  if (!resolved.ok()) return resolved.status();
  options = *std::move(resolved);
  if (absl::Status valid = ValidateOptions(options.address, options);
      !valid.ok()) {
    return valid;
  }
  grpc::ChannelArguments args;
  // gRPC's default reconnect backoff grows to two minutes; a client that
  // follows a server through restarts finds it again within about a second
  // (sdk/BEHAVIOUR.md). The minimum is also the shortest time a connection
  // attempt may take before it is given up and tried again.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  args.SetInt(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls.has_value()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls->root_certs_pem;
    ssl.pem_cert_chain = options.tls->client_cert_pem;
    ssl.pem_private_key = options.tls->client_key_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls->server_name_override.empty()) {
      args.SetSslTargetNameOverride(options.tls->server_name_override);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  auto connection = std::make_shared<Connection>();
  connection->address = options.address;
  connection->options = std::move(options);
  connection->channel =
      grpc::CreateCustomChannel(connection->address, credentials, args);
  connection->ledger = v1::DealLedger::NewStub(connection->channel);
  connection->query = v1::DealQuery::NewStub(connection->channel);
  connection->stream = v1::EventStream::NewStub(connection->channel);
  connection->admin = v1::Admin::NewStub(connection->channel);
  connection->health =
      std::make_unique<internal::HealthStub>(connection->channel);
  return std::unique_ptr<Client>(new Client(std::move(connection)));
}

Client::Client(std::shared_ptr<Connection> connection)
    : connection_(std::move(connection)) {}

Client::~Client() = default;

const std::string& Client::address() const { return connection_->address; }

const ClientOptions& Client::options() const { return connection_->options; }

absl::StatusOr<v1::AppendResponse> Client::Append(
    std::string_view deal_id, std::vector<v1::EventData> events,
    const AppendOptions& options) {
  v1::AppendRequest request;
  request.set_deal_id(std::string(deal_id));
  request.set_actor(options.actor);
  if (options.expected_version.has_value()) {
    request.mutable_expected_version()->set_exact(*options.expected_version);
  }
  for (v1::EventData& event : events) {
    *request.add_events() = std::move(event);
  }
  return AppendCounted(std::move(request), options.attempts);
}

absl::StatusOr<v1::AppendResponse> Client::Append(v1::AppendRequest request) {
  return AppendCounted(std::move(request), nullptr);
}

absl::StatusOr<v1::AppendResponse> Client::AppendCounted(
    v1::AppendRequest request, int* attempts) {
  if (request.actor().empty()) request.set_actor(connection_->options.actor);
  // Ids first: from here on every attempt sends the same events, so the
  // server recognises a retry of an append that was recorded but whose
  // answer was lost.
  for (v1::EventData& event : *request.mutable_events()) {
    if (event.event_id().empty()) event.set_event_id(RandomUuid());
  }
  v1::AppendResponse response;
  absl::Status status = WithRetries(
      *connection_,
      [&](grpc::ClientContext* context) {
        response.Clear();
        return connection_->ledger->Append(context, request, &response);
      },
      attempts);
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::GetDealResponse> Client::GetDeal(
    std::string_view deal_id, const QueryOptions& options) {
  v1::GetDealRequest request;
  request.set_deal_id(std::string(deal_id));
  SetReadOptions(options, request.mutable_options());
  v1::GetDealResponse response;
  absl::Status status =
      WithRetries(*connection_, [&](grpc::ClientContext* context) {
        return connection_->query->GetDeal(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListDealsResponse> Client::ListDeals(
    const QueryOptions& options, const PageOptions& page) {
  v1::ListDealsRequest request;
  SetReadOptions(options, request.mutable_options());
  request.set_page_size(page.page_size);
  request.set_page_token(page.page_token);
  v1::ListDealsResponse response;
  absl::Status status =
      WithRetries(*connection_, [&](grpc::ClientContext* context) {
        return connection_->query->ListDeals(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

Listing<v1::DealState> Client::ListAllDeals(const QueryOptions& options,
                                            int page_size) {
  // The first page's log_sequence pins the later ones (see client.h).
  auto pinned = std::make_shared<QueryOptions>(options);
  return Listing<v1::DealState>([this, pinned, page_size](
                                    const std::string& token,
                                    std::vector<v1::DealState>* items,
                                    std::string* next_token) -> absl::Status {
    PageOptions page;
    page.page_size = page_size;
    page.page_token = token;
    absl::StatusOr<v1::ListDealsResponse> response = ListDeals(*pinned, page);
    if (!response.ok()) return response.status();
    if (pinned->as_of.sequence == 0) {
      pinned->as_of.sequence = response->log_sequence();
    }
    items->assign(response->deals().begin(), response->deals().end());
    *next_token = response->next_page_token();
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::GetProjectResponse> Client::GetProject(
    std::string_view deal_id, std::string_view project_id,
    const QueryOptions& options) {
  v1::GetProjectRequest request;
  request.set_deal_id(std::string(deal_id));
  request.set_project_id(std::string(project_id));
  SetReadOptions(options, request.mutable_options());
  v1::GetProjectResponse response;
  absl::Status status =
      WithRetries(*connection_, [&](grpc::ClientContext* context) {
        return connection_->query->GetProject(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListProjectsResponse> Client::ListProjects(
    std::string_view deal_id, const ProjectFilter& filter,
    const QueryOptions& options, const PageOptions& page) {
  v1::ListProjectsRequest request;
  request.set_deal_id(std::string(deal_id));
  SetReadOptions(options, request.mutable_options());
  request.set_sector(filter.sector);
  request.set_us_state(filter.us_state);
  request.set_allocation_id(filter.allocation_id);
  request.set_status(filter.status);
  request.set_page_size(page.page_size);
  request.set_page_token(page.page_token);
  v1::ListProjectsResponse response;
  absl::Status status =
      WithRetries(*connection_, [&](grpc::ClientContext* context) {
        return connection_->query->ListProjects(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

Listing<v1::ProjectState> Client::ListAllProjects(std::string_view deal_id,
                                                  const ProjectFilter& filter,
                                                  const QueryOptions& options,
                                                  int page_size) {
  auto pinned = std::make_shared<QueryOptions>(options);
  return Listing<v1::ProjectState>(
      [this, pinned, page_size, deal = std::string(deal_id), filter](
          const std::string& token, std::vector<v1::ProjectState>* items,
          std::string* next_token) -> absl::Status {
        PageOptions page;
        page.page_size = page_size;
        page.page_token = token;
        absl::StatusOr<v1::ListProjectsResponse> response =
            ListProjects(deal, filter, *pinned, page);
        if (!response.ok()) return response.status();
        if (pinned->as_of.sequence == 0) {
          pinned->as_of.sequence = response->log_sequence();
        }
        items->assign(response->projects().begin(), response->projects().end());
        *next_token = response->next_page_token();
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::GetTariffsResponse> Client::GetTariffs(
    std::string_view deal_id, const QueryOptions& options,
    std::string_view product_category) {
  v1::GetTariffsRequest request;
  request.set_deal_id(std::string(deal_id));
  SetReadOptions(options, request.mutable_options());
  request.set_product_category(std::string(product_category));
  v1::GetTariffsResponse response;
  absl::Status status =
      WithRetries(*connection_, [&](grpc::ClientContext* context) {
        return connection_->query->GetTariffs(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::GetComplianceResponse> Client::GetCompliance(
    std::string_view deal_id, const QueryOptions& options,
    std::string_view reading) {
  v1::GetComplianceRequest request;
  request.set_deal_id(std::string(deal_id));
  SetReadOptions(options, request.mutable_options());
  request.set_reading(std::string(reading));
  v1::GetComplianceResponse response;
  absl::Status status =
      WithRetries(*connection_, [&](grpc::ClientContext* context) {
        return connection_->query->GetCompliance(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::GetLineageResponse> Client::GetLineage(
    std::string_view deal_id, const LineageSubject& subject,
    const QueryOptions& options, const PageOptions& page) {
  v1::GetLineageRequest request;
  request.set_deal_id(std::string(deal_id));
  SetReadOptions(options, request.mutable_options());
  request.set_project_id(subject.project_id);
  request.set_allocation_id(subject.allocation_id);
  request.set_page_size(page.page_size);
  request.set_page_token(page.page_token);
  v1::GetLineageResponse response;
  absl::Status status =
      WithRetries(*connection_, [&](grpc::ClientContext* context) {
        return connection_->query->GetLineage(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ReadResponse> Client::Read(uint64_t after_sequence,
                                              const v1::EventFilter& filter,
                                              int limit) {
  v1::ReadRequest request;
  request.set_after_sequence(after_sequence);
  *request.mutable_filter() = filter;
  request.set_limit(limit);
  v1::ReadResponse response;
  absl::Status status =
      WithRetries(*connection_, [&](grpc::ClientContext* context) {
        return connection_->stream->Read(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::VerifyChainResponse> Client::VerifyChain(
    uint64_t after_sequence, std::string_view trusted_hash) {
  v1::VerifyChainRequest request;
  request.set_after_sequence(after_sequence);
  request.set_trusted_hash(std::string(trusted_hash));
  v1::VerifyChainResponse response;
  absl::Status status =
      WithRetries(*connection_, [&](grpc::ClientContext* context) {
        return connection_->admin->VerifyChain(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::BackupResponse> Client::Backup(std::string_view directory) {
  v1::BackupRequest request;
  request.set_directory(std::string(directory));
  v1::BackupResponse response;
  grpc::ClientContext context;
  connection_->Prepare(&context);
  const grpc::Status status =
      connection_->admin->Backup(&context, request, &response);
  if (!status.ok()) return ToStatus(status);
  return response;
}

absl::StatusOr<ServingStatus> Client::Health(std::string_view service) {
  ::pactlog::wire::HealthCheckRequest request;
  request.set_service(std::string(service));
  ::pactlog::wire::HealthCheckResponse response;
  grpc::ClientContext context;
  connection_->Prepare(&context);
  // The generic stub has no blocking call; a private completion queue makes
  // one. (Not the callback API: a caller that destroys the client as soon
  // as this returns must not race a callback still running.)
  grpc::CompletionQueue queue;
  grpc::Status status;
  std::unique_ptr<
      grpc::ClientAsyncResponseReader<::pactlog::wire::HealthCheckResponse>>
      call = connection_->health->PrepareUnaryCall(
          &context, "/grpc.health.v1.Health/Check", request, &queue);
  call->StartCall();
  call->Finish(&response, &status, /*tag=*/nullptr);
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!status.ok()) return ToStatus(status);
  switch (response.status()) {
    case ::pactlog::wire::HealthCheckResponse::SERVING:
      return ServingStatus::kServing;
    case ::pactlog::wire::HealthCheckResponse::NOT_SERVING:
      return ServingStatus::kNotServing;
    case ::pactlog::wire::HealthCheckResponse::SERVICE_UNKNOWN:
      return ServingStatus::kServiceUnknown;
    default:
      return ServingStatus::kUnknown;
  }
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int error = errno;
    std::string message =
        absl::StrCat("cannot open \"", path, "\": ", std::strerror(error));
    if (error == ENOENT) return absl::NotFoundError(message);
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::InternalError(message);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::InternalError(absl::StrCat("cannot read \"", path, "\""));
  }
  return contents.str();
}

std::string RandomUuid() {
  // absl::BitGen seeds itself from the operating system's entropy, so two
  // processes (or two clients) do not produce the same ids.
  thread_local absl::BitGen random;
  uint64_t high = absl::Uniform<uint64_t>(random);
  uint64_t low = absl::Uniform<uint64_t>(random);
  high = (high & ~uint64_t{0xf000}) | 0x4000;                    // version 4
  low = (low & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);  // variant 1
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32,
                         (high >> 16) & 0xffff, high & 0xffff, low >> 48,
                         low & 0xffffffffffffULL);
}

}  // namespace pactlog::client
