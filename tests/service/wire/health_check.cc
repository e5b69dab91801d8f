#include "tests/service/wire/health_check.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace pactlog::testing {

grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& service, absl::Duration deadline,
                         HealthResponse* response) {
  grpc::TemplatedGenericStub<::pactlog::wire::HealthCheckRequest,
                             HealthResponse>
      stub(channel);
  ::pactlog::wire::HealthCheckRequest request;
  request.set_service(service);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  return status;
}

bool HealthSaysServing(const std::shared_ptr<grpc::Channel>& channel,
                       absl::Duration deadline) {
  HealthResponse response;
  return CheckHealth(channel, "pactlog.v1.DealLedger", deadline, &response)
             .ok() &&
         response.status() == HealthResponse::SERVING;
}

}  // namespace pactlog::testing
