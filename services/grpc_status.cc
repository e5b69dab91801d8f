#include "services/grpc_status.h"

#include <string>

namespace pactlog::services {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

grpc::Status ToGrpcStatus(const absl::Status& status,
                          const security::Call& call) {
  return ToGrpcStatus(call.End(status));
}

absl::Status NotReadyError() {
  return absl::UnavailableError(
      "pactlogd is starting: the log is being replayed; retry shortly");
}

}  // namespace pactlog::services
