#include "services/admin_service.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace pactlog::services {
namespace {

namespace fs = std::filesystem;

// Whether `path` is `root` or lies below it; both absolute and normalised.
bool IsInside(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // A trailing separator of the root.
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

// `path` with symbolic links of its existing part resolved, so that a
// link inside the root cannot lead a backup outside it.
fs::path Resolve(const fs::path& path) {
  std::error_code error;
  fs::path resolved = fs::weakly_canonical(path, error);
  return error ? path : resolved;
}

}  // namespace

AdminService::AdminService(const ledger::Ledger* ledger,
                           metrics::ServerMetrics* metrics,
                           AdminOptions options)
    : ledger_(ledger), metrics_(metrics), options_(std::move(options)) {}

UnaryCallSpec AdminService::Spec(absl::string_view method) const {
  return {.guard = options_.guard,
          .method = method,
          .deal_id = "",
          .roles = security::kAdminRoles,
          .ledger = ledger_};
}

absl::Status AdminService::DoVerifyChain(
    grpc::CallbackServerContext* context,
    const pactlog::v1::VerifyChainRequest& request,
    pactlog::v1::VerifyChainResponse* response) const {
  if (!request.trusted_hash().empty() && request.trusted_hash().size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "trusted_hash: must be empty or 32 bytes (a SHA-256), not ",
        request.trusted_hash().size(), " bytes"));
  }
  ASSIGN_OR_RETURN(
      ledger::ChainVerification verified,
      ledger_->VerifyChain(request.after_sequence(), request.trusted_hash(),
                           [context] { return context->IsCancelled(); }));
  response->set_verified_through(verified.verified_through);
  response->set_head_hash(verified.head_hash);
  response->set_first_broken_sequence(verified.first_broken_sequence);
  response->set_problem(verified.problem);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AdminService::VerifyChain(
    grpc::CallbackServerContext* context,
    const pactlog::v1::VerifyChainRequest* request,
    pactlog::v1::VerifyChainResponse* response) {
  return RunUnary(context, Spec("Admin.VerifyChain"), options_.long_tasks,
                  [this, context, request, response] {
                    return DoVerifyChain(context, *request, response);
                  });
}

absl::StatusOr<std::string> AdminService::ResolveBackupDirectory(
    const std::string& directory) const {
  if (directory.empty()) {
    return absl::InvalidArgumentError(
        "directory: required (an absolute path on the server's machine)");
  }
  fs::path path(directory);
  if (!path.is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "directory: must be an absolute path on the server's machine (\"",
        directory, "\")"));
  }
  path = path.lexically_normal();
  // "/srv/backup/" names the directory "/srv/backup".
  if (!path.has_filename() && path.has_parent_path() &&
      path != path.root_path()) {
    path = path.parent_path();
  }
  if (path == path.root_path()) {
    return absl::InvalidArgumentError(
        absl::StrCat("directory: the root directory cannot be a backup (\"",
                     directory, "\")"));
  }
  if (!options_.backup_root.empty()) {
    const fs::path root =
        Resolve(fs::path(options_.backup_root).lexically_normal());
    const fs::path resolved = Resolve(path);
    if (!IsInside(resolved, root) || resolved == root) {
      return absl::InvalidArgumentError(
          absl::StrCat("directory: \"", directory,
                       "\" is not inside this server's backup root \"",
                       options_.backup_root, "\""));
    }
  }
  return path.string();
}

absl::Status AdminService::DoBackup(const pactlog::v1::BackupRequest& request,
                                    pactlog::v1::BackupResponse* response) {
  absl::StatusOr<std::string> directory =
      ResolveBackupDirectory(request.directory());
  if (!directory.ok()) {
    if (metrics_ != nullptr) {
      metrics_->OnBackup(directory.status(), 0, 0, absl::ZeroDuration());
    }
    return directory.status();
  }
  {
    absl::MutexLock lock(&mu_);
    if (running_) {
      const absl::Status busy = absl::AbortedError(
          absl::StrCat("a backup to ", running_directory_,
                       " is running; retry when it is done"));
      if (metrics_ != nullptr) {
        metrics_->OnBackup(busy, 0, 0, absl::ZeroDuration());
      }
      return busy;
    }
    running_ = true;
    running_directory_ = *directory;
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<storage::BackupInfo> info = ledger_->CreateBackup(*directory);
  const absl::Duration took = absl::Now() - start;
  {
    absl::MutexLock lock(&mu_);
    running_ = false;
  }
  if (metrics_ != nullptr) {
    metrics_->OnBackup(info.status(), info.ok() ? info->sequence : 0,
                       info.ok() ? info->bytes : 0, took);
  }
  RETURN_IF_ERROR(info.status());
  response->set_sequence(info->sequence);
  response->set_directory(*directory);
  response->set_bytes(info->bytes);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AdminService::Backup(
    grpc::CallbackServerContext* context,
    const pactlog::v1::BackupRequest* request,
    pactlog::v1::BackupResponse* response) {
  return RunUnary(
      context, Spec("Admin.Backup"), options_.long_tasks,
      [this, request, response] { return DoBackup(*request, response); });
}

}  // namespace pactlog::services
