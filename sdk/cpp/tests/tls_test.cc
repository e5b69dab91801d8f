// The client's transport options: TLS (server verification, mutual TLS)
// and the bearer token. pactlogd itself serves plaintext, so these tests run
// an in-process gRPC server with TLS credentials whose DealQuery.GetDeal
// echoes the authorization metadata it received; what is under test is the
// client's wiring, not the service (secure_pactlogd_test.cc runs the real
// server with TLS and tokens). Certificates come from the openssl command
// line tool at test time; without it the tests are skipped.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "pactlog/client/client.h"
#include "pactlog/v1/query.grpc.pb.h"
#include "sdk/cpp/tests/pactlogd_process.h"
#include "sdk/cpp/tests/test_certs.h"

namespace pactlog::testing {
namespace {

namespace v1 = ::pactlog::v1;
using ::pactlog::client::Client;
using ::pactlog::client::ClientOptions;

class EchoAuthorization final : public v1::DealQuery::Service {
  grpc::Status GetDeal(grpc::ServerContext* context,
                       const v1::GetDealRequest* request,
                       v1::GetDealResponse* response) override {
    response->mutable_deal()->set_deal_id(request->deal_id());
    auto found = context->client_metadata().find("authorization");
    if (found != context->client_metadata().end()) {
      response->mutable_deal()->set_title(
          std::string(found->second.data(), found->second.size()));
    }
    return grpc::Status::OK;
  }
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = MakeTempDir("pactlog-tls-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    auto certs = MakeTestCerts(dir_);
    if (absl::IsFailedPrecondition(certs.status())) {
      GTEST_SKIP() << certs.status();
    }
    ASSERT_TRUE(certs.ok()) << certs.status();
    cert_ = certs->cert_pem;
    key_ = certs->key_pem;

    grpc::SslServerCredentialsOptions ssl(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = cert_;
    ssl.pem_key_cert_pairs.push_back({key_, cert_});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl),
                             &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  ClientOptions Options(bool with_client_cert) const {
    ClientOptions options;
    options.deadline = absl::Seconds(5);
    options.retry.max_attempts = 1;
    options.tls.emplace();
    options.tls->root_certs_pem = cert_;
    options.tls->server_name_override = "localhost";
    if (with_client_cert) {
      options.tls->client_cert_pem = cert_;
      options.tls->client_key_pem = key_;
    }
    return options;
  }

  std::string dir_, cert_, key_;
  EchoAuthorization service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(TlsTest, MutualTlsCarriesTheBearerToken) {
  ClientOptions options = Options(/*with_client_cert=*/true);
  options.bearer_token = "s3cret-token";
  auto client = Client::Connect(address(), options);
  ASSERT_TRUE(client.ok()) << client.status();
  auto deal = (*client)->GetDeal("us-japan");
  ASSERT_TRUE(deal.ok()) << deal.status();
  EXPECT_EQ(deal->deal().deal_id(), "us-japan");
  EXPECT_EQ(deal->deal().title(), "Bearer s3cret-token");
}

TEST_F(TlsTest, NoTokenSendsNoAuthorization) {
  auto client = Client::Connect(address(), Options(true));
  ASSERT_TRUE(client.ok());
  auto deal = (*client)->GetDeal("us-japan");
  ASSERT_TRUE(deal.ok()) << deal.status();
  EXPECT_EQ(deal->deal().title(), "");
}

TEST_F(TlsTest, ServerRequiringAClientCertificateRejectsNone) {
  auto client = Client::Connect(address(), Options(false));
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->GetDeal("us-japan").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(TlsTest, UntrustedServerIsUnavailable) {
  ClientOptions options = Options(true);
  options.tls->root_certs_pem.clear();  // gRPC's default roots
  auto client = Client::Connect(address(), options);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->GetDeal("us-japan").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(TlsTest, PlaintextClientCannotTalkToTlsServer) {
  ClientOptions options;
  options.retry.max_attempts = 1;
  options.deadline = absl::Seconds(5);
  auto client = Client::Connect(address(), options);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->GetDeal("us-japan").status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pactlog::testing
