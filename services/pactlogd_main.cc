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
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/security/json_log.h"
#include "services/server.h"

namespace {

using ::pactlog::services::PactlogServer;
using ::pactlog::services::ServerOptions;
using ::pactlog::services::security::JsonLog;

// The command line as given; an empty string falls back to an environment
// variable (see Setting).
struct Flags {
  std::string listen, data_dir, log_url;
  pactlog::storage::NatsRecordLogOptions nats;
  std::string nats_sync = "always";
  std::string metrics_listen, backup_root, health_listen;
  std::string http_listen, web_root;
  uint64_t snapshot_interval = 1000;
  int nats_groups_in_flight = 4;
  pactlog::services::security::TransportOptions transport;
  pactlog::services::security::GuardOptions guard;
  bool insecure = false;
  int max_message_bytes = static_cast<int>(pactlog::domain::kMaxRequestBytes);
};

void AddFlags(CLI::App& app, Flags* flags) {
  app.add_option("--listen", flags->listen,
                 "host:port to serve gRPC on (env PACTLOG_LISTEN; default "
                 "127.0.0.1:50051)");
  app.add_option("--data-dir", flags->data_dir,
                 "directory of the event log (env PACTLOG_DATA_DIR; default "
                 "./var/pactlog)");
  app.add_option("--log", flags->log_url,
                 "the log of record: empty for the embedded RocksDB log in "
                 "--data-dir, or nats://h1:4222,h2:4222,h3:4222 for a NATS "
                 "JetStream stream shared by several replicas, each keeping "
                 "a rebuildable projection in --data-dir (env PACTLOG_LOG; "
                 "README: Running a cluster)");
  app.add_option("--nats-stream", flags->nats.stream,
                 "JetStream stream of the log of record; created when absent")
      ->capture_default_str();
  app.add_option("--nats-subject-prefix", flags->nats.subject_prefix,
                 "subjects of the stream: <prefix>.<deal id>")
      ->capture_default_str();
  app.add_option("--nats-replicas", flags->nats.replicas,
                 "replicas of a stream pactlogd creates (an existing one "
                 "must have as many)")
      ->capture_default_str()
      ->check(CLI::Range(1, 5));
  app.add_option("--nats-sync", flags->nats_sync,
                 "how the NATS servers sync JetStream writes: \"always\" "
                 "(jetstream { sync_interval: always }, as every config "
                 "pactlog ships; appends are acknowledged fsynced on a "
                 "majority) or \"interval\" (the servers' timer; "
                 "acknowledged committed on a majority, counted in "
                 "pactlog_appends_acknowledged_unsynced_total)")
      ->capture_default_str()
      ->check(CLI::IsMember({"always", "interval"}));
  app.add_option("--nats-groups-in-flight", flags->nats_groups_in_flight,
                 "groups of appends published to the stream and not yet "
                 "answered at once; each group is one message holding the "
                 "queued appends of deals no other group holds")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--nats-monitor", flags->nats.monitor_urls,
                 "the servers' monitoring endpoints, "
                 "http://h1:8222,http://h2:8222,...: at start-up pactlogd "
                 "reads each one's /varz and refuses to start when a server "
                 "holding a replica of the stream is not among them or, with "
                 "--nats-sync always, does not fsync each JetStream write")
      ->delimiter(',');
  app.add_flag("--nats-allow-old-servers", flags->nats.allow_old_servers,
               "start even when a NATS server is older than 2.10.23 (refused "
               "by default: its acknowledged writes are not fsynced); appends "
               "are then acknowledged as committed on a majority only");
  app.add_option("--snapshot-interval", flags->snapshot_interval,
                 "events between snapshot checkpoints; start-up and as-of "
                 "queries replay at most about this many (0: no snapshots)")
      ->capture_default_str();
  app.add_option("--metrics-listen", flags->metrics_listen,
                 "host:port to serve Prometheus metrics (/metrics) and "
                 "/healthz on, plain HTTP (env PACTLOG_METRICS_LISTEN; "
                 "default: off)");
  app.add_option("--http-listen", flags->http_listen,
                 "host:port of the read-only HTTP/JSON API and web page, with "
                 "the gRPC port's TLS and tokens (env PACTLOG_HTTP_LISTEN; "
                 "default: off)");
  app.add_option("--web-root", flags->web_root,
                 "directory of the built web page served on --http-listen "
                 "(web/build.sh; env PACTLOG_WEB_ROOT; default: the API "
                 "alone)");
  app.add_option("--backup-root", flags->backup_root,
                 "Admin.Backup writes only inside this directory (env "
                 "PACTLOG_BACKUP_ROOT; default: any absolute path)");
  app.add_option("--health-listen", flags->health_listen,
                 "host:port of a plaintext gRPC port serving only the "
                 "standard health service, for probes that cannot speak TLS "
                 "(env PACTLOG_HEALTH_LISTEN; default: off)");
  app.add_option("--tls-cert", flags->transport.cert_file,
                 "PEM certificate chain: serve gRPC over TLS (with --tls-key)");
  app.add_option("--tls-key", flags->transport.key_file,
                 "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", flags->transport.client_ca_file,
                 "PEM CA: require every client to present a certificate it "
                 "signed (mutual TLS)");
  app.add_option("--token-file", flags->guard.token_file,
                 "turn authentication and authorization on: lines "
                 "\"<sha256-hex-of-token> <principal> <role>[,<role>]\" or "
                 "\"cert:CN=<name> <principal> <roles>\" (README: Security); "
                 "re-read on SIGHUP");
  app.add_flag("--insecure", flags->insecure,
               "allow a non-loopback --listen address without TLS and "
               "authentication");
  app.add_option("--max-message-bytes", flags->max_message_bytes,
                 "largest request message accepted (default 4194304)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-subscriptions-per-principal",
                 flags->guard.max_subscriptions_per_principal,
                 "open subscriptions one authenticated principal may hold; "
                 "0 for no limit (default 100)")
      ->check(CLI::NonNegativeNumber);
}

