// HealthService: the standard gRPC health service (grpc.health.v1.Health,
// Check and Watch) that pactlogd serves in place of gRPC's default one.
//
// Why not the default: it answers SERVING for "" (the whole server) from the
// moment the server listens until the first SetServingStatus(false), which
// can come only after BuildAndStart returns. A probe or a client waiting for
// readiness could see SERVING in that window, before the log was replayed,
// and send calls that are refused "pactlogd is starting". This one says
// NOT_SERVING for "" and for every name it is given from the first call on.
//
// Rules (as the health checking protocol says, grpc/doc/health-checking.md):
//   - Check of a known name answers its status; of an unknown one, NOT_FOUND
//     naming it.
//   - Watch sends the status now (SERVICE_UNKNOWN for an unknown name), then
//     each change; a writer slower than the changes gets the latest status,
//     never a stale one last.
//   - Shutdown() sets every name NOT_SERVING for good (later changes are
//     ignored), sends that to every watcher and ends the watches UNAVAILABLE,
//     so that a server's graceful shutdown does not wait for them.
//
// Install() hands the service to the gRPC server, which owns it; the server's
// GetHealthCheckService() then returns it.
//
// Thread-safety: every method may be called from any thread.
#ifndef PACTLOG_SERVICES_HEALTH_SERVICE_H_
#define PACTLOG_SERVICES_HEALTH_SERVICE_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace pactlog::services {

class HealthService final : public grpc::HealthCheckServiceInterface {
 public:
  // `services`: the names Check and Watch know besides "", all NOT_SERVING
  // until set.
  explicit HealthService(const std::vector<std::string>& services);
  ~HealthService() override;

  // Registers a new HealthService knowing `services` with `builder` and
  // gives it to the server the builder builds.
  static void Install(grpc::ServerBuilder& builder,
                      const std::vector<std::string>& services);

  // Sets one name's status (a new name becomes known).
  void SetServingStatus(const std::string& service, bool serving) override;
  // Sets the status of every known name, "" included.
  void SetServingStatus(bool serving) override;
  void Shutdown() override;

  // What the builder registers.
  grpc::Service* service();

 private:
  class Watcher;
  class Impl;
  struct Entry {
    std::optional<bool> serving;  // nullopt: unknown (watched only)
    std::set<Watcher*> watchers;
  };

  void SetLocked(const std::string& service, bool serving)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds `watcher` to `service`'s and sends it the status now.
  void AddWatcher(const std::string& service, Watcher* watcher);
  void RemoveWatcher(const std::string& service, Watcher* watcher);

  const std::unique_ptr<Impl> impl_;
  absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_HEALTH_SERVICE_H_
