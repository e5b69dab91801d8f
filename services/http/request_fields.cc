#include "services/http/request_fields.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "util/quote.h"
#include "util/timestamp.h"

namespace pactlog::services::http {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> PercentDecode(std::string_view text,
                                          bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const int high = i + 2 < text.size() ? HexDigit(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed %-escape at byte ", i, " of ",
                         util::Quote(std::string(text))));
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

// The field of `descriptor` called `name` in the proto's or JSON spelling.
const FieldDescriptor* FindField(const Descriptor* descriptor,
                                 std::string_view name) {
  const std::string key(name);
  const FieldDescriptor* field = descriptor->FindFieldByName(key);
  if (field == nullptr) field = descriptor->FindFieldByCamelcaseName(key);
  return field;
}

// The value called `name`: whole ("SECTOR_ENERGY") or without the enum's
// prefix, which every pactlog enum's zero value shows ("SECTOR_" of
// "SECTOR_UNSPECIFIED"), in any case ("energy").
const EnumValueDescriptor* FindEnumValue(const FieldDescriptor* field,
                                         const std::string& name) {
  const auto* type = field->enum_type();
  std::string prefix = type->value(0)->name();
  constexpr absl::string_view kUnspecified = "UNSPECIFIED";
  if (absl::EndsWith(prefix, kUnspecified)) {
    prefix.resize(prefix.size() - kUnspecified.size());
  } else {
    prefix.clear();
  }
  for (int i = 0; i < type->value_count(); ++i) {
    const EnumValueDescriptor* value = type->value(i);
    if (absl::EqualsIgnoreCase(value->name(), name) ||
        absl::EqualsIgnoreCase(value->name(), absl::StrCat(prefix, name))) {
      return value;
    }
  }
  return nullptr;
}

template <typename T>
bool ParseInteger(const std::string& text, T* out) {
  if constexpr (std::is_signed_v<T>) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(text, &value)) return false;
    if (value < std::numeric_limits<T>::min() ||
        value > std::numeric_limits<T>::max()) {
      return false;
    }
    *out = static_cast<T>(value);
  } else {
    uint64_t value = 0;
    if (text.empty() || text[0] == '-' || !absl::SimpleAtoi(text, &value)) {
      return false;
    }
    if (value > std::numeric_limits<T>::max()) return false;
    *out = static_cast<T>(value);
  }
  return true;
}

// Sets the scalar, enum or Timestamp `field` of `message` (adding to a
// repeated one); a description of what is wrong, or "" when set.
std::string SetValue(Message* message, const FieldDescriptor* field,
                     const std::string& value) {
  const Reflection* reflection = message->GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? reflection->AddString(message, field, value)
               : reflection->SetString(message, field, value);
      return "";
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v = 0;
      if (!ParseInteger(value, &v)) break;
      repeated ? reflection->AddInt32(message, field, v)
               : reflection->SetInt32(message, field, v);
      return "";
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = 0;
      if (!ParseInteger(value, &v)) break;
      repeated ? reflection->AddInt64(message, field, v)
               : reflection->SetInt64(message, field, v);
      return "";
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v = 0;
      if (!ParseInteger(value, &v)) break;
      repeated ? reflection->AddUInt32(message, field, v)
               : reflection->SetUInt32(message, field, v);
      return "";
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v = 0;
      if (!ParseInteger(value, &v)) break;
      repeated ? reflection->AddUInt64(message, field, v)
               : reflection->SetUInt64(message, field, v);
      return "";
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v = false;
      if (value == "true" || value == "1") {
        v = true;
      } else if (value != "false" && value != "0") {
        return absl::StrCat("must be true or false, got ", util::Quote(value));
      }
      repeated ? reflection->AddBool(message, field, v)
               : reflection->SetBool(message, field, v);
      return "";
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* v = FindEnumValue(field, value);
      if (v == nullptr || v->number() == 0) {
        return absl::StrCat("must name a value of ",
                            field->enum_type()->full_name(), " other than ",
                            field->enum_type()->value(0)->name(), ", got ",
                            util::Quote(value));
      }
      repeated ? reflection->AddEnum(message, field, v)
               : reflection->SetEnum(message, field, v);
      return "";
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (field->message_type()->full_name() != "google.protobuf.Timestamp" ||
          repeated) {
        return "cannot be set from a query parameter";
      }
      absl::Time time;
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
        return absl::StrCat(
            "must be an RFC 3339 time such as 2025-09-04T00:00:00Z, got ",
            util::Quote(value));
      }
      auto* timestamp = static_cast<google::protobuf::Timestamp*>(
          reflection->MutableMessage(message, field));
      util::ToProtoTime(time, timestamp);
      return "";
    }
    default:
      return "cannot be set from a query parameter";
  }
  return absl::StrCat("must be an integer in the range of ",
                      field->cpp_type_name(), ", got ", util::Quote(value));
}

