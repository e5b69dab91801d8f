// JSON that a user hands pactctl (`append --events`, the lines of a `load`
// file), parsed into a pactlog.v1 message with Protobuf's JSON mapping, and
// enum values in any spelling. Pure functions; thread-safe.
#ifndef PACTLOG_SDK_PACTCTL_JSON_INPUT_H_
#define PACTLOG_SDK_PACTCTL_JSON_INPUT_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace pactlog::pactctl {

// The byte offset of the first object key that is the empty string (""
// or '', which Protobuf's parser also takes) in `json`, if any. Only keys
// count: an empty string as a value is fine. For text that is not valid JSON
// the answer may be anything, but the parser below rejects such text anyway.
std::optional<size_t> FindEmptyJsonKey(absl::string_view json);

// OK, or INVALID_ARGUMENT when `json` has an empty key: "`what` has an
// empty key ("") at byte N: every key must name a field of `type`".
//
// Callers check this before Protobuf's JSON parser sees the text, because
// Protobuf 3.21's parser does not refuse an empty key inside an element of
// a repeated field: it takes "" to name that repeated field itself and
// writes the value into the element under the field's number, so
// `{"events":[{"":[{...}]}]}` parses to an event that no JSON spells and
// that prints back as other JSON.
[[nodiscard]] absl::Status CheckNoEmptyJsonKey(absl::string_view json,
                                               absl::string_view what,
                                               absl::string_view type);

// `json`, the JSON of a message of `type`, with each enum value written as
// a string in a spelling ParseEnum (format.h) takes ("reported",
// "REPORTED", "FIRMNESS_REPORTED"; "oil-and-gas") replaced by the value's
// full name, the only one Protobuf's parser takes. Names that are no value
// of the field's enum are kept, for the parser to reject by name; `json`
// comes back unchanged when it is not JSON.
std::string NormalizeEnumNames(absl::string_view json,
                               const google::protobuf::Descriptor& type);

}  // namespace pactlog::pactctl

#endif  // PACTLOG_SDK_PACTCTL_JSON_INPUT_H_
