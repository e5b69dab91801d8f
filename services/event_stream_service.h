// EventStreamService: the gRPC face of the stream side
// (pactlog.v1.EventStream). Reads the log in sequence order, filtered on
// the server; subscriptions are served by a SubscriptionHub. Read scans
// storage, so it runs on the `reads` executor, never on a gRPC reaction.
// Thread-safe.
#ifndef PACTLOG_SERVICES_EVENT_STREAM_SERVICE_H_
#define PACTLOG_SERVICES_EVENT_STREAM_SERVICE_H_

#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "ledger/ledger.h"
#include "pactlog/v1/stream.grpc.pb.h"
#include "services/event_filter.h"
#include "services/executor.h"
#include "services/security/call_guard.h"
#include "services/subscription_hub.h"

namespace pactlog::services {

// Most events one Read examines, so a narrow filter over a long log answers
// in bounded time; the response's last_examined_sequence tells where to go
// on.
inline constexpr int kMaxEventsExaminedPerRead = 10000;

// Passes each matching event with sequence in (after_sequence,
// head_sequence] and its serialised bytes (as storage keeps them) to `sink`
// until `limit` match or `max_examined` have been examined. Returns the last
// sequence examined (after_sequence when none was). Shared by Read and
// subscriptions.
[[nodiscard]] absl::StatusOr<uint64_t> ReadMatching(
    const ledger::Ledger& ledger, const EventMatcher& matcher,
    uint64_t after_sequence, uint64_t head_sequence, int limit,
    int max_examined,
    absl::FunctionRef<void(const pactlog::v1::Event& event,
                           std::string_view encoded)>
        sink);

// Subscribe is a raw method: its responses are written as bytes built once
// per event (services/subscribe_wire.h); clients see SubscribeResponse.
class EventStreamService final
    : public pactlog::v1::EventStream::WithCallbackMethod_Read<
          pactlog::v1::EventStream::WithRawCallbackMethod_Subscribe<
              pactlog::v1::EventStream::Service>> {
 public:
  // None is owned; all must outlive the service. Every call passes `guard`
  // first and needs the reader role; a subscription also takes one of its
  // principal's slots (--max-subscriptions-per-principal) until it ends.
  EventStreamService(const ledger::Ledger* ledger, SubscriptionHub* hub,
                     const security::CallGuard* guard, Executor* reads)
      : ledger_(ledger), hub_(hub), guard_(guard), reads_(reads) {}

  grpc::ServerUnaryReactor* Read(grpc::CallbackServerContext* context,
                                 const pactlog::v1::ReadRequest* request,
                                 pactlog::v1::ReadResponse* response) override;

  // `request` is a serialised SubscribeRequest; one that does not parse is
  // refused with INVALID_ARGUMENT.
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

 private:
  [[nodiscard]] absl::Status DoRead(const pactlog::v1::ReadRequest& request,
                                    pactlog::v1::ReadResponse* response);

  const ledger::Ledger* const ledger_;
  SubscriptionHub* const hub_;
  const security::CallGuard* const guard_;
  Executor* const reads_;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_EVENT_STREAM_SERVICE_H_
