// How an HTTP request of the JSON API fills a request message, following
// Google's HTTP mapping (google/api/http.proto):
//
//  - a path template names fields in braces: "/v1/deals/{deal_id}/projects"
//    sets `deal_id` from the second segment;
//  - every query parameter names a field by its path, in the proto's
//    spelling or the JSON one ("as_of.effective_time", "asOf.effectiveTime");
//    a repeated field takes the parameter as many times as it has values;
//  - a path that is not a field of the request but is one of its `options`
//    (ReadOptions) is taken as that: "as_of.sequence" and "min_sequence" are
//    short for "options.as_of.sequence" and "options.min_sequence".
//
// Values: integers in decimal; bools true/false/1/0; enums by name, whole
// ("SECTOR_ENERGY") or without the enum's prefix in any case ("energy");
// google.protobuf.Timestamp in RFC 3339 ("2025-09-04T00:00:00Z"). Only
// scalar, enum and Timestamp fields can be set. Each wrong parameter is a
// field violation naming the parameter and the value.
#ifndef PACTLOG_SERVICES_HTTP_REQUEST_FIELDS_H_
#define PACTLOG_SERVICES_HTTP_REQUEST_FIELDS_H_

#include <google/protobuf/message.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "domain/validation.h"

namespace pactlog::services::http {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=x%20y" as [(a, 1), (b, "x y")], in order; '+' is a space. A
// malformed %-escape is INVALID_ARGUMENT.
[[nodiscard]] absl::StatusOr<QueryParams> ParseQuery(std::string_view query);

// %-decodes one path segment; INVALID_ARGUMENT for a malformed escape.
[[nodiscard]] absl::StatusOr<std::string> DecodePathSegment(
    std::string_view segment);

// Matches `path` (no query) against `path_template` segment by segment:
// literal segments must be equal, "{field.path}" takes the %-decoded
// segment. Returns false on a mismatch; fills *variables in template order.
bool MatchPathTemplate(std::string_view path_template, std::string_view path,
                       QueryParams* variables);

// Sets the field `path` names in `message` from `value`; on a problem adds a
// violation whose field is `parameter` (the name the caller used).
void SetRequestField(const std::string& parameter, const std::string& path,
                     const std::string& value,
                     google::protobuf::Message* message,
                     std::vector<domain::FieldViolation>* violations);

// Sets every parameter; INVALID_ARGUMENT with each violation (as
// domain::ViolationsToStatus) when any is wrong. Parameters named in
// `ignored` are skipped (they belong to the HTTP layer, e.g. "access_token").
[[nodiscard]] absl::Status SetRequestFields(
    const QueryParams& params, google::protobuf::Message* message,
    const std::vector<std::string>& ignored = {});

}  // namespace pactlog::services::http

#endif  // PACTLOG_SERVICES_HTTP_REQUEST_FIELDS_H_
