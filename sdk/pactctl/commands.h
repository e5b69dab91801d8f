// pactctl's subcommands, each a function of a connected client, its
// arguments and where to write. Each returns the process exit code:
//   0  success
//   1  the server answered with an error (the gRPC code and message are
//      printed: NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION, ...;
//      then one "  field: description" line per field violation)
//   2  usage: bad flags or input (malformed JSON, unreadable file, a value
//      pactctl rejects before sending anything)
//   3  unavailable: the server cannot be reached, is starting or stopping
//      (UNAVAILABLE, DEADLINE_EXCEEDED), or health is not SERVING
//   4  verify: the hash chain is broken (the first broken sequence and the
//      problem are printed)
//
// The read-only queries (RunDeal .. RunLineage) are in query_commands.cc,
// everything else in commands.cc.
#ifndef PACTLOG_SDK_PACTCTL_COMMANDS_H_
#define PACTLOG_SDK_PACTCTL_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pactlog/client/client.h"

namespace pactlog::pactctl {

namespace v1 = ::pactlog::v1;

enum ExitCode : int {
  kExitOk = 0,
  kExitServerError = 1,
  kExitUsage = 2,
  kExitUnavailable = 3,
  kExitChainBroken = 4,
};

struct Output {
  std::ostream& out;
  std::ostream& err;
  // One JSON object per line (Protobuf's JSON mapping) instead of tables.
  bool json = false;
};

// Prints "pactctl: CODE: message" (with `context` before the message when
// given), then each field violation the server sent as data on a line of
// its own ("  field: description"), and returns the exit code for
// `status`.
int ReportError(const absl::Status& status, const Output& output,
                absl::string_view context = {});
// Prints "pactctl: message" and returns kExitUsage.
int ReportUsage(absl::string_view message, const Output& output);
int ExitCodeFor(const absl::Status& status);

// A message as one line of JSON (Protobuf's JSON mapping, proto field
// names, default values included).
std::string ToJsonLine(const google::protobuf::Message& message);

// Events from JSON: an array of pactlog.v1.EventData objects, or a single
// one. INVALID_ARGUMENT naming the problem (the JSON parser's message,
// with the field path when it gives one).
[[nodiscard]] absl::StatusOr<std::vector<v1::EventData>> ParseEventsJson(
    absl::string_view json);

int RunAppend(client::Client& client, const Output& output,
              const std::string& deal_id, const std::string& events_json,
              std::optional<uint64_t> expected_version,
              const std::string& actor);
int RunDeal(client::Client& client, const Output& output,
            const std::string& deal_id, const client::QueryOptions& options);
int RunDeals(client::Client& client, const Output& output,
             const client::QueryOptions& options);
int RunProject(client::Client& client, const Output& output,
               const std::string& deal_id, const std::string& project_id,
               const client::QueryOptions& options);
int RunProjects(client::Client& client, const Output& output,
                const std::string& deal_id, const client::ProjectFilter& filter,
                const client::QueryOptions& options);
int RunAllocations(client::Client& client, const Output& output,
                   const std::string& deal_id,
                   const client::QueryOptions& options);
int RunCompliance(client::Client& client, const Output& output,
                  const std::string& deal_id, const std::string& reading,
                  const client::QueryOptions& options);
int RunTariffs(client::Client& client, const Output& output,
               const std::string& deal_id, const std::string& category,
               const client::QueryOptions& options);
// DealQuery.GetLineage of `subject`, every page (`page_size` entries a
// call, pinned to the first page's log position) as one answer: the
// figures, then a table of the events behind them; with --json one
// GetLineageResponse holding every entry.
int RunLineage(client::Client& client, const Output& output,
               const std::string& deal_id,
               const client::LineageSubject& subject,
               const client::QueryOptions& options, int page_size);
int RunHealth(client::Client& client, const Output& output);

// Admin.Backup into `directory` (absolute, on the server's machine).
int RunBackup(client::Client& client, const Output& output,
              const std::string& directory);

// Admin.VerifyChain after `after_sequence`, against `trusted_hash_hex` (64
// hex digits) when not empty. Exit 4 when the chain is broken.
int RunVerify(client::Client& client, const Output& output,
              uint64_t after_sequence, const std::string& trusted_hash_hex);

// Follows the log until `limit` events were printed (0: no limit) or the
// subscription is cancelled (Ctrl-C: `on_subscribed` receives the
// subscription so that a signal handler thread can cancel it; the call
// with nullptr afterwards withdraws it).
int RunTail(client::Client& client, const Output& output,
            const client::SubscribeOptions& options, int64_t limit,
            const std::function<void(client::Subscription*)>& on_subscribed);

}  // namespace pactlog::pactctl

#endif  // PACTLOG_SDK_PACTCTL_COMMANDS_H_
