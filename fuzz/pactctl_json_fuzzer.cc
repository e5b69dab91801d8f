// libFuzzer target: arbitrary bytes as what a user hands pactctl, both as
// `pactctl append --events JSON` (ParseEventsJson) and as one line of a
// `pactctl load` file (ParseLoadLine).
//
// Properties, beyond "no crash, no sanitizer report":
//   - a parse either succeeds or answers INVALID_ARGUMENT;
//   - parsed events print back to JSON that parses to the same events;
//   - a parsed load line holds at least one event and every event has an
//     event_id (load's idempotency rests on it);
//   - server-side validation of what parsed answers OK or
//     INVALID_ARGUMENT, never anything else.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "domain/validation.h"
#include "fuzz/property.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "pactlog/v1/ledger.pb.h"
#include "sdk/pactctl/commands.h"
#include "sdk/pactctl/load.h"

namespace {

namespace v1 = ::pactlog::v1;
using ::pactlog::fuzz::ExpectCode;
using ::pactlog::fuzz::Violated;

void CheckServerValidation(const v1::AppendRequest& request) {
  const absl::Status status = pactlog::domain::ValidateAppendRequest(request);
  // More events than one request may carry is RESOURCE_EXHAUSTED, by
  // design (a 3 KB input of 1001 empty events reaches it).
  if (status.code() == absl::StatusCode::kResourceExhausted) return;
  ExpectCode(status, {absl::StatusCode::kInvalidArgument},
             "ValidateAppendRequest");
}

void FuzzEventsFlag(absl::string_view text) {
  auto events = pactlog::pactctl::ParseEventsJson(text);
  ExpectCode(events.status(), {absl::StatusCode::kInvalidArgument},
             "ParseEventsJson");
  if (!events.ok()) return;
  if (events->empty()) Violated("ParseEventsJson accepted no events");
  // Round trip: print each event as pactctl does and parse it back.
  std::string array = "[";
  for (size_t i = 0; i < events->size(); ++i) {
    if (i > 0) array += ",";
    array += pactlog::pactctl::ToJsonLine((*events)[i]);
  }
  array += "]";
  auto again = pactlog::pactctl::ParseEventsJson(array);
  if (!again.ok()) {
    Violated(absl::StrCat("printed events do not parse back: ",
                          again.status().ToString(), "\n", array));
  }
  if (again->size() != events->size()) Violated("round trip lost events");
  for (size_t i = 0; i < events->size(); ++i) {
    if (!google::protobuf::util::MessageDifferencer::Equals((*events)[i],
                                                            (*again)[i])) {
      Violated(absl::StrCat("event ", i, " changed in the round trip"));
    }
  }
  v1::AppendRequest request;
  request.set_deal_id("fuzz");
  request.set_actor("fuzzer");
  for (const v1::EventData& event : *events) *request.add_events() = event;
  CheckServerValidation(request);
}

void FuzzLoadLine(absl::string_view line) {
  v1::AppendRequest request;
  const absl::Status parsed = pactlog::pactctl::ParseLoadLine(line, &request);
  ExpectCode(parsed, {absl::StatusCode::kInvalidArgument}, "ParseLoadLine");
  if (!parsed.ok()) return;
  if (request.events_size() == 0) Violated("a load line with no events");
  for (const v1::EventData& event : request.events()) {
    if (event.event_id().empty()) Violated("a load line event without id");
  }
  CheckServerValidation(request);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Malformed JSON is the point here; protobuf would log each one.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  FuzzEventsFlag(text);
  FuzzLoadLine(text);
  return 0;
}
