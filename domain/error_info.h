// Machine-readable reasons of a refused request. A status made here carries
// a serialized google.rpc.ErrorInfo payload under kErrorInfoTypeUrl, which
// services/grpc_status.h sends (with any google.rpc.BadRequest) as the
// call's error details, so a client reads the reason and its numbers as
// data instead of parsing the message (sdk/BEHAVIOUR.md, "Errors").
//
//   reason                     code                 metadata
//   EXPECTED_VERSION_MISMATCH  ABORTED              deal_id, current_version
//   RULE_BROKEN                FAILED_PRECONDITION  rule, detail, and the
//                                                   numbers the rule names
//
// ErrorInfo.domain is always kErrorDomain.
#ifndef PACTLOG_DOMAIN_ERROR_INFO_H_
#define PACTLOG_DOMAIN_ERROR_INFO_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"

namespace pactlog::domain {

inline constexpr char kErrorInfoTypeUrl[] =
    "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr char kErrorDomain[] = "pactlog.v1";
inline constexpr char kReasonExpectedVersion[] = "EXPECTED_VERSION_MISMATCH";
inline constexpr char kReasonRuleBroken[] = "RULE_BROKEN";

// A number a rule names, e.g. {"ceiling", 55000000000000}.
using NamedNumber = std::pair<const char*, int64_t>;

// `status` with an ErrorInfo {reason, kErrorDomain, metadata} payload
// (replacing one it had). `metadata` keys are snake_case.
[[nodiscard]] absl::Status WithErrorInfo(
    absl::Status status, std::string_view reason,
    std::initializer_list<std::pair<std::string_view, std::string>> metadata,
    std::initializer_list<NamedNumber> numbers = {});

// ABORTED `message` for a deal at `current_version` that an
// expected_version did not match.
[[nodiscard]] absl::Status ExpectedVersionMismatch(std::string_view message,
                                                   std::string_view deal_id,
                                                   uint64_t current_version);

}  // namespace pactlog::domain

#endif  // PACTLOG_DOMAIN_ERROR_INFO_H_
