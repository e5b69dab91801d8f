#include "services/security/json_log.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace pactlog::services::security {

namespace {

// Length of the well-formed UTF-8 sequence starting at text[i], or 0.
size_t Utf8SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  const unsigned char lead = byte(i);
  size_t length;
  unsigned char low = 0x80, high = 0xBF;  // bounds of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

std::string JsonEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      // Well-formed UTF-8 passes through; any other byte (client input
      // quoted in a message) becomes U+FFFD, so every line stays JSON.
      const size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\\ufffd";
      } else {
        out.append(text.data() + i, length);
        i += length - 1;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

JsonLog& JsonLog::Stderr() {
  static JsonLog* const log = new JsonLog(&std::cerr);
  return *log;
}

void JsonLog::Write(const LogEntry& entry) {
  std::string line = absl::StrCat(
      "{\"time\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                       absl::UTCTimeZone()),
      "\",\"level\":\"", JsonEscape(entry.level), "\",\"message\":\"",
      JsonEscape(entry.message), "\",\"principal\":\"",
      JsonEscape(entry.principal), "\",\"deal\":\"", JsonEscape(entry.deal),
      "\",\"code\":\"", JsonEscape(entry.code), "\",\"request_id\":\"",
      JsonEscape(entry.request_id), "\"");
  for (const auto& [key, value] : entry.extra) {
    absl::StrAppend(&line, ",\"", JsonEscape(key), "\":\"", JsonEscape(value),
                    "\"");
  }
  line += "}\n";
  absl::MutexLock lock(&mu_);
  *out_ << line << std::flush;
}

void JsonLog::Info(std::string message,
                   std::vector<std::pair<std::string, std::string>> extra) {
  LogEntry entry;
  entry.message = std::move(message);
  entry.extra = std::move(extra);
  Write(entry);
}

void JsonLog::Error(std::string message,
                    std::vector<std::pair<std::string, std::string>> extra) {
  LogEntry entry;
  entry.level = "error";
  entry.message = std::move(message);
  entry.extra = std::move(extra);
  Write(entry);
}

}  // namespace pactlog::services::security
