#include "services/health_service.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "pactlog/wire/health.pb.h"
#include "pactlog/wire/health_service.grpc.pb.h"

namespace pactlog::services {

namespace {

using ::pactlog::wire::HealthCheckRequest;
using ::pactlog::wire::HealthCheckResponse;

HealthCheckResponse::ServingStatus ToServingStatus(
    std::optional<bool> serving) {
  if (!serving.has_value()) return HealthCheckResponse::SERVICE_UNKNOWN;
  return *serving ? HealthCheckResponse::SERVING
                  : HealthCheckResponse::NOT_SERVING;
}

}  // namespace

// One Watch call. Lock order: HealthService::mu_, then mu_. gRPC owns the
// reactor; OnDone removes it from the service and deletes it.
class HealthService::Watcher final
    : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  Watcher(HealthService* health, std::string service)
      : health_(health), service_(std::move(service)) {
    health_->AddWatcher(service_, this);
  }

  // Sends `status` after what is being written (replacing a status not yet
  // written: only the latest matters).
  void Send(HealthCheckResponse::ServingStatus status) {
    {
      absl::MutexLock lock(&mu_);
      if (finishing_ || finish_after_write_.has_value()) return;
      if (writing_) {
        pending_ = status;
        return;
      }
      writing_ = true;
      response_.set_status(status);
    }
    StartWrite(&response_);
  }

  // Ends the call with `status` once what was sent is written.
  void End(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    if (writing_) {
      finish_after_write_ = std::move(status);
      return;
    }
    finishing_ = true;
    Finish(std::move(status));
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      // A failed write means the call is over; OnCancel or OnDone follows.
      if (!ok || finishing_) return;
      if (pending_.has_value()) {
        writing_ = true;
        response_.set_status(*pending_);
        pending_.reset();
      } else {
        if (finish_after_write_.has_value()) {
          finishing_ = true;
          Finish(*std::move(finish_after_write_));
        }
        return;
      }
    }
    StartWrite(&response_);
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    if (finishing_) return;
    finishing_ = true;
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled"));
  }

  void OnDone() override {
    health_->RemoveWatcher(service_, this);
    delete this;
  }

 private:
  HealthService* const health_;
  const std::string service_;
  absl::Mutex mu_;
  // Owned by gRPC while writing_.
  HealthCheckResponse response_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<HealthCheckResponse::ServingStatus> pending_
      ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> finish_after_write_ ABSL_GUARDED_BY(mu_);
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
};

class HealthService::Impl final
    : public grpc::health::v1::Health::CallbackService {
 public:
  explicit Impl(HealthService* health) : health_(health) {}

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const HealthCheckRequest* request,
                                  HealthCheckResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    std::optional<bool> serving;
    {
      absl::MutexLock lock(&health_->mu_);
      auto it = health_->entries_.find(request->service());
      if (it != health_->entries_.end()) serving = it->second.serving;
    }
    if (!serving.has_value()) {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::NOT_FOUND,
          absl::StrCat("service: no service \"", request->service(),
                       "\" on this server (the whole server is \"\")")));
      return reactor;
    }
    response->set_status(ToServingStatus(serving));
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* /*context*/,
      const HealthCheckRequest* request) override {
    return new Watcher(health_, request->service());
  }

 private:
  HealthService* const health_;
};

HealthService::HealthService(const std::vector<std::string>& services)
    : impl_(std::make_unique<Impl>(this)) {
  absl::MutexLock lock(&mu_);
  entries_[""].serving = false;
  for (const std::string& service : services) entries_[service].serving = false;
}

// The server that owns this ends every call, so every watcher, before it
// destroys it.
HealthService::~HealthService() = default;

void HealthService::Install(grpc::ServerBuilder& builder,
                            const std::vector<std::string>& services) {
  auto health = std::make_unique<HealthService>(services);
  builder.RegisterService(health->service());
  builder.SetOption(
      std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(
          std::move(health)));
}

grpc::Service* HealthService::service() { return impl_.get(); }

void HealthService::SetServingStatus(const std::string& service, bool serving) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  SetLocked(service, serving);
}

void HealthService::SetServingStatus(bool serving) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  for (auto& [service, entry] : entries_) {
    if (entry.serving.has_value()) SetLocked(service, serving);
  }
}

void HealthService::Shutdown() {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  for (auto& [service, entry] : entries_) {
    if (entry.serving.has_value()) SetLocked(service, false);
  }
  shut_down_ = true;
  for (auto& [service, entry] : entries_) {
    for (Watcher* watcher : entry.watchers) {
      watcher->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "the server is shutting down"));
    }
  }
}

void HealthService::SetLocked(const std::string& service, bool serving) {
  Entry& entry = entries_[service];
  if (entry.serving == serving) return;
  entry.serving = serving;
  for (Watcher* watcher : entry.watchers) {
    watcher->Send(ToServingStatus(serving));
  }
}

void HealthService::AddWatcher(const std::string& service, Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[service];
  entry.watchers.insert(watcher);
  watcher->Send(ToServingStatus(entry.serving));
  if (shut_down_) {
    watcher->End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "the server is shutting down"));
  }
}

void HealthService::RemoveWatcher(const std::string& service,
                                  Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(service);
  if (it == entries_.end()) return;
  it->second.watchers.erase(watcher);
  // A name only watched is forgotten with its last watcher.
  if (!it->second.serving.has_value() && it->second.watchers.empty()) {
    entries_.erase(it);
  }
}

}  // namespace pactlog::services
