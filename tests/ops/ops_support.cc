#include "tests/ops/ops_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/service/wire/health_check.h"

extern char** environ;

namespace pactlog::testing {

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    ADD_FAILURE() << "socket() failed";
    return 0;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  } else {
    ADD_FAILURE() << "binding 127.0.0.1:0 failed";
  }
  close(fd);
  return port;
}

HttpResult HttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  HttpResult result;
  if (auto response = client.Get(path.c_str())) {
    result.status = response->status;
    result.body = response->body;
    result.content_type = response->get_header_value("Content-Type");
  }
  return result;
}

std::map<std::string, double> ParseExposition(const std::string& text) {
  std::map<std::string, double> series;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    // The value follows the last space (label values here hold none).
    const size_t space = line.rfind(' ');
    double value = 0;
    const std::string number =
        space == std::string::npos ? "" : line.substr(space + 1);
    if (number == "+Inf") {
      value = std::numeric_limits<double>::infinity();
    } else if (space == std::string::npos ||
               !absl::SimpleAtod(number, &value)) {
      ADD_FAILURE() << "malformed exposition line: " << line;
      continue;
    }
    const std::string name = line.substr(0, space);
    if (!series.emplace(name, value).second) {
      ADD_FAILURE() << "series written twice: " << name;
    }
  }
  return series;
}

bool PollUntil(const std::function<bool()>& condition,
               absl::Duration deadline) {
  const absl::Time end = absl::Now() + deadline;
  while (true) {
    if (condition()) return true;
    if (absl::Now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::unique_ptr<OpsServer> OpsServer::Start(const std::string& data_dir,
                                            util::Clock* clock,
                                            std::string backup_root,
                                            bool recover) {
  services::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = data_dir;
  options.clock = clock;
  options.metrics_listen_address = "127.0.0.1:0";
  options.backup_root = std::move(backup_root);
  auto started = services::PactlogServer::Start(options);
  if (!started.ok()) {
    ADD_FAILURE() << "server did not start: " << started.status();
    return nullptr;
  }
  std::unique_ptr<OpsServer> ops(new OpsServer());
  ops->server_ = std::move(*started);
  if (recover) {
    if (absl::Status recovered = ops->server_->Recover(); !recovered.ok()) {
      ADD_FAILURE() << "replay failed: " << recovered;
      return nullptr;
    }
  }
  ops->channel_ =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", ops->server_->port()),
                          grpc::InsecureChannelCredentials());
  ops->ledger_ = v1::DealLedger::NewStub(ops->channel_);
  ops->query_ = v1::DealQuery::NewStub(ops->channel_);
  ops->stream_ = v1::EventStream::NewStub(ops->channel_);
  ops->admin_ = v1::Admin::NewStub(ops->channel_);
  return ops;
}

OpsServer::~OpsServer() {
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
}

std::map<std::string, double> OpsServer::Scrape() {
  const HttpResult result = HttpGet(metrics_port(), "/metrics");
  EXPECT_EQ(result.status, 200) << result.body;
  return ParseExposition(result.body);
}

std::unique_ptr<ChildProcess> ChildProcess::Spawn(
    const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int error =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << strerror(error);
    return nullptr;
  }
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess());
  child->pid_ = pid;
  child->log_path_ = log_path;
  return child;
}

ChildProcess::~ChildProcess() { Stop(); }

bool ChildProcess::Running() {
  if (status_.has_value() || pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

int ChildProcess::Stop(absl::Duration grace) {
  if (!Running()) return status_.value_or(-1);
  kill(pid_, SIGTERM);
  if (!PollUntil([this] { return !Running(); }, grace)) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    status_ = status;
  }
  return *status_;
}

void ChildProcess::Kill() {
  if (!Running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  status_ = status;
}

std::string ChildProcess::Log() const { return ReadFile(log_path_); }

bool IsServing(const std::string& address, absl::Duration rpc_deadline) {
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  return HealthSaysServing(channel, rpc_deadline);
}

bool WaitServing(const std::string& address, absl::Duration deadline) {
  return PollUntil([&] { return IsServing(address, absl::Seconds(5)); },
                   deadline);
}

}  // namespace pactlog::testing
