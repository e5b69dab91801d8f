// The client against a real pactlogd that serves TLS and requires bearer
// tokens (--tls-cert, --tls-key, --token-file): the token is sent, the
// principal becomes the recorded actor, missing or wrong tokens and missing
// roles are refused with their codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "pactlog/client/client.h"
#include "sdk/cpp/tests/pactlogd_process.h"
#include "sdk/cpp/tests/test_certs.h"
#include "testing/events.h"

namespace pactlog::testing {
namespace {

using ::pactlog::client::Client;
using ::pactlog::client::ClientOptions;

constexpr char kAdminToken[] = "alice-token-0123456789";
constexpr char kReaderToken[] = "reader-token-0123456789";

class SecurePactlogdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = MakeTempDir("pactlog-secure-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    auto certs = MakeTestCerts(dir_);
    if (absl::IsFailedPrecondition(certs.status())) {
      GTEST_SKIP() << certs.status();
    }
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    auto admin = Sha256Hex(kAdminToken);
    auto reader = Sha256Hex(kReaderToken);
    ASSERT_TRUE(admin.ok() && reader.ok());
    std::ofstream(dir_ + "/tokens") << *admin << " alice admin\n"
                                    << *reader << " auditor reader\n";

    PactlogdOptions options;
    options.extra_args = {"--tls-cert",    certs_.cert_path, "--tls-key",
                          certs_.key_path, "--token-file",   dir_ + "/tokens"};
    options.health_client = Options("");
    auto server = PactlogdProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  ClientOptions Options(const std::string& token) const {
    ClientOptions options;
    options.tls.emplace();
    options.tls->root_certs_pem = certs_.cert_pem;
    options.tls->server_name_override = "localhost";
    options.bearer_token = token;
    options.retry.max_attempts = 1;
    return options;
  }
  std::unique_ptr<Client> Connect(const std::string& token) {
    auto client = Client::Connect(server_->address(), Options(token));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::string dir_;
  TestCerts certs_;
  std::unique_ptr<PactlogdProcess> server_;
};

TEST_F(SecurePactlogdTest, TokenHolderAppendsAndIsRecordedAsTheActor) {
  auto alice = Connect(kAdminToken);
  auto appended = alice->Append(
      "us-japan", {DealEvent(kDealTitle, 550'000'000'000, Date(2025, 7, 22))});
  ASSERT_TRUE(appended.ok()) << appended.status();
  auto read = alice->Read(0);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->events_size(), 1);
  EXPECT_EQ(read->events(0).actor(), "alice");

  // A reader reads, follows the log, and may not append.
  auto auditor = Connect(kReaderToken);
  auto deal = auditor->GetDeal("us-japan");
  ASSERT_TRUE(deal.ok()) << deal.status();
  EXPECT_EQ(deal->deal().commitment_ceiling().minor_units(),
            55'000'000'000'000);
  auto subscription = auditor->Subscribe();
  ASSERT_TRUE(subscription.ok());
  auto event = (*subscription)->Next(absl::Seconds(30));
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->sequence(), 1u);
  auto denied = auditor->Append(
      "us-japan", {TariffEvent("autos", 1500, Date(2025, 9, 16))});
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied)
      << denied.status();
}

TEST_F(SecurePactlogdTest, MissingOrWrongTokenIsUnauthenticated) {
  auto anonymous = Connect("");
  EXPECT_EQ(anonymous->GetDeal("us-japan").status().code(),
            absl::StatusCode::kUnauthenticated);
  auto wrong = Connect("not-a-token");
  EXPECT_EQ(
      wrong->Append("us-japan", {DealEvent(kDealTitle, 1, Date(2025, 7, 22))})
          .status()
          .code(),
      absl::StatusCode::kUnauthenticated);
  // Health stays open, over TLS.
  auto health = anonymous->Health();
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, client::ServingStatus::kServing);
}

TEST_F(SecurePactlogdTest, PlaintextClientIsRefused) {
  ClientOptions plaintext;
  plaintext.bearer_token = kAdminToken;
  plaintext.retry.max_attempts = 1;
  auto client = Client::Connect(server_->address(), plaintext);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->GetDeal("us-japan").status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pactlog::testing
