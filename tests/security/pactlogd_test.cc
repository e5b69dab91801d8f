// The real pactlogd binary: the secure-by-default rule, JSON logs on
// stderr (start-up lines keep "(port N)" and "serving"), and SIGHUP
// re-reading the token file.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/security/security_support.h"
#include "tests/service/wire/health_check.h"

namespace pactlog::testing {
namespace {

using ::testing::HasSubstr;

std::string PactlogdPath() {
  const char* path = std::getenv("PACTLOGD");
  return path != nullptr && *path != '\0' ? path : PACTLOGD_DEFAULT_PATH;
}

// One pactlogd process; its stderr goes to a file.
class Pactlogd {
 public:
  Pactlogd(const std::vector<std::string>& args, std::string stderr_path)
      : stderr_path_(std::move(stderr_path)) {
    std::vector<std::string> argv = {PactlogdPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      const int fd =
          open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, STDERR_FILENO);
      std::vector<char*> raw;
      for (std::string& arg : argv) raw.push_back(arg.data());
      raw.push_back(nullptr);
      execv(raw[0], raw.data());
      _exit(127);
    }
  }
  ~Pactlogd() {
    if (!exit_code_) Stop();
  }

  // The exit code once the process has exited within `timeout`.
  std::optional<int> WaitExit(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!exit_code_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        break;
      }
      if (absl::Now() > deadline) break;
      absl::SleepFor(absl::Milliseconds(20));  // polling, with a deadline
    }
    return exit_code_;
  }

  void Signal(int signal_number) { kill(pid_, signal_number); }

  std::optional<int> Stop() {
    if (!exit_code_) Signal(SIGTERM);
    if (!WaitExit(absl::Seconds(30))) {
      Signal(SIGKILL);
      WaitExit(absl::Seconds(10));
    }
    return exit_code_;
  }

  std::vector<std::string> Lines() const {
    return absl::StrSplit(ReadFile(stderr_path_), '\n', absl::SkipEmpty());
  }

  // The gRPC port from the start-up line, within `timeout`; 0 if none.
  int Port(absl::Duration timeout) {
    const std::regex port_pattern("\\(port ([0-9]+)\\)");
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline && !WaitExit(absl::ZeroDuration())) {
      for (const std::string& line : Lines()) {
        std::smatch match;
        if (std::regex_search(line, match, port_pattern)) {
          return std::stoi(match[1]);
        }
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return 0;
  }

 private:
  std::string stderr_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

bool WaitServing(const std::string& address, absl::Duration timeout) {
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (HealthSaysServing(channel, absl::Seconds(2))) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

google::protobuf::Struct Json(const std::string& line) {
  google::protobuf::Struct object;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok())
      << "not a JSON line: " << line;
  return object;
}

std::string Get(const google::protobuf::Struct& object,
                const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? "" : it->second.string_value();
}

class PactlogdTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const {
    return absl::StrCat(dir_.path(), "/", name);
  }
  TempDir dir_;
};

TEST_F(PactlogdTest, RefusesANonLoopbackAddressWithoutTlsAndAuth) {
  Pactlogd server({"--listen", "0.0.0.0:0", "--data-dir", Path("data")},
                  Path("stderr"));
  std::optional<int> code = server.WaitExit(absl::Seconds(30));
  ASSERT_TRUE(code.has_value()) << "pactlogd did not refuse";
  EXPECT_EQ(*code, 1);
  std::vector<std::string> lines = server.Lines();
  ASSERT_FALSE(lines.empty());
  google::protobuf::Struct error = Json(lines.back());
  EXPECT_EQ(Get(error, "level"), "error");
  EXPECT_THAT(Get(error, "message"), HasSubstr("0.0.0.0:0"));
  EXPECT_THAT(Get(error, "message"), HasSubstr("--insecure"));
  EXPECT_FALSE(std::filesystem::exists(Path("data")))
      << "refused before touching the data directory";
}

TEST_F(PactlogdTest, InsecureAllowsANonLoopbackAddress) {
  Pactlogd server(
      {"--listen", "0.0.0.0:0", "--data-dir", Path("data"), "--insecure"},
      Path("stderr"));
  const int port = server.Port(absl::Seconds(30));
  ASSERT_NE(port, 0) << ReadFile(Path("stderr"));
  EXPECT_TRUE(WaitServing(absl::StrCat("127.0.0.1:", port), absl::Seconds(30)));
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(PactlogdTest, LogsJsonLinesAndReloadsTokensOnSighup) {
  const std::string old_token = "old-token-2f9c";
  const std::string new_token = "new-token-81ab";
  WriteFile(Path("tokens"),
            absl::StrCat(TokenHash(old_token), " olga reader\n"));
  Pactlogd server({"--listen", "127.0.0.1:0", "--data-dir", Path("data"),
                   "--token-file", Path("tokens")},
                  Path("stderr"));
  const int port = server.Port(absl::Seconds(30));
  ASSERT_NE(port, 0) << ReadFile(Path("stderr"));
  const std::string address = absl::StrCat("127.0.0.1:", port);
  ASSERT_TRUE(WaitServing(address, absl::Seconds(30)));
  auto query = v1::DealQuery::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  auto list = [&](const std::string& token, const std::string& id) {
    v1::ListDealsResponse response;
    return query->ListDeals(AuthContext(token, id).get(), {}, &response);
  };
  ASSERT_TRUE(list(old_token, "").ok());
  grpc::Status refused = list(new_token, "before-reload-1");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("[request_id=before-reload-1]"));

  WriteFile(Path("tokens"),
            absl::StrCat(TokenHash(new_token), " nick reader\n"));
  server.Signal(SIGHUP);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!list(new_token, "").ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(list(new_token, "").ok());
  EXPECT_EQ(list(old_token, "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(server.Stop(), 0);

  bool listening = false, serving = false, failure = false, reloaded = false,
       stopped = false;
  for (const std::string& line : server.Lines()) {
    google::protobuf::Struct object = Json(line);
    for (const char* key : {"time", "level", "message", "principal", "deal",
                            "code", "request_id"}) {
      EXPECT_TRUE(object.fields().contains(key)) << key << " in " << line;
    }
    const std::string message = Get(object, "message");
    if (message.find(absl::StrCat("(port ", port, ")")) != std::string::npos) {
      listening = true;
      EXPECT_EQ(Get(object, "auth"), "on");
    }
    if (message.find("serving") != std::string::npos) serving = true;
    if (Get(object, "request_id") == "before-reload-1") {
      failure = true;
      EXPECT_EQ(Get(object, "code"), "UNAUTHENTICATED");
      EXPECT_EQ(Get(object, "method"), "DealQuery.ListDeals");
    }
    if (message.find("token file reloaded") != std::string::npos) {
      reloaded = true;
    }
    if (message.find("stopped") != std::string::npos) stopped = true;
  }
  EXPECT_TRUE(listening);
  EXPECT_TRUE(serving);
  EXPECT_TRUE(failure);
  EXPECT_TRUE(reloaded);
  EXPECT_TRUE(stopped);
}

TEST_F(PactlogdTest, ABadTokenFileStopsTheStartWithTheLine) {
  WriteFile(Path("tokens"), "0123 someone reader\n");
  Pactlogd server({"--listen", "127.0.0.1:0", "--data-dir", Path("data"),
                   "--token-file", Path("tokens")},
                  Path("stderr"));
  std::optional<int> code = server.WaitExit(absl::Seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  std::vector<std::string> lines = server.Lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(Get(Json(lines.back()), "message"),
              HasSubstr(absl::StrCat(Path("tokens"), ":1:")));
}

}  // namespace
}  // namespace pactlog::testing
