#include "storage/nats_status.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pactlog::storage::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr jsErrCode kNoJsError = static_cast<jsErrCode>(0);

TEST(FromNatsTest, OkIsOk) {
  EXPECT_TRUE(FromNats(NATS_OK, "anything").ok());
  // A JetStream code without a failed status is no error either.
  EXPECT_TRUE(FromNats(NATS_OK, JSStreamNotFoundErr, "anything").ok());
}

TEST(FromNatsTest, ALostConditionalPublishIsAborted) {
  EXPECT_EQ(
      FromNats(NATS_ERR, JSStreamWrongLastSequenceErr, "publishing").code(),
      absl::StatusCode::kAborted);
}

TEST(FromNatsTest, MissingStreamsAndMessagesAreNotFound) {
  EXPECT_EQ(FromNats(NATS_ERR, JSStreamNotFoundErr, "looking up").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FromNats(NATS_ERR, JSNoMessageFoundErr, "looking up").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FromNats(NATS_NOT_FOUND, "looking up").code(),
            absl::StatusCode::kNotFound);
}

TEST(FromNatsTest, TransientFailuresAreUnavailable) {
  for (natsStatus status :
       {NATS_TIMEOUT, NATS_NO_RESPONDERS, NATS_IO_ERROR, NATS_NO_SERVER,
        NATS_CONNECTION_CLOSED, NATS_CONNECTION_DISCONNECTED,
        NATS_NOT_YET_CONNECTED, NATS_STALE_CONNECTION, NATS_DRAINING,
        NATS_PROTOCOL_ERROR, NATS_SLOW_CONSUMER, NATS_MISSED_HEARTBEAT,
        NATS_MISMATCH}) {
    EXPECT_EQ(FromNats(status, "publishing").code(),
              absl::StatusCode::kUnavailable)
        << natsStatus_GetText(status);
  }
  for (jsErrCode js : {JSClusterNotAvailErr, JSInsufficientResourcesErr}) {
    EXPECT_EQ(FromNats(NATS_ERR, js, "publishing").code(),
              absl::StatusCode::kUnavailable)
        << js;
  }
}

TEST(FromNatsTest, TooLargeIsResourceExhausted) {
  for (natsStatus status :
       {NATS_MAX_PAYLOAD, NATS_NO_MEMORY, NATS_INSUFFICIENT_BUFFER}) {
    EXPECT_EQ(FromNats(status, "publishing").code(),
              absl::StatusCode::kResourceExhausted)
        << natsStatus_GetText(status);
  }
}

TEST(FromNatsTest, RefusedCredentialsArePermissionDenied) {
  for (natsStatus status : {NATS_CONNECTION_AUTH_FAILED, NATS_NOT_PERMITTED}) {
    EXPECT_EQ(FromNats(status, "connecting").code(),
              absl::StatusCode::kPermissionDenied)
        << natsStatus_GetText(status);
  }
}

TEST(FromNatsTest, ConfigurationToChangeIsFailedPrecondition) {
  for (natsStatus status :
       {NATS_SECURE_CONNECTION_WANTED, NATS_SECURE_CONNECTION_REQUIRED,
        NATS_SSL_ERROR, NATS_NO_SERVER_SUPPORT, NATS_ADDRESS_MISSING}) {
    EXPECT_EQ(FromNats(status, "connecting").code(),
              absl::StatusCode::kFailedPrecondition)
        << natsStatus_GetText(status);
  }
}

TEST(FromNatsTest, MisuseAndEverythingElseIsInternal) {
  for (natsStatus status :
       {NATS_ERR, NATS_INVALID_ARG, NATS_ILLEGAL_STATE, NATS_INVALID_SUBJECT,
        NATS_INVALID_TIMEOUT, NATS_NOT_INITIALIZED}) {
    EXPECT_EQ(FromNats(status, kNoJsError, "setting options").code(),
              absl::StatusCode::kInternal)
        << natsStatus_GetText(status);
  }
  EXPECT_EQ(FromNats(NATS_ERR, JSStreamNameExistErr, "creating").code(),
            absl::StatusCode::kInternal);
}

TEST(FromNatsTest, MessageSaysWhatWasBeingDoneAndWhatTheLibrarySaid) {
  const absl::Status status =
      FromNats(NATS_NO_SERVER, "cannot connect to NATS at nats://h1:4222");
  EXPECT_THAT(std::string(status.message()),
              StartsWith("cannot connect to NATS at nats://h1:4222: "));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(natsStatus_GetText(NATS_NO_SERVER)));
}

}  // namespace
}  // namespace pactlog::storage::internal
