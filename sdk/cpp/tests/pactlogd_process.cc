#include "sdk/cpp/tests/pactlogd_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pactlog/client/client.h"
#include "sdk/cpp/tests/loopback.h"

#ifndef PACTLOGD_PATH
#define PACTLOGD_PATH "pactlogd"
#endif

namespace pactlog::testing {

namespace {

std::string Errno(const char* what) {
  return absl::StrCat(what, ": ", std::strerror(errno));
}

// True when something accepts TCP connections on 127.0.0.1:port. Checked
// before any gRPC call so that the client's channel never starts in
// reconnect backoff.
bool Accepting(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in addr = Loopback(port);
  bool ok =
      connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// Whether a listening socket could bind 127.0.0.1:port now.
bool PortFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in addr = Loopback(port);
  const bool bound =
      bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return bound;
}

// The lowest port the kernel hands out to outgoing connections
// (net.ipv4.ip_local_port_range), 32768 when unreadable.
int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  if (range >> low && low > 0) return low;
  return 32768;
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

}  // namespace

std::string PactlogdBinary() {
  const char* env = std::getenv("PACTLOGD");
  if (env != nullptr && *env != '\0') return env;
  return PACTLOGD_PATH;
}

absl::StatusOr<int> PickFreePort() {
  // A port the kernel could give an outgoing connection in the meantime
  // ("address already in use" when a server binds it, seen once in some 40
  // cluster tests here) is avoided: candidates lie below the ephemeral
  // range, walked from a point that differs between processes and calls.
  // Below 21000 are the fixed ports of the scripts the tests run
  // (bench/quick_nats.sh's cluster at 14222, 16222 and 18222, say).
  constexpr int kLowest = 21000;
  const int below = EphemeralLow();
  if (below - kLowest >= 1000) {
    static std::atomic<uint32_t> next{static_cast<uint32_t>(getpid()) * 7919u};
    const uint32_t span = static_cast<uint32_t>(below - kLowest);
    for (int tries = 0; tries < 200; ++tries) {
      const int port = kLowest + static_cast<int>(next.fetch_add(1) % span);
      if (PortFree(port)) return port;
    }
  }
  // Otherwise the kernel's pick: bind port 0, read it, close.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(Errno("socket"));
  sockaddr_in addr = Loopback(0);
  socklen_t length = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    std::string error = Errno("bind 127.0.0.1:0");
    close(fd);
    return absl::InternalError(error);
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

absl::StatusOr<std::string> MakeTempDir(const std::string& prefix) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(Errno("mkdtemp"));
  }
  return pattern;
}

absl::StatusOr<std::unique_ptr<PactlogdProcess>> PactlogdProcess::Start(
    Options options) {
  auto process = std::unique_ptr<PactlogdProcess>(new PactlogdProcess());
  process->binary_ = options.binary.empty() ? PactlogdBinary() : options.binary;
  process->extra_args_ = std::move(options.extra_args);
  process->ready_timeout_ = options.ready_timeout;
  process->health_client_ = std::move(options.health_client);
  auto root = MakeTempDir("pactlogd-test");
  if (!root.ok()) return root.status();
  process->temp_root_ = *root;
  process->log_path_ = process->temp_root_ + "/pactlogd.log";
  process->data_dir_ = options.data_dir.empty() ? process->temp_root_ + "/data"
                                                : options.data_dir;
  if (options.port != 0) {
    process->port_ = options.port;
  } else {
    auto port = PickFreePort();
    if (!port.ok()) return port.status();
    process->port_ = *port;
  }
  if (absl::Status launched = process->Launch(); !launched.ok()) {
    return launched;
  }
  return process;
}

PactlogdProcess::~PactlogdProcess() {
  if (running()) Stop().IgnoreError();
  if (!temp_root_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(temp_root_, ignored);
  }
}

std::string PactlogdProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

std::string PactlogdProcess::log() const {
  std::ifstream in(log_path_);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::Status PactlogdProcess::Launch() {
  std::vector<std::string> args = {binary_, "--listen", address(), "--data-dir",
                                   data_dir_};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int log_fd =
      open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::InternalError(Errno("open server log"));
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError(Errno("fork"));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. The server must not
    // outlive a test process that dies, and must see the stop signals even
    // if the test blocked them.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;
  return WaitServing();
}

absl::Status PactlogdProcess::WaitServing() {
  const absl::Time deadline = absl::Now() + ready_timeout_;
  std::unique_ptr<client::Client> client;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(
          absl::StrCat(binary_, " exited before serving (",
                       DescribeExit(status), "); its log:\n", log()));
    }
    if (client == nullptr && Accepting(port_)) {
      client::ClientOptions options = health_client_;
      options.deadline = absl::Seconds(1);
      auto connected = client::Client::Connect(address(), options);
      if (!connected.ok()) return connected.status();
      client = std::move(*connected);
    }
    if (client != nullptr) {
      auto health = client->Health();
      if (health.ok() && *health == client::ServingStatus::kServing) {
        return absl::OkStatus();
      }
    }
    if (absl::Now() > deadline) {
      return absl::UnavailableError(absl::StrCat(
          binary_, " did not report SERVING on ", address(), " within ",
          absl::FormatDuration(ready_timeout_), "; its log:\n", log()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::Status PactlogdProcess::WaitExit(absl::Duration timeout,
                                       int* exit_status) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    pid_t done = waitpid(pid_, exit_status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return absl::OkStatus();
    }
    if (done < 0) return absl::InternalError(Errno("waitpid"));
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("pactlogd (pid ", pid_, ") still running after ",
                       absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

absl::Status PactlogdProcess::Stop() {
  if (!running()) return absl::OkStatus();
  kill(pid_, SIGTERM);
  int status = 0;
  if (!WaitExit(absl::Seconds(20), &status).ok()) {
    kill(pid_, SIGKILL);
    absl::Status killed = WaitExit(absl::Seconds(20), &status);
    if (!killed.ok()) return killed;
    return absl::InternalError(
        "pactlogd ignored SIGTERM for 20 s and was killed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(
        "pactlogd stopped with ", DescribeExit(status), "; its log:\n", log()));
  }
  return absl::OkStatus();
}

absl::Status PactlogdProcess::Kill() {
  if (!running()) return absl::OkStatus();
  kill(pid_, SIGKILL);
  int status = 0;
  return WaitExit(absl::Seconds(20), &status);
}

absl::Status PactlogdProcess::Restart() {
  if (absl::Status stopped = Stop(); !stopped.ok()) return stopped;
  return Launch();
}

}  // namespace pactlog::testing
