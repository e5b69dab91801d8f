#include "services/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/limits.h"
#include "services/health_service.h"
#include "storage/rocksdb_event_log.h"
#include "util/status_macros.h"

namespace pactlog::services {
namespace {

// The names the health service knows besides "": NOT_SERVING from the
// first call, until SetServing(true).
std::vector<std::string> HealthNames() {
  return {"pactlog.v1.DealLedger", "pactlog.v1.DealQuery",
          "pactlog.v1.EventStream", "pactlog.v1.Admin"};
}

void SetServing(grpc::Server& server, bool serving) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  if (health == nullptr) return;
  // Every name HealthNames() gave the service, and "".
  health->SetServingStatus(serving);
}

absl::StatusOr<std::unique_ptr<storage::EventLog>> OpenLocalEventLog(
    const std::string& directory, bool sync) {
  storage::RocksDbOptions options;
  options.path = directory;
  options.sync = sync;
  return storage::OpenRocksDbEventLog(options);
}

// The replicated log of record options.log_url names; null for none (the
// local event log is then the record).
absl::StatusOr<std::unique_ptr<storage::RecordLog>> OpenRecordLog(
    const ServerOptions& options) {
  if (options.log_url.empty()) return nullptr;
  storage::NatsRecordLogOptions nats = options.nats;
  RETURN_IF_ERROR(storage::ParseNatsServers(options.log_url, &nats));
  if (!nats.warn) nats.warn = options.warn;
  return storage::OpenNatsRecordLog(nats);
}

// The main gRPC server on options.listen_address with `services`, the
// health and reflection services and `interceptor`, as BuildAndStart
// returns it; sets *port (0 when it could not listen).
std::unique_ptr<grpc::Server> StartGrpcServer(
    const ServerOptions& options,
    std::shared_ptr<grpc::ServerCredentials> credentials,
    std::initializer_list<grpc::Service*> services,
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
        interceptor,
    int* port) {
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  HealthService::Install(builder, HealthNames());
  builder.AddListeningPort(options.listen_address, credentials, port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  for (grpc::Service* service : services) builder.RegisterService(service);
  // Every interceptor of the server goes in this one list: the builder
  // keeps only the last list it is given.
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::move(interceptor));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  return builder.BuildAndStart();
}

// A second, plaintext server with nothing but the health service: it
// tells probes what the main port's health service tells clients. As
// BuildAndStart returns it; sets *port (0 when it could not listen).
std::unique_ptr<grpc::Server> StartHealthServer(const std::string& address,
                                                int* port) {
  grpc::ServerBuilder health_builder;
  HealthService::Install(health_builder, HealthNames());
  health_builder.AddListeningPort(address, grpc::InsecureServerCredentials(),
                                  port);
  return health_builder.BuildAndStart();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PactlogServer>> PactlogServer::Start(
    const ServerOptions& options) {
  RETURN_IF_ERROR(security::CheckExposure(
      options.listen_address, options.transport.tls(),
      !options.guard.token_file.empty(), options.insecure));
  if (!options.http_listen_address.empty()) {
    RETURN_IF_ERROR(security::CheckExposure(
        options.http_listen_address, options.transport.tls(),
        !options.guard.token_file.empty(), options.insecure));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   security::ServerCredentialsFor(options.transport));
  if (options.max_message_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the maximum message size must be positive, got ",
                     options.max_message_bytes));
  }
  std::unique_ptr<PactlogServer> server(new PactlogServer());
  ASSIGN_OR_RETURN(server->guard_, security::CallGuard::Create(options.guard));
  util::Clock* clock =
      options.clock != nullptr ? options.clock : &server->system_clock_;

  ASSIGN_OR_RETURN(std::unique_ptr<storage::RecordLog> record,
                   OpenRecordLog(options));
  // A projection of a replicated record is rebuilt from the record after a
  // crash, so it need not sync (the record's acknowledgement is the
  // durability promise; README: Running a cluster).
  const bool sync = record == nullptr;
  ASSIGN_OR_RETURN(std::unique_ptr<storage::EventLog> log,
                   options.open_event_log
                       ? options.open_event_log(options.data_dir, sync)
                       : OpenLocalEventLog(options.data_dir, sync));
  ledger::LedgerOptions ledger_options;
  ledger_options.clock = clock;
  ledger_options.snapshot_interval = options.snapshot_interval;
  ledger_options.max_groups_in_flight = options.max_groups_in_flight;
  ledger_options.warn = options.warn;
  // A replica whose data is no longer the record's stops serving: health
  // checks send callers to another replica (ledger::Ledger::ready() turns
  // false too, so its calls are refused).
  ledger_options.halted = [s = server.get()] { s->StopServing(); };
  server->ledger_ = std::make_unique<ledger::Ledger>(
      std::move(log), std::move(record), ledger_options);
  server->hub_ = std::make_unique<SubscriptionHub>(server->ledger_.get(),
                                                   options.subscriptions);
  server->ledger_->AddCommitObserver(
      [hub =
           server->hub_.get()](const ledger::Ledger::CommittedEvents& events) {
        hub->OnCommit(events);
      });
  server->reads_ = std::make_unique<Executor>(options.reads);
  server->long_tasks_ = std::make_unique<Executor>(options.long_tasks);
  server->metrics_ = std::make_unique<metrics::ServerMetrics>(
      server->ledger_.get(), server->hub_.get());
  server->ledger_->AddCommitObserver(
      [metrics = server->metrics_.get()](
          const ledger::Ledger::CommittedEvents& events) {
        metrics->OnCommit(*events);
      });
  server->ledger_service_ = std::make_unique<DealLedgerService>(
      server->ledger_.get(), server->guard_.get());
  server->query_service_ = std::make_unique<DealQueryService>(
      server->ledger_.get(), clock, server->guard_.get(), server->reads_.get());
  server->stream_service_ = std::make_unique<EventStreamService>(
      server->ledger_.get(), server->hub_.get(), server->guard_.get(),
      server->reads_.get());

