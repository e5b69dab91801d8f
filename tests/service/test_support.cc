#include "tests/service/test_support.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace pactlog::testing {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "pactlog-test-XXXXXX").string();
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::unique_ptr<TestServer> TestServer::Start(
    const std::string& data_dir, util::Clock* clock,
    services::SubscriptionHubOptions subscriptions) {
  services::ServerOptions options;
  options.data_dir = data_dir;
  options.clock = clock;
  options.subscriptions = subscriptions;
  return Start(std::move(options));
}

std::unique_ptr<TestServer> TestServer::Start(services::ServerOptions options) {
  if (options.listen_address.empty() ||
      options.listen_address == services::ServerOptions().listen_address) {
    options.listen_address = "127.0.0.1:0";
  }
  auto started = services::PactlogServer::Start(options);
  if (!started.ok()) {
    ADD_FAILURE() << "server did not start: " << started.status();
    return nullptr;
  }
  auto test_server = std::unique_ptr<TestServer>(new TestServer());
  test_server->server_ = std::move(*started);
  if (absl::Status recovered = test_server->server_->Recover();
      !recovered.ok()) {
    ADD_FAILURE() << "replay failed: " << recovered;
    return nullptr;
  }
  test_server->channel_ = grpc::CreateChannel(
      test_server->address(), grpc::InsecureChannelCredentials());
  test_server->ledger_ = v1::DealLedger::NewStub(test_server->channel_);
  test_server->query_ = v1::DealQuery::NewStub(test_server->channel_);
  test_server->stream_ = v1::EventStream::NewStub(test_server->channel_);
  return test_server;
}

TestServer::~TestServer() {
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
}

std::string TestServer::address() const {
  return absl::StrCat("127.0.0.1:", server_->port());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  return context;
}

std::unique_ptr<grpc::ClientContext> StreamContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(240));
  return context;
}

grpc::Status Append(TestServer& server, const v1::AppendRequest& request,
                    v1::AppendResponse* response) {
  v1::AppendResponse ignored;
  return server.ledger().Append(Context().get(), request,
                                response != nullptr ? response : &ignored);
}

}  // namespace pactlog::testing
