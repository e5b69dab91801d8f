// Rewriting chosen string values inside the JSON of a protobuf message,
// every other byte kept as it is: how pactctl takes enum names in any
// spelling (json_input.h) and prints hashes in hex (commands.h). Pure
// functions; thread-safe.
#ifndef PACTLOG_SDK_PACTCTL_JSON_REWRITE_H_
#define PACTLOG_SDK_PACTCTL_JSON_REWRITE_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace pactlog::pactctl {

// The replacement of `value`, a string that is the JSON value of `field`
// (or an element of it, when repeated); nullopt keeps it.
using JsonStringRewrite = std::function<std::optional<std::string>(
    const google::protobuf::FieldDescriptor& field, absl::string_view value)>;

// `json`, the JSON of a message of `type` (Protobuf's JSON mapping; keys
// are proto field names or lowerCamel JSON names, quoted with " or ', or
// bare words as Protobuf's parser also takes), with each string value of a
// field of `type`, or of a message inside it at any depth, replaced as
// `rewrite` says. Keys, numbers, white space and every other string are
// copied unchanged. Never rewritten: values of unknown fields and of map
// fields, anything inside a well-known type (google.protobuf.*), strings
// with escapes. INVALID_ARGUMENT when `json` is not a single JSON value
// nested at most 100 deep; a caller reading user input then hands the
// original text to Protobuf's parser, which names the problem.
[[nodiscard]] absl::StatusOr<std::string> RewriteJsonStrings(
    absl::string_view json, const google::protobuf::Descriptor& type,
    const JsonStringRewrite& rewrite);

}  // namespace pactlog::pactctl

#endif  // PACTLOG_SDK_PACTCTL_JSON_REWRITE_H_