  server->admin_service_ = std::make_unique<AdminService>(
      server->ledger_.get(), server->metrics_.get(),
      AdminOptions{.backup_root = options.backup_root,
                   .guard = server->guard_.get(),
                   .long_tasks = server->long_tasks_.get()});

  server->server_ = StartGrpcServer(
      options, credentials,
      {server->ledger_service_.get(), server->query_service_.get(),
       server->stream_service_.get(), server->admin_service_.get()},
      server->metrics_->NewInterceptorFactory(), &server->port_);
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address));
  }
  if (!options.metrics_listen_address.empty()) {
    ASSIGN_OR_RETURN(
        server->metrics_http_,
        metrics::MetricsHttpServer::Start(
            options.metrics_listen_address, &server->metrics_->registry(),
            [ledger = server->ledger_.get()] { return ledger->ready(); }));
  }
  if (!options.http_listen_address.empty()) {
    RETURN_IF_ERROR(server->StartHttp(options));
  }
  if (!options.health_listen_address.empty()) {
    server->health_server_ =
        StartHealthServer(options.health_listen_address, &server->health_port_);
    if (server->health_server_ == nullptr || server->health_port_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen for health checks on ",
                       options.health_listen_address));
    }
  }
  return server;
}

PactlogServer::~PactlogServer() { Shutdown(absl::ZeroDuration()); }

absl::Status PactlogServer::StartHttp(const ServerOptions& options) {
  grpc::ChannelArguments arguments;
  // In the process: an answer of any size the server sends.
  arguments.SetMaxReceiveMessageSize(-1);
  ASSIGN_OR_RETURN(
      http_api_,
      http::HttpApi::Create(
          http::ApiOptions{
              .web_root = options.web_root,
              .ready = [ledger = ledger_.get()] { return ledger->ready(); }},
          server_->InProcessChannel(arguments)));
  ASSIGN_OR_RETURN(
      http_listener_,
      http::HttpListener::Start(
          http::ListenerOptions{.address = options.http_listen_address,
                                .transport = options.transport},
          [api = http_api_.get()](std::shared_ptr<http::Exchange> exchange) {
            api->Handle(std::move(exchange));
          }));
  return absl::OkStatus();
}

int PactlogServer::http_port() const {
  return http_listener_ != nullptr ? http_listener_->port() : 0;
}

int PactlogServer::metrics_port() const {
  return metrics_http_ != nullptr ? metrics_http_->port() : 0;
}

absl::Status PactlogServer::Recover() {
  RETURN_IF_ERROR(ledger_->Recover());
  SetServing(*server_, true);
  if (health_server_ != nullptr) SetServing(*health_server_, true);
  return absl::OkStatus();
}

void PactlogServer::StopServing() {
  if (server_ != nullptr) SetServing(*server_, false);
  if (health_server_ != nullptr) SetServing(*health_server_, false);
}

void PactlogServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  // NOT_SERVING for good; health watches end now rather than at the grace.
  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (server != nullptr && server->GetHealthCheckService() != nullptr) {
      server->GetHealthCheckService()->Shutdown();
    }
  }
  // Appends already received are acknowledged before the streams end.
  if (ledger_ != nullptr) ledger_->Stop();
  if (hub_ != nullptr) hub_->Shutdown();
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server_->Wait();
  }
  // The HTTP API's calls end once the server's have; then its connections.
  if (http_api_ != nullptr) http_api_->Drain();
  if (http_listener_ != nullptr) http_listener_->Stop();
  // Every call is finished now; the executors have nothing left to run.
  if (reads_ != nullptr) reads_->Shutdown();
  if (long_tasks_ != nullptr) long_tasks_->Shutdown();
  if (health_server_ != nullptr) {
    health_server_->Shutdown(absl::ToChronoTime(absl::Now()));
    health_server_->Wait();
  }
  if (metrics_http_ != nullptr) metrics_http_->Stop();
}

}  // namespace pactlog::services
