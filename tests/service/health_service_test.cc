// services::HealthService over a real gRPC server and channel: Check and
// Watch as the health checking protocol says, NOT_SERVING from the first
// call (gRPC's default service says SERVING for "" until told otherwise),
// and a shutdown that ends the watches.
#include "services/health_service.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "pactlog/wire/health.pb.h"
#include "pactlog/wire/health_service.grpc.pb.h"

namespace pactlog::services {
namespace {

using ::pactlog::wire::HealthCheckRequest;
using ::pactlog::wire::HealthCheckResponse;

constexpr char kLedger[] = "pactlog.v1.DealLedger";

class HealthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    HealthService::Install(builder, {kLedger});
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    health_ = server_->GetHealthCheckService();
    ASSERT_NE(health_, nullptr);
    stub_ = grpc::health::v1::Health::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    }
  }

  // The status Check answers for `service`; UNKNOWN when the call fails
  // (its status then in *status).
  HealthCheckResponse::ServingStatus Check(const std::string& service,
                                           grpc::Status* status = nullptr) {
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    grpc::Status result = stub_->Check(&context, request, &response);
    if (status != nullptr) *status = result;
    return result.ok() ? response.status() : HealthCheckResponse::UNKNOWN;
  }

  struct Watch {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader;

    // The next status sent; UNKNOWN once the stream has ended.
    HealthCheckResponse::ServingStatus Next() {
      HealthCheckResponse response;
      if (!reader->Read(&response)) return HealthCheckResponse::UNKNOWN;
      return response.status();
    }
  };

  std::unique_ptr<Watch> StartWatch(const std::string& service) {
    auto watch = std::make_unique<Watch>();
    // A status that never comes fails the test instead of hanging it.
    watch->context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    HealthCheckRequest request;
    request.set_service(service);
    watch->reader = stub_->Watch(&watch->context, request);
    return watch;
  }

  std::unique_ptr<grpc::Server> server_;
  grpc::HealthCheckServiceInterface* health_ = nullptr;
  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
};

TEST_F(HealthServiceTest, NotServingFromTheFirstCall) {
  EXPECT_EQ(Check(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(kLedger), HealthCheckResponse::NOT_SERVING);
}

TEST_F(HealthServiceTest, ServingForAllNamesOrOne) {
  health_->SetServingStatus(true);
  EXPECT_EQ(Check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(kLedger), HealthCheckResponse::SERVING);

  health_->SetServingStatus(kLedger, false);
  EXPECT_EQ(Check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(kLedger), HealthCheckResponse::NOT_SERVING);

  health_->SetServingStatus("pactlog.v1.Other", true);
  EXPECT_EQ(Check("pactlog.v1.Other"), HealthCheckResponse::SERVING);
  health_->SetServingStatus(false);
  EXPECT_EQ(Check(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check("pactlog.v1.Other"), HealthCheckResponse::NOT_SERVING);
}

TEST_F(HealthServiceTest, UnknownNameIsNotFoundAndNamed) {
  grpc::Status status;
  Check("pactlog.v1.Nope", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("\"pactlog.v1.Nope\""),
            std::string::npos)
      << status.error_message();
}

TEST_F(HealthServiceTest, WatchSendsTheStatusThenEachChange) {
  auto watch = StartWatch("");
  EXPECT_EQ(watch->Next(), HealthCheckResponse::NOT_SERVING);
  health_->SetServingStatus(true);
  EXPECT_EQ(watch->Next(), HealthCheckResponse::SERVING);
  health_->SetServingStatus("", false);
  EXPECT_EQ(watch->Next(), HealthCheckResponse::NOT_SERVING);
  watch->context.TryCancel();
  EXPECT_EQ(watch->Next(), HealthCheckResponse::UNKNOWN);
  EXPECT_EQ(watch->reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(HealthServiceTest, WatchOfAnUnknownNameWaitsForIt) {
  auto watch = StartWatch("pactlog.v1.Later");
  EXPECT_EQ(watch->Next(), HealthCheckResponse::SERVICE_UNKNOWN);
  // Only watched, it is still unknown to Check.
  grpc::Status status;
  Check("pactlog.v1.Later", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  health_->SetServingStatus("pactlog.v1.Later", true);
  EXPECT_EQ(watch->Next(), HealthCheckResponse::SERVING);
}

TEST_F(HealthServiceTest, ShutdownEndsWatchesNotServingForGood) {
  health_->SetServingStatus(true);
  auto watch = StartWatch(kLedger);
  EXPECT_EQ(watch->Next(), HealthCheckResponse::SERVING);
  health_->Shutdown();
  EXPECT_EQ(watch->Next(), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(watch->Next(), HealthCheckResponse::UNKNOWN);
  grpc::Status ended = watch->reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE)
      << ended.error_message();

  health_->SetServingStatus(true);
  EXPECT_EQ(Check(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(kLedger), HealthCheckResponse::NOT_SERVING);
  // A watch started after the shutdown is told and ended at once.
  auto late = StartWatch("");
  EXPECT_EQ(late->Next(), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(late->Next(), HealthCheckResponse::UNKNOWN);
  EXPECT_EQ(late->reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace pactlog::services
