// The one place where a gRPC status becomes an HTTP answer of the JSON API
// (services/http/api.h). The HTTP status of each code is the one of
// Google's HTTP mapping (google/rpc/code.proto):
//
//   gRPC code             HTTP   gRPC code             HTTP
//   OK                    200    FAILED_PRECONDITION   400
//   CANCELLED             499    ABORTED               409
//   UNKNOWN               500    OUT_OF_RANGE          400
//   INVALID_ARGUMENT      400    UNIMPLEMENTED         501
//   DEADLINE_EXCEEDED     504    INTERNAL              500
//   NOT_FOUND             404    UNAVAILABLE           503
//   ALREADY_EXISTS        409    DATA_LOSS             500
//   PERMISSION_DENIED     403    UNAUTHENTICATED       401
//   RESOURCE_EXHAUSTED    429
//
// The body is Google's JSON error form:
//
//   {"error": {"code": 400, "status": "INVALID_ARGUMENT",
//              "message": "invalid request: ...",
//              "details": [{"@type":
//              "type.googleapis.com/google.rpc.BadRequest",
//                           "fieldViolations": [{"field": ..., "description":
//                           ...}]}]}}
//
// where `details` are the call's error details (the google.rpc.Status that
// services/grpc_status.h sends), printed with Protobuf's JSON mapping.
#ifndef PACTLOG_SERVICES_HTTP_HTTP_STATUS_H_
#define PACTLOG_SERVICES_HTTP_HTTP_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

namespace pactlog::services::http {

// The HTTP status for `code` (table above); 500 for a code not in it.
int HttpStatusFor(grpc::StatusCode code);

// The JSON body above for a failed `status` (OK gives code 200 and no
// details). Details that cannot be printed are left out.
std::string ErrorJson(const grpc::Status& status);

}  // namespace pactlog::services::http

#endif  // PACTLOG_SERVICES_HTTP_HTTP_STATUS_H_
