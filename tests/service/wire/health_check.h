// One call of the standard gRPC health service for the tests:
// "/grpc.health.v1.Health/Check" through gRPC's generic stub, with the
// tree's one copy of its messages (proto/pactlog/wire/health.proto).
#ifndef PACTLOG_TESTS_SERVICE_WIRE_HEALTH_CHECK_H_
#define PACTLOG_TESTS_SERVICE_WIRE_HEALTH_CHECK_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "pactlog/wire/health.pb.h"

namespace pactlog::testing {

using HealthResponse = ::pactlog::wire::HealthCheckResponse;

// Asks `channel` whether `service` (empty: the whole server) is serving,
// waiting at most `deadline`. Fills `response` on OK.
grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& service, absl::Duration deadline,
                         HealthResponse* response);

// True if the check of pactlog.v1.DealLedger answers OK with SERVING, so
// the ledger has recovered (pactlogd's health service says NOT_SERVING for
// it, as for "", from the first call on: services/health_service.h).
bool HealthSaysServing(const std::shared_ptr<grpc::Channel>& channel,
                       absl::Duration deadline);

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_SERVICE_WIRE_HEALTH_CHECK_H_
