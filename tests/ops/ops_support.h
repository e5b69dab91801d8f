// Shared by the operations tests: a real pactlog server with its metrics
// endpoint on 127.0.0.1:0, a scraper that parses the exposition text, child
// processes (pactlogd, Prometheus) that are always stopped, and free ports.
#ifndef PACTLOG_TESTS_OPS_OPS_SUPPORT_H_
#define PACTLOG_TESTS_OPS_OPS_SUPPORT_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "pactlog/v1/admin.grpc.pb.h"
#include "services/server.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {

// A free TCP port on 127.0.0.1: bound to port 0, read, closed.
int FreePort();

// GET http://127.0.0.1:port/path; the status (0 when no answer) and body.
struct HttpResult {
  int status = 0;
  std::string body;
  std::string content_type;
};
HttpResult HttpGet(int port, const std::string& path);

// Parses the text exposition format into "name{labels}" -> value, with the
// series written exactly as the server wrote them (labels in its order).
// Comment lines are skipped; a malformed line fails the calling test.
std::map<std::string, double> ParseExposition(const std::string& text);

// Polls `condition` until it is true or `deadline` passes; returns the last
// result.
[[nodiscard]] bool PollUntil(const std::function<bool()>& condition,
                             absl::Duration deadline = absl::Seconds(30));

// A server started in-process with a metrics endpoint and stubs.
class OpsServer {
 public:
  // Starts over `data_dir` with metrics on 127.0.0.1:0 and replays the log
  // unless `recover` is false. ADD_FAILURE and nullptr on error.
  [[nodiscard]] static std::unique_ptr<OpsServer> Start(
      const std::string& data_dir, util::Clock* clock,
      std::string backup_root = "", bool recover = true);
  ~OpsServer();

  services::PactlogServer& server() { return *server_; }
  int metrics_port() const { return server_->metrics_port(); }
  v1::DealLedger::Stub& ledger() { return *ledger_; }
  v1::DealQuery::Stub& query() { return *query_; }
  v1::EventStream::Stub& stream() { return *stream_; }
  v1::Admin::Stub& admin() { return *admin_; }

  // One scrape of /metrics, parsed. Fails the test on a non-200 answer.
  std::map<std::string, double> Scrape();

 private:
  std::unique_ptr<services::PactlogServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DealLedger::Stub> ledger_;
  std::unique_ptr<v1::DealQuery::Stub> query_;
  std::unique_ptr<v1::EventStream::Stub> stream_;
  std::unique_ptr<v1::Admin::Stub> admin_;
};

// A child process, stopped (SIGTERM, then SIGKILL after 10 s) when
// destroyed. Its stdout and stderr go to `log_path`.
class ChildProcess {
 public:
  // Starts argv[0] with `argv`. ADD_FAILURE and nullptr on error.
  [[nodiscard]] static std::unique_ptr<ChildProcess> Spawn(
      const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();

  // Whether it is still running (reaps it when it has exited).
  bool Running();
  // SIGTERM and wait up to `grace`, then SIGKILL; the exit status.
  int Stop(absl::Duration grace = absl::Seconds(10));
  // SIGKILL (a crash) and reap it.
  void Kill();
  // What it wrote so far.
  std::string Log() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// Health of the server at `address` ("" service): true when SERVING. One
// attempt, answered within `rpc_deadline`.
bool IsServing(const std::string& address,
               absl::Duration rpc_deadline = absl::Seconds(2));
// Polls IsServing (5 s per attempt) until it is true or `deadline` passes.
[[nodiscard]] bool WaitServing(const std::string& address,
                               absl::Duration deadline = absl::Seconds(30));

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_OPS_OPS_SUPPORT_H_
