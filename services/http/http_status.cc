#include "services/http/http_status.h"

#include <google/protobuf/util/json_util.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/status.pb.h"
#include "services/security/json_log.h"

namespace pactlog::services::http {
namespace {

// A JSON string literal of `text` (invalid UTF-8 replaced, as in the log).
std::string JsonString(const std::string& text) {
  return absl::StrCat("\"", security::JsonEscape(text), "\"");
}

// The "details" array: each Any of the error details, as JSON.
std::string DetailsJson(const std::string& serialized_details) {
  google::rpc::Status details;
  if (serialized_details.empty() ||
      !details.ParseFromString(serialized_details)) {
    return "[]";
  }
  std::string out = "[";
  bool first = true;
  for (const google::protobuf::Any& any : details.details()) {
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(any, &json).ok()) continue;
    if (!first) out += ",";
    first = false;
    out += json;
  }
  out += "]";
  return out;
}

}  // namespace

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    default:
      return 500;
  }
}

std::string ErrorJson(const grpc::Status& status) {
  // Abseil's codes are gRPC's, and so are their names.
  const std::string name = absl::StatusCodeToString(
      static_cast<absl::StatusCode>(status.error_code()));
  return absl::StrCat(
      "{\"error\":{\"code\":", HttpStatusFor(status.error_code()),
      ",\"status\":", JsonString(name.empty() ? "UNKNOWN" : name),
      ",\"message\":", JsonString(status.error_message()),
      ",\"details\":", DetailsJson(status.error_details()), "}}\n");
}

}  // namespace pactlog::services::http
