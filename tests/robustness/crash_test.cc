// crash_test: kill -9 the real pactlogd at random moments under load, restart
// it on the same data directory, and check that the record lost and
// corrupted nothing.
//
// Each cycle starts several writers (single events and batches, several
// deals, client-chosen event ids, an exact expected version on the
// writer's own deal) and one subscriber, then SIGKILLs the server after a
// random delay drawn from a seeded RNG, sometimes kills it again during its
// start-up, restarts it and checks:
//   - the log is gapless: sequences 1..N, every deal's versions 1..n in
//     sequence order, recorded times non-decreasing;
//   - every acknowledged event (from every cycle so far) is present with
//     identical content, at the sequence and version it was acknowledged
//     with; every event a subscriber was sent is present as it was sent;
//   - no batch is partly present: the events of one request (one actor tag
//     per request) are all there, contiguous, or none is;
//   - every request whose outcome the crash hid is retried with the same
//     event ids and lands exactly once (deduplicated if it had landed);
//   - the state the server rebuilt by replaying equals the fold of the
//     surviving events through the domain library (GetDeal vs DealState).
// Usage: crash_test [--cycles N] [--seed S] [--workers W]
//                   [--max-kill-delay-ms M] [--pactlogd PATH] [--keep-data]
// The seed is printed first; rerun with it to draw the same delays and
// operations. Exits 0 when every check passed, 1 otherwise; the last line
// is the tally.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "domain/hash_chain.h"
#include "google/protobuf/util/message_differencer.h"
#include "pactlog/v1/ledger.grpc.pb.h"
#include "pactlog/v1/query.grpc.pb.h"
#include "pactlog/v1/stream.grpc.pb.h"
#include "testing/events.h"
#include "tests/service/wire/health_check.h"

namespace pactlog::robustness {
namespace {

namespace v1 = ::pactlog::v1;

constexpr int kSharedDeals = 3;
constexpr int kMaxPrintedFailures = 20;
// Upper bound on requests one writer sends in one cycle, so a long delay
// before the kill cannot grow the log without bound.
constexpr int kMaxRequestsPerWriterCycle = 4000;
// Generous: a loaded machine may be slow to answer, and a retry after a
// restart that runs out of time fails the run.
constexpr absl::Duration kRpcDeadline = absl::Seconds(60);
constexpr absl::Duration kStartDeadline = absl::Seconds(60);
// How often start-up polls the health service (polling a condition with a
// deadline; nothing else waits on time).
constexpr absl::Duration kHealthPoll = absl::Milliseconds(10);

struct Flags {
  int cycles = 20;
  std::optional<uint64_t> seed;
  int workers = 4;
  int max_kill_delay_ms = 400;
  std::string pactlogd;
  bool keep_data = false;
};

void Usage() {
  std::cerr << "usage: crash_test [--cycles N] [--seed S] [--workers W] "
               "[--max-kill-delay-ms M] [--pactlogd PATH] [--keep-data]\n";
}

std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](auto* out) {
      if (i + 1 >= argc) return false;
      return absl::SimpleAtoi(argv[++i], out);
    };
    bool ok = true;
    if (arg == "--cycles") {
      ok = value(&flags.cycles) && flags.cycles >= 1;
    } else if (arg == "--seed") {
      uint64_t seed = 0;
      ok = value(&seed);
      flags.seed = seed;
    } else if (arg == "--workers") {
      ok = value(&flags.workers) && flags.workers >= 1;
    } else if (arg == "--max-kill-delay-ms") {
      ok = value(&flags.max_kill_delay_ms) && flags.max_kill_delay_ms >= 0;
    } else if (arg == "--pactlogd" && i + 1 < argc) {
      flags.pactlogd = argv[++i];
    } else if (arg == "--keep-data") {
      flags.keep_data = true;
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "crash_test: bad argument " << arg << "\n";
      return std::nullopt;
    }
  }
  if (flags.pactlogd.empty()) {
    const char* env = std::getenv("PACTLOGD");
    flags.pactlogd = env != nullptr && *env != '\0' ? env : PACTLOGD_PATH;
  }
  return flags;
}

std::chrono::system_clock::time_point Deadline(absl::Duration d) {
  return absl::ToChronoTime(absl::Now() + d);
}

// ---------------------------------------------------------------------------
// The server process.

absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  const bool ok =
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) return absl::InternalError("cannot bind 127.0.0.1:0");
  return ntohs(addr.sin_port);
}

