// Shared by the service tests: a real pactlogd server on 127.0.0.1:0 in a
// fresh temporary directory, a clock the test controls and client stubs.
// The event builders are testing/events.h's.
#ifndef PACTLOG_TESTS_SERVICE_TEST_SUPPORT_H_
#define PACTLOG_TESTS_SERVICE_TEST_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pactlog/v1/ledger.grpc.pb.h"
#include "pactlog/v1/query.grpc.pb.h"
#include "pactlog/v1/stream.grpc.pb.h"
#include "services/server.h"
#include "testing/events.h"
#include "util/clock.h"

namespace pactlog::testing {

namespace v1 = ::pactlog::v1;

using ::pactlog::util::ManualClock;

// A fresh directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A running server with stubs bound to it.
class TestServer {
 public:
  // Starts a server on 127.0.0.1:0 over `data_dir` and waits for replay.
  // Fails the calling test (ADD_FAILURE) and returns nullptr on error.
  [[nodiscard]] static std::unique_ptr<TestServer> Start(
      const std::string& data_dir, util::Clock* clock,
      services::SubscriptionHubOptions subscriptions = {});
  // The same with every server option given. An empty or default listen
  // address becomes 127.0.0.1:0: tests never take the well-known port.
  [[nodiscard]] static std::unique_ptr<TestServer> Start(
      services::ServerOptions options);
  ~TestServer();

  std::string address() const;
  services::PactlogServer& server() { return *server_; }
  v1::DealLedger::Stub& ledger() { return *ledger_; }
  v1::DealQuery::Stub& query() { return *query_; }
  v1::EventStream::Stub& stream() { return *stream_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

 private:
  std::unique_ptr<services::PactlogServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DealLedger::Stub> ledger_;
  std::unique_ptr<v1::DealQuery::Stub> query_;
  std::unique_ptr<v1::EventStream::Stub> stream_;
};

// The whole of a file ("" when it cannot be read), and a file written
// whole.
std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

// A client context with a 30 s deadline, for unary calls.
std::unique_ptr<grpc::ClientContext> Context();
// A client context with a 240 s deadline, for streaming calls (Subscribe)
// that stay open while a test makes hundreds of synced appends on a loaded
// machine; tests cancel them when done.
std::unique_ptr<grpc::ClientContext> StreamContext();

// Appends and returns the status; fills `response` when not null.
grpc::Status Append(TestServer& server, const v1::AppendRequest& request,
                    v1::AppendResponse* response = nullptr);

}  // namespace pactlog::testing

#include <gtest/gtest.h>

namespace pactlog::testing {

// A fixture with a started server over a fresh directory and a manual
// clock (recorded times start at 2026-01-05 UTC).
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::Start(dir_.path(), &clock_, subscriptions_);
    ASSERT_NE(server_, nullptr);
  }
  // Stops the server and starts a new one over the same directory.
  void Restart() {
    server_.reset();
    server_ = TestServer::Start(dir_.path(), &clock_, subscriptions_);
    ASSERT_NE(server_, nullptr);
  }

  TempDir dir_;
  ManualClock clock_{
      absl::FromCivil(absl::CivilDay(2026, 1, 5), absl::UTCTimeZone())};
  services::SubscriptionHubOptions subscriptions_;
  std::unique_ptr<TestServer> server_;
};

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_SERVICE_TEST_SUPPORT_H_
