// pactctl: the command-line client of pactlogd. Wires flags to the
// subcommands in commands.h / load.h; see `pactctl --help`.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pactlog/client/client.h"
#include "sdk/pactctl/commands.h"
#include "sdk/pactctl/format.h"
#include "sdk/pactctl/load.h"

namespace pactlog::pactctl {
namespace {

constexpr char kExitCodes[] =
    "Exit codes: 0 success; 1 the server answered with an error (its gRPC "
    "code and message are printed); 2 usage (bad flags or input, e.g. "
    "malformed JSON); 3 unavailable (server unreachable, starting or "
    "stopping; health not SERVING); 4 verify found the hash chain broken.";

struct AsOfFlags {
  uint64_t sequence = 0;
  std::string recorded;
  std::string effective;
  uint64_t at_least_sequence = 0;
};

void AddAsOf(CLI::App* command, AsOfFlags* flags) {
  command->add_option("--as-of-sequence", flags->sequence,
                      "answer from the state after this log position");
  command->add_option("--as-of-recorded", flags->recorded,
                      "what the record knew at this time (RFC 3339, or a "
                      "date = midnight UTC)");
  command->add_option("--as-of-effective", flags->effective,
                      "what was in force at this time (RFC 3339, or a date "
                      "= midnight UTC); also when tariffs are evaluated");
  command->add_option("--at-least-sequence", flags->at_least_sequence,
                      "the answer must reflect at least this sequence "
                      "(read your writes)");
}

absl::StatusOr<client::QueryOptions> ToQueryOptions(const AsOfFlags& flags) {
  client::QueryOptions options;
  options.as_of.sequence = flags.sequence;
  options.at_least_sequence = flags.at_least_sequence;
  if (!flags.recorded.empty()) {
    auto time = ParseTime(flags.recorded, "--as-of-recorded");
    if (!time.ok()) return time.status();
    options.as_of.recorded_time = *time;
  }
  if (!flags.effective.empty()) {
    auto time = ParseTime(flags.effective, "--as-of-effective");
    if (!time.ok()) return time.status();
    options.as_of.effective_time = *time;
  }
  return options;
}

// Ctrl-C for `tail`: SIGINT and SIGTERM are blocked in every thread (before
// gRPC starts any) and taken by one thread that cancels the subscription.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGUSR1);  // our own: "done, stop waiting"
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    thread_ = std::thread([this] {
      int signal_number = 0;
      while (sigwait(&signals_, &signal_number) == 0) {
        if (signal_number == SIGUSR1) return;
        std::lock_guard<std::mutex> lock(mu_);
        interrupted_ = true;
        if (subscription_ != nullptr) subscription_->Cancel();
      }
    });
  }
  ~StopSignals() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }
  void Watch(client::Subscription* subscription) {
    std::lock_guard<std::mutex> lock(mu_);
    subscription_ = subscription;
    if (subscription_ != nullptr && interrupted_) subscription_->Cancel();
  }

 private:
  sigset_t signals_;
  std::thread thread_;
  std::mutex mu_;
  bool interrupted_ = false;
  client::Subscription* subscription_ = nullptr;
};