// How many sockets listen on 127.0.0.1:`port` or [::]:`port`, from
// /proc/net. gRPC servers set SO_REUSEPORT, so a second server (any
// process of the same user) can bind a port pactlogd holds, and clients
// are then spread over both: the harness must not mistake that server's
// log for pactlogd's.
int ListenersOn(int port) {
  int count = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      const size_t colon = local.rfind(':');
      if (state != "0A" || colon == std::string::npos) continue;  // LISTEN
      if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) ++count;
    }
  }
  return count;
}

std::string Tail(const std::string& path, size_t bytes = 2000) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

class Daemon {
 public:
  Daemon(std::string binary, std::string data_dir, std::string log_path)
      : binary_(std::move(binary)),
        data_dir_(std::move(data_dir)),
        log_path_(std::move(log_path)) {}
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  ~Daemon() {
    if (pid_ > 0) Kill9();
  }

  // Starts the process on a fresh port without waiting for it.
  absl::Status Spawn() {
    auto port = FreePort();
    if (!port.ok()) return port.status();
    port_ = *port;
    address_ = absl::StrCat("127.0.0.1:", *port);
    const std::vector<std::string> args = {binary_, "--listen", address_,
                                           "--data-dir", data_dir_};
    std::vector<char*> argv;
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.data()));
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
      return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
    }
    if (pid == 0) {
      // The child: only async-signal-safe calls until exec. It dies with
      // the harness, so a harness that crashes leaves no server behind.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      const int in = open("/dev/null", O_RDONLY);
      const int out =
          open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (in < 0 || out < 0) _exit(127);
      dup2(in, 0);
      dup2(out, 1);
      dup2(out, 2);
      execv(binary_.c_str(), argv.data());
      _exit(127);
    }
    pid_ = pid;
    channel_ = nullptr;
    return absl::OkStatus();
  }

  // Spawns and waits until health says SERVING (replay done). A start that
  // lost its port to another process is retried on a new port.
  absl::Status Start() {
    absl::Status status;
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (status = Spawn(); !status.ok()) return status;
      status = WaitServing();
      if (status.ok() && !Alone()) {
        // Another process shares the port: start over on another one.
        Kill9();
        status = absl::UnavailableError(
            absl::StrCat("port ", port_, " is shared with another server"));
        continue;
      }
      if (status.ok() || pid_ > 0) return status;
    }
    return status;
  }

  // True when pactlogd is the only server listening on its port.
  bool Alone() const { return ListenersOn(port_) == 1; }

  // SIGKILL and reap. Returns false if the process had already ended by
  // itself (which is a failure of the server).
  bool Kill9() {
    if (pid_ <= 0) return false;
    kill(pid_, SIGKILL);
    int wstatus = 0;
    waitpid(pid_, &wstatus, 0);
    pid_ = -1;
    return WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL;
  }

  // SIGTERM, then waits for the exit; OK when pactlogd exited with 0.
  absl::Status Terminate() {
    if (pid_ <= 0) return absl::FailedPreconditionError("not running");
    kill(pid_, SIGTERM);
    int wstatus = 0;
    waitpid(pid_, &wstatus, 0);
    pid_ = -1;
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
      return absl::OkStatus();
    }
    return absl::InternalError(
        absl::StrCat("pactlogd did not stop cleanly on SIGTERM (wait status ",
                     wstatus, "):\n", Tail(log_path_)));
  }

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  std::shared_ptr<grpc::Channel> NewChannel() const {
    return grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  }

  absl::Status WaitServing() {
    const absl::Time deadline = absl::Now() + kStartDeadline;
    while (absl::Now() < deadline) {
      int wstatus = 0;
      if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
        pid_ = -1;
        return absl::UnavailableError(
            absl::StrCat("pactlogd exited during start-up (wait status ",
                         wstatus, "):\n", Tail(log_path_)));
      }
      // A fresh channel per attempt: one that saw "connection refused"
      // backs off for seconds before it tries again.
      std::shared_ptr<grpc::Channel> channel = NewChannel();
      if (testing::HealthSaysServing(channel, absl::Seconds(1))) {
        channel_ = std::move(channel);
        return absl::OkStatus();
      }
      absl::SleepFor(kHealthPoll);
    }
    return absl::DeadlineExceededError(absl::StrCat(
        "pactlogd was not SERVING within ",
        absl::FormatDuration(kStartDeadline), ":\n", Tail(log_path_)));
  }

  const std::string binary_;
  const std::string data_dir_;
  const std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
};

// ---------------------------------------------------------------------------
// Event builders. Every event carries a client event id and an explicit
// effective time, so the stored data equals the request's data exactly.

