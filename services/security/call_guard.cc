#include "services/security/call_guard.h"

#include <grpc/grpc_security_constants.h>

#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pactlog::services::security {

struct CallGuard::SubscriptionCounts {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, int> open ABSL_GUARDED_BY(mu);
};

namespace {

constexpr absl::string_view kBearer = "bearer ";

absl::string_view ToView(grpc::string_ref ref) {
  return absl::string_view(ref.data(), ref.size());
}

bool IsUsableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local absl::BitGen bits;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                         absl::Uniform<uint64_t>(bits));
}

absl::string_view LevelOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kResourceExhausted:
      return "warn";
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
      return "error";
    default:
      return "info";
  }
}

}  // namespace

absl::Status Call::End(const absl::Status& status) const {
  if (status.ok()) return status;
  // A client that went away (a subscription's normal end) is no failure
  // worth a line.
  if (status.code() == absl::StatusCode::kCancelled) return status;
  LogEntry entry;
  entry.level = std::string(LevelOf(status.code()));
  entry.message = std::string(status.message());
  entry.principal = principal_;
  entry.deal = deal_;
  entry.code = absl::StatusCodeToString(status.code());
  entry.request_id = request_id_;
  entry.extra.emplace_back("method", method_);
  log_->Write(entry);
  absl::Status tagged(
      status.code(),
      absl::StrCat(status.message(), " [request_id=", request_id_, "]"));
  // The structured details (e.g. google.rpc.BadRequest) go along.
  status.ForEachPayload(
      [&tagged](absl::string_view type_url, const absl::Cord& payload) {
        tagged.SetPayload(type_url, payload);
      });
  return tagged;
}

absl::StatusOr<std::unique_ptr<CallGuard>> CallGuard::Create(
    GuardOptions options) {
  std::shared_ptr<const TokenTable> tokens;
  if (!options.token_file.empty()) {
    absl::StatusOr<TokenTable> loaded = TokenTable::Load(options.token_file);
    if (!loaded.ok()) return loaded.status();
    tokens = std::make_shared<const TokenTable>(std::move(*loaded));
  }
  return std::unique_ptr<CallGuard>(
      new CallGuard(std::move(options), std::move(tokens)));
}

CallGuard::CallGuard(GuardOptions options,
                     std::shared_ptr<const TokenTable> tokens)
    : options_(std::move(options)),
      log_(options_.log != nullptr ? options_.log : &JsonLog::Stderr()),
      tokens_(std::move(tokens)),
      subscriptions_(std::make_shared<SubscriptionCounts>()) {}

absl::Status CallGuard::ReloadTokens() {
  if (!auth_enabled()) return absl::OkStatus();
  absl::StatusOr<TokenTable> loaded = TokenTable::Load(options_.token_file);
  if (!loaded.ok()) return loaded.status();
  auto tokens = std::make_shared<const TokenTable>(std::move(*loaded));
  absl::MutexLock lock(&mu_);
  tokens_ = std::move(tokens);
  return absl::OkStatus();
}

absl::StatusOr<Identity> CallGuard::Authenticate(
    const grpc::CallbackServerContext& context) const {
  std::shared_ptr<const TokenTable> tokens;
  {
    absl::MutexLock lock(&mu_);
    tokens = tokens_;
  }
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find(kAuthorizationKey); it != metadata.end()) {
    // The scheme is case-insensitive (RFC 9110); the token is not.
    const absl::string_view value = ToView(it->second);
    if (value.size() <= kBearer.size() ||
        !absl::EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer)) {
      return absl::UnauthenticatedError(
          "authorization metadata must be \"Bearer <token>\"");
    }
    const absl::string_view token =
        absl::StripAsciiWhitespace(value.substr(kBearer.size()));
    if (token.empty()) {
      return absl::UnauthenticatedError("the bearer token is empty");
    }
    const Identity* identity = tokens->FindToken(token);
    if (identity == nullptr) {
      return absl::UnauthenticatedError(
          "the bearer token is not valid (not in the server's token file)");
    }
    return *identity;
  }
  // No token: a verified client certificate may name the principal.
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    const std::vector<grpc::string_ref> names =
        auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
    if (!names.empty()) {
      const absl::string_view name = ToView(names.front());
      if (const Identity* identity = tokens->FindCertificate(name)) {
        return *identity;
      }
      return absl::UnauthenticatedError(absl::StrCat(
          "client certificate CN=", name,
          " is not mapped to a principal (no cert:CN= line in the token "
          "file) and no bearer token was sent"));
    }
  }
  return absl::UnauthenticatedError(
      "no credentials: send metadata \"authorization: Bearer <token>\"");
}

std::shared_ptr<Call> CallGuard::Begin(grpc::CallbackServerContext* context,
                                       absl::string_view method,
                                       absl::string_view deal_id,
                                       RoleSet needed) const {
  std::shared_ptr<Call> call(new Call());
  call->method_ = std::string(method);
  call->deal_ = std::string(deal_id);
  call->log_ = log_;
  const auto& metadata = context->client_metadata();
  if (auto it = metadata.find(kRequestIdKey);
      it != metadata.end() && IsUsableRequestId(ToView(it->second))) {
    call->request_id_ = std::string(ToView(it->second));
  } else {
    call->request_id_ = NewRequestId();
  }
  context->AddInitialMetadata(kRequestIdKey, call->request_id_);
  if (!auth_enabled()) return call;

  absl::StatusOr<Identity> identity = Authenticate(*context);
  if (!identity.ok()) {
    call->admission_ = identity.status();
    return call;
  }
  call->principal_ = identity->principal;
  const RoleSet missing = identity->roles.Missing(needed);
  if (!missing.empty()) {
    call->admission_ = absl::PermissionDeniedError(
        absl::StrCat("principal \"", identity->principal, "\" may not call ",
                     method, ": it needs role ", missing.ToStringWithDuties(),
                     " and has ", identity->roles.ToString()));
  }
  return call;
}

absl::Status CallGuard::AdmitSubscription(Call& call) const {
  const int limit = options_.max_subscriptions_per_principal;
  if (!auth_enabled() || limit <= 0) return absl::OkStatus();
  {
    absl::MutexLock lock(&subscriptions_->mu);
    int& open = subscriptions_->open[call.principal_];
    if (open >= limit) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "principal \"", call.principal_, "\" already holds ", open,
          " open subscriptions, the limit per principal "
          "(--max-subscriptions-per-principal) is ",
          limit));
    }
    ++open;
  }
  // The slot is given back when the last holder of the call lets go.
  call.subscription_slot_ = std::shared_ptr<void>(
      nullptr, [counts = subscriptions_, principal = call.principal_](void*) {
        absl::MutexLock lock(&counts->mu);
        auto it = counts->open.find(principal);
        if (it != counts->open.end() && --it->second <= 0) {
          counts->open.erase(it);
        }
      });
  return absl::OkStatus();
}

int CallGuard::subscriptions_of(const std::string& principal) const {
  absl::MutexLock lock(&subscriptions_->mu);
  auto it = subscriptions_->open.find(principal);
  return it == subscriptions_->open.end() ? 0 : it->second;
}

}  // namespace pactlog::services::security