// The flag if given, else the environment variable, else the default.
std::string Setting(const std::string& flag, const char* env,
                    const char* fallback) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(env);
  return value != nullptr && *value != '\0' ? value : fallback;
}

ServerOptions MakeServerOptions(const Flags& flags, JsonLog& log) {
  ServerOptions options;
  options.listen_address =
      Setting(flags.listen, "PACTLOG_LISTEN", "127.0.0.1:50051");
  options.data_dir = Setting(flags.data_dir, "PACTLOG_DATA_DIR", "var/pactlog");
  options.log_url = Setting(flags.log_url, "PACTLOG_LOG", "");
  options.nats = flags.nats;
  options.nats.servers_sync_always = flags.nats_sync == "always";
  options.warn = [&log](std::string_view message) {
    log.Info(std::string("pactlogd: ").append(message), {{"level", "warning"}});
  };
  options.metrics_listen_address =
      Setting(flags.metrics_listen, "PACTLOG_METRICS_LISTEN", "");
  options.backup_root = Setting(flags.backup_root, "PACTLOG_BACKUP_ROOT", "");
  options.health_listen_address =
      Setting(flags.health_listen, "PACTLOG_HEALTH_LISTEN", "");
  options.http_listen_address =
      Setting(flags.http_listen, "PACTLOG_HTTP_LISTEN", "");
  options.web_root = Setting(flags.web_root, "PACTLOG_WEB_ROOT", "");
  options.snapshot_interval = flags.snapshot_interval;
  options.max_groups_in_flight = flags.nats_groups_in_flight;

  options.transport = flags.transport;
  options.guard = flags.guard;
  options.insecure = flags.insecure;
  options.max_message_bytes = flags.max_message_bytes;
  return options;
}

