// pactctl: the command-line client of pactlogd. Wires flags to the
// subcommands in commands.h / load.h; see `pactctl --help`.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "pactlog/client/client.h"
#include "sdk/pactctl/commands.h"
#include "sdk/pactctl/completion.h"
#include "sdk/pactctl/format.h"
#include "sdk/pactctl/load.h"

namespace pactlog::pactctl {
namespace {

constexpr char kExitCodes[] =
    "Exit codes: 0 success; 1 the server answered with an error (its gRPC "
    "code and message are printed); 2 usage (bad flags or input, e.g. "
    "malformed JSON); 3 unavailable (server unreachable, starting or "
    "stopping; health not SERVING); 4 verify found the hash chain broken.";

// The example of `append --help`; the tests run it.
constexpr char kAppendExample[] =
    "Example: the tariff on Japanese cars lowered to 15% (enum values in any "
    "spelling: \"confirmed\", \"CONFIRMED\", \"FIRMNESS_CONFIRMED\"; an "
    "event naming no firmness gets --firmness):\n"
    "  pactctl append us-japan-2025 --events '{\"event_id\": "
    "\"us-japan-2025/autos-15\", \"effective_time\": "
    "\"2025-09-16T04:01:00Z\", \"provenance\": {\"source\": "
    "\"https://www.automotiveworld.com/articles/"
    "us-lowers-japan-auto-tariffs-to-15-under-july-deal/\", \"firmness\": "
    "\"confirmed\"}, \"tariff_change\": {\"product_category\": \"autos\", "
    "\"rate_bps\": 1500, \"legal_instrument\": \"Executive Order 14345\"}}'";

// The names of an enum's values as pactctl prints them ("oil-and-gas"), for
// completion and help.
std::vector<std::string> EnumNames(
    const google::protobuf::EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() == 0) continue;  // UNSPECIFIED
    names.push_back(EnumName(type, type->value(i)->number()));
  }
  return names;
}

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
        absl::MutexLock lock(&mu_);
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
    absl::MutexLock lock(&mu_);
    subscription_ = subscription;
    if (subscription_ != nullptr && interrupted_) subscription_->Cancel();
  }

 private:
  sigset_t signals_;
  std::thread thread_;
  absl::Mutex mu_;
  bool interrupted_ ABSL_GUARDED_BY(mu_) = false;
  client::Subscription* subscription_ ABSL_GUARDED_BY(mu_) = nullptr;
};

// Every flag and argument of every command, as parsed.
struct Flags {
  // Of every command. Empty address, token and actor: the SDK's settings
  // rule (the PACTLOG_* variable, else the default).
  std::string address;
  std::string token, tls_ca, tls_cert, tls_key, tls_server_name;
  bool tls = false, json = false, json_lines = false;
  double timeout_seconds = 10;
  // append
  std::string append_deal, events_json, actor, firmness = "reported";
  uint64_t expect_version = 0;
  CLI::Option* expect_version_option = nullptr;
  // deal, deals, project, projects, tariffs, allocations, compliance,
  // lineage
  AsOfFlags as_of;
  std::string deal_id;
  std::string project_deal, project_id;
  std::string projects_deal, sector, state, status, allocation;
  std::string allocations_deal;
  std::string compliance_deal, reading;
  std::string tariffs_deal, category;
  std::string lineage_deal, lineage_project, lineage_allocation;
  int page_size = 1000;
  // tail
  uint64_t after = 0;
  bool from_end = false;
  int64_t limit = 0;
  bool until_caught_up = false;
  double tail_timeout_seconds = 0;
  CLI::Option* tail_timeout_option = nullptr;
  std::vector<std::string> tail_deals, kinds, sectors, categories;
  // load
  std::string load_path;
  int parallel = 16;
  // backup
  std::string backup_dir;
  // verify
  uint64_t verify_after = 0;
  std::string trusted_hash;
  // completion
  std::string shell;
};

// The subcommands, to tell which one was given.
struct Commands {
  CLI::App* append = nullptr;
  CLI::App* deal = nullptr;
  CLI::App* deals = nullptr;
  CLI::App* project = nullptr;
  CLI::App* projects = nullptr;
  CLI::App* tariffs = nullptr;
  CLI::App* allocations = nullptr;
  CLI::App* compliance = nullptr;
  CLI::App* lineage = nullptr;
  CLI::App* tail = nullptr;
  CLI::App* load = nullptr;
  CLI::App* health = nullptr;
  CLI::App* backup = nullptr;
  CLI::App* verify = nullptr;
  CLI::App* completion = nullptr;
};

