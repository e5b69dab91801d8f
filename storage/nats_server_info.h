// What a NATS server says about itself: the INFO line it sends first on
// every client connection ({"version":"2.10.27","jetstream":true,...}).
// The C client library keeps it to itself, so the log of record reads it on
// a connection of its own before connecting, to refuse servers whose
// durability is weaker than what pactlog promises (README: Running a
// cluster, Durability).
//
// Thread-safety: the functions are independent; any thread.
#ifndef PACTLOG_STORAGE_NATS_SERVER_INFO_H_
#define PACTLOG_STORAGE_NATS_SERVER_INFO_H_

#include <string>
#include <string_view>
#include <vector>

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

// Compares dotted versions numerically, part by part ("2.9.10" < "2.10.0");
// a pre-release or build suffix after '-' or '+' is ignored. Negative, 0 or
// positive as `a` is older than, the same as or newer than `b`. A part that
// is not a number counts as 0.
int CompareVersions(std::string_view a, std::string_view b);

// The version check of a changing set of servers: the ones configured at
// start-up, then the ones the cluster tells the client about as they join.
// Each server that answers is asked once; one that does not is asked again
// on the next round. A round asks its new servers all at once, so it takes
// at most one `timeout` however many servers do not answer.
//
// Thread-safety: one thread at a time calls Check().
class NatsVersionCheck {
 public:
  struct Round {
    // "NATS server <url> (<name>) is nats-server <version>, older than
    // <minimum>, ..." for each newly checked server older than
    // kMinNatsServerVersion.
    std::vector<std::string> too_old;
    // What each server asked that did not answer said (asked again next
    // round).
    std::vector<std::string> unanswered;
  };

  explicit NatsVersionCheck(absl::Duration timeout) : timeout_(timeout) {}

  // Asks those of `servers` ("host:port" or "nats://host:port") not yet
  // checked.
  Round Check(const std::vector<std::string>& servers);

 private:
  const absl::Duration timeout_;
  absl::flat_hash_set<std::string> checked_;
};

}  // namespace pactlog::storage

#endif  // PACTLOG_STORAGE_NATS_SERVER_INFO_H_