const absl::Time kBase =
    absl::FromCivil(absl::CivilDay(2025, 8, 1), absl::UTCTimeZone());

// Amounts in minor units; sector, state and funding source chosen by the
// random draws the caller makes.
v1::EventData DealAnnouncement(absl::Time effective) {
  return testing::DealEvent("Crash-test framework",
                            testing::Money(int64_t{1} << 60), effective);
}

v1::EventData Project(const std::string& id, int64_t pledged,
                      absl::Time effective, int sector, int state) {
  static constexpr const char* kStates[] = {"TX", "OH", "GA", "PA", "AK"};
  return testing::ProjectEvent(id, static_cast<v1::Sector>(1 + sector % 11),
                               kStates[state % 5], testing::Money(pledged),
                               effective);
}

v1::EventData Approval(const std::string& id, int64_t amount,
                       absl::Time effective) {
  return testing::ApprovalEvent(id, testing::Money(amount), effective);
}

v1::EventData Disbursement(const std::string& id, int64_t amount,
                           absl::Time effective, int source) {
  return testing::DisbursementEvent(
      id, testing::Money(amount), effective,
      static_cast<v1::FundingSource>(1 + source % 5));
}

v1::EventData Tariff(const std::string& category, int32_t rate,
                     absl::Time effective) {
  return testing::TariffEvent(category, rate, effective);
}

std::string SharedDeal(int i) { return absl::StrCat("shared-", i); }

// ---------------------------------------------------------------------------
// One writer of one cycle.

// A request and what became of it.
struct Sent {
  v1::AppendRequest request;
  v1::AppendResponse response;
};

class Writer {
 public:
  Writer(int cycle, int index, uint64_t seed)
      : cycle_(cycle),
        index_(index),
        rng_(seed),
        own_deal_(absl::StrCat("c", cycle, "-w", index)),
        clock_(kBase + absl::Hours(24 * 30) * cycle) {}

  // Sends requests until one fails (the server went away) or the cap.
  void Run(v1::DealLedger::Stub& stub, const std::atomic<bool>& stop) {
    while (!stop.load() && requests_ < kMaxRequestsPerWriterCycle) {
      v1::AppendRequest request = Next();
      grpc::ClientContext context;
      context.set_deadline(Deadline(kRpcDeadline));
      v1::AppendResponse response;
      const grpc::Status status = stub.Append(&context, request, &response);
      if (status.ok()) {
        Acknowledged(request, response);
        acked_.push_back(Sent{std::move(request), std::move(response)});
        continue;
      }
      pending_ = std::move(request);
      switch (status.error_code()) {
        case grpc::StatusCode::UNAVAILABLE:
        case grpc::StatusCode::DEADLINE_EXCEEDED:
        case grpc::StatusCode::CANCELLED:
        case grpc::StatusCode::UNKNOWN:
          break;  // the crash hid the outcome
        default:
          unexpected_ = absl::StrCat(
              "writer ", own_deal_, ": ", pending_->actor(), " got code ",
              status.error_code(), ": ", status.error_message());
      }
      return;
    }
  }

  std::vector<Sent>& acked() { return acked_; }
  std::optional<v1::AppendRequest>& pending() { return pending_; }
  const std::string& unexpected() const { return unexpected_; }

