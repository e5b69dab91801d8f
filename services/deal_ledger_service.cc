#include "services/deal_ledger_service.h"

#include "domain/validation.h"
#include "services/unary_call.h"

namespace pactlog::services {

grpc::ServerUnaryReactor* DealLedgerService::Append(
    grpc::CallbackServerContext* context,
    const pactlog::v1::AppendRequest* request,
    pactlog::v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<const security::Call> call =
      BeginUnary(context, reactor,
                 {.guard = guard_,
                  .method = "DealLedger.Append",
                  .deal_id = request->deal_id(),
                  .roles = security::RolesToAppend(*request),
                  .ledger = ledger_});
  if (call == nullptr) return reactor;
  // With authentication on, the actor is who authenticated: a copy of the
  // request carries the principal, and the client's actor is ignored.
  std::shared_ptr<pactlog::v1::AppendRequest> attributed;
  if (!call->principal().empty()) {
    attributed = std::make_shared<pactlog::v1::AppendRequest>(*request);
    attributed->set_actor(call->principal());
    request = attributed.get();
  }
  absl::Status valid = domain::ValidateAppendRequest(*request);
  if (!valid.ok()) {
    FinishUnary(reactor, *call, valid);
    return reactor;
  }
  // The request and response outlive the ledger's callback: gRPC keeps
  // them until Finish, and the callback keeps the attributed copy.
  ledger_->Append(request, response,
                  [reactor, call, attributed](absl::Status status) {
                    FinishUnary(reactor, *call, status);
                  });
  return reactor;
}

}  // namespace pactlog::services
