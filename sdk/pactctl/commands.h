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
#include "absl/time/time.h"
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

// Where and how a command prints. JSON is Protobuf's JSON mapping (proto
// field names, default values included) except that bytes, which are all
// hashes, are lowercase hex: the spelling `verify --trusted-hash` takes.
struct Output {
  std::ostream& out;
  std::ostream& err;
  // JSON instead of tables (--json or --json-lines).
  bool json = false;
  // --json-lines: a list command prints one item per line as it fetches
  // them, tail one event per line as they come. Without it (--json) every
  // command prints one JSON document: a list command (deals, projects,
  // allocations) a JSON array of the items of every page, `tail` an array of
  // the events once it ends. Commands that answer one object print it on one
  // line either way.
  bool json_lines = false;
};

// The items of a list command in JSON: with --json-lines each at once on a
// line of its own; with --json kept, and printed as one JSON array (one item
// a line inside it) by Finish().
class JsonItems {
 public:
  explicit JsonItems(const Output& output) : output_(output) {}
  void Add(const google::protobuf::Message& item);
  // Prints the array (--json); nothing with --json-lines.
  void Finish();

 private:
  const Output& output_;
  std::vector<std::string> items_;
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

// A message as one line of JSON, as Output describes it (bytes in hex).
std::string ToJsonLine(const google::protobuf::Message& message);

// Events from JSON: an array of pactlog.v1.EventData objects, or a single
// one. Enum values may be spelled any way ParseEnum (format.h) takes
// ("firmness": "reported"). An event whose provenance names no firmness
// gets `default_firmness`, which is reported, the weakest claim, unless the
// caller says otherwise (sdk/BEHAVIOUR.md). INVALID_ARGUMENT naming the
// problem (the JSON parser's message, with the field path when it gives
// one).
[[nodiscard]] absl::StatusOr<std::vector<v1::EventData>> ParseEventsJson(
    absl::string_view json,
    v1::Firmness default_firmness = v1::FIRMNESS_REPORTED);

// Appends the events of `events_json` (ParseEventsJson, with
// `default_firmness`) to `deal_id`. `actor` empty: the client's
// (ClientOptions::actor: PACTLOG_ACTOR, else user@host).
int RunAppend(client::Client& client, const Output& output,
              const std::string& deal_id, const std::string& events_json,
              std::optional<uint64_t> expected_version,
              const std::string& actor, v1::Firmness default_firmness);
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
// figures, then a table of the events behind them; in JSON (either mode)
// one GetLineageResponse holding every entry.
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

// When `tail` stops by itself; by default it follows the log until it is
// cancelled.
struct TailLimits {
  // Stop after this many events; 0: no limit.
  int64_t limit = 0;
  // Stop once the history that existed when the subscription started (up to
  // the server's caught-up position) has been printed; no live event is
  // printed.
  bool until_caught_up = false;
  // Stop after this long; exit 0 when the server was reached (something was
  // printed or the subscription caught up), else 3 (unavailable).
  std::optional<absl::Duration> timeout;

  bool bounded() const {
    return limit > 0 || until_caught_up || timeout.has_value();
  }
};

// Follows the log until a limit of `limits` is reached or the subscription
// is cancelled (Ctrl-C: `on_subscribed` receives the subscription so that
// a signal handler thread can cancel it; the call with nullptr afterwards
// withdraws it). With --json (not --json-lines) it prints one JSON array of
// the events when it stops, and then needs `limits` to be bounded (exit 2
// otherwise).
int RunTail(client::Client& client, const Output& output,
            const client::SubscribeOptions& options, const TailLimits& limits,
            const std::function<void(client::Subscription*)>& on_subscribed);

}  // namespace pactlog::pactctl

#endif  // PACTLOG_SDK_PACTCTL_COMMANDS_H_
