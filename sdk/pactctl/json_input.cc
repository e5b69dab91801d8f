#include "sdk/pactctl/json_input.h"

#include "absl/strings/str_cat.h"
#include "sdk/pactctl/format.h"
#include "sdk/pactctl/json_rewrite.h"

namespace pactlog::pactctl {

std::optional<size_t> FindEmptyJsonKey(absl::string_view json) {
  // A string followed (after white space) by ':' is a key in any valid
  // JSON text, so a scan that only tracks strings and their escapes finds
  // every key. Protobuf's parser also takes single-quoted strings, so a
  // string may open with either quote and ends with the same one.
  size_t i = 0;
  while (i < json.size()) {
    const char quote = json[i];
    if (quote != '"' && quote != '\'') {
      ++i;
      continue;
    }
    const size_t open = i++;
    while (i < json.size() && json[i] != quote) {
      i += json[i] == '\\' ? 2 : 1;
    }
    if (i >= json.size()) return std::nullopt;  // unterminated: not JSON
    const bool empty = i == open + 1;
    ++i;  // past the closing quote
    if (!empty) continue;
    size_t next = i;
    while (next < json.size() && (json[next] == ' ' || json[next] == '\t' ||
                                  json[next] == '\n' || json[next] == '\r')) {
      ++next;
    }
    if (next < json.size() && json[next] == ':') return open;
  }
  return std::nullopt;
}

absl::Status CheckNoEmptyJsonKey(absl::string_view json, absl::string_view what,
                                 absl::string_view type) {
  const std::optional<size_t> at = FindEmptyJsonKey(json);
  if (!at.has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " has an empty key (\"\") at byte ", *at,
                   ": every key must name a field of ", type));
}

std::string NormalizeEnumNames(absl::string_view json,
                               const google::protobuf::Descriptor& type) {
  auto rewritten = RewriteJsonStrings(
      json, type,
      [](const google::protobuf::FieldDescriptor& field,
         absl::string_view value) -> std::optional<std::string> {
        if (field.type() != google::protobuf::FieldDescriptor::TYPE_ENUM) {
          return std::nullopt;
        }
        auto number = ParseEnum(field.enum_type(), value, field.name());
        if (!number.ok()) return std::nullopt;
        return field.enum_type()->FindValueByNumber(*number)->name();
      });
  return rewritten.ok() ? *std::move(rewritten) : std::string(json);
}

}  // namespace pactlog::pactctl
