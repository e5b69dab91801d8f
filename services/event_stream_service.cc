#include "services/event_stream_service.h"

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
    int max_examined, google::protobuf::RepeatedPtrField<v1::Event>* out) {
  uint64_t last_examined = after_sequence;
  if (after_sequence >= head_sequence) return last_examined;
  int examined = 0;
  int matched = 0;
  RETURN_IF_ERROR(
      ledger.ScanEvents(after_sequence, [&](const v1::Event& event) {
        if (event.sequence() > head_sequence) return false;
        last_examined = event.sequence();
        if (matcher.Matches(event)) {
          *out->Add() = event;
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
                   kMaxEventsExaminedPerRead, response->mutable_events()));
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

grpc::ServerWriteReactor<v1::SubscribeResponse>* EventStreamService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  std::shared_ptr<security::Call> call = guard_->Begin(
      context, "EventStream.Subscribe", "", security::kReaderRoles);
  absl::Status admitted = call->admission();
  if (admitted.ok()) admitted = guard_->AdmitSubscription(*call);
  if (!admitted.ok()) return SubscriptionHub::Refuse(call, admitted);
  return hub_->Subscribe(context, request, std::move(call));
}

}  // namespace pactlog::services