// The message holding the last segment of `path` (mutable submessages made
// on the way) and that segment's field; nullptr when a segment is unknown.
const FieldDescriptor* Resolve(Message* root,
                               const std::vector<std::string>& segments,
                               Message** holder) {
  Message* message = root;
  for (size_t i = 0; i < segments.size(); ++i) {
    const FieldDescriptor* field =
        FindField(message->GetDescriptor(), segments[i]);
    if (field == nullptr) return nullptr;
    if (i + 1 == segments.size()) {
      *holder = message;
      return field;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_repeated()) {
      return nullptr;
    }
    message = message->GetReflection()->MutableMessage(message, field);
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<QueryParams> ParseQuery(std::string_view query) {
  QueryParams params;
  if (query.empty()) return params;
  for (absl::string_view piece : absl::StrSplit(util::AsAbsl(query), '&')) {
    const std::string_view pair(piece.data(), piece.size());
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    std::string_view name = pair.substr(0, equals);
    std::string_view value =
        equals == std::string_view::npos ? "" : pair.substr(equals + 1);
    auto decoded_name = PercentDecode(name, true);
    if (!decoded_name.ok()) return decoded_name.status();
    auto decoded_value = PercentDecode(value, true);
    if (!decoded_value.ok()) return decoded_value.status();
    params.emplace_back(*std::move(decoded_name), *std::move(decoded_value));
  }
  return params;
}

absl::StatusOr<std::string> DecodePathSegment(std::string_view segment) {
  return PercentDecode(segment, false);
}

bool MatchPathTemplate(std::string_view path_template, std::string_view path,
                       QueryParams* variables) {
  variables->clear();
  const std::vector<std::string> want =
      absl::StrSplit(util::AsAbsl(path_template), '/');
  const std::vector<std::string> have = absl::StrSplit(util::AsAbsl(path), '/');
  if (want.size() != have.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() >= 2 && want[i].front() == '{' &&
        want[i].back() == '}') {
      if (have[i].empty()) return false;
      auto decoded = DecodePathSegment(have[i]);
      if (!decoded.ok()) return false;
      variables->emplace_back(
          std::string(want[i].substr(1, want[i].size() - 2)),
          *std::move(decoded));
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  return true;
}

void SetRequestField(const std::string& parameter, const std::string& path,
                     const std::string& value, Message* message,
                     std::vector<domain::FieldViolation>* violations) {
  std::vector<std::string> segments = absl::StrSplit(util::AsAbsl(path), '.');
  Message* holder = nullptr;
  const FieldDescriptor* field = Resolve(message, segments, &holder);
  if (field == nullptr) {
    // "as_of.sequence" for "options.as_of.sequence".
    const FieldDescriptor* options =
        message->GetDescriptor()->FindFieldByName("options");
    if (options != nullptr &&
        options->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        FindField(options->message_type(), segments.front()) != nullptr) {
      segments.insert(segments.begin(), "options");
      field = Resolve(message, segments, &holder);
    }
  }
  if (field == nullptr) {
    violations->push_back(
        {parameter, absl::StrCat("is not a parameter of ",
                                 message->GetDescriptor()->full_name())});
    return;
  }
  if (!field->is_repeated() &&
      field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE &&
      holder->GetReflection()->HasField(*holder, field)) {
    violations->push_back({parameter, "is given more than once"});
    return;
  }
  if (const auto* oneof = field->containing_oneof(); oneof != nullptr) {
    const FieldDescriptor* set =
        holder->GetReflection()->GetOneofFieldDescriptor(*holder, oneof);
    if (set != nullptr && set != field) {
      violations->push_back(
          {parameter, absl::StrCat("cannot be given with ", set->name(),
                                   ": they are alternatives")});
      return;
    }
  }
  std::string problem = SetValue(holder, field, value);
  if (!problem.empty()) violations->push_back({parameter, std::move(problem)});
}

absl::Status SetRequestFields(const QueryParams& params, Message* message,
                              const std::vector<std::string>& ignored) {
  std::vector<domain::FieldViolation> violations;
  for (const auto& [name, value] : params) {
    if (std::find(ignored.begin(), ignored.end(), name) != ignored.end()) {
      continue;
    }
    SetRequestField(name, name, value, message, &violations);
  }
  return domain::ViolationsToStatus(violations);
}

}  // namespace pactlog::services::http
