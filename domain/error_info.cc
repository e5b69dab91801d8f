#include "domain/error_info.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace pactlog::domain {

absl::Status WithErrorInfo(
    absl::Status status, std::string_view reason,
    std::initializer_list<std::pair<std::string_view, std::string>> metadata,
    std::initializer_list<NamedNumber> numbers) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[std::string(key)] = value;
  }
  for (const auto& [key, value] : numbers) {
    (*info.mutable_metadata())[key] = absl::StrCat(value);
  }
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status ExpectedVersionMismatch(std::string_view message,
                                     std::string_view deal_id,
                                     uint64_t current_version) {
  return WithErrorInfo(
      absl::AbortedError(absl::string_view(message.data(), message.size())),
      kReasonExpectedVersion,
      {{"deal_id", std::string(deal_id)},
       {"current_version", absl::StrCat(current_version)}});
}

}  // namespace pactlog::domain
