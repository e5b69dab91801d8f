#include "services/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "domain/limits.h"
#include "util/status_macros.h"

namespace pactlog::services {
namespace {

constexpr const char* kServiceNames[] = {
    "pactlog.v1.DealLedger", "pactlog.v1.DealQuery", "pactlog.v1.EventStream"};

void SetServing(grpc::Server& server, bool serving) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus(serving);
  for (const char* name : kServiceNames) {
    health->SetServingStatus(name, serving);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<PactlogServer>> PactlogServer::Start(
    const ServerOptions& options) {
  std::unique_ptr<PactlogServer> server(new PactlogServer());
  ledger::Clock* clock =
      options.clock != nullptr ? options.clock : &server->system_clock_;

  storage::RocksDbOptions log_options;
  log_options.path = options.data_dir;
  ASSIGN_OR_RETURN(std::unique_ptr<storage::EventLog> log,
                   storage::OpenRocksDbEventLog(log_options));
  ledger::LedgerOptions ledger_options;
  ledger_options.clock = clock;
  ledger_options.snapshot_interval = options.snapshot_interval;
  server->ledger_ =
      std::make_unique<ledger::Ledger>(std::move(log), ledger_options);
  server->hub_ = std::make_unique<SubscriptionHub>(server->ledger_.get(),
                                                   options.subscriptions);
  server->ledger_->AddCommitObserver(
      [hub = server->hub_.get()](absl::Span<const pactlog::v1::Event> events) {
        hub->OnCommit(events);
      });
  server->ledger_service_ =
      std::make_unique<DealLedgerService>(server->ledger_.get());
  server->query_service_ =
      std::make_unique<DealQueryService>(server->ledger_.get(), clock);
  server->stream_service_ = std::make_unique<EventStreamService>(
      server->ledger_.get(), server->hub_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address,
                           grpc::InsecureServerCredentials(), &server->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(domain::kMaxRequestBytes));
  builder.RegisterService(server->ledger_service_.get());
  builder.RegisterService(server->query_service_.get());
  builder.RegisterService(server->stream_service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address));
  }
  SetServing(*server->server_, false);
  return server;
}

PactlogServer::~PactlogServer() { Shutdown(absl::ZeroDuration()); }

absl::Status PactlogServer::Recover() {
  RETURN_IF_ERROR(ledger_->Recover());
  SetServing(*server_, true);
  return absl::OkStatus();
}

void PactlogServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) SetServing(*server_, false);
  // Appends already received are acknowledged before the streams end.
  if (ledger_ != nullptr) ledger_->Stop();
  if (hub_ != nullptr) hub_->Shutdown();
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server_->Wait();
  }
}

}  // namespace pactlog::services