void AddConnectionFlags(CLI::App& app, Flags* f, CompletionHints* hints) {
  app.add_option("--address", f->address,
                 "pactlogd's host:port; default: $PACTLOG_ADDRESS, else "
                 "127.0.0.1:50051");
  app.add_option("--token", f->token,
                 "bearer token, sent as 'authorization: Bearer <token>'; "
                 "default: $PACTLOG_TOKEN");
  app.add_flag("--tls", f->tls, "use TLS with the system's root certificates");
  hints->files.insert(app.add_option(
      "--tls-ca", f->tls_ca,
      "PEM file of the root certificates to verify the server with (implies "
      "--tls); default: $PACTLOG_TLS_CA"));
  hints->files.insert(
      app.add_option("--tls-cert", f->tls_cert,
                     "PEM file of the client certificate, for mutual TLS"));
  hints->files.insert(app.add_option("--tls-key", f->tls_key,
                                     "PEM file of the client's private key"));
  app.add_option("--tls-server-name", f->tls_server_name,
                 "name to verify the server's certificate against");
  app.add_option("--timeout", f->timeout_seconds,
                 "deadline of each call, seconds (`tail --timeout` is how "
                 "long tail runs)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  auto* json = app.add_flag(
      "--json", f->json,
      "print one JSON document (Protobuf's JSON mapping, hashes in hex): "
      "list commands and a bounded tail print a JSON array");
  app.add_flag("--json-lines", f->json_lines,
               "print JSON one object per line: each item of a list, each "
               "event of tail as it comes")
      ->excludes(json);
}

CLI::App* AddAppend(CLI::App& app, Flags* f, CompletionHints* hints) {
  CLI::App* append =
      app.add_subcommand("append", "append events to a deal (all or none)");
  append->add_option("DEAL", f->append_deal, "deal id")->required();
  append
      ->add_option("--events", f->events_json,
                   "JSON array of pactlog.v1.EventData (or one object); '-' "
                   "reads it from stdin")
      ->required();
  f->expect_version_option = append->add_option(
      "--expect-version", f->expect_version,
      "the deal must be at this version (0: must not exist yet)");
  hints->values[append
                    ->add_option("--firmness", f->firmness,
                                 "firmness of the events whose JSON names "
                                 "none, in any spelling (reported, "
                                 "REPORTED, FIRMNESS_REPORTED)")
                    ->capture_default_str()] =
      EnumNames(v1::Firmness_descriptor());
  append->add_option("--actor", f->actor,
                     "who records the events; default: $PACTLOG_ACTOR, else "
                     "<user>@<host>");
  append->footer(kAppendExample);
  return append;
}

