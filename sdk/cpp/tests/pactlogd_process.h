// A real pactlogd for tests: the server binary run as a child process on a
// free 127.0.0.1 port over a fresh temporary data directory, ready (health
// SERVING) when Start returns, stopped with SIGTERM and its directory
// removed on destruction. Restart() brings it back on the same port and the
// same data, as an operator's restart would.
//
// The binary is env PACTLOGD when set (deploy/test.sh sets it), else the
// path given in Options, else the one this build made (PACTLOGD_PATH).
//
// Thread-safety: none; one test drives one process.
#ifndef PACTLOG_SDK_CPP_TESTS_PACTLOGD_PROCESS_H_
#define PACTLOG_SDK_CPP_TESTS_PACTLOGD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pactlog/client/client.h"

namespace pactlog::testing {

// How to run the server; the defaults suit a test.
struct PactlogdOptions {
  // Empty: env PACTLOGD, else the build's pactlogd.
  std::string binary;
  // Empty: a fresh temporary directory, removed on destruction.
  std::string data_dir;
  // 0: a free port.
  int port = 0;
  // More flags for pactlogd.
  std::vector<std::string> extra_args;
  // How long to wait for health SERVING.
  absl::Duration ready_timeout = absl::Seconds(30);
  // How the readiness check reaches the server: set `tls` when the server
  // serves TLS (health needs no token).
  client::ClientOptions health_client;
};

class PactlogdProcess {
 public:
  using Options = PactlogdOptions;

  // Starts the server and waits until it reports SERVING. Errors:
  // UNAVAILABLE when it exits or is not SERVING within ready_timeout (the
  // message carries its log), INTERNAL when it cannot be started.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PactlogdProcess>> Start(
      Options options = {});

  ~PactlogdProcess();
  PactlogdProcess(const PactlogdProcess&) = delete;
  PactlogdProcess& operator=(const PactlogdProcess&) = delete;

  // SIGTERM, then waits for the exit (SIGKILL after 20 s). Errors: INTERNAL
  // when the server exited with a non-zero status. No-op when stopped.
  [[nodiscard]] absl::Status Stop();
  // SIGKILL: a crash, nothing flushed beyond what was synced.
  [[nodiscard]] absl::Status Kill();
  // Stops if running, then starts again on the same port and data dir.
  [[nodiscard]] absl::Status Restart();

  bool running() const { return pid_ > 0; }
  // The server's process id while running (benchmarks read its RSS).
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string address() const;
  const std::string& data_dir() const { return data_dir_; }
  const std::string& binary() const { return binary_; }
  // What the server wrote to stdout and stderr so far (all runs).
  std::string log() const;

 private:
  PactlogdProcess() = default;
  [[nodiscard]] absl::Status Launch();
  [[nodiscard]] absl::Status WaitServing();
  [[nodiscard]] absl::Status WaitExit(absl::Duration timeout, int* exit_status);

  std::string binary_;
  std::string data_dir_;
  std::string temp_root_;  // removed on destruction when we made it
  std::string log_path_;
  std::vector<std::string> extra_args_;
  absl::Duration ready_timeout_;
  client::ClientOptions health_client_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The pactlogd binary tests use: env PACTLOGD, else PACTLOGD_PATH as
// compiled in, else "pactlogd".
std::string PactlogdBinary();

// A port on 127.0.0.1 that was free a moment ago, below the range the
// kernel gives outgoing connections (so that none takes it before the
// server it is for binds it).
[[nodiscard]] absl::StatusOr<int> PickFreePort();

// A fresh directory under the system's temporary directory.
[[nodiscard]] absl::StatusOr<std::string> MakeTempDir(
    const std::string& prefix);

}  // namespace pactlog::testing

#endif  // PACTLOG_SDK_CPP_TESTS_PACTLOGD_PROCESS_H_
