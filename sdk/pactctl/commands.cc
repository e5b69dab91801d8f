// pactctl's subcommands (sdk/pactctl/commands.h): reporting errors, JSON
// output and input, and the commands that write or administer: append,
// backup, verify, health, tail. The read-only queries (deal, deals,
// project, projects, tariffs) are in query_commands.cc.
#include "sdk/pactctl/commands.h"

#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "pactlog/client/field_violations.h"
#include "sdk/pactctl/format.h"
#include "sdk/pactctl/json_input.h"

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
  return json;
}

absl::StatusOr<std::vector<v1::EventData>> ParseEventsJson(
    absl::string_view json) {
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
  auto parsed = google::protobuf::util::JsonStringToMessage(wrapped, &request);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--events is not valid pactlog.v1.EventData JSON: ",
                     std::string(parsed.message())));
  }
  if (request.events_size() == 0) {
    return absl::InvalidArgumentError("--events holds no event");
  }
  return std::vector<v1::EventData>(request.events().begin(),
                                    request.events().end());
}

int RunAppend(Client& client, const Output& output, const std::string& deal_id,
              const std::string& events_json,
              std::optional<uint64_t> expected_version,
              const std::string& actor) {
  auto events = ParseEventsJson(events_json);
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
            const client::SubscribeOptions& options, int64_t limit,
            const std::function<void(client::Subscription*)>& on_subscribed) {
  auto subscription = client.Subscribe(options);
  if (!subscription.ok())
    return ReportUsage(subscription.status().message(), output);
  on_subscribed(subscription->get());
  int64_t printed = 0;
  bool announced_caught_up = false;
  int exit_code = kExitOk;
  while (limit == 0 || printed < limit) {
    // Wake up now and then to say when the history is done.
    auto event = (*subscription)->Next(absl::Milliseconds(250));
    if (!announced_caught_up && (*subscription)->progress().caught_up &&
        !output.json) {
      output.err << "-- caught up at sequence "
                 << (*subscription)->progress().caught_up_sequence
                 << "; following live (Ctrl-C to stop) --\n";
      announced_caught_up = true;
    }
    if (absl::IsDeadlineExceeded(event.status())) continue;
    if (absl::IsCancelled(event.status())) break;  // Ctrl-C
    if (!event.ok()) {
      exit_code = ReportError(event.status(), output);
      break;
    }
    if (output.json) {
      output.out << ToJsonLine(*event) << "\n";
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
  return exit_code;
}

}  // namespace pactlog::pactctl
