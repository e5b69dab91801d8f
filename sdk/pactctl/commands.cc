// pactctl's subcommands (sdk/pactctl/commands.h): reporting errors, JSON
// output and input, and the commands that write or administer: append,
// backup, verify, health, tail. The read-only queries (deal, deals,
// project, projects, tariffs) are in query_commands.cc.
#include "sdk/pactctl/commands.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <iostream>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "pactlog/client/field_violations.h"
#include "sdk/pactctl/format.h"
#include "sdk/pactctl/json_input.h"
#include "sdk/pactctl/json_rewrite.h"

namespace pactlog::pactctl {
namespace {

using client::Client;

}  // namespace

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return kExitUnavailable;
  }
  return kExitServerError;
}

int ReportError(const absl::Status& status, const Output& output,
                absl::string_view context) {
  output.err << "pactctl: " << absl::StatusCodeToString(status.code()) << ": "
             << context << status.message() << "\n";
  for (const client::FieldViolation& violation :
       client::FieldViolations(status)) {
    output.err << "  " << violation.field << ": " << violation.description
               << "\n";
  }
  return ExitCodeFor(status);
}

int ReportUsage(absl::string_view message, const Output& output) {
  output.err << "pactctl: " << message << "\n";
  return kExitUsage;
}

std::string ToJsonLine(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a valid message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  // Protobuf prints bytes in base64; pactlog's bytes are hashes, which
  // pactctl prints (and `verify --trusted-hash` takes) in hex.
  auto hex = RewriteJsonStrings(
      json, *message.GetDescriptor(),
      [](const google::protobuf::FieldDescriptor& field,
         absl::string_view value) -> std::optional<std::string> {
        std::string bytes;
        if (field.type() != google::protobuf::FieldDescriptor::TYPE_BYTES ||
            !absl::Base64Unescape(value, &bytes)) {
          return std::nullopt;
        }
        return absl::BytesToHexString(bytes);
      });
  // What Protobuf printed is JSON, so the rewrite cannot fail.
  return hex.ok() ? *std::move(hex) : json;
}

void JsonItems::Add(const google::protobuf::Message& item) {
  if (output_.json_lines) {
    output_.out << ToJsonLine(item) << "\n";
  } else {
    items_.push_back(ToJsonLine(item));
  }
}

void JsonItems::Finish() {
  if (output_.json_lines) return;
  if (items_.empty()) {
    output_.out << "[]\n";
    return;
  }
  output_.out << "[\n" << absl::StrJoin(items_, ",\n") << "\n]\n";
}

absl::StatusOr<std::vector<v1::EventData>> ParseEventsJson(
    absl::string_view json, v1::Firmness default_firmness) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(json);
  std::string wrapped;
  if (absl::StartsWith(trimmed, "[")) {
    wrapped = absl::StrCat("{\"events\":", trimmed, "}");
  } else if (absl::StartsWith(trimmed, "{")) {
    wrapped = absl::StrCat("{\"events\":[", trimmed, "]}");
  } else {
    return absl::InvalidArgumentError(
        trimmed.empty()
            ? "--events is empty; want a JSON array of pactlog.v1.EventData "
              "objects or one object"
            : "--events must be a JSON array of pactlog.v1.EventData objects "
              "or one object");
  }
  if (absl::Status keys =
          CheckNoEmptyJsonKey(json, "--events", "pactlog.v1.EventData");
      !keys.ok()) {
    return keys;
  }
  v1::AppendRequest request;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      NormalizeEnumNames(wrapped, *v1::AppendRequest::descriptor()), &request);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--events is not valid pactlog.v1.EventData JSON: ",
                     std::string(parsed.message())));
  }
  if (request.events_size() == 0) {
    return absl::InvalidArgumentError("--events holds no event");
  }
  for (v1::EventData& event : *request.mutable_events()) {
    if (event.provenance().firmness() == v1::FIRMNESS_UNSPECIFIED) {
      event.mutable_provenance()->set_firmness(default_firmness);
    }
  }
  return std::vector<v1::EventData>(request.events().begin(),
                                    request.events().end());
}

int RunAppend(Client& client, const Output& output, const std::string& deal_id,
              const std::string& events_json,
              std::optional<uint64_t> expected_version,
              const std::string& actor, v1::Firmness default_firmness) {
  auto events = ParseEventsJson(events_json, default_firmness);
  if (!events.ok()) return ReportUsage(events.status().message(), output);
  size_t count = events->size();
  auto response =
      client.Append(deal_id, std::move(*events),
                    {.expected_version = expected_version, .actor = actor});
  if (!response.ok()) return ReportError(response.status(), output);
  if (output.json) {
    output.out << ToJsonLine(*response) << "\n";
    return kExitOk;
  }
  output.out << (response->deduplicated() ? "already recorded " : "recorded ")
             << count << (count == 1 ? " event" : " events") << " in "
             << deal_id << ": sequences " << response->sequences(0);
  if (count > 1) {
    output.out << ".." << response->sequences(response->sequences_size() - 1);
  }
  output.out << ", deal version " << response->deal_version() << "\n";
  for (int i = 0; i < response->event_ids_size(); ++i) {
    output.out << "  #" << response->sequences(i) << "  "
               << response->event_ids(i) << "\n";
  }
  return kExitOk;
}

int RunBackup(Client& client, const Output& output,
              const std::string& directory) {
  if (directory.empty() || directory.front() != '/') {
    return ReportUsage(
        absl::StrCat("DIR must be an absolute path on the server's machine, "
                     "got \"",
                     directory, "\""),
        output);
  }
  auto backup = client.Backup(directory);
  if (!backup.ok()) return ReportError(backup.status(), output);
  if (output.json) {
    output.out << ToJsonLine(*backup) << "\n";
  } else {
    output.out << "backed up sequences 1.." << backup->sequence() << " to "
               << backup->directory() << " (" << backup->bytes()
               << " bytes); restore with: pactlogd --data-dir "
               << backup->directory() << "\n";
  }
  return kExitOk;
}

