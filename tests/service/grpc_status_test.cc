// services/grpc_status.h: the one absl::Status -> grpc::Status conversion.
#include "services/grpc_status.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace pactlog::services {
namespace {

TEST(ToGrpcStatusTest, OkIsOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(ToGrpcStatusTest, EveryCodeAndMessageCarryOverWithoutDetails) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code),
                              "deal us-japan: something");
    const grpc::Status converted = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(converted.error_code()), code);
    EXPECT_EQ(converted.error_message(), "deal us-japan: something");
    EXPECT_TRUE(converted.error_details().empty()) << code;
  }
}

TEST(ToGrpcStatusTest, ViolationsBecomeBadRequestDetails) {
  const absl::Status status = domain::ViolationsToStatus(
      {{"deal_id", "must be a slug, got \"Bad Deal\""},
       {"events[0].approval.amount.minor_units", "must be > 0, got -5"}});
  const grpc::Status converted = ToGrpcStatus(status);
  ASSERT_EQ(converted.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(converted.error_message(), status.message());

  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(converted.error_details()));
  EXPECT_EQ(details.code(), 3);
  EXPECT_EQ(details.message(), status.message());
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).Is<google::rpc::BadRequest>());
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(0).field(), "deal_id");
  EXPECT_EQ(bad_request.field_violations(0).description(),
            "must be a slug, got \"Bad Deal\"");
  EXPECT_EQ(bad_request.field_violations(1).field(),
            "events[0].approval.amount.minor_units");
}

TEST(ToGrpcStatusTest, AnyPayloadGoesIntoTheDetails) {
  absl::Status status = absl::FailedPreconditionError("rule broken");
  status.SetPayload("type.googleapis.com/example.Other", absl::Cord("bytes"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(ToGrpcStatus(status).error_details()));
  ASSERT_EQ(details.details_size(), 1);
  EXPECT_EQ(details.details(0).type_url(), "type.googleapis.com/example.Other");
  EXPECT_EQ(details.details(0).value(), "bytes");
}

}  // namespace
}  // namespace pactlog::services
