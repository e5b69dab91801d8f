// CallGuard: the one per-call check of every pactlog RPC.
//
// Each handler of DealLedger, DealQuery and EventStream starts with
// Begin(), which
//   1. takes the request id from the client's "x-request-id" metadata (or
//      makes one) and returns it in the response's initial metadata;
//   2. when authentication is on (a token file is given): authenticates the
//      caller by "authorization: Bearer <token>", else by the common name
//      of its verified TLS client certificate, against the TokenTable;
//   3. checks that the caller has every role the call needs.
// The handler proceeds only when the returned Call is admitted(), and ends
// every call through Call::End(), which tags a failure's message with the
// request id and logs it as one JSON line. Health and reflection are
// not pactlog services and do not pass through here: they stay open.
//
// Thread-safety: every method may be called from any thread.
#ifndef PACTLOG_SERVICES_SECURITY_CALL_GUARD_H_
#define PACTLOG_SERVICES_SECURITY_CALL_GUARD_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "services/security/json_log.h"
#include "services/security/roles.h"
#include "services/security/token_table.h"

namespace pactlog::services::security {

inline constexpr char kRequestIdKey[] = "x-request-id";
inline constexpr char kAuthorizationKey[] = "authorization";
// Longest client request id kept; a longer or non-printable one is
// replaced by a generated id.
inline constexpr size_t kMaxRequestIdBytes = 128;

struct GuardOptions {
  // The token file; empty turns authentication and authorization off
  // (every caller may do everything, and the actor is the client's).
  std::string token_file;
  // Subscriptions one principal may hold open at once; <= 0 for no limit.
  // Applies only when authentication is on.
  int max_subscriptions_per_principal = 100;
  // Where failed calls are logged; nullptr for JsonLog::Stderr(). Not
  // owned; must outlive the guard.
  JsonLog* log = nullptr;
};

// One call as the guard admitted (or refused) it. Shared by the handler
// and whatever finishes the call later (the ledger's writer, a stream).
class Call {
 public:
  const std::string& request_id() const { return request_id_; }
  // The authenticated principal; "" when authentication is off.
  const std::string& principal() const { return principal_; }
  // OK, or UNAUTHENTICATED / PERMISSION_DENIED: the handler must then do
  // nothing but finish with End(admission()).
  const absl::Status& admission() const { return admission_; }
  bool admitted() const { return admission_.ok(); }

  // The status to finish the call with: OK and CANCELLED as they are; any
  // other failure logged, and returned with " [request_id=<id>]" appended
  // to its message.
  [[nodiscard]] absl::Status End(const absl::Status& status) const;

 private:
  friend class CallGuard;
  Call() = default;

  std::string method_;
  std::string deal_;
  std::string request_id_;
  std::string principal_;
  absl::Status admission_;
  JsonLog* log_ = nullptr;
  // A subscription slot of the principal, freed with the call.
  std::shared_ptr<void> subscription_slot_;
};

class CallGuard {
 public:
  // Loads the token file when one is given. Errors: as TokenTable::Load.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<CallGuard>> Create(
      GuardOptions options);
  CallGuard(const CallGuard&) = delete;
  CallGuard& operator=(const CallGuard&) = delete;

  bool auth_enabled() const { return !options_.token_file.empty(); }

  // Re-reads the token file; calls already admitted are not affected. On
  // error the previous table stays in force. No-op when auth is off.
  [[nodiscard]] absl::Status ReloadTokens();

  // Begins a call of `method` (e.g. "DealLedger.Append") about `deal_id`
  // ("" when none) that needs every role of `needed`. See the file comment.
  [[nodiscard]] std::shared_ptr<Call> Begin(
      grpc::CallbackServerContext* context, absl::string_view method,
      absl::string_view deal_id, RoleSet needed) const;

  // Takes one of the principal's subscription slots for `call`, held until
  // the call is destroyed. RESOURCE_EXHAUSTED naming the limit when the
  // principal already holds max_subscriptions_per_principal. OK without
  // counting when auth is off.
  [[nodiscard]] absl::Status AdmitSubscription(Call& call) const;

  // Open subscriptions of `principal`, for tests and metrics.
  int subscriptions_of(const std::string& principal) const;

  JsonLog& log() const { return *log_; }

 private:
  struct SubscriptionCounts;

  CallGuard(GuardOptions options, std::shared_ptr<const TokenTable> tokens);

  // Who is calling, or UNAUTHENTICATED.
  [[nodiscard]] absl::StatusOr<Identity> Authenticate(
      const grpc::CallbackServerContext& context) const;

  const GuardOptions options_;
  JsonLog* const log_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenTable> tokens_ ABSL_GUARDED_BY(mu_);
  const std::shared_ptr<SubscriptionCounts> subscriptions_;
};

}  // namespace pactlog::services::security

#endif  // PACTLOG_SERVICES_SECURITY_CALL_GUARD_H_
