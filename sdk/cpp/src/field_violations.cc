#include "pactlog/client/field_violations.h"

#include <string>

#include "absl/strings/cord.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace pactlog::client {

namespace {

// Appends the violations of a serialized google.rpc.BadRequest; false when
// it does not parse.
bool AppendViolations(const std::string& serialized,
                      std::vector<FieldViolation>* out) {
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(serialized)) return false;
  for (const auto& violation : bad_request.field_violations()) {
    out->push_back({violation.field(), violation.description()});
  }
  return true;
}

}  // namespace

std::vector<FieldViolation> FieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  // Debian's Abseil answers an absl::optional, not a std::optional.
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return violations;
  if (!AppendViolations(std::string(*payload), &violations)) return {};
  return violations;
}

std::vector<FieldViolation> FieldViolations(const grpc::Status& status) {
  std::vector<FieldViolation> violations;
  if (status.ok() || status.error_details().empty()) return violations;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return {};
  for (const google::protobuf::Any& any : details.details()) {
    if (any.type_url() != kBadRequestTypeUrl) continue;
    if (!AppendViolations(any.value(), &violations)) return {};
  }
  return violations;
}

}  // namespace pactlog::client
