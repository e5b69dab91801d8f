#include "sdk/pactctl/json_rewrite.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pactlog::pactctl {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

constexpr int kMaxDepth = 100;

// `type`'s field named `key` (proto name first, then JSON name); null for
// none.
const FieldDescriptor* FindField(const Descriptor& type,
                                 absl::string_view key) {
  if (const FieldDescriptor* field = type.FindFieldByName(std::string(key))) {
    return field;
  }
  for (int i = 0; i < type.field_count(); ++i) {
    if (type.field(i)->json_name() == key) return type.field(i);
  }
  return nullptr;
}

// The type whose fields the value of `field` holds; null when its content
// is not looked into (not a message, a map, a well-known type).
const Descriptor* ContentType(const FieldDescriptor* field) {
  if (field == nullptr || field->type() != FieldDescriptor::TYPE_MESSAGE ||
      field->is_map()) {
    return nullptr;
  }
  const Descriptor* type = field->message_type();
  if (absl::StartsWith(type->full_name(), "google.protobuf.")) return nullptr;
  return type;
}

// A recursive-descent walk over one JSON value, copying it to `out_`.
class Rewriter {
 public:
  Rewriter(absl::string_view in, const JsonStringRewrite& rewrite)
      : in_(in), rewrite_(rewrite) {
    out_.reserve(in.size());
  }

  absl::StatusOr<std::string> Run(const Descriptor* type) {
    Space();
    if (!Value(type, nullptr, 0)) return Error();
    Space();
    if (pos_ != in_.size()) return Error();
    return std::move(out_);
  }

 private:
  absl::Status Error() const {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON value at byte ", pos_));
  }
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return in_[pos_]; }
  void Space() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' ||
                        Peek() == '\r')) {
      out_.push_back(in_[pos_++]);
    }
  }
  static bool IsWordChar(char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           c == '$' || c == '-' || c == '+' || c == '.';
  }

  // A quoted string; *raw is its text between the quotes, *escaped whether
  // it holds a backslash. Copies nothing.
  bool String(absl::string_view* raw, bool* escaped) {
    const char quote = Peek();
    const size_t open = pos_++;
    *escaped = false;
    while (!AtEnd() && Peek() != quote) {
      if (Peek() == '\\') {
        *escaped = true;
        ++pos_;
      }
      ++pos_;
    }
    if (AtEnd()) return false;
    *raw = in_.substr(open + 1, pos_ - open - 1);
    ++pos_;
    return true;
  }

  // A bare word: a number, true, false, null, or a key Protobuf takes
  // unquoted. Copies it.
  bool Word(absl::string_view* word) {
    const size_t start = pos_;
    while (!AtEnd() && IsWordChar(Peek())) ++pos_;
    if (pos_ == start) return false;
    *word = in_.substr(start, pos_ - start);
    out_.append(word->data(), word->size());
    return true;
  }

  // A value whose objects have the fields of `type` (null: unknown) and
  // whose strings are values of `field` (null: not rewritten).
  bool Value(const Descriptor* type, const FieldDescriptor* field, int depth) {
    if (AtEnd() || depth > kMaxDepth) return false;
    const char c = Peek();
    if (c == '{') return Object(type, depth + 1);
    if (c == '[') return Array(type, field, depth + 1);
    if (c == '"' || c == '\'') {
      const size_t start = pos_;
      absl::string_view raw;
      bool escaped = false;
      if (!String(&raw, &escaped)) return false;
      std::optional<std::string> replacement;
      if (field != nullptr && !escaped) replacement = rewrite_(*field, raw);
      if (!replacement.has_value()) {
        out_.append(in_.data() + start, pos_ - start);
        return true;
      }
      out_.push_back('"');
      for (char r : *replacement) {
        if (r == '"' || r == '\\') out_.push_back('\\');
        out_.push_back(r);
      }
      out_.push_back('"');
      return true;
    }
    absl::string_view word;
    return Word(&word);
  }

  bool Array(const Descriptor* type, const FieldDescriptor* field, int depth) {
    out_.push_back(in_[pos_++]);  // [
    Space();
    if (!AtEnd() && Peek() == ']') {
      out_.push_back(in_[pos_++]);
      return true;
    }
    while (true) {
      if (!Value(type, field, depth)) return false;
      Space();
      if (AtEnd()) return false;
      const char c = in_[pos_++];
      out_.push_back(c);
      if (c == ']') return true;
      if (c != ',') return false;
      Space();
    }
  }

  bool Object(const Descriptor* type, int depth) {
    out_.push_back(in_[pos_++]);  // {
    Space();
    if (!AtEnd() && Peek() == '}') {
      out_.push_back(in_[pos_++]);
      return true;
    }
    while (true) {
      if (AtEnd()) return false;
      absl::string_view key;
      bool known_key = true;
      if (Peek() == '"' || Peek() == '\'') {
        const size_t start = pos_;
        bool escaped = false;
        if (!String(&key, &escaped)) return false;
        out_.append(in_.data() + start, pos_ - start);
        known_key = !escaped;
      } else if (!Word(&key)) {
        return false;
      }
      Space();
      if (AtEnd() || Peek() != ':') return false;
      out_.push_back(in_[pos_++]);
      Space();
      const FieldDescriptor* field =
          type != nullptr && known_key ? FindField(*type, key) : nullptr;
      const FieldDescriptor* string_field =
          field != nullptr && field->type() != FieldDescriptor::TYPE_MESSAGE
              ? field
              : nullptr;
      if (!Value(ContentType(field), string_field, depth)) return false;
      Space();
      if (AtEnd()) return false;
      const char c = in_[pos_++];
      out_.push_back(c);
      if (c == '}') return true;
      if (c != ',') return false;
      Space();
    }
  }

  const absl::string_view in_;
  const JsonStringRewrite& rewrite_;
  size_t pos_ = 0;
  std::string out_;
};

}  // namespace

absl::StatusOr<std::string> RewriteJsonStrings(
    absl::string_view json, const google::protobuf::Descriptor& type,
    const JsonStringRewrite& rewrite) {
  const Descriptor* root =
      absl::StartsWith(type.full_name(), "google.protobuf.") ? nullptr : &type;
  return Rewriter(json, rewrite).Run(root);
}

}  // namespace pactlog::pactctl
