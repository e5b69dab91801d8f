// Field violations: the bad fields of a rejected request, as data.
//
// pactlogd sends, with every INVALID_ARGUMENT caused by request fields, a
// google.rpc.BadRequest in the call's status details (the
// grpc-status-details-bin trailer: a serialized google.rpc.Status whose
// details are Any messages). The Client keeps every detail of a failed
// call on the absl::Status it returns, as a payload under the detail's
// type URL, so FieldViolations() reads them from either status:
//
//   auto appended = client->Append("us-japan", events);
//   for (const auto& v : pactlog::client::FieldViolations(appended.status()))
//     std::cerr << v.field << ": " << v.description << "\n";
//
// Pure functions; thread-safe.
#ifndef PACTLOG_CLIENT_FIELD_VIOLATIONS_H_
#define PACTLOG_CLIENT_FIELD_VIOLATIONS_H_

#include <grpcpp/support/status.h>

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace pactlog::client {

// One bad field of a rejected request.
struct FieldViolation {
  // The field's path in the request, e.g. "events[1].tariff_change.rate_bps".
  std::string field;
  // What is wrong with it, naming the value.
  std::string description;

  bool operator==(const FieldViolation&) const = default;
};

// The type URL of google.rpc.BadRequest details (and of the absl::Status
// payload that holds them).
inline constexpr char kBadRequestTypeUrl[] =
    "type.googleapis.com/google.rpc.BadRequest";

// The violations of `status`'s google.rpc.BadRequest payload (a status a
// Client method returned), in the server's order. Empty for OK, without
// such a payload, or when it does not parse.
std::vector<FieldViolation> FieldViolations(const absl::Status& status);

// The same from a gRPC status (a call made on a pactlog.v1 stub directly):
// the violations of every google.rpc.BadRequest among the details of the
// google.rpc.Status in status.error_details(). Empty for OK, without
// details, or when they do not parse.
std::vector<FieldViolation> FieldViolations(const grpc::Status& status);

}  // namespace pactlog::client

#endif  // PACTLOG_CLIENT_FIELD_VIOLATIONS_H_