void AddQueries(CLI::App& app, Flags* f, Commands* c, CompletionHints* hints) {
  c->deal = app.add_subcommand("deal", "a deal's state");
  c->deal->add_option("DEAL", f->deal_id, "deal id")->required();
  AddAsOf(c->deal, &f->as_of);

  c->deals = app.add_subcommand("deals", "every deal, by id");
  AddAsOf(c->deals, &f->as_of);

  c->project = app.add_subcommand("project", "one project's state");
  c->project->add_option("DEAL", f->project_deal, "deal id")->required();
  c->project->add_option("PROJECT", f->project_id, "project id")->required();
  AddAsOf(c->project, &f->as_of);

  c->projects = app.add_subcommand("projects", "a deal's projects, by id");
  c->projects->add_option("DEAL", f->projects_deal, "deal id")->required();
  hints->values[c->projects->add_option("--sector", f->sector,
                                        "only this sector, e.g. energy")] =
      EnumNames(v1::Sector_descriptor());
  c->projects->add_option("--state", f->state, "only this US state, e.g. TX");
  c->projects->add_option("--allocation", f->allocation,
                          "only projects drawing on this allocation or an "
                          "earmark of it");
  hints->values[c->projects->add_option(
      "--status", f->status,
      "only this status: announced, approved, funding, fully-disbursed")] =
      EnumNames(v1::ProjectStatus_descriptor());
  AddAsOf(c->projects, &f->as_of);

  c->tariffs = app.add_subcommand(
      "tariffs", "a deal's tariffs: in force, cap, breach, history");
  c->tariffs->add_option("DEAL", f->tariffs_deal, "deal id")->required();
  c->tariffs->add_option("--category", f->category,
                         "only this product category");
  AddAsOf(c->tariffs, &f->as_of);

  c->allocations = app.add_subcommand(
      "allocations",
      "a deal's allocations: caps, earmarks, lead companies, use by projects");
  c->allocations->add_option("DEAL", f->allocations_deal, "deal id")
      ->required();
  AddAsOf(c->allocations, &f->as_of);

  c->compliance = app.add_subcommand(
      "compliance",
      "selected projects against the funding deadline, cap breaches, and the "
      "terms as each party reads them");
  c->compliance->add_option("DEAL", f->compliance_deal, "deal id")->required();
  c->compliance->add_option("--reading", f->reading,
                            "use the terms asserted by this party, e.g. US");
  AddAsOf(c->compliance, &f->as_of);

  c->lineage = app.add_subcommand(
      "lineage",
      "the events behind the figures of a project, an allocation or (by "
      "default) the deal: what each changed, amendments included");
  c->lineage->add_option("DEAL", f->lineage_deal, "deal id")->required();
  auto* project_option = c->lineage->add_option("--project", f->lineage_project,
                                                "trace this project's figures");
  c->lineage
      ->add_option("--allocation", f->lineage_allocation,
                   "trace this allocation's figures")
      ->excludes(project_option);
  c->lineage
      ->add_option("--page-size", f->page_size,
                   "entries fetched per call (every page is fetched)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  AddAsOf(c->lineage, &f->as_of);
}

CLI::App* AddTail(CLI::App& app, Flags* f, CompletionHints* hints) {
  CLI::App* tail = app.add_subcommand(
      "tail",
      "follow the log: history, then live events until Ctrl-C (or a limit); "
      "with --json one JSON array when it stops, which needs a limit");
  auto* after_option =
      tail->add_option("--after", f->after, "start after this sequence");
  tail->add_flag("--from-end", f->from_end, "only events committed from now on")
      ->excludes(after_option);
  tail->add_option("--deal", f->tail_deals, "only these deals (repeatable)");
  hints->values[tail->add_option(
      "--kind", f->kinds,
      "only these kinds: announcement, approval, disbursement, "
      "tariff-change, amendment (repeatable)")] =
      EnumNames(v1::EventKind_descriptor());
  hints->values[tail->add_option(
      "--sector", f->sectors,
      "only project events of these sectors (repeatable)")] =
      EnumNames(v1::Sector_descriptor());
  tail->add_option("--category", f->categories,
                   "only tariff changes of these categories (repeatable)");
  tail->add_option("--limit", f->limit, "stop after this many events")
      ->check(CLI::NonNegativeNumber);
  tail->add_flag("--until-caught-up", f->until_caught_up,
                 "stop (exit 0) once the history that existed at the start "
                 "has been printed");
  f->tail_timeout_option =
      tail->add_option("--timeout", f->tail_timeout_seconds,
                       "stop after this many seconds (exit 0; 3 if the "
                       "server never answered)")
          ->check(CLI::PositiveNumber);
  return tail;
}

// load, health, backup, verify
void AddOperations(CLI::App& app, Flags* f, Commands* c,
                   CompletionHints* hints) {
  c->load = app.add_subcommand(
      "load", "record a JSON-lines file of pactlog.v1.AppendRequest");
  hints->files.insert(
      c->load
          ->add_option("FILE", f->load_path, "the file, one request per line")
          ->required());
  c->load
      ->add_option("--parallel", f->parallel,
                   "appends in flight (each deal's in file order; 1: the "
                   "whole file in order)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->health = app.add_subcommand("health", "is the server SERVING?");
  c->backup = app.add_subcommand(
      "backup", "take an online, consistent backup (Admin.Backup)");
  c->backup
      ->add_option("DIR", f->backup_dir,
                   "new directory on the server's machine (absolute)")
      ->required();
  c->verify = app.add_subcommand(
      "verify",
      "re-check the log's hash chain (Admin.VerifyChain); exit 4 "
      "if it is broken");
  c->verify->add_option("--after", f->verify_after,
                        "start after this sequence (its hash is trusted)");
  c->verify->add_option("--trusted-hash", f->trusted_hash,
                        "the hash (64 hex digits) you pinned at --after, e.g. "
                        "a deal's chain head");
  c->completion = app.add_subcommand(
      "completion",
      "print a shell completion script: source <(pactctl completion bash)");
  hints->values[c->completion->add_option("SHELL", f->shell, "bash or zsh")
                    ->required()
                    ->check(CLI::IsMember({"bash", "zsh"}))] = {"bash", "zsh"};
}

// The settings of sdk/BEHAVIOUR.md: a flag wins, then the PACTLOG_*
// variable, then the default. The SDK resolves the address, the token and
// the actor left empty here; pactctl reads PACTLOG_TLS_CA itself because
// the CA combines with the other TLS flags (the SDK reads the variable only
// when it is given no TLS options at all).
absl::StatusOr<client::ClientOptions> MakeClientOptions(const Flags& f) {
  client::ClientOptions options;
  options.address = f.address;
  options.deadline = absl::Milliseconds(f.timeout_seconds * 1000);
  options.bearer_token = f.token;
  options.actor = f.actor;
  const char* env_ca = std::getenv("PACTLOG_TLS_CA");
  const bool ca_from_env =
      f.tls_ca.empty() && env_ca != nullptr && *env_ca != '\0';
  const std::string tls_ca = ca_from_env ? std::string(env_ca) : f.tls_ca;
  const char* tls_ca_source = ca_from_env ? "PACTLOG_TLS_CA" : "--tls-ca";
  if (f.tls || !tls_ca.empty() || !f.tls_cert.empty() || !f.tls_key.empty()) {
    client::TlsOptions tls_options;
    tls_options.server_name_override = f.tls_server_name;
    for (auto [file, pem, flag] :
         {std::tuple{&tls_ca, &tls_options.root_certs_pem, tls_ca_source},
          std::tuple{&f.tls_cert, &tls_options.client_cert_pem, "--tls-cert"},
          std::tuple{&f.tls_key, &tls_options.client_key_pem, "--tls-key"}}) {
      if (file->empty()) continue;
      auto contents = client::ReadFileToString(*file);
      if (!contents.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(flag, ": ", contents.status().message()));
      }
      *pem = *contents;
    }
    options.tls = std::move(tls_options);
  }
  return options;
}

absl::StatusOr<client::SubscribeOptions> MakeSubscribeOptions(const Flags& f) {
  client::SubscribeOptions subscribe;
  subscribe.after_sequence = f.after;
  subscribe.from_end = f.from_end;
  for (const std::string& id : f.tail_deals) subscribe.filter.add_deal_ids(id);
  for (const std::string& text : f.kinds) {
    auto kind = ParseEnum(v1::EventKind_descriptor(), text, "--kind");
    if (!kind.ok()) return kind.status();
    subscribe.filter.add_kinds(static_cast<v1::EventKind>(*kind));
  }
  for (const std::string& text : f.sectors) {
    auto parsed = ParseEnum(v1::Sector_descriptor(), text, "--sector");
    if (!parsed.ok()) return parsed.status();
    subscribe.filter.add_sectors(static_cast<v1::Sector>(*parsed));
  }
  for (const std::string& text : f.categories) {
    subscribe.filter.add_product_categories(text);
  }
  return subscribe;
}

absl::StatusOr<client::ProjectFilter> MakeProjectFilter(const Flags& f) {
  client::ProjectFilter filter;
  filter.us_state = f.state;
  filter.allocation_id = f.allocation;
  if (!f.sector.empty()) {
    auto parsed = ParseEnum(v1::Sector_descriptor(), f.sector, "--sector");
    if (!parsed.ok()) return parsed.status();
    filter.sector = static_cast<v1::Sector>(*parsed);
  }
  if (!f.status.empty()) {
    auto parsed =
        ParseEnum(v1::ProjectStatus_descriptor(), f.status, "--status");
    if (!parsed.ok()) return parsed.status();
    filter.status = static_cast<v1::ProjectStatus>(*parsed);
  }
  return filter;
}

// Runs `command` (one of `c`) against `client`; `stop_signals` is set for
// `tail`.
int RunCommand(const CLI::App* command, const Commands& c, Flags& f,
               client::Client& client, const Output& output,
               StopSignals* stop_signals) {
  if (command == c.append) {
    auto firmness =
        ParseEnum(v1::Firmness_descriptor(), f.firmness, "--firmness");
    if (!firmness.ok()) return ReportUsage(firmness.status().message(), output);
    if (f.events_json == "-") {
      f.events_json.assign(std::istreambuf_iterator<char>(std::cin),
                           std::istreambuf_iterator<char>());
    }
    std::optional<uint64_t> expected;
    if (f.expect_version_option->count() > 0) expected = f.expect_version;
    return RunAppend(client, output, f.append_deal, f.events_json, expected,
                     f.actor, static_cast<v1::Firmness>(*firmness));
  }
  if (command == c.load) {
    return RunLoad(client, output, f.load_path, isatty(STDERR_FILENO) == 1,
                   f.parallel);
  }
  if (command == c.tail) {
    auto subscribe = MakeSubscribeOptions(f);
    if (!subscribe.ok()) {
      return ReportUsage(subscribe.status().message(), output);
    }
    TailLimits limits;
    limits.limit = f.limit;
    limits.until_caught_up = f.until_caught_up;
    if (f.tail_timeout_option->count() > 0) {
      limits.timeout = absl::Milliseconds(f.tail_timeout_seconds * 1000);
    }
    return RunTail(client, output, *subscribe, limits,
                   [&](client::Subscription* s) { stop_signals->Watch(s); });
  }
  if (command == c.health) return RunHealth(client, output);
  if (command == c.backup) return RunBackup(client, output, f.backup_dir);
  if (command == c.verify) {
    return RunVerify(client, output, f.verify_after, f.trusted_hash);
  }

  auto query = ToQueryOptions(f.as_of);
  if (!query.ok()) return ReportUsage(query.status().message(), output);
  if (command == c.deal) return RunDeal(client, output, f.deal_id, *query);
  if (command == c.deals) return RunDeals(client, output, *query);
  if (command == c.project) {
    return RunProject(client, output, f.project_deal, f.project_id, *query);
  }
  if (command == c.projects) {
    auto filter = MakeProjectFilter(f);
    if (!filter.ok()) return ReportUsage(filter.status().message(), output);
    return RunProjects(client, output, f.projects_deal, *filter, *query);
  }
  if (command == c.tariffs) {
    return RunTariffs(client, output, f.tariffs_deal, f.category, *query);
  }
  if (command == c.allocations) {
    return RunAllocations(client, output, f.allocations_deal, *query);
  }
  if (command == c.compliance) {
    return RunCompliance(client, output, f.compliance_deal, f.reading, *query);
  }
  if (command == c.lineage) {
    client::LineageSubject subject;
    subject.project_id = f.lineage_project;
    subject.allocation_id = f.lineage_allocation;
    return RunLineage(client, output, f.lineage_deal, subject, *query,
                      f.page_size);
  }
  return ReportUsage(absl::StrCat("unknown command ", command->get_name()),
                     output);
}

int Main(int argc, char** argv) {
  CLI::App app{
      "pactctl: record and query investment-for-tariff deals in pactlogd"};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.fallthrough();

  Flags f;
  CompletionHints hints;
  AddConnectionFlags(app, &f, &hints);
  Commands c;
  c.append = AddAppend(app, &f, &hints);
  AddQueries(app, &f, &c, &hints);
  c.tail = AddTail(app, &f, &hints);
  AddOperations(app, &f, &c, &hints);

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

  Output output{std::cout, std::cerr, f.json || f.json_lines, f.json_lines};
  CLI::App* command = app.get_subcommands().front();
  if (command == c.completion) {
    std::cout << (f.shell == "zsh" ? ZshCompletion(app, hints, "pactctl")
                                   : BashCompletion(app, hints, "pactctl"));
    return kExitOk;
  }

  // Block the stop signals before gRPC starts any thread.
  std::optional<StopSignals> stop_signals;
  if (command == c.tail) stop_signals.emplace();

  auto options = MakeClientOptions(f);
  if (!options.ok()) return ReportUsage(options.status().message(), output);
  auto connected = client::Client::Connect(*options);
  if (!connected.ok()) return ReportUsage(connected.status().message(), output);
  return RunCommand(command, c, f, **connected, output,
                    stop_signals.has_value() ? &*stop_signals : nullptr);
}

}  // namespace
}  // namespace pactlog::pactctl

int main(int argc, char** argv) { return pactlog::pactctl::Main(argc, argv); }
