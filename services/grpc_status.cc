#include "services/grpc_status.h"

#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/status.pb.h"

namespace pactlog::services {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  google::rpc::Status details;
  status.ForEachPayload(
      [&details](absl::string_view type_url, const absl::Cord& payload) {
        google::protobuf::Any* any = details.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(payload));
      });
  if (details.details_size() == 0) return grpc::Status(code, message);
  details.set_code(static_cast<int32_t>(status.code()));
  details.set_message(message);
  return grpc::Status(code, std::move(message), details.SerializeAsString());
}

grpc::Status ToGrpcStatus(const absl::Status& status,
                          const security::Call& call) {
  return ToGrpcStatus(call.End(status));
}

absl::Status NotReadyError() {
  return absl::UnavailableError(
      "pactlogd is starting: the log is being replayed; retry shortly");
}

absl::Status NotReadyError(const ledger::Ledger& ledger) {
  const std::string halted = ledger.applier_stats().halted;
  if (halted.empty()) return NotReadyError();
  return absl::UnavailableError(absl::StrCat("this replica serves nothing: it ",
                                             halted, " (use another replica)"));
}

}  // namespace pactlog::services
