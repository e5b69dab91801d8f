// Quote: a value as error messages show it.
//
// Every message that echoes a caller's value (a field of a request, a key
// or a stored byte string) writes it through Quote, so that messages look
// alike everywhere: the value in double quotes with C escapes, so that
// control bytes and binary keys stay readable on one line, and cut to
// `max_bytes` so that one huge field cannot blow up a message; a cut value
// ends `"... (N bytes)` with its full size.
#ifndef PACTLOG_UTIL_QUOTE_H_
#define PACTLOG_UTIL_QUOTE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace pactlog::util {

// How many bytes of a value an error message echoes by default.
inline constexpr std::size_t kMaxQuotedBytes = 80;

// Debian's Abseil (20220623) has its own absl::string_view, which does not
// convert from std::string_view implicitly.
inline absl::string_view AsAbsl(std::string_view value) {
  return absl::string_view(value.data(), value.size());
}

inline std::string Quote(std::string_view value,
                         std::size_t max_bytes = kMaxQuotedBytes) {
  if (value.size() <= max_bytes) {
    return absl::StrCat("\"", absl::CHexEscape(AsAbsl(value)), "\"");
  }
  return absl::StrCat("\"",
                      absl::CHexEscape(AsAbsl(value.substr(0, max_bytes))),
                      "\"... (", value.size(), " bytes)");
}

}  // namespace pactlog::util

#endif  // PACTLOG_UTIL_QUOTE_H_
