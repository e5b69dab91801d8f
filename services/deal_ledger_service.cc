#include "services/deal_ledger_service.h"

#include "domain/validation.h"
#include "services/grpc_status.h"

namespace pactlog::services {

grpc::ServerUnaryReactor* DealLedgerService::Append(
    grpc::CallbackServerContext* context,
    const pactlog::v1::AppendRequest* request,
    pactlog::v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!ledger_->ready()) {
    reactor->Finish(ToGrpcStatus(NotReadyError()));
    return reactor;
  }
  absl::Status valid = domain::ValidateAppendRequest(*request);
  if (!valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  // The request and response outlive the ledger's callback: gRPC keeps
  // them until Finish.
  ledger_->Append(request, response, [reactor](absl::Status status) {
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

}  // namespace pactlog::services