int Main(int argc, char** argv) {
  CLI::App app{
      "pactctl: record and query investment-for-tariff deals in pactlogd"};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.fallthrough();

  std::string address = "127.0.0.1:50051";
  std::string token, tls_ca, tls_cert, tls_key, tls_server_name;
  bool tls = false, json = false;
  double timeout_seconds = 10;
  app.add_option("--address", address, "pactlogd's host:port")
      ->envname("PACTLOG_ADDRESS")
      ->capture_default_str();
  app.add_option("--token", token,
                 "bearer token, sent as 'authorization: Bearer <token>'")
      ->envname("PACTLOG_TOKEN");
  app.add_flag("--tls", tls, "use TLS with the system's root certificates");
  app.add_option("--tls-ca", tls_ca,
                 "PEM file of the root certificates to verify the server "
                 "with (implies --tls)");
  app.add_option("--tls-cert", tls_cert,
                 "PEM file of the client certificate, for mutual TLS");
  app.add_option("--tls-key", tls_key, "PEM file of the client's private key");
  app.add_option("--tls-server-name", tls_server_name,
                 "name to verify the server's certificate against");
  app.add_option("--timeout", timeout_seconds, "deadline of each call, seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", json,
               "one JSON object per line (Protobuf's JSON mapping)");

  // append
  CLI::App* append =
      app.add_subcommand("append", "append events to a deal (all or none)");
  std::string append_deal, events_json, actor;
  uint64_t expect_version = 0;
  append->add_option("DEAL", append_deal, "deal id")->required();
  append
      ->add_option("--events", events_json,
                   "JSON array of pactlog.v1.EventData (or one object); '-' "
                   "reads it from stdin")
      ->required();
  CLI::Option* expect_version_option = append->add_option(
      "--expect-version", expect_version,
      "the deal must be at this version (0: must not exist yet)");
  append->add_option("--actor", actor, "who records the events")
      ->default_str("$USER or pactctl");

  // deal, deals, project, projects, tariffs
  AsOfFlags as_of;
  CLI::App* deal = app.add_subcommand("deal", "a deal's state");
  std::string deal_id;
  deal->add_option("DEAL", deal_id, "deal id")->required();
  AddAsOf(deal, &as_of);

  CLI::App* deals = app.add_subcommand("deals", "every deal, by id");
  AddAsOf(deals, &as_of);

  CLI::App* project = app.add_subcommand("project", "one project's state");
  std::string project_deal, project_id;
  project->add_option("DEAL", project_deal, "deal id")->required();
  project->add_option("PROJECT", project_id, "project id")->required();
  AddAsOf(project, &as_of);

  CLI::App* projects =
      app.add_subcommand("projects", "a deal's projects, by id");
  std::string projects_deal, sector, state, status;
  projects->add_option("DEAL", projects_deal, "deal id")->required();
  projects->add_option("--sector", sector, "only this sector, e.g. energy");
  projects->add_option("--state", state, "only this US state, e.g. TX");
  projects->add_option("--status", status,
                       "only this status: announced, approved, funding, "
                       "fully-disbursed");
  AddAsOf(projects, &as_of);

  CLI::App* tariffs = app.add_subcommand(
      "tariffs", "a deal's tariffs: in force, cap, breach, history");
  std::string tariffs_deal, category;
  tariffs->add_option("DEAL", tariffs_deal, "deal id")->required();
  tariffs->add_option("--category", category, "only this product category");
  AddAsOf(tariffs, &as_of);

  // tail
  CLI::App* tail = app.add_subcommand(
      "tail", "follow the log: history, then live events until Ctrl-C");
  uint64_t after = 0;
  bool from_end = false;
  int64_t limit = 0;
  std::vector<std::string> tail_deals, kinds, sectors, categories;
  auto* after_option =
      tail->add_option("--after", after, "start after this sequence");
  tail->add_flag("--from-end", from_end, "only events committed from now on")
      ->excludes(after_option);
  tail->add_option("--deal", tail_deals, "only these deals (repeatable)");
  tail->add_option("--kind", kinds,
                   "only these kinds: announcement, approval, disbursement, "
                   "tariff-change (repeatable)");
  tail->add_option("--sector", sectors,
                   "only project events of these sectors (repeatable)");
  tail->add_option("--category", categories,
                   "only tariff changes of these categories (repeatable)");
  tail->add_option("--limit", limit, "stop after this many events")
      ->check(CLI::NonNegativeNumber);

  // load, health
  CLI::App* load = app.add_subcommand(
      "load", "record a JSON-lines file of pactlog.v1.AppendRequest");
  std::string load_path;
  int parallel = 16;
  load->add_option("FILE", load_path, "the file, one request per line")
      ->required();
  load->add_option("--parallel", parallel,
                   "appends in flight (each deal's in file order; 1: the "
                   "whole file in order)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_subcommand("health", "is the server SERVING?");
  CLI::App* backup = app.add_subcommand(
      "backup", "take an online, consistent backup (Admin.Backup)");
  std::string backup_dir;
  backup
      ->add_option("DIR", backup_dir,
                   "new directory on the server's machine (absolute)")
      ->required();
  CLI::App* verify = app.add_subcommand(
      "verify",
      "re-check the log's hash chain (Admin.VerifyChain); exit 4 "
      "if it is broken");
  uint64_t verify_after = 0;
  std::string trusted_hash;
  verify->add_option("--after", verify_after,
                     "start after this sequence (its hash is trusted)");
  verify->add_option("--trusted-hash", trusted_hash,
                     "the hash (64 hex digits) you pinned at --after, e.g. "
                     "a deal's chain_head");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "pactctl: " << e.what() << "\n"
              << "Run 'pactctl --help' (or 'pactctl COMMAND --help') for "
                 "usage.\n";
    return kExitUsage;
  }

  Output output{std::cout, std::cerr, json};
  CLI::App* command = app.get_subcommands().front();

  // Block the stop signals before gRPC starts any thread.
  std::optional<StopSignals> stop_signals;
  if (command == tail) stop_signals.emplace();

  client::ClientOptions options;
  options.deadline = absl::Milliseconds(timeout_seconds * 1000);
  options.bearer_token = token;
  const char* user = std::getenv("USER");
  options.actor = !actor.empty()                     ? actor
                  : user != nullptr && *user != '\0' ? user
                                                     : "pactctl";
  if (tls || !tls_ca.empty() || !tls_cert.empty() || !tls_key.empty()) {
    client::TlsOptions tls_options;
    tls_options.server_name_override = tls_server_name;
    for (auto [file, pem, flag] :
         {std::tuple{&tls_ca, &tls_options.root_certs_pem, "--tls-ca"},
          std::tuple{&tls_cert, &tls_options.client_cert_pem, "--tls-cert"},
          std::tuple{&tls_key, &tls_options.client_key_pem, "--tls-key"}}) {
      if (file->empty()) continue;
      auto contents = client::ReadFileToString(*file);
      if (!contents.ok()) {
        return ReportUsage(
            absl::StrCat(flag, ": ", contents.status().message()), output);
      }
      *pem = *contents;
    }
    options.tls = std::move(tls_options);
  }
  auto connected = client::Client::Connect(address, options);
  if (!connected.ok()) return ReportUsage(connected.status().message(), output);
  client::Client& client = **connected;

  if (command == append) {
    if (events_json == "-") {
      events_json.assign(std::istreambuf_iterator<char>(std::cin),
                         std::istreambuf_iterator<char>());
    }
    std::optional<uint64_t> expected;
    if (expect_version_option->count() > 0) expected = expect_version;
    return RunAppend(client, output, append_deal, events_json, expected,
                     options.actor);
  }
  if (command == load) {
    return RunLoad(client, output, load_path, isatty(STDERR_FILENO) == 1,
                   parallel);
  }
  if (command == tail) {
    client::SubscribeOptions subscribe;
    subscribe.after_sequence = after;
    subscribe.from_end = from_end;
    for (const std::string& id : tail_deals) subscribe.filter.add_deal_ids(id);
    for (const std::string& text : kinds) {
      auto kind = ParseEnum(v1::EventKind_descriptor(), text, "--kind");
      if (!kind.ok()) return ReportUsage(kind.status().message(), output);
      subscribe.filter.add_kinds(static_cast<v1::EventKind>(*kind));
    }
    for (const std::string& text : sectors) {
      auto parsed = ParseEnum(v1::Sector_descriptor(), text, "--sector");
      if (!parsed.ok()) return ReportUsage(parsed.status().message(), output);
      subscribe.filter.add_sectors(static_cast<v1::Sector>(*parsed));
    }
    for (const std::string& text : categories) {
      subscribe.filter.add_product_categories(text);
    }
    return RunTail(client, output, subscribe, limit,
                   [&](client::Subscription* s) { stop_signals->Watch(s); });
  }
  if (command->get_name() == "health") return RunHealth(client, output);
  if (command == backup) return RunBackup(client, output, backup_dir);
  if (command == verify) {
    return RunVerify(client, output, verify_after, trusted_hash);
  }

  auto query = ToQueryOptions(as_of);
  if (!query.ok()) return ReportUsage(query.status().message(), output);
  if (command == deal) return RunDeal(client, output, deal_id, *query);
  if (command == deals) return RunDeals(client, output, *query);
  if (command == project) {
    return RunProject(client, output, project_deal, project_id, *query);
  }
  if (command == projects) {
    client::ProjectFilter filter;
    filter.us_state = state;
    if (!sector.empty()) {
      auto parsed = ParseEnum(v1::Sector_descriptor(), sector, "--sector");
      if (!parsed.ok()) return ReportUsage(parsed.status().message(), output);
      filter.sector = static_cast<v1::Sector>(*parsed);
    }
    if (!status.empty()) {
      auto parsed =
          ParseEnum(v1::ProjectStatus_descriptor(), status, "--status");
      if (!parsed.ok()) return ReportUsage(parsed.status().message(), output);
      filter.status = static_cast<v1::ProjectStatus>(*parsed);
    }
    return RunProjects(client, output, projects_deal, filter, *query);
  }
  if (command == tariffs) {
    return RunTariffs(client, output, tariffs_deal, category, *query);
  }
  return ReportUsage(absl::StrCat("unknown command ", command->get_name()),
                     output);
}

}  // namespace
}  // namespace pactlog::pactctl

int main(int argc, char** argv) { return pactlog::pactctl::Main(argc, argv); }