 private:
  struct ProjectState {
    std::string deal;
    std::string id;
    int64_t pledged = 0;
    int64_t approved = 0;
    int64_t disbursed = 0;
  };

  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }

  std::string AnyDeal() {
    const int pick = Uniform(0, kSharedDeals);
    return pick == kSharedDeals ? own_deal_ : SharedDeal(pick);
  }

  // The next request, valid against everything acknowledged so far.
  v1::AppendRequest Next() {
    ++requests_;
    clock_ += absl::Seconds(1);
    v1::AppendRequest request;
    request.set_actor(
        absl::StrCat("crash-c", cycle_, "-w", index_, "-r", requests_));
    std::vector<v1::EventData> events;
    const int dice = Uniform(0, 99);
    if (own_version_ == 0) {
      // The writer's own deal, created with "no deal yet".
      request.set_deal_id(own_deal_);
      request.mutable_expected_version()->set_no_deal(true);
      events.push_back(DealAnnouncement(clock_));
      events.push_back(Tariff("all-goods", 2500, clock_));
    } else if (dice < 25) {
      request.set_deal_id(SharedDeal(Uniform(0, kSharedDeals - 1)));
      events.push_back(Tariff("autos", Uniform(0, 5000), clock_));
    } else if (dice < 40) {
      // A batch on the own deal, at exactly the version it is known at.
      request.set_deal_id(own_deal_);
      request.mutable_expected_version()->set_exact(own_version_);
      const int n = Uniform(2, 8);
      for (int i = 0; i < n; ++i) {
        events.push_back(
            Tariff(i % 2 ? "autos" : "steel", Uniform(0, 5000), clock_));
      }
    } else if (dice < 60 || projects_.empty()) {
      // Announce, approve and disburse a project in one atomic batch: the
      // later events depend on the earlier ones.
      request.set_deal_id(AnyDeal());
      const std::string id = absl::StrCat(own_deal_, "-p", projects_.size());
      events.push_back(
          Project(id, 100'000, clock_, Uniform(0, 10), Uniform(0, 4)));
      events.push_back(Approval(id, 60'000, clock_));
      events.push_back(Disbursement(id, 10'000, clock_, Uniform(0, 4)));
    } else if (dice < 72) {
      ProjectState& p =
          projects_[Uniform(0, static_cast<int>(projects_.size()) - 1)];
      request.set_deal_id(p.deal);
      const int64_t room = p.pledged - p.approved;
      if (room > 0) {
        events.push_back(
            Approval(p.id, std::min<int64_t>(room, 7'000), clock_));
      } else {
        events.push_back(Tariff("autos", 1000, clock_));
      }
    } else if (dice < 86) {
      ProjectState& p =
          projects_[Uniform(0, static_cast<int>(projects_.size()) - 1)];
      request.set_deal_id(p.deal);
      const int64_t room = p.approved - p.disbursed;
      if (room > 0) {
        events.push_back(Disbursement(p.id, std::min<int64_t>(room, 3'000),
                                      clock_, Uniform(0, 4)));
      } else {
        events.push_back(Tariff("autos", 1000, clock_));
      }
    } else if (dice < 97) {
      request.set_deal_id(AnyDeal());
      events.push_back(Project(absl::StrCat(own_deal_, "-p", projects_.size()),
                               50'000, clock_, Uniform(0, 10), Uniform(0, 4)));
    } else {
      // A large batch: up to the 1000-event limit.
      request.set_deal_id(own_deal_);
      const int n = dice == 99 ? 1000 : Uniform(50, 300);
      for (int i = 0; i < n; ++i) {
        events.push_back(Tariff("steel", Uniform(0, 100000), clock_));
      }
    }
    for (size_t i = 0; i < events.size(); ++i) {
      events[i].set_event_id(absl::StrCat(request.actor(), "-e", i));
      *request.add_events() = std::move(events[i]);
    }
    return request;
  }

  // Updates what the writer knows from an acknowledged request.
  void Acknowledged(const v1::AppendRequest& request,
                    const v1::AppendResponse& response) {
    if (request.deal_id() == own_deal_) own_version_ = response.deal_version();
    for (const v1::EventData& e : request.events()) {
      if (e.has_announcement() && e.announcement().has_project()) {
        const auto& p = e.announcement().project();
        projects_.push_back(ProjectState{.deal = request.deal_id(),
                                         .id = p.project_id(),
                                         .pledged = p.pledged().minor_units()});
      } else if (e.has_approval()) {
        Find(e.approval().project_id()).approved +=
            e.approval().amount().minor_units();
      } else if (e.has_disbursement()) {
        Find(e.disbursement().project_id()).disbursed +=
            e.disbursement().amount().minor_units();
      }
    }
  }

  ProjectState& Find(const std::string& id) {
    for (ProjectState& p : projects_) {
      if (p.id == id) return p;
    }
    std::cerr << "crash_test: unknown own project " << id << "\n";
    std::abort();  // cannot happen: the writer only refers to its projects
  }

  const int cycle_;
  const int index_;
  std::mt19937_64 rng_;
  const std::string own_deal_;
  absl::Time clock_;
  int requests_ = 0;
  uint64_t own_version_ = 0;
  std::vector<ProjectState> projects_;
  std::vector<Sent> acked_;
  std::optional<v1::AppendRequest> pending_;
  std::string unexpected_;
};

// ---------------------------------------------------------------------------
// The subscriber: follows the log from where the last one stopped until the
// server dies, checking order and gaps as it goes.

class Follower {
 public:
  Follower(uint64_t after) : after_(after) {}

  void Run(v1::EventStream::Stub& stub) {
    v1::SubscribeRequest request;
    request.set_after_sequence(after_);
    request.set_max_events_per_message(200);
    grpc::ClientContext context;
    context.set_deadline(Deadline(absl::Minutes(10)));
    auto reader = stub.Subscribe(&context, request);
    v1::SubscribeResponse message;
    uint64_t last = after_;
    while (reader->Read(&message)) {
      if (!message.has_events()) continue;
      for (const v1::Event& event : message.events().events()) {
        if (event.sequence() != last + 1) {
          error_ = absl::StrCat("subscription jumped from sequence ", last,
                                " to ", event.sequence());
          context.TryCancel();
          break;
        }
        last = event.sequence();
        delivered_.emplace_back(last, event.SerializeAsString());
      }
    }
    reader->Finish().IgnoreError();  // UNAVAILABLE: the server was killed
  }

  std::vector<std::pair<uint64_t, std::string>>& delivered() {
    return delivered_;
  }
  const std::string& error() const { return error_; }

 private:
  const uint64_t after_;
  std::vector<std::pair<uint64_t, std::string>> delivered_;
  std::string error_;
};

// ---------------------------------------------------------------------------
// What the harness knows the log must hold, and the checks.

struct Tally {
  int cycles = 0;
  int startup_kills = 0;
  uint64_t acked_requests = 0;
  uint64_t acked_events = 0;
  uint64_t acked_event_checks = 0;
  uint64_t delivered_event_checks = 0;
  uint64_t retries = 0;
  uint64_t retries_deduplicated = 0;
  uint64_t deals_compared = 0;
  uint64_t log_events = 0;
  int failures = 0;
};

class Harness {
 public:
  Harness(Flags flags, uint64_t seed, std::string dir)
      : flags_(std::move(flags)),
        seed_(seed),
        rng_(seed),
        dir_(std::move(dir)),
        daemon_(flags_.pactlogd, dir_ + "/data", dir_ + "/pactlogd.log") {}

  int Run() {
    if (absl::Status s = daemon_.Start(); !s.ok()) {
      Fail(absl::StrCat("first start: ", s.ToString()));
      return Finish();
    }
    Setup();
    for (int cycle = 0; cycle < flags_.cycles && tally_.failures == 0;
         ++cycle) {
      Cycle(cycle);
    }
    if (absl::Status s = daemon_.Terminate(); !s.ok()) Fail(s.ToString());
    return Finish();
  }

 private:
  // Records a failure; prints the first ones (a lost log fails every
  // event of it).
  void Fail(const std::string& what) {
    if (++tally_.failures <= kMaxPrintedFailures) {
      std::cout << "FAILURE: " << what << std::endl;
    } else if (tally_.failures == kMaxPrintedFailures + 1) {
      std::cout << "FAILURE: (more failures counted, not printed)" << std::endl;
    }
  }

  std::unique_ptr<v1::DealLedger::Stub> Ledger() {
    return v1::DealLedger::NewStub(daemon_.channel());
  }

  // The shared deals every writer appends to.
  void Setup() {
    auto stub = Ledger();
    for (int i = 0; i < kSharedDeals; ++i) {
      v1::AppendRequest request;
      request.set_deal_id(SharedDeal(i));
      request.set_actor(absl::StrCat("crash-setup-", i));
      v1::EventData deal = DealAnnouncement(kBase - absl::Hours(24));
      deal.set_event_id(absl::StrCat("setup-", i));
      *request.add_events() = deal;
      grpc::ClientContext context;
      context.set_deadline(Deadline(kRpcDeadline));
      v1::AppendResponse response;
      grpc::Status status = stub->Append(&context, request, &response);
      if (!status.ok()) {
        Fail(absl::StrCat("setup: ", status.error_message()));
        return;
      }
      Record(request, response);
    }
  }

  // Remembers an acknowledged request: every event as it must be stored.
  void Record(const v1::AppendRequest& request,
              const v1::AppendResponse& response) {
    sizes_[request.actor()] = request.events_size();
    const int n = request.events_size();
    if (response.sequences_size() != n || response.event_ids_size() != n) {
      Fail(absl::StrCat(request.actor(), ": response has ",
                        response.sequences_size(), " sequences for ", n,
                        " events"));
      return;
    }
    ++tally_.acked_requests;
    for (int i = 0; i < n; ++i) {
      v1::Event event;
      event.set_sequence(response.sequences(i));
      event.set_deal_id(request.deal_id());
      event.set_deal_version(response.deal_version() - (n - 1 - i));
      *event.mutable_recorded_time() = response.recorded_time();
      event.set_actor(request.actor());
      *event.mutable_data() = request.events(i);
      if (i > 0 && response.sequences(i) != response.sequences(i - 1) + 1) {
        Fail(absl::StrCat(request.actor(),
                          ": sequences of one request are "
                          "not contiguous"));
      }
      if (response.event_ids(i) != request.events(i).event_id()) {
        Fail(absl::StrCat(request.actor(), ": event id ", i, " came back as ",
                          response.event_ids(i)));
      }
      auto [it, inserted] =
          acked_.emplace(event.sequence(), event.SerializeAsString());
      if (inserted) {
        ++tally_.acked_events;
      } else if (it->second != event.SerializeAsString()) {
        Fail(absl::StrCat(request.actor(), ": sequence ", event.sequence(),
                          " was acknowledged twice with different content"));
      }
    }
  }

  void Cycle(int cycle) {
    const uint64_t before = Head();
    // Writers and a subscriber against the running server.
    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<Writer>> writers;
    for (int w = 0; w < flags_.workers; ++w) {
      writers.push_back(std::make_unique<Writer>(cycle, w, rng_()));
    }
    Follower follower(last_delivered_);
    auto ledger = Ledger();
    auto stream = v1::EventStream::NewStub(daemon_.channel());
    std::vector<std::thread> threads;
    for (auto& writer : writers) {
      threads.emplace_back([&, w = writer.get()] { w->Run(*ledger, stop); });
    }
    threads.emplace_back([&] { follower.Run(*stream); });

    // The random moment: this delay is what the test is about.
    const int delay_ms =
        std::uniform_int_distribution<int>(0, flags_.max_kill_delay_ms)(rng_);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    if (!daemon_.Kill9()) Fail("pactlogd had died before it was killed");
    stop.store(true);
    for (std::thread& t : threads) t.join();

    // Sometimes kill it again while it opens the log and replays.
    bool startup_kill = std::uniform_int_distribution<int>(0, 4)(rng_) == 0;
    if (startup_kill) {
      ++tally_.startup_kills;
      if (absl::Status s = daemon_.Spawn(); !s.ok()) Fail(s.ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::uniform_int_distribution<int>(0, 60)(rng_)));
      daemon_.Kill9();
    }
    const absl::Time restart_began = absl::Now();
    if (absl::Status s = daemon_.Start(); !s.ok()) {
      Fail(absl::StrCat("cycle ", cycle, ": restart: ", s.ToString()));
      return;
    }
    const absl::Time checks_began = absl::Now();

    // What the clients learned before the crash.
    uint64_t acked_now = 0;
    std::vector<v1::AppendRequest> pending;
    for (auto& writer : writers) {
      if (!writer->unexpected().empty()) Fail(writer->unexpected());
      for (Sent& sent : writer->acked()) {
        Record(sent.request, sent.response);
        acked_now += sent.request.events_size();
      }
      if (writer->pending()) {
        sizes_[writer->pending()->actor()] = writer->pending()->events_size();
        pending.push_back(std::move(*writer->pending()));
      }
    }
    if (!follower.error().empty()) Fail(follower.error());
    for (auto& [sequence, bytes] : follower.delivered()) {
      delivered_[sequence] = std::move(bytes);
      last_delivered_ = std::max(last_delivered_, sequence);
    }

    // The log after the crash, then after the retries.
    std::vector<v1::Event> log = ReadAll(0);
    CheckLog(log, /*after_retries=*/false);
    uint64_t landed = 0;
    auto stub = Ledger();
    for (const v1::AppendRequest& request : pending) {
      ++tally_.retries;
      grpc::ClientContext context;
      context.set_deadline(Deadline(kRpcDeadline));
      v1::AppendResponse response;
      const grpc::Status status = stub->Append(&context, request, &response);
      if (!status.ok()) {
        Fail(absl::StrCat("retry of ", request.actor(), " failed: ",
                          status.error_code(), " ", status.error_message()));
        continue;
      }
      if (response.deduplicated()) {
        ++tally_.retries_deduplicated;
        ++landed;
      }
      Record(request, response);
    }
    for (v1::Event& event : ReadAll(log.size()))
      log.push_back(std::move(event));
    CheckLog(log, /*after_retries=*/true);
    for (const v1::AppendRequest& request : pending) {
      if (counts_[request.actor()] != request.events_size()) {
        Fail(absl::StrCat("retried ", request.actor(), " is present ",
                          counts_[request.actor()], " times over ",
                          request.events_size(), " events"));
      }
    }
    CheckReplayedState(log);
    if (!daemon_.Alone()) {
      Fail(absl::StrCat("cycle ", cycle,
                        ": another server joined pactlogd's "
                        "port during the checks (SO_REUSEPORT); the "
                        "failures above may be its answers"));
    }

    ++tally_.cycles;
    tally_.log_events = log.size();
    std::cout << "cycle " << cycle << ": killed after " << delay_ms << " ms"
              << (startup_kill ? " and again during start-up" : "") << "; log "
              << before << " -> " << log.size() << " events; acked "
              << acked_now << " events this cycle; " << pending.size()
              << " retried (" << landed << " had landed); subscriber at "
              << last_delivered_ << "; restart "
              << absl::FormatDuration(checks_began - restart_began)
              << ", checks " << absl::FormatDuration(absl::Now() - checks_began)
              << std::endl;
  }

  // The last sequence of the log.
  uint64_t Head() {
    auto stub = v1::EventStream::NewStub(daemon_.channel());
    v1::ReadRequest request;
    request.set_limit(1);
    grpc::ClientContext context;
    context.set_deadline(Deadline(kRpcDeadline));
    v1::ReadResponse response;
    const grpc::Status status = stub->Read(&context, request, &response);
    if (!status.ok()) Fail(absl::StrCat("Read: ", status.error_message()));
    return response.head_sequence();
  }

  // Every event after `after`, in order.
  std::vector<v1::Event> ReadAll(uint64_t after) {
    std::vector<v1::Event> out;
    auto stub = v1::EventStream::NewStub(daemon_.channel());
    v1::ReadRequest request;
    request.set_after_sequence(after);
    request.set_limit(1000);
    while (true) {
      grpc::ClientContext context;
      context.set_deadline(Deadline(kRpcDeadline));
      v1::ReadResponse response;
      const grpc::Status status = stub->Read(&context, request, &response);
      if (!status.ok()) {
        Fail(absl::StrCat("Read after ", request.after_sequence(), ": ",
                          status.error_message()));
        return out;
      }
      for (v1::Event& e : *response.mutable_events())
        out.push_back(std::move(e));
      if (response.last_examined_sequence() >= response.head_sequence()) break;
      request.set_after_sequence(response.last_examined_sequence());
    }
    return out;
  }

  void CheckLog(const std::vector<v1::Event>& log, bool after_retries) {
    // Gapless sequences, per-deal versions, recorded times.
    std::map<std::string, uint64_t> versions;
    counts_.clear();
    std::string previous_actor;
    std::string chain = domain::GenesisHash();
    for (size_t i = 0; i < log.size(); ++i) {
      const v1::Event& e = log[i];
      if (e.sequence() != i + 1) {
        Fail(absl::StrCat("gap: position ", i, " holds sequence ",
                          e.sequence()));
        return;
      }
      // Each stored hash chains to its predecessor's over the content.
      chain = domain::ChainHash(chain, e);
      if (e.hash() != chain) {
        Fail(absl::StrCat("hash chain broken at sequence ", e.sequence(),
                          ": stored ", domain::HashHex(e.hash()),
                          ", recomputed ", domain::HashHex(chain)));
        chain = e.hash();
      }
      uint64_t& version = versions[e.deal_id()];
      if (e.deal_version() != version + 1) {
        Fail(absl::StrCat("deal ", e.deal_id(), " jumps from version ", version,
                          " to ", e.deal_version(), " at sequence ",
                          e.sequence()));
      }
      version = e.deal_version();
      if (i > 0 && domain::ToAbslTime(e.recorded_time()) <
                       domain::ToAbslTime(log[i - 1].recorded_time())) {
        Fail(
            absl::StrCat("recorded time goes back at sequence ", e.sequence()));
      }
      // One request's events are contiguous: an actor tag that ends may
      // not come back.
      int& count = counts_[e.actor()];
      if (count > 0 && e.actor() != previous_actor) {
        Fail(absl::StrCat("the events of ", e.actor(),
                          " are not contiguous (sequence ", e.sequence(), ")"));
      }
      ++count;
      previous_actor = e.actor();
    }
    // Whole batches only.
    for (const auto& [actor, count] : counts_) {
      auto it = sizes_.find(actor);
      if (it == sizes_.end()) {
        Fail(absl::StrCat("the log holds ", count, " events of ", actor,
                          ", which was never sent"));
      } else if (count != it->second) {
        Fail(absl::StrCat("batch ", actor, " is partly present: ", count,
                          " of ", it->second, " events"));
      }
    }
    // Acknowledged and delivered events, as they were acknowledged / sent.
    // An acknowledgement carries no hash (the chain is checked above), so
    // the stored event is compared without it.
    for (const auto& [sequence, bytes] : acked_) {
      ++tally_.acked_event_checks;
      if (sequence > log.size()) {
        Fail(absl::StrCat("acknowledged sequence ", sequence,
                          " is lost; the log ends at ", log.size()));
        continue;
      }
      v1::Event stored = log[sequence - 1];
      stored.clear_hash();
      if (stored.SerializeAsString() != bytes) {
        v1::Event expected;
        expected.ParseFromString(bytes);
        Fail(absl::StrCat("acknowledged sequence ", sequence, " differs:\n",
                          expected.ShortDebugString(), "\nvs stored\n",
                          stored.ShortDebugString()));
      }
    }
    if (after_retries) return;
    for (const auto& [sequence, bytes] : delivered_) {
      ++tally_.delivered_event_checks;
      if (sequence > log.size() ||
          log[sequence - 1].SerializeAsString() != bytes) {
        Fail(absl::StrCat("sequence ", sequence,
                          " was sent to a subscriber but is not stored so"));
      }
    }
  }

  // GetDeal answers from the state rebuilt at start-up; it must equal the
  // fold of the surviving events.
  void CheckReplayedState(const std::vector<v1::Event>& log) {
    std::map<std::string, domain::DealState> folds;
    for (const v1::Event& e : log) folds[e.deal_id()].Apply(e);
    auto query = v1::DealQuery::NewStub(daemon_.channel());
    for (const auto& [deal_id, fold] : folds) {
      v1::GetDealRequest request;
      request.set_deal_id(deal_id);
      grpc::ClientContext context;
      context.set_deadline(Deadline(kRpcDeadline));
      v1::GetDealResponse response;
      const grpc::Status status = query->GetDeal(&context, request, &response);
      if (!status.ok()) {
        Fail(absl::StrCat("GetDeal ", deal_id, ": ", status.error_message()));
        continue;
      }
      v1::DealState expected;
      fold.ToProto(domain::ToAbslTime(response.deal().tariffs_evaluated_at()),
                   &expected);
      ++tally_.deals_compared;
      std::string diff;
      google::protobuf::util::MessageDifferencer differencer;
      differencer.ReportDifferencesToString(&diff);
      if (!differencer.Compare(expected, response.deal())) {
        Fail(absl::StrCat("replayed state of ", deal_id,
                          " differs from the fold of its events:\n",
                          diff.substr(0, 2000)));
      }
    }
  }

  int Finish() {
    std::cout << "crash_test: seed=" << seed_ << " cycles=" << tally_.cycles
              << " startup_kills=" << tally_.startup_kills
              << " acked_requests=" << tally_.acked_requests
              << " acked_events=" << tally_.acked_events
              << " acked_event_checks=" << tally_.acked_event_checks
              << " delivered_event_checks=" << tally_.delivered_event_checks
              << " retries=" << tally_.retries
              << " retries_landed_before_crash=" << tally_.retries_deduplicated
              << " deal_states_compared=" << tally_.deals_compared
              << " log_events=" << tally_.log_events
              << " failures=" << tally_.failures << std::endl;
    return tally_.failures == 0 ? 0 : 1;
  }

  const Flags flags_;
  const uint64_t seed_;
  std::mt19937_64 rng_;
  const std::string dir_;
  Daemon daemon_;
  Tally tally_;
  // sequence -> the Event as acknowledged, serialized.
  std::map<uint64_t, std::string> acked_;
  // sequence -> the Event as a subscriber received it, serialized.
  std::map<uint64_t, std::string> delivered_;
  uint64_t last_delivered_ = 0;
  // actor tag (one per request) -> events in the request.
  std::map<std::string, int> sizes_;
  // actor tag -> events in the log, from the last CheckLog.
  std::map<std::string, int> counts_;
};

}  // namespace
}  // namespace pactlog::robustness

int main(int argc, char** argv) {
  using namespace pactlog::robustness;
  std::optional<Flags> flags = ParseFlags(argc, argv);
  if (!flags) {
    Usage();
    return 2;
  }
  const uint64_t seed = flags->seed.value_or(std::random_device{}());
  std::cout << "crash_test: seed " << seed << " (rerun with --seed " << seed
            << "), pactlogd " << flags->pactlogd << std::endl;

  std::string pattern =
      (std::filesystem::temp_directory_path() / "pactlog-crash-XXXXXX")
          .string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::cerr << "crash_test: mkdtemp failed\n";
    return 2;
  }
  const bool keep = flags->keep_data;
  const int result = Harness(*flags, seed, pattern).Run();
  if (result == 0 && !keep) {
    std::error_code ignored;
    std::filesystem::remove_all(pattern, ignored);
  } else {
    std::cout << "crash_test: data and server log kept in " << pattern
              << std::endl;
  }
  return result;
}
