#include "services/event_stream_service.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/limits.h"
#include "domain/validation.h"
#include "services/unary_call.h"
#include "util/status_macros.h"

namespace pactlog::services {

namespace v1 = ::pactlog::v1;

absl::StatusOr<uint64_t> ReadMatching(
    const ledger::Ledger& ledger, const EventMatcher& matcher,
    uint64_t after_sequence, uint64_t head_sequence, int limit,
    int max_examined,
    absl::FunctionRef<void(const v1::Event& event, std::string_view encoded)>
        sink) {
  uint64_t last_examined = after_sequence;
  if (after_sequence >= head_sequence) return last_examined;
  int examined = 0;
  int matched = 0;
  RETURN_IF_ERROR(ledger.ScanEncodedEvents(
      after_sequence, [&](const v1::Event& event, std::string_view encoded) {
        if (event.sequence() > head_sequence) return false;
        last_examined = event.sequence();
        if (matcher.Matches(event)) {
          sink(event, encoded);
          ++matched;
        }
        return ++examined < max_examined && matched < limit;
      }));
  return last_examined;
}

absl::Status EventStreamService::DoRead(const v1::ReadRequest& request,
                                        v1::ReadResponse* response) {
  std::vector<domain::FieldViolation> violations;
  domain::CheckEventFilter("filter", request.filter(), &violations);
  domain::CheckPageSize("limit", request.limit(), &violations);
  RETURN_IF_ERROR(domain::ViolationsToStatus(violations));
  const int limit =
      request.limit() == 0 ? domain::kDefaultPageSize : request.limit();
  const uint64_t head = ledger_->applied_sequence();
  EventMatcher matcher(request.filter(), ledger_);
  ASSIGN_OR_RETURN(
      uint64_t last_examined,
      ReadMatching(*ledger_, matcher, request.after_sequence(), head, limit,
                   kMaxEventsExaminedPerRead,
                   [response](const v1::Event& event, std::string_view) {
                     *response->add_events() = event;
                   }));
  response->set_last_examined_sequence(last_examined);
  response->set_head_sequence(head);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EventStreamService::Read(
    grpc::CallbackServerContext* context, const v1::ReadRequest* request,
    v1::ReadResponse* response) {
  return RunUnary(
      context,
      {.guard = guard_,
       .method = "EventStream.Read",
       .deal_id = "",
       .roles = security::kReaderRoles,
       .ledger = ledger_},
      reads_, [this, request, response] { return DoRead(*request, response); });
}

}  // namespace pactlog::services

namespace pactlog::services {

grpc::ServerWriteReactor<grpc::ByteBuffer>* EventStreamService::Subscribe(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  std::shared_ptr<security::Call> call = guard_->Begin(
      context, "EventStream.Subscribe", "", security::kReaderRoles);
  absl::Status admitted = call->admission();
  if (admitted.ok()) admitted = guard_->AdmitSubscription(*call);
  if (!admitted.ok()) return SubscriptionHub::Refuse(call, admitted);
  v1::SubscribeRequest parsed;
  grpc::ByteBuffer bytes(*request);  // shares the slices; read consumes it
  if (!grpc::GenericDeserialize<grpc::ProtoBufferReader, v1::SubscribeRequest>(
           &bytes, &parsed)
           .ok()) {
    return SubscriptionHub::Refuse(
        call, absl::InvalidArgumentError(absl::StrCat(
                  "the request (", request->Length(),
                  " bytes) does not decode as pactlog.v1.SubscribeRequest: "
                  "malformed protobuf, or a string field (such as "
                  "filter.deal_ids) that is not UTF-8")));
  }
  return hub_->Subscribe(context, &parsed, std::move(call));
}

}  // namespace pactlog::services
