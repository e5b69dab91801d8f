// The settings rules of sdk/BEHAVIOUR.md over an injected environment:
// option, then variable (empty counts as unset), then default.
#include "src/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace pactlog::client::internal {
namespace {

using ::testing::HasSubstr;

class SettingsTest : public ::testing::Test {
 protected:
  Environment Fake() {
    Environment environment;
    environment.variable = [this](const char* name) {
      auto it = variables_.find(name);
      return it == variables_.end() ? std::string() : it->second;
    };
    environment.login_name = [this] { return login_; };
    environment.host_name = [this] { return host_; };
    environment.read_file =
        [this](const std::string& path) -> absl::StatusOr<std::string> {
      auto it = files_.find(path);
      if (it == files_.end()) return absl::NotFoundError("no " + path);
      return it->second;
    };
    return environment;
  }

  ClientOptions Resolve(ClientOptions options = {}) {
    absl::StatusOr<ClientOptions> resolved = ResolveOptions(options, Fake());
    EXPECT_TRUE(resolved.ok()) << resolved.status();
    return resolved.ok() ? *resolved : ClientOptions();
  }

  std::map<std::string, std::string> variables_;
  std::map<std::string, std::string> files_;
  std::string login_ = "login";
  std::string host_ = "box";
};

TEST_F(SettingsTest, DefaultsWithoutEnvironment) {
  ClientOptions options = Resolve();
  EXPECT_EQ(options.address, "127.0.0.1:50051");
  EXPECT_EQ(options.bearer_token, "");
  EXPECT_FALSE(options.tls.has_value());
  EXPECT_EQ(options.actor, "login@box");
}

TEST_F(SettingsTest, VariablesFillWhatOptionsLeaveEmpty) {
  variables_ = {{"PACTLOG_ADDRESS", "db:7000"},
                {"PACTLOG_TOKEN", "secret"},
                {"PACTLOG_TLS_CA", "/ca.pem"},
                {"PACTLOG_ACTOR", "env-actor"}};
  files_ = {{"/ca.pem", "PEM"}};
  ClientOptions options = Resolve();
  EXPECT_EQ(options.address, "db:7000");
  EXPECT_EQ(options.bearer_token, "secret");
  ASSERT_TRUE(options.tls.has_value());
  EXPECT_EQ(options.tls->root_certs_pem, "PEM");
  EXPECT_EQ(options.actor, "env-actor");
}

TEST_F(SettingsTest, OptionsWinOverVariables) {
  variables_ = {{"PACTLOG_ADDRESS", "db:7000"},
                {"PACTLOG_TOKEN", "secret"},
                {"PACTLOG_TLS_CA", "/missing.pem"},
                {"PACTLOG_ACTOR", "env-actor"}};
  ClientOptions given;
  given.address = "given:1";
  given.bearer_token = "given-token";
  given.tls = TlsOptions();
  given.actor = "given-actor";
  ClientOptions options = Resolve(given);
  EXPECT_EQ(options.address, "given:1");
  EXPECT_EQ(options.bearer_token, "given-token");
  ASSERT_TRUE(options.tls.has_value());
  EXPECT_EQ(options.tls->root_certs_pem, "");
  EXPECT_EQ(options.actor, "given-actor");
}

TEST_F(SettingsTest, EmptyVariablesCountAsUnset) {
  variables_ = {
      {"PACTLOG_ADDRESS", ""}, {"PACTLOG_ACTOR", ""}, {"PACTLOG_TLS_CA", ""}};
  ClientOptions options = Resolve();
  EXPECT_EQ(options.address, "127.0.0.1:50051");
  EXPECT_FALSE(options.tls.has_value());
  EXPECT_EQ(options.actor, "login@box");
}

TEST_F(SettingsTest, UseEnvironmentFalseIgnoresTheVariables) {
  variables_ = {{"PACTLOG_ADDRESS", "db:7000"},
                {"PACTLOG_ACTOR", "env"},
                {"USER", "alice"}};
  ClientOptions given;
  given.use_environment = false;
  ClientOptions options = Resolve(given);
  EXPECT_EQ(options.address, "127.0.0.1:50051");
  EXPECT_EQ(options.actor, "alice@box");
}

TEST_F(SettingsTest, DefaultActorPrefersUserThenLoginThenUnknown) {
  variables_ = {{"USER", "alice"}};
  EXPECT_EQ(DefaultActor(Fake()), "alice@box");
  variables_.clear();
  EXPECT_EQ(DefaultActor(Fake()), "login@box");
  login_.clear();
  host_.clear();
  EXPECT_EQ(DefaultActor(Fake()), "unknown@unknown");
}

TEST_F(SettingsTest, AnUnreadableCaFileIsAnErrorNamingTheVariable) {
  variables_ = {{"PACTLOG_TLS_CA", "/missing.pem"}};
  absl::StatusOr<ClientOptions> resolved = ResolveOptions({}, Fake());
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(resolved.status().message(), HasSubstr("PACTLOG_TLS_CA"));
  EXPECT_THAT(resolved.status().message(), HasSubstr("/missing.pem"));
}

TEST(ProcessEnvironmentTest, NamesSomeHost) {
  // Only that the real lookups run and answer something usable.
  EXPECT_THAT(DefaultActor(Environment::Process()), HasSubstr("@"));
}

}  // namespace
}  // namespace pactlog::client::internal
