// FieldViolations() on statuses made here: several details, other detail
// types, malformed bytes (client_test.cc checks the server's own).
#include "pactlog/client/field_violations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/cord.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace pactlog::client {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string BadRequestBytes(const std::string& field,
                            const std::string& description) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(field);
  violation->set_description(description);
  return bad_request.SerializeAsString();
}

grpc::Status WithDetails(const google::rpc::Status& details) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "invalid request",
                      details.SerializeAsString());
}

TEST(FieldViolationsTest, GrpcStatusGivesEveryBadRequestInOrder) {
  google::rpc::Status details;
  details.set_code(3);
  auto* first = details.add_details();
  first->set_type_url(kBadRequestTypeUrl);
  first->set_value(BadRequestBytes("deal_id", "must be a slug"));
  auto* other = details.add_details();
  other->set_type_url("type.googleapis.com/example.Other");
  other->set_value(BadRequestBytes("x", "y"));
  auto* second = details.add_details();
  second->set_type_url(kBadRequestTypeUrl);
  second->set_value(BadRequestBytes("actor", "too long"));
  EXPECT_THAT(FieldViolations(WithDetails(details)),
              ElementsAre(FieldViolation{"deal_id", "must be a slug"},
                          FieldViolation{"actor", "too long"}));
}

TEST(FieldViolationsTest, MalformedGrpcDetailsGiveNone) {
  EXPECT_THAT(FieldViolations(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                           "bad", "\xff\xff\xff")),
              IsEmpty());
  google::rpc::Status details;
  auto* any = details.add_details();
  any->set_type_url(kBadRequestTypeUrl);
  any->set_value("\xff\xff\xff");
  EXPECT_THAT(FieldViolations(WithDetails(details)), IsEmpty());
  EXPECT_THAT(FieldViolations(grpc::Status(grpc::StatusCode::NOT_FOUND, "x")),
              IsEmpty());
}

TEST(FieldViolationsTest, AbslStatusReadsItsBadRequestPayload) {
  absl::Status status = absl::InvalidArgumentError("invalid request");
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(BadRequestBytes("deal_id", "must be a slug")));
  EXPECT_THAT(FieldViolations(status),
              ElementsAre(FieldViolation{"deal_id", "must be a slug"}));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord("\xff\xff\xff"));
  EXPECT_THAT(FieldViolations(status), IsEmpty());
}

}  // namespace
}  // namespace pactlog::client