int RunVerify(Client& client, const Output& output, uint64_t after_sequence,
              const std::string& trusted_hash_hex) {
  std::string trusted_hash;
  if (!trusted_hash_hex.empty() &&
      (trusted_hash_hex.size() != 64 ||
       !absl::c_all_of(trusted_hash_hex, absl::ascii_isxdigit))) {
    return ReportUsage(
        absl::StrCat("--trusted-hash must be 64 hex digits (a SHA-256), got \"",
                     trusted_hash_hex, "\""),
        output);
  }
  if (!trusted_hash_hex.empty()) {
    trusted_hash = absl::HexStringToBytes(trusted_hash_hex);
  }
  auto verified = client.VerifyChain(after_sequence, trusted_hash);
  if (!verified.ok()) return ReportError(verified.status(), output);
  const bool broken = verified->first_broken_sequence() != 0;
  if (output.json) {
    output.out << ToJsonLine(*verified) << "\n";
  } else if (broken) {
    output.out << "BROKEN at sequence " << verified->first_broken_sequence()
               << ": " << verified->problem() << "\n"
               << "verified through sequence " << verified->verified_through()
               << " (hash " << absl::BytesToHexString(verified->head_hash())
               << ")\n";
  } else {
    output.out << "chain intact after sequence " << after_sequence
               << " through sequence " << verified->verified_through()
               << "; head hash "
               << absl::BytesToHexString(verified->head_hash()) << "\n";
  }
  return broken ? kExitChainBroken : kExitOk;
}

int RunHealth(Client& client, const Output& output) {
  auto health = client.Health();
  if (!health.ok()) return ReportError(health.status(), output);
  std::string name(client::ServingStatusName(*health));
  if (output.json) {
    output.out << "{\"status\":\"" << name << "\",\"address\":\""
               << client.address() << "\"}\n";
  } else {
    output.out << client.address() << ": " << name << "\n";
  }
  return *health == client::ServingStatus::kServing ? kExitOk
                                                    : kExitUnavailable;
}

int RunTail(Client& client, const Output& output,
            const client::SubscribeOptions& options, const TailLimits& limits,
            const std::function<void(client::Subscription*)>& on_subscribed) {
  const bool json_array = output.json && !output.json_lines;
  if (json_array && !limits.bounded()) {
    return ReportUsage(
        "tail --json prints one JSON array of the events when the tail stops, "
        "so it needs --limit, --until-caught-up or --timeout; --json-lines "
        "prints each event as it comes",
        output);
  }
  auto subscription = client.Subscribe(options);
  if (!subscription.ok()) {
    return ReportUsage(subscription.status().message(), output);
  }
  client::Subscription& events = **subscription;
  on_subscribed(&events);
  const absl::Time stop_at = limits.timeout.has_value()
                                 ? absl::Now() + *limits.timeout
                                 : absl::InfiniteFuture();
  JsonItems json(output);
  int64_t printed = 0;
  bool announced_caught_up = false;
  // Whether the server has answered at all, for the exit code at --timeout.
  bool reached = false;
  bool timed_out = false;
  int exit_code = kExitOk;
  while (limits.limit == 0 || printed < limits.limit) {
    // The SDK reports caught up as soon as the last event of the history
    // has been handed over, before waiting for a live one.
    if (limits.until_caught_up && events.progress().caught_up) break;
    const absl::Time now = absl::Now();
    if (now >= stop_at) {
      timed_out = true;
      break;
    }
    // Wake up now and then to say when the history is done.
    auto event = events.Next(std::min(absl::Milliseconds(250), stop_at - now));
    const client::SubscriptionProgress progress = events.progress();
    reached = reached || progress.caught_up || progress.head_sequence > 0;
    if (!announced_caught_up && progress.caught_up && !output.json &&
        !limits.until_caught_up) {
      output.err << "-- caught up at sequence " << progress.caught_up_sequence
                 << "; following live (Ctrl-C to stop) --\n";
      announced_caught_up = true;
    }
    if (absl::IsDeadlineExceeded(event.status())) continue;
    if (absl::IsCancelled(event.status())) break;  // Ctrl-C
    if (!event.ok()) {
      exit_code = ReportError(event.status(), output);
      break;
    }
    reached = true;
    // A live event that arrived in the same wait as the caught-up mark is
    // not history.
    if (limits.until_caught_up && progress.caught_up &&
        event->sequence() > progress.caught_up_sequence) {
      break;
    }
    if (output.json) {
      json.Add(*event);
    } else {
      output.out << "#" << event->sequence() << "  " << event->deal_id() << " v"
                 << event->deal_version() << "  "
                 << FormatTime(event->data().effective_time()) << "  "
                 << DescribeEvent(event->data()) << "  ["
                 << EnumName(v1::Firmness_descriptor(),
                             event->data().provenance().firmness())
                 << "]\n";
    }
    output.out.flush();
    ++printed;
  }
  on_subscribed(nullptr);
  if (timed_out && !reached) {
    output.err << "pactctl: UNAVAILABLE: no answer from the server at "
               << client.address() << " within the --timeout of "
               << absl::FormatDuration(*limits.timeout) << "\n";
    exit_code = kExitUnavailable;
  }
  if (exit_code == kExitOk && json_array) json.Finish();
  return exit_code;
}

}  // namespace pactlog::pactctl