void LogListening(const ServerOptions& options, const PactlogServer& server,
                  JsonLog& log) {
  // The message keeps the text scripts and tests look for: "(port N)".
  log.Info(
      absl::StrCat("pactlogd: listening on ", options.listen_address, " (port ",
                   server.port(), "), data in ", options.data_dir,
                   options.log_url.empty()
                       ? std::string()
                       : absl::StrCat(", log of record ", options.log_url,
                                      " stream ", options.nats.stream),
                   "; replaying the log"),
      {{"port", absl::StrCat(server.port())},
       {"tls", !options.transport.tls()         ? "off"
               : options.transport.mutual_tls() ? "mutual"
                                                : "on"},
       {"auth", options.guard.token_file.empty() ? "off" : "on"}});
  if (server.metrics_port() != 0) {
    log.Info(
        absl::StrCat("pactlogd: metrics on ", options.metrics_listen_address,
                     " (port ", server.metrics_port(), ")"),
        {{"metrics_port", absl::StrCat(server.metrics_port())}});
  }
  if (server.http_port() != 0) {
    log.Info(absl::StrCat("pactlogd: HTTP API",
                          options.web_root.empty() ? "" : " and web page",
                          " on ", options.http_listen_address, " (port ",
                          server.http_port(), ")"),
             {{"http_port", absl::StrCat(server.http_port())}});
  }
}

void ReloadTokens(PactlogServer& server, JsonLog& log) {
  if (absl::Status reloaded = server.ReloadTokens(); reloaded.ok()) {
    log.Info("pactlogd: SIGHUP, token file reloaded");
  } else {
    log.Error(
        absl::StrCat("pactlogd: SIGHUP, token file NOT reloaded, the "
                     "previous tokens stay in force: ",
                     reloaded.ToString()));
  }
}

// Replays the log into `server` while answering `stop_signals`: SIGHUP
// reloads the tokens, a stop signal aborts the replay. Sets *recovered to
// the replay's result and returns the stop signal received meanwhile, or
// 0.
int RecoverUnlessStopped(PactlogServer& server, const sigset_t& stop_signals,
                         JsonLog& log, absl::Status* recovered) {
  // The replay runs on its own thread so that a stop signal can end a
  // start-up that waits for an unreachable log of record.
  absl::Notification recovery_done;
  std::thread replay([&] {
    *recovered = server.Recover();
    recovery_done.Notify();
  });
  int early_signal = 0;
  while (!recovery_done.HasBeenNotified()) {
    const struct timespec tick = {0, 50'000'000};
    const int received = sigtimedwait(&stop_signals, nullptr, &tick);
    if (received == SIGHUP) {
      ReloadTokens(server, log);
    } else if (received > 0 && early_signal == 0) {
      early_signal = received;
      log.Info(absl::StrCat("pactlogd: signal ", received,
                            " during start-up, stopping"));
      server.AbortRecovery();
    }
  }
  replay.join();
  return early_signal;
}

// Waits for a stop signal (reloading the tokens on each SIGHUP) unless
// `early_signal` already is one, and returns it.
int WaitForStopSignal(PactlogServer& server, const sigset_t& stop_signals,
                      int early_signal, JsonLog& log) {
  int signal_number = early_signal;
  while (signal_number == 0) {
    sigwait(&stop_signals, &signal_number);
    if (signal_number == SIGHUP) {
      ReloadTokens(server, log);
      signal_number = 0;
    }
  }
  return signal_number;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles
  // (its debug default): a graph update per lock, a few percent of the
  // server's CPU under load. The tests keep the check; the server does
  // without (deploy/thread_safety.sh checks lock use statically).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{
      "pactlogd: the append-only record of investment-for-tariff deals"};
  Flags flags;
  AddFlags(app, &flags);
  CLI11_PARSE(app, argc, argv);
  auto& log = JsonLog::Stderr();

  // Block the stop signals and SIGHUP in every thread; main waits for them
  // below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const ServerOptions options = MakeServerOptions(flags, log);
  auto server = PactlogServer::Start(options);
  if (!server.ok()) {
    log.Error(absl::StrCat("pactlogd: ", server.status().ToString()));
    return 1;
  }
  LogListening(options, **server, log);
  absl::Status recovered;
  const int early_signal =
      RecoverUnlessStopped(**server, stop_signals, log, &recovered);
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
  const int signal_number =
      WaitForStopSignal(**server, stop_signals, early_signal, log);
  log.Info(absl::StrCat("pactlogd: signal ", signal_number, ", shutting down"));
  (*server)->Shutdown(absl::Seconds(5));
  log.Info("pactlogd: stopped");
  return 0;
}
