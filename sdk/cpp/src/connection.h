// What a Client and its Subscriptions share: the channel, the stubs and the
// options, plus the one place where grpc::Status becomes absl::Status.
// Internal to the client library.
#ifndef PACTLOG_SDK_CPP_SRC_CONNECTION_H_
#define PACTLOG_SDK_CPP_SRC_CONNECTION_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "pactlog/client/client.h"
#include "pactlog/v1/admin.grpc.pb.h"
#include "pactlog/v1/ledger.grpc.pb.h"
#include "pactlog/v1/query.grpc.pb.h"
#include "pactlog/v1/stream.grpc.pb.h"
#include "pactlog/wire/health.pb.h"

namespace pactlog::client::internal {

using HealthStub =
    grpc::TemplatedGenericStub<::pactlog::wire::HealthCheckRequest,
                               ::pactlog::wire::HealthCheckResponse>;

// Immutable after construction, so any thread may use it at once.
struct Connection {
  std::string address;
  ClientOptions options;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::DealLedger::Stub> ledger;
  std::unique_ptr<v1::DealQuery::Stub> query;
  std::unique_ptr<v1::EventStream::Stub> stream;
  std::unique_ptr<v1::Admin::Stub> admin;
  std::unique_ptr<HealthStub> health;

  // Prepares a context for one call: the bearer token, and the options'
  // deadline unless `with_deadline` is false (long-lived streams).
  void Prepare(grpc::ClientContext* context, bool with_deadline = true) const;
};

// The gRPC code and message, unchanged (Abseil's codes are gRPC's), and
// each detail of the google.rpc.Status in error_details() as a payload
// under its type URL (what FieldViolations() reads).
[[nodiscard]] absl::Status ToStatus(const grpc::Status& status);

}  // namespace pactlog::client::internal

#endif  // PACTLOG_SDK_CPP_SRC_CONNECTION_H_
