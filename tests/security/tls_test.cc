// TLS and mutual TLS on the gRPC port, with certificates made by openssl at
// test time, and client certificates that name the principal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/security/security_support.h"

namespace pactlog::testing {
namespace {

using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::HasSubstr;

constexpr char kDeal[] = "us-japan";

// Lists deals over `channel`; the status says whether the call got through.
grpc::Status ListDeals(const std::shared_ptr<grpc::Channel>& channel,
                       const std::string& token = "") {
  auto stub = v1::DealQuery::NewStub(channel);
  auto context = AuthContext(token);
  // Handshake failures surface as UNAVAILABLE well before this.
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  v1::ListDealsRequest request;
  v1::ListDealsResponse response;
  return stub->ListDeals(context.get(), request, &response);
}

class TlsTest : public ::testing::Test {
 protected:
  TempDir pki_dir_;
  Pki pki_{pki_dir_.path()};
  ManualClock clock_{Date(2026, 1, 5)};
};

TEST_F(TlsTest, TlsClientsGetThroughAndPlaintextClientsDoNot) {
  services::ServerOptions options;
  options.transport.cert_file = pki_.server().cert;
  options.transport.key_file = pki_.server().key;
  auto server = SecureServer::Start(options, &clock_);
  ASSERT_NE(server, nullptr);

  grpc::Status tls = ListDeals(server->TlsChannel(pki_.ca()));
  EXPECT_TRUE(tls.ok()) << tls.error_message();

  grpc::Status plain = ListDeals(server->PlainChannel());
  EXPECT_THAT(plain.error_code(),
              AnyOf(Eq(grpc::StatusCode::UNAVAILABLE),
                    Eq(grpc::StatusCode::DEADLINE_EXCEEDED)))
      << plain.error_message();
}

TEST_F(TlsTest, AClientThatDoesNotTrustTheServerCaIsRefused) {
  services::ServerOptions options;
  options.transport.cert_file = pki_.server().cert;
  options.transport.key_file = pki_.server().key;
  auto server = SecureServer::Start(options, &clock_);
  ASSERT_NE(server, nullptr);
  // The client trusts a CA that did not sign the server's certificate.
  TempDir other_dir;
  Pki stranger(other_dir.path());
  grpc::Status status = ListDeals(server->TlsChannel(stranger.ca()));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

class MutualTlsTest : public TlsTest {
 protected:
  void SetUp() override {
    recorder_token_ = "mtls-recorder-token";
    token_file_ = absl::StrCat(pki_dir_.path(), "/tokens");
    WriteFile(
        token_file_,
        absl::StrCat("cert:CN=ingest-service ingest recorder,reader\n",
                     TokenHash(recorder_token_), " token-user recorder\n"));
  }

  std::unique_ptr<SecureServer> Start(bool with_tokens) {
    services::ServerOptions options;
    options.transport.cert_file = pki_.server().cert;
    options.transport.key_file = pki_.server().key;
    options.transport.client_ca_file = pki_.ca();
    if (with_tokens) options.guard.token_file = token_file_;
    options.guard.log = log_.log();
    return SecureServer::Start(options, &clock_);
  }

  std::string recorder_token_;
  std::string token_file_;
  CapturedLog log_;
};

TEST_F(MutualTlsTest, AClientWithoutATrustedCertificateIsRefused) {
  auto server = Start(/*with_tokens=*/false);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(ListDeals(server->TlsChannel(pki_.ca())).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  Pki::KeyPair untrusted = pki_.Client("intruder", /*untrusted=*/true);
  EXPECT_EQ(ListDeals(server->TlsChannel(pki_.ca(), &untrusted)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  Pki::KeyPair trusted = pki_.Client("anyone");
  grpc::Status status = ListDeals(server->TlsChannel(pki_.ca(), &trusted));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ListDeals(server->PlainChannel()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(MutualTlsTest, TheCertificateCommonNameNamesThePrincipal) {
  auto server = Start(/*with_tokens=*/true);
  ASSERT_NE(server, nullptr);
  Pki::KeyPair ingest = pki_.Client("ingest-service");
  auto channel = server->TlsChannel(pki_.ca(), &ingest);
  auto ledger = v1::DealLedger::NewStub(channel);

  v1::AppendRequest request = Request(
      kDeal, {DealEvent("US-Japan", 550'000'000'000, Date(2025, 7, 22))});
  request.set_actor("claimed-by-client");
  v1::AppendResponse response;
  grpc::Status status = ledger->Append(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  auto stream = v1::EventStream::NewStub(channel);
  v1::ReadResponse read;
  ASSERT_TRUE(stream->Read(Context().get(), {}, &read).ok());
  ASSERT_EQ(read.events_size(), 1);
  EXPECT_EQ(read.events(0).actor(), "ingest");

  // Its roles hold: recorder and reader, not trade.
  status = ledger->Append(
      Context().get(),
      Request(kDeal, {TariffEvent("autos", 1500, Date(2026, 1, 3))}),
      &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("needs role trade"));
}

TEST_F(MutualTlsTest, AnUnmappedCertificateNeedsAToken) {
  auto server = Start(/*with_tokens=*/true);
  ASSERT_NE(server, nullptr);
  Pki::KeyPair other = pki_.Client("batch-job");
  auto channel = server->TlsChannel(pki_.ca(), &other);
  grpc::Status status = ListDeals(channel);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("CN=batch-job"));

  // A token sent over the same connection is what counts then.
  auto ledger = v1::DealLedger::NewStub(channel);
  v1::AppendResponse response;
  status = ledger->Append(AuthContext(recorder_token_).get(),
                          Request(kDeal, {DealEvent("US-Japan", 550'000'000'000,
                                                    Date(2025, 7, 22))}),
                          &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(server->server().ledger().applied_sequence(), 1u);
}

TEST_F(TlsTest, BadTlsFilesAreClearErrors) {
  services::ServerOptions options;
  options.transport.cert_file = pki_.server().cert;
  auto missing_key = services::PactlogServer::Start(options);
  EXPECT_EQ(missing_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(missing_key.status().message()),
              HasSubstr("--tls-key"));

  options.transport.key_file = "/nonexistent/server.key";
  auto unreadable = services::PactlogServer::Start(options);
  EXPECT_EQ(unreadable.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unreadable.status().message()),
              HasSubstr("/nonexistent/server.key"));

  options.transport.key_file = absl::StrCat(pki_dir_.path(), "/garbage.key");
  WriteFile(options.transport.key_file, "not a key\n");
  auto garbage = services::PactlogServer::Start(options);
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(garbage.status().message()), HasSubstr("PEM"));
}

}  // namespace
}  // namespace pactlog::testing
