#include "pactlog/client/error.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "google/rpc/error_details.pb.h"

namespace pactlog::client {

Error::Error(const absl::Status& status)
    : code(status.code()),
      message(std::string(status.message())),
      field_violations(FieldViolations(status)) {
  // Debian's Abseil answers an absl::optional, not a std::optional.
  auto attempts_payload = status.GetPayload(kAttemptsPayloadUrl);
  int parsed = 0;
  if (attempts_payload.has_value() &&
      absl::SimpleAtoi(std::string(*attempts_payload), &parsed) && parsed > 0) {
    attempts = parsed;
  }
  auto info_payload = status.GetPayload(kErrorInfoTypeUrl);
  google::rpc::ErrorInfo info;
  if (!info_payload.has_value() ||
      !info.ParseFromString(std::string(*info_payload))) {
    return;
  }
  reason = info.reason();
  domain = info.domain();
  metadata.insert(info.metadata().begin(), info.metadata().end());
  if (reason == kExpectedVersionMismatch) {
    if (auto it = metadata.find("deal_id"); it != metadata.end()) {
      deal_id = it->second;
    }
    uint64_t version = 0;
    if (auto it = metadata.find("current_version");
        it != metadata.end() && absl::SimpleAtoi(it->second, &version)) {
      current_version = version;
    }
  } else if (reason == kRuleBroken) {
    if (auto it = metadata.find("rule"); it != metadata.end()) {
      rule = it->second;
    }
    if (auto it = metadata.find("detail"); it != metadata.end()) {
      rule_detail = it->second;
    }
  }
}

absl::Status WithAttempts(absl::Status status, int attempts) {
  // One attempt is what a status without the payload says, and it keeps
  // the payload out of every printed status (absl::Status::ToString shows
  // payloads).
  if (!status.ok() && attempts > 1) {
    status.SetPayload(kAttemptsPayloadUrl,
                      absl::Cord(std::to_string(attempts)));
  }
  return status;
}

}  // namespace pactlog::client
