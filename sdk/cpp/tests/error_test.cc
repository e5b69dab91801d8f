// Error: what a failed call's status carries, decoded from the details the
// server sends (through the client's one grpc -> absl conversion).
#include "pactlog/client/error.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>

#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "src/connection.h"

namespace pactlog::client {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// A gRPC status as pactlogd sends it: the code, the message and the
// details in a serialized google.rpc.Status.
grpc::Status WithDetails(grpc::StatusCode code, const std::string& message,
                         const std::vector<google::protobuf::Any>& details) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(message);
  for (const google::protobuf::Any& any : details) *status.add_details() = any;
  return grpc::Status(code, message, status.SerializeAsString());
}

google::protobuf::Any Info(
    const std::string& reason,
    const std::vector<std::pair<std::string, std::string>>& metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain("pactlog.dev");
  for (const auto& [key, value] : metadata)
    (*info.mutable_metadata())[key] = value;
  google::protobuf::Any any;
  any.PackFrom(info);
  return any;
}

TEST(ErrorTest, AbortedCarriesTheCurrentVersion) {
  Error error(internal::ToStatus(
      WithDetails(grpc::StatusCode::ABORTED, "deal \"d\" is at version 1",
                  {Info(kExpectedVersionMismatch,
                        {{"deal_id", "d"}, {"current_version", "1"}})})));
  EXPECT_EQ(error.code, absl::StatusCode::kAborted);
  EXPECT_EQ(error.message, "deal \"d\" is at version 1");
  EXPECT_EQ(error.reason, "EXPECTED_VERSION_MISMATCH");
  EXPECT_EQ(error.domain, "pactlog.dev");
  EXPECT_EQ(error.deal_id, "d");
  EXPECT_EQ(error.current_version, 1u);
  EXPECT_TRUE(error.rule.empty());
  EXPECT_EQ(error.attempts, 1);
}

TEST(ErrorTest, FailedPreconditionCarriesTheRuleAndItsNumbers) {
  Error error(internal::ToStatus(WithDetails(
      grpc::StatusCode::FAILED_PRECONDITION, "announced twice",
      {Info(kRuleBroken, {{"rule", "deal-announced-once"},
                          {"detail", "already announced at sequence 1"},
                          {"announced_sequence", "1"}})})));
  EXPECT_EQ(error.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(error.rule, "deal-announced-once");
  EXPECT_EQ(error.rule_detail, "already announced at sequence 1");
  EXPECT_THAT(error.metadata,
              ElementsAre(Pair("announced_sequence", "1"),
                          Pair("detail", "already announced at sequence 1"),
                          Pair("rule", "deal-announced-once")));
  EXPECT_FALSE(error.current_version.has_value());
}

TEST(ErrorTest, InvalidArgumentCarriesTheFieldViolations) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("deal_id");
  violation->set_description("\"Bad Deal!\" is not a slug");
  google::protobuf::Any any;
  any.PackFrom(bad_request);
  Error error(internal::ToStatus(
      WithDetails(grpc::StatusCode::INVALID_ARGUMENT, "bad request", {any})));
  EXPECT_THAT(
      error.field_violations,
      ElementsAre(FieldViolation{"deal_id", "\"Bad Deal!\" is not a slug"}));
  EXPECT_TRUE(error.reason.empty());
}

TEST(ErrorTest, AStatusWithoutDetailsGivesCodeAndMessage) {
  Error error(absl::UnavailableError("connection refused"));
  EXPECT_EQ(error.code, absl::StatusCode::kUnavailable);
  EXPECT_EQ(error.message, "connection refused");
  EXPECT_EQ(error.attempts, 1);
  EXPECT_TRUE(error.field_violations.empty());
  EXPECT_TRUE(error.metadata.empty());
}

TEST(ErrorTest, AVersionThatIsNotANumberIsLeftOut) {
  Error error(internal::ToStatus(WithDetails(
      grpc::StatusCode::ABORTED, "x",
      {Info(kExpectedVersionMismatch, {{"current_version", "many"}})})));
  EXPECT_EQ(error.reason, kExpectedVersionMismatch);
  EXPECT_FALSE(error.current_version.has_value());
}

TEST(ErrorTest, AttemptsComeFromThePayload) {
  Error error(WithAttempts(absl::UnavailableError("down"), 5));
  EXPECT_EQ(error.attempts, 5);
  EXPECT_TRUE(WithAttempts(absl::OkStatus(), 3).ok());
  EXPECT_FALSE(WithAttempts(absl::UnavailableError("down"), 1)
                   .GetPayload(kAttemptsPayloadUrl)
                   .has_value());
}

}  // namespace
}  // namespace pactlog::client
