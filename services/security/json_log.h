// JsonLog: structured log lines, one JSON object per line.
//
// Every line has the keys time (RFC 3339, UTC, milliseconds), level
// ("info", "warn", "error"), message, principal, deal, code and request_id;
// the last four are "" when they do not apply. Extra keys may follow.
// pactlogd writes its lifecycle events and every failed request this way
// on stderr.
//
// Thread-safe: lines from concurrent writers never interleave.
#ifndef PACTLOG_SERVICES_SECURITY_JSON_LOG_H_
#define PACTLOG_SERVICES_SECURITY_JSON_LOG_H_

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace pactlog::services::security {

struct LogEntry {
  std::string level = "info";
  std::string message;
  std::string principal;
  std::string deal;
  std::string code;
  std::string request_id;
  // Further keys, written as JSON strings in this order.
  std::vector<std::pair<std::string, std::string>> extra;
};

// `text` as the contents of a JSON string (without the quotes).
std::string JsonEscape(absl::string_view text);

class JsonLog {
 public:
  // Writes to `out`, which is not owned and must outlive the log.
  explicit JsonLog(std::ostream* out) : out_(out) {}

  // The process-wide log on stderr.
  static JsonLog& Stderr();

  // Writes `entry` as one line and flushes.
  void Write(const LogEntry& entry);

  // Shorthand for a lifecycle event.
  void Info(std::string message,
            std::vector<std::pair<std::string, std::string>> extra = {});
  void Error(std::string message,
             std::vector<std::pair<std::string, std::string>> extra = {});

 private:
  absl::Mutex mu_;
  std::ostream* const out_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace pactlog::services::security

#endif  // PACTLOG_SERVICES_SECURITY_JSON_LOG_H_
