// AdminService: the gRPC face of operations (pactlog.v1.Admin), for the
// "admin" role only.
//
// Both calls run on the `long_tasks` executor, never on a gRPC reaction:
// Backup takes an online checkpoint of the event log (neither gRPC's
// threads nor the ledger's writer wait for the copy: appends go on
// meanwhile), and VerifyChain re-reads the whole log, stopping early when
// its call is cancelled. One backup runs at a time; another request
// meanwhile is ABORTED.
//
// Thread-safety: thread-safe.
#ifndef PACTLOG_SERVICES_ADMIN_SERVICE_H_
#define PACTLOG_SERVICES_ADMIN_SERVICE_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/ledger.h"
#include "pactlog/v1/admin.grpc.pb.h"
#include "services/executor.h"
#include "services/metrics/server_metrics.h"
#include "services/security/call_guard.h"
#include "services/unary_call.h"

namespace pactlog::services {

struct AdminOptions {
  // When not empty, backups may only be written inside this directory.
  std::string backup_root;
  // Admits each call (the admin role when authentication is on). Not
  // owned, must outlive the service; required.
  const security::CallGuard* guard = nullptr;
  // Where backups and chain verifications run. Not owned, must outlive
  // every call of the service; required.
  Executor* long_tasks = nullptr;
};

class AdminService final : public pactlog::v1::Admin::CallbackService {
 public:
  // `ledger` is not owned and must outlive the service; `metrics` (not
  // owned, may be null) records each backup.
  AdminService(const ledger::Ledger* ledger, metrics::ServerMetrics* metrics,
               AdminOptions options);
  AdminService(const AdminService&) = delete;
  AdminService& operator=(const AdminService&) = delete;

  grpc::ServerUnaryReactor* Backup(
      grpc::CallbackServerContext* context,
      const pactlog::v1::BackupRequest* request,
      pactlog::v1::BackupResponse* response) override;

  grpc::ServerUnaryReactor* VerifyChain(
      grpc::CallbackServerContext* context,
      const pactlog::v1::VerifyChainRequest* request,
      pactlog::v1::VerifyChainResponse* response) override;

  // The absolute, normalised directory a backup request names, checked
  // against `backup_root`. INVALID_ARGUMENT when empty, relative, or
  // outside the root. Exposed for tests.
  [[nodiscard]] absl::StatusOr<std::string> ResolveBackupDirectory(
      const std::string& directory) const;

 private:
  UnaryCallSpec Spec(absl::string_view method) const;
  [[nodiscard]] absl::Status DoBackup(const pactlog::v1::BackupRequest& request,
                                      pactlog::v1::BackupResponse* response);
  [[nodiscard]] absl::Status DoVerifyChain(
      grpc::CallbackServerContext* context,
      const pactlog::v1::VerifyChainRequest& request,
      pactlog::v1::VerifyChainResponse* response) const;

  const ledger::Ledger* const ledger_;
  metrics::ServerMetrics* const metrics_;
  const AdminOptions options_;

  absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  std::string running_directory_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_ADMIN_SERVICE_H_
