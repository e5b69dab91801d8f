// What a failed call says, as data: the one error type of the SDK.
//
// Every Client method returns an absl::Status (or StatusOr) whose code is
// the gRPC code and whose message is the server's. The status also carries,
// as payloads, the details the server attached (google.rpc.BadRequest,
// google.rpc.ErrorInfo) and the number of attempts the client made. Error
// reads them all:
//
//   auto appended = client->Append("us-japan", events, options);
//   if (!appended.ok()) {
//     pactlog::client::Error error(appended.status());
//     if (error.current_version.has_value()) { ... re-read and retry ... }
//     for (const auto& v : error.field_violations) { ... v.field ... }
//   }
//
// Plain data; thread-compatible.
#ifndef PACTLOG_CLIENT_ERROR_H_
#define PACTLOG_CLIENT_ERROR_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "pactlog/client/field_violations.h"

namespace pactlog::client {

// The type URL of google.rpc.ErrorInfo details (and of the absl::Status
// payload that holds them).
inline constexpr char kErrorInfoTypeUrl[] =
    "type.googleapis.com/google.rpc.ErrorInfo";
// The absl::Status payload that holds the attempts a call took (decimal).
inline constexpr char kAttemptsPayloadUrl[] = "pactlog.dev/client/attempts";

// google.rpc.ErrorInfo reasons pactlogd sends.
inline constexpr char kExpectedVersionMismatch[] = "EXPECTED_VERSION_MISMATCH";
inline constexpr char kRuleBroken[] = "RULE_BROKEN";

struct Error {
  // Decodes `status`; a status without details gives just its code and
  // message (and attempts 1). OK gives code kOk.
  explicit Error(const absl::Status& status);

  absl::StatusCode code = absl::StatusCode::kOk;
  std::string message;
  // Calls made, the first included: more than 1 after retries of
  // UNAVAILABLE or DEADLINE_EXCEEDED.
  int attempts = 1;

  // INVALID_ARGUMENT: every bad field, in the server's order
  // (google.rpc.BadRequest).
  std::vector<FieldViolation> field_violations;

  // The google.rpc.ErrorInfo detail, when there is one: its reason
  // ("EXPECTED_VERSION_MISMATCH", "RULE_BROKEN"), domain and metadata.
  std::string reason;
  std::string domain;
  std::map<std::string, std::string> metadata;

  // ABORTED on an expected version (reason EXPECTED_VERSION_MISMATCH): the
  // deal and its version now.
  std::string deal_id;
  std::optional<uint64_t> current_version;

  // FAILED_PRECONDITION on a business rule (reason RULE_BROKEN): the rule's
  // name ("deal-announced-once") and what it found; the numbers the rule
  // names are the other entries of `metadata`.
  std::string rule;
  std::string rule_detail;
};

// `status` with the payload that says it took `attempts` calls (none for
// OK or a single attempt, which is what a status without it means).
[[nodiscard]] absl::Status WithAttempts(absl::Status status, int attempts);

}  // namespace pactlog::client

#endif  // PACTLOG_CLIENT_ERROR_H_
