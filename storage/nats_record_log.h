// The log of record on a NATS JetStream stream (storage/record_log.h): its
// options and its factory. The implementation is nats_record_log.cc; NATS
// statuses become absl::Status only in storage/nats_status.h.
// Thread-safety: as storage::RecordLog.
#ifndef PACTLOG_STORAGE_NATS_RECORD_LOG_H_
#define PACTLOG_STORAGE_NATS_RECORD_LOG_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/record_log.h"

namespace pactlog::storage {

// Settings of the NATS JetStream log of record.
struct NatsRecordLogOptions {
  // Server URLs, e.g. {"nats://10.0.0.1:4222", "nats://10.0.0.2:4222"}.
  std::vector<std::string> servers;
  // The stream; created when absent (then with `replicas` replicas, file
  // storage, no limits), refused at start-up when incompatible.
  std::string stream = "PACTLOG";
  // Entries of deal D go to subject "<subject_prefix>.<D with '.' as '~'>".
  std::string subject_prefix = "pactlog.deal";
  int replicas = 3;
  // How long one publish waits for the stream's acknowledgement.
  absl::Duration publish_timeout = absl::Seconds(5);
  // Publishes in flight at once (asynchronous; a Publish call of more
  // waits for room).
  int max_pending = 4096;
  // Whether the servers run with `jetstream { sync_interval: always }`, as
  // every configuration pactlog ships does: an acknowledged publish is then
  // fsynced on a majority (RecordDurability::kSyncedOnMajority). false: the
  // servers fsync on their timer, and an acknowledgement means committed on
  // a majority only. The client protocol does not tell; the operator does.
  bool servers_sync_always = true;
  // How often the stream's replicas are checked: each server whose replica
  // goes offline or falls behind (down, or repairing stream files it found
  // damaged from the others) is named through `warn`, and again once it is
  // current (0: never checked). Offline is as NATS flags it (a shutdown
  // announced) or a server the stream's leader has not heard from for 10 s
  // (killed, hung or cut off).
  absl::Duration replica_check_interval = absl::Seconds(2);
  // Accept servers older than kMinNatsServerVersion (storage/
  // nats_server_info.h). Their acknowledgements then count as committed on
  // a majority only, whatever servers_sync_always says.
  bool allow_old_servers = false;
  // How long the version check waits for a server's INFO: at start-up, and
  // for each server that joins the cluster later (checked with the
  // replicas; an old one weakens the acknowledgements to committed on a
  // majority, as it cannot be refused then).
  absl::Duration info_timeout = absl::Seconds(2);
  // Monitoring endpoints of the servers ("http://10.0.0.1:8222"). When
  // given, start-up reads each one's /varz and, if servers_sync_always,
  // refuses a server that does not fsync each JetStream write, and any
  // server holding a replica of the stream whose endpoint is not among
  // them: the acknowledgement's meaning is checked, not only declared.
  std::vector<std::string> monitor_urls;
  // Where the log reports what it accepted despite a problem (an old server
  // allowed, a server that did not answer the version check). May be empty.
  std::function<void(std::string_view)> warn;
};

// Parses "nats://h1:4222,h2:4222,h3:4222" (or with "nats://" before every
// host) into options.servers. INVALID_ARGUMENT naming the URL otherwise.
[[nodiscard]] absl::Status ParseNatsServers(std::string_view url,
                                            NatsRecordLogOptions* options);

// Checks the version of every server that answers (FAILED_PRECONDITION
// naming the server and its version when one is older than
// kMinNatsServerVersion and allow_old_servers is false), connects, makes
// sure the stream exists and is compatible, and checks monitor_urls (if
// any) as that option says. Errors: UNAVAILABLE when no server answers or
// a monitoring endpoint does not, FAILED_PRECONDITION when the stream
// exists with an incompatible configuration or a server does not sync as
// servers_sync_always says (the message says what).
[[nodiscard]] absl::StatusOr<std::unique_ptr<RecordLog>> OpenNatsRecordLog(
    const NatsRecordLogOptions& options);

// The subject token of a deal id (deal ids may hold '.', which NATS takes
// as a token separator; '~' is in no deal id, so this is reversible), and
// kGroupSubjectToken for kGroupDealId (no deal id starts with '_').
inline constexpr char kGroupSubjectToken[] = "_group";
std::string DealSubjectToken(std::string_view deal_id);
std::string DealIdFromSubjectToken(std::string_view token);

}  // namespace pactlog::storage

#endif  // PACTLOG_STORAGE_NATS_RECORD_LOG_H_
