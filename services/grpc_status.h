// The one place where absl::Status becomes grpc::Status. Abseil's codes are
// gRPC's codes, so the code carries over unchanged and the message is kept.
// Every payload of the status (domain::ViolationsToStatus attaches a
// google.rpc.BadRequest) goes into the call's error details, a serialized
// google.rpc.Status {code, message, details: the payloads as Any}, which
// gRPC sends as the grpc-status-details-bin trailer: clients read the field
// violations as data instead of parsing the message.
#ifndef PACTLOG_SERVICES_GRPC_STATUS_H_
#define PACTLOG_SERVICES_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "ledger/ledger.h"
#include "services/security/call_guard.h"

namespace pactlog::services {

grpc::Status ToGrpcStatus(const absl::Status& status);

// How a guarded call ends: `status` through call.End() (a failure is
// logged and its message names the request id), then as above.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          const security::Call& call);

// UNAVAILABLE while the ledger replays its log at start-up.
[[nodiscard]] absl::Status NotReadyError();
// Why `ledger` is not ready: NotReadyError(), or UNAVAILABLE with the reason
// its applier halted (replicated mode).
[[nodiscard]] absl::Status NotReadyError(const ledger::Ledger& ledger);

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_GRPC_STATUS_H_
