// How every unary handler of pactlog runs, in one place:
//
//   1. the guard admits the caller (request id, authentication, roles);
//   2. the ledger must be ready (UNAVAILABLE while it replays at start-up);
//   3. the work runs: on an Executor when it may wait or read storage,
//      else on the reaction itself (answers from memory only);
//   4. the call finishes once, through Call::End (a failure is logged and
//      names the request id) and ToGrpcStatus (field violations as
//      google.rpc.BadRequest details).
//
// RunUnary() is the whole sequence. A handler whose work is finished
// elsewhere (DealLedger.Append, finished by the ledger's writer) uses
// BeginUnary() and FinishUnary() around its hand-off.
#ifndef PACTLOG_SERVICES_UNARY_CALL_H_
#define PACTLOG_SERVICES_UNARY_CALL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ledger/ledger.h"
#include "services/executor.h"
#include "services/grpc_status.h"
#include "services/security/call_guard.h"

namespace pactlog::services {

struct UnaryCallSpec {
  // Admits the caller; not owned.
  const security::CallGuard* guard = nullptr;
  // "Service.Method", for the log.
  absl::string_view method;
  // The deal the request names, for the log; "" when none.
  absl::string_view deal_id;
  security::RoleSet roles;
  // Must be ready(); not owned.
  const ledger::Ledger* ledger = nullptr;
};

// Steps 1 and 2. Returns the admitted call; or finishes `reactor` with the
// refusal and returns nullptr.
std::shared_ptr<const security::Call> BeginUnary(
    grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
    const UnaryCallSpec& spec);

// Step 4.
void FinishUnary(grpc::ServerUnaryReactor* reactor, const security::Call& call,
                 const absl::Status& status);

// All four steps; `answer` is an `absl::Status()` callable that fills the
// response. With an `executor` it runs on one of its workers (a call
// cancelled while it waited is finished CANCELLED without running it, and a
// full executor finishes the call with its Overloaded() status); without,
// on the calling thread. gRPC keeps the request and response alive until
// the call finishes, so `answer` may hold pointers to them.
template <typename Answer>
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* context,
                                   const UnaryCallSpec& spec,
                                   Executor* executor, Answer answer) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<const security::Call> call =
      BeginUnary(context, reactor, spec);
  if (call == nullptr) return reactor;
  if (executor == nullptr) {
    FinishUnary(reactor, *call, answer());
    return reactor;
  }
  const bool queued = executor->TrySubmit(
      [context, reactor, call, answer = std::move(answer)]() mutable {
        FinishUnary(reactor, *call,
                    context->IsCancelled()
                        ? absl::CancelledError("the client cancelled")
                        : answer());
      });
  if (!queued) FinishUnary(reactor, *call, executor->Overloaded());
  return reactor;
}

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_UNARY_CALL_H_
