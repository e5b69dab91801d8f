// pactlogd: the pactlog server. Wires flags to PactlogServer and waits for
// SIGTERM or SIGINT, then shuts down gracefully (appends in flight are
// acknowledged first); SIGHUP re-reads the token file. Lifecycle events
// and failed calls are logged on stderr as JSON lines (security/json_log.h).
#include <signal.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "services/security/json_log.h"
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
  std::string listen, data_dir, log_url;
  pactlog::storage::NatsRecordLogOptions nats;
  std::string metrics_listen, backup_root, health_listen;
  uint64_t snapshot_interval = 1000;
  app.add_option("--listen", listen,
                 "host:port to serve gRPC on (env PACTLOG_LISTEN; default "
                 "127.0.0.1:50051)");
  app.add_option("--data-dir", data_dir,
                 "directory of the event log (env PACTLOG_DATA_DIR; default "
                 "./var/pactlog)");
  app.add_option("--log", log_url,
                 "the log of record: empty for the embedded RocksDB log in "
                 "--data-dir, or nats://h1:4222,h2:4222,h3:4222 for a NATS "
                 "JetStream stream shared by several replicas, each keeping "
                 "a rebuildable projection in --data-dir (env PACTLOG_LOG; "
                 "README: Running a cluster)");
  app.add_option("--nats-stream", nats.stream,
                 "JetStream stream of the log of record; created when absent")
      ->capture_default_str();
  app.add_option("--nats-subject-prefix", nats.subject_prefix,
                 "subjects of the stream: <prefix>.<deal id>")
      ->capture_default_str();
  app.add_option("--nats-replicas", nats.replicas,
                 "replicas of a stream pactlogd creates (an existing one "
                 "must have as many)")
      ->capture_default_str()
      ->check(CLI::Range(1, 5));
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
  pactlog::services::security::TransportOptions transport;
  pactlog::services::security::GuardOptions guard;
  bool insecure = false;
  int max_message_bytes = static_cast<int>(pactlog::domain::kMaxRequestBytes);
  app.add_option("--tls-cert", transport.cert_file,
                 "PEM certificate chain: serve gRPC over TLS (with --tls-key)");
  app.add_option("--tls-key", transport.key_file,
                 "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", transport.client_ca_file,
                 "PEM CA: require every client to present a certificate it "
                 "signed (mutual TLS)");
  app.add_option("--token-file", guard.token_file,
                 "turn authentication and authorization on: lines "
                 "\"<sha256-hex-of-token> <principal> <role>[,<role>]\" or "
                 "\"cert:CN=<name> <principal> <roles>\" (README: Security); "
                 "re-read on SIGHUP");
  app.add_flag("--insecure", insecure,
               "allow a non-loopback --listen address without TLS and "
               "authentication");
  app.add_option("--max-message-bytes", max_message_bytes,
                 "largest request message accepted (default 4194304)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-subscriptions-per-principal",
                 guard.max_subscriptions_per_principal,
                 "open subscriptions one authenticated principal may hold; "
                 "0 for no limit (default 100)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  auto& log = pactlog::services::security::JsonLog::Stderr();

  // Block the stop signals and SIGHUP in every thread; main waits for them
  // below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  pactlog::services::ServerOptions options;
  options.listen_address = Setting(listen, "PACTLOG_LISTEN", "127.0.0.1:50051");
  options.data_dir = Setting(data_dir, "PACTLOG_DATA_DIR", "var/pactlog");
  options.log_url = Setting(log_url, "PACTLOG_LOG", "");
  options.nats = nats;
  options.warn = [&log](std::string_view message) {
    log.Info(std::string("pactlogd: ").append(message), {{"level", "warning"}});
  };
  options.metrics_listen_address =
      Setting(metrics_listen, "PACTLOG_METRICS_LISTEN", "");
  options.backup_root = Setting(backup_root, "PACTLOG_BACKUP_ROOT", "");
  options.health_listen_address =
      Setting(health_listen, "PACTLOG_HEALTH_LISTEN", "");
  options.snapshot_interval = snapshot_interval;

  options.transport = transport;
  options.guard = guard;
  options.insecure = insecure;
  options.max_message_bytes = max_message_bytes;

  auto server = pactlog::services::PactlogServer::Start(options);
  if (!server.ok()) {
    log.Error(absl::StrCat("pactlogd: ", server.status().ToString()));
    return 1;
  }
  // The message keeps the text scripts and tests look for: "(port N)".
  log.Info(
      absl::StrCat("pactlogd: listening on ", options.listen_address, " (port ",
                   (*server)->port(), "), data in ", options.data_dir,
                   options.log_url.empty()
                       ? std::string()
                       : absl::StrCat(", log of record ", options.log_url,
                                      " stream ", nats.stream),
                   "; replaying the log"),
      {{"port", absl::StrCat((*server)->port())},
       {"tls", !transport.tls()         ? "off"
               : transport.mutual_tls() ? "mutual"
                                        : "on"},
       {"auth", guard.token_file.empty() ? "off" : "on"}});
  if ((*server)->metrics_port() != 0) {
    log.Info(
        absl::StrCat("pactlogd: metrics on ", options.metrics_listen_address,
                     " (port ", (*server)->metrics_port(), ")"),
        {{"metrics_port", absl::StrCat((*server)->metrics_port())}});
  }
  auto reload_tokens = [&] {
    if (absl::Status reloaded = (*server)->ReloadTokens(); reloaded.ok()) {
      log.Info("pactlogd: SIGHUP, token file reloaded");
    } else {
      log.Error(
          absl::StrCat("pactlogd: SIGHUP, token file NOT reloaded, the "
                       "previous tokens stay in force: ",
                       reloaded.ToString()));
    }
  };
  // The replay runs on its own thread so that a stop signal can end a
  // start-up that waits for an unreachable log of record.
  absl::Status recovered;
  absl::Notification recovery_done;
  std::thread replay([&] {
    recovered = (*server)->Recover();
    recovery_done.Notify();
  });
  int early_signal = 0;
  while (!recovery_done.HasBeenNotified()) {
    const struct timespec tick = {0, 50'000'000};
    const int received = sigtimedwait(&stop_signals, nullptr, &tick);
    if (received == SIGHUP) {
      reload_tokens();
    } else if (received > 0 && early_signal == 0) {
      early_signal = received;
      log.Info(absl::StrCat("pactlogd: signal ", received,
                            " during start-up, stopping"));
      (*server)->AbortRecovery();
    }
  }
  replay.join();
  if (early_signal != 0 && !recovered.ok()) {
    (*server)->Shutdown(absl::ZeroDuration());
    log.Info("pactlogd: stopped");
    return 0;
  }
  if (!recovered.ok()) {
    log.Error(absl::StrCat("pactlogd: replay failed: ", recovered.ToString()));
    (*server)->Shutdown(absl::ZeroDuration());
    return 1;
  }
  const pactlog::ledger::RecoveryStats recovery =
      (*server)->ledger().recovery_stats();
  log.Info(absl::StrCat("pactlogd: serving; log at sequence ",
                        (*server)->ledger().applied_sequence(), " (",
                        recovery.deals_from_snapshots,
                        " deals from the snapshots at sequence ",
                        recovery.checkpoint_sequence, ", ",
                        recovery.events_replayed, " events replayed)"));

  // A stop signal that came while the replay was finishing (the server may
  // already have been SERVING) stops the server as any stop signal does.
  int signal_number = early_signal;
  while (signal_number == 0) {
    sigwait(&stop_signals, &signal_number);
    if (signal_number == SIGHUP) {
      reload_tokens();
      signal_number = 0;
    }
  }
  log.Info(absl::StrCat("pactlogd: signal ", signal_number, ", shutting down"));
  (*server)->Shutdown(absl::Seconds(5));
  log.Info("pactlogd: stopped");
  return 0;
}
