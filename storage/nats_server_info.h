// What a NATS server says about itself: the INFO line it sends first on
// every client connection ({"version":"2.10.27","jetstream":true,...}), and
// its monitoring endpoint's /varz (whether it fsyncs each JetStream write).
// The C client library keeps the INFO line to itself, so the log of record
// reads it on a connection of its own before connecting, to refuse servers
// whose durability is weaker than what pactlog promises (README: Running a
// cluster, Durability).
//
// Thread-safety: the functions are independent; any thread.
#ifndef PACTLOG_STORAGE_NATS_SERVER_INFO_H_
#define PACTLOG_STORAGE_NATS_SERVER_INFO_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pactlog::storage {

// The oldest nats-server whose acknowledged JetStream publishes pactlog
// takes as durable: 2.10 added `jetstream { sync_interval: always }` (an
// fsync of each write), and 2.10.23 made the Raft log and its term and vote
// fsynced too. deploy/lib/common.sh installs one at least this new.
inline constexpr char kMinNatsServerVersion[] = "2.10.23";

struct NatsServerInfo {
  std::string version;  // e.g. "2.10.27"
  std::string server_name;
  bool jetstream = false;
};

// Parses an INFO line ("INFO {json}", with or without the line end).
// INVALID_ARGUMENT naming what is wrong otherwise.
[[nodiscard]] absl::StatusOr<NatsServerInfo> ParseNatsInfoLine(
    std::string_view line);

// Connects to `host_port` ("10.0.0.1:4222", or with "nats://"), reads the
// INFO line and closes. UNAVAILABLE when nothing answers within `timeout`.
[[nodiscard]] absl::StatusOr<NatsServerInfo> ReadNatsServerInfo(
    std::string_view host_port, absl::Duration timeout);

// What a NATS server's monitoring endpoint (GET /varz) says of its
// JetStream writes.
struct NatsVarz {
  std::string version;
  std::string server_name;
  bool jetstream = false;
  // jetstream.config.sync_always: each JetStream write is fsynced before it
  // is acknowledged (jetstream { sync_interval: always }). The server
  // leaves the field out when false.
  bool sync_always = false;
};

// Parses a /varz answer's JSON body. INVALID_ARGUMENT when it is not a
// JSON object with a "version" string.
[[nodiscard]] absl::StatusOr<NatsVarz> ParseNatsVarz(std::string_view json);

// OK when `monitor_url` is one ReadNatsVarz can read ("http://host:port",
// or host:port); INVALID_ARGUMENT naming it otherwise.
[[nodiscard]] absl::Status CheckNatsMonitorUrl(std::string_view monitor_url);

// GETs /varz of the monitoring endpoint `monitor_url`
// ("http://10.0.0.1:8222", or host:port). UNAVAILABLE when nothing answers
// 200 within `timeout`; INVALID_ARGUMENT for an https or malformed URL.
[[nodiscard]] absl::StatusOr<NatsVarz> ReadNatsVarz(
    std::string_view monitor_url, absl::Duration timeout);

// Compares dotted versions numerically, part by part ("2.9.10" < "2.10.0");
// a pre-release or build suffix after '-' or '+' is ignored. Negative, 0 or
// positive as `a` is older than, the same as or newer than `b`. A part that
// is not a number counts as 0.
int CompareVersions(std::string_view a, std::string_view b);

// When to ask again the servers that did not answer: kFirst after the
// first silence, then after a wait that doubles to kMax while they stay
// silent (a server down for long costs one refused or timed-out
// connection a minute, not one every round).
//
// Thread-safety: one thread at a time.
class RetrySchedule {
 public:
  static constexpr absl::Duration kFirst = absl::Seconds(2);
  static constexpr absl::Duration kMax = absl::Seconds(64);

  // Whether `key` may be asked at `now` (true unless it failed and its
  // wait is not over).
  bool Due(const std::string& key, absl::Time now) const;
  void Failed(const std::string& key, absl::Time now);
  void Succeeded(const std::string& key) { retries_.erase(key); }

 private:
  struct Retry {
    absl::Time next;
    absl::Duration wait;
  };
  absl::flat_hash_map<std::string, Retry> retries_;
};

// The version check of a changing set of servers: the ones configured at
// start-up, then the ones the cluster tells the client about as they join.
// Each server that answers is asked once; one that does not is asked again
// in a later round, as RetrySchedule says. A round asks its servers all at
// once, so it takes at most one `timeout` however many do not answer.
//
// Thread-safety: one thread at a time calls Check().
class NatsVersionCheck {
 public:
  struct Round {
    // "NATS server <url> (<name>) is nats-server <version>, older than
    // <minimum>, ..." for each newly checked server older than
    // kMinNatsServerVersion.
    std::vector<std::string> too_old;
    // What each server asked that did not answer said (asked again later).
    std::vector<std::string> unanswered;
  };

  explicit NatsVersionCheck(absl::Duration timeout) : timeout_(timeout) {}

  // Asks those of `servers` ("host:port" or "nats://host:port") not yet
  // checked and due at `now`.
  Round Check(const std::vector<std::string>& servers,
              absl::Time now = absl::Now());

 private:
  const absl::Duration timeout_;
  absl::flat_hash_set<std::string> checked_;
  RetrySchedule retries_;
};

// The check of how the servers sync, through their monitoring endpoints
// (ReadNatsVarz): each endpoint is read until it answers once, those that
// do not are asked again as RetrySchedule says.
//
// Thread-safety: one thread at a time.
class NatsSyncCheck {
 public:
  struct Round {
    // "NATS server <name> (<url>) does not fsync each JetStream write
    // before acknowledging it ..." for each newly read server without
    // jetstream.config.sync_always.
    std::vector<std::string> unsynced;
    // What each endpoint asked that did not answer said.
    std::vector<std::string> unanswered;
  };

  NatsSyncCheck(std::vector<std::string> monitor_urls, absl::Duration timeout)
      : urls_(std::move(monitor_urls)), timeout_(timeout) {}

  // Reads the endpoints not yet read and due at `now`, all at once.
  // Requires: every URL passed CheckNatsMonitorUrl.
  Round Check(absl::Time now = absl::Now());

  // Endpoints that have not answered yet.
  size_t pending() const { return urls_.size() - answered_.size(); }
  // The names (server_name) of the servers whose endpoint answered.
  const absl::flat_hash_set<std::string>& names() const { return names_; }

 private:
  const std::vector<std::string> urls_;
  const absl::Duration timeout_;
  absl::flat_hash_set<std::string> answered_;  // of urls_
  absl::flat_hash_set<std::string> names_;
  RetrySchedule retries_;
};

}  // namespace pactlog::storage

#endif  // PACTLOG_STORAGE_NATS_SERVER_INFO_H_
