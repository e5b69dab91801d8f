#include "services/unary_call.h"

namespace pactlog::services {

std::shared_ptr<const security::Call> BeginUnary(
    grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
    const UnaryCallSpec& spec) {
  std::shared_ptr<const security::Call> call =
      spec.guard->Begin(context, spec.method, spec.deal_id, spec.roles);
  absl::Status status = call->admission();
  if (status.ok() && spec.ledger != nullptr && !spec.ledger->ready()) {
    status = NotReadyError(*spec.ledger);
  }
  if (status.ok()) return call;
  FinishUnary(reactor, *call, status);
  return nullptr;
}

void FinishUnary(grpc::ServerUnaryReactor* reactor, const security::Call& call,
                 const absl::Status& status) {
  reactor->Finish(ToGrpcStatus(status, call));
}

}  // namespace pactlog::services
