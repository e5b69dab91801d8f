// pactlogd: the pactlog server. Wires flags to PactlogServer and waits for
// SIGTERM or SIGINT, then shuts down gracefully (appends in flight are
// acknowledged first).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "services/server.h"

namespace {

// The flag if given, else the environment variable, else the default.
std::string Setting(const std::string& flag, const char* env,
                    const char* fallback) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(env);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "pactlogd: the append-only record of investment-for-tariff deals"};
  std::string listen, data_dir;
  std::string metrics_listen, backup_root, health_listen;
  uint64_t snapshot_interval = 1000;
  app.add_option("--listen", listen,
                 "host:port to serve gRPC on (env PACTLOG_LISTEN; default "
                 "127.0.0.1:50051)");
  app.add_option("--data-dir", data_dir,
                 "directory of the event log (env PACTLOG_DATA_DIR; default "
                 "./var/pactlog)");
  app.add_option("--snapshot-interval", snapshot_interval,
                 "events between snapshot checkpoints; start-up and as-of "
                 "queries replay at most about this many (0: no snapshots)")
      ->capture_default_str();
  app.add_option("--metrics-listen", metrics_listen,
                 "host:port to serve Prometheus metrics (/metrics) and "
                 "/healthz on, plain HTTP (env PACTLOG_METRICS_LISTEN; "
                 "default: off)");
  app.add_option("--backup-root", backup_root,
                 "Admin.Backup writes only inside this directory (env "
                 "PACTLOG_BACKUP_ROOT; default: any absolute path)");
  app.add_option("--health-listen", health_listen,
                 "host:port of a plaintext gRPC port serving only the "
                 "standard health service, for probes that cannot speak TLS "
                 "(env PACTLOG_HEALTH_LISTEN; default: off)");
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  pactlog::services::ServerOptions options;
  options.listen_address = Setting(listen, "PACTLOG_LISTEN", "127.0.0.1:50051");
  options.data_dir = Setting(data_dir, "PACTLOG_DATA_DIR", "var/pactlog");
  options.metrics_listen_address =
      Setting(metrics_listen, "PACTLOG_METRICS_LISTEN", "");
  options.backup_root = Setting(backup_root, "PACTLOG_BACKUP_ROOT", "");
  options.health_listen_address =
      Setting(health_listen, "PACTLOG_HEALTH_LISTEN", "");
  options.snapshot_interval = snapshot_interval;

  auto server = pactlog::services::PactlogServer::Start(options);
  if (!server.ok()) {
    std::cerr << "pactlogd: " << server.status() << "\n";
    return 1;
  }
  std::cerr << "pactlogd: listening on " << options.listen_address << " (port "
            << (*server)->port() << "), data in " << options.data_dir
            << "; replaying the log\n";
  if ((*server)->metrics_port() != 0) {
    std::cerr << "pactlogd: metrics on " << options.metrics_listen_address
              << " (port " << (*server)->metrics_port() << ")\n";
  }
  if (absl::Status recovered = (*server)->Recover(); !recovered.ok()) {
    std::cerr << "pactlogd: replay failed: " << recovered << "\n";
    (*server)->Shutdown(absl::ZeroDuration());
    return 1;
  }
  std::cerr << "pactlogd: serving; log at sequence "
            << (*server)->ledger().applied_sequence() << "\n";

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::cerr << "pactlogd: signal " << signal_number << ", shutting down\n";
  (*server)->Shutdown(absl::Seconds(5));
  std::cerr << "pactlogd: stopped\n";
  return 0;
}
