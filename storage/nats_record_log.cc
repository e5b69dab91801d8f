// The log of record on a NATS JetStream stream (see record_log.h).
//
// One stream holds every deal's entries, one subject per deal and one for
// groups of several deals' requests (kGroupSubjectToken); JetStream's
// stream sequence is the position. Publishes carry two headers:
//   Nats-Msg-Id                          the proposal's dedup id;
//   Nats-Expected-Last-Subject-Sequence  the deal's last position the
//                                        proposer saw ("0": no entry yet);
//                                        not on an unconditional one.
// Reading is an ordered consumer (ephemeral, no acks, flow-controlled)
// started at the position after the last one applied.
//
// Publishing is asynchronous: every proposal of a Publish call is sent at
// once (up to NatsRecordLogOptions::max_pending in flight over all calls),
// and the library's ack handler, on its delivery thread, hands each
// acknowledgement or error back to the call waiting for it.
//
// One file although it is over ~500 lines: it is the whole adapter to one C
// library, and its parts (connection and stream set-up, the asynchronous
// publishing, the reader) share the owning handles and helpers declared at
// the top. The only part that could stand apart, the ~65-line reader class,
// would need an internal header just to share those with it.
#include "storage/nats_record_log.h"

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "storage/nats_server_info.h"
#include "storage/nats_status.h"
#include "util/status_macros.h"

namespace pactlog::storage {
namespace {

using ::pactlog::storage::internal::FromNats;

constexpr char kMsgIdHeader[] = "Nats-Msg-Id";
constexpr char kExpectedLastSubjectSeqHeader[] =
    "Nats-Expected-Last-Subject-Sequence";
// How long a publish waits before trying again while the stream has no
// leader (an election after a server died).
constexpr absl::Duration kNoLeaderBackoff = absl::Milliseconds(100);
// How long start-up waits for a cluster that is still forming (no meta
// leader yet, or too few peers known to place the stream's replicas).
constexpr absl::Duration kClusterFormingFor = absl::Seconds(60);
// Idle heartbeat of the reading consumer.
constexpr absl::Duration kConsumerHeartbeat = absl::Milliseconds(250);
// A server the stream's leader has not heard from for this long is counted
// out, as Raft counts a peer lost. NATS flags a server offline only once it
// announced its shutdown: one killed, hung or cut off stays listed online,
// merely behind, for a minute or more (20 s and counting after a SIGKILL
// here).
constexpr absl::Duration kPeerUnheardFor = absl::Seconds(10);

int64_t Millis(absl::Duration d) {
  return std::max<int64_t>(1, absl::ToInt64Milliseconds(d));
}

// Owning handles for the library's objects.
struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;
struct StreamInfoDeleter {
  void operator()(jsStreamInfo* s) const { jsStreamInfo_Destroy(s); }
};
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, StreamInfoDeleter>;

// Reads through an ordered consumer, which may live on any server of the
// stream. A server whose copy lost messages (damaged stream files it
// rebuilt from what was left) delivers the rest with positions missing:
// the stream denies deletes and purges, so positions are contiguous, and a
// jump is filled from the stream's leader (js_GetMsg) and named in a
// warning, so that nothing is skipped.
class NatsRecordReader final : public RecordReader {
 public:
  NatsRecordReader(natsSubscription* sub, jsCtx* js, std::string stream,
                   std::string subject_prefix, uint64_t after,
                   std::function<void(std::string_view)> warn)
      : sub_(sub),
        js_(js),
        stream_(std::move(stream)),
        prefix_(std::move(subject_prefix)),
        last_(after),
        warn_(std::move(warn)) {}
  ~NatsRecordReader() override {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }

  absl::Status Next(absl::Duration timeout, size_t max,
                    std::vector<RecordEntry>* out) override {
    int64_t wait = Millis(timeout);
    size_t added = 0;
    while (added < max) {
      natsMsg* raw = nullptr;
      const natsStatus s = natsSubscription_NextMsg(&raw, sub_, wait);
      if (s == NATS_TIMEOUT) return absl::OkStatus();
      if (s != NATS_OK) {
        return FromNats(s, absl::StrCat("reading the log of record after "
                                        "position ",
                                        last_));
      }
      MsgPtr msg(raw);
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, msg.get()) != NATS_OK) {
        return absl::DataLossError(
            absl::StrCat("an entry after position ", last_,
                         " of the log of record has no stream metadata"));
      }
      const uint64_t position = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
      if (position <= last_) continue;  // redelivered after a reset
      if (position > last_ + 1) {
        const uint64_t missing = position - 1 - last_;
        RETURN_IF_ERROR(FillGap(position, out));
        added += missing;
      }
      out->push_back(ToEntry(*msg, position));
      last_ = position;
      ++added;
      // Take what has already arrived, without waiting again.
      int pending = 0;
      if (natsSubscription_GetPending(sub_, &pending, nullptr) != NATS_OK ||
          pending == 0) {
        break;
      }
      wait = 1;
    }
    return absl::OkStatus();
  }

 private:
  RecordEntry ToEntry(natsMsg& msg, uint64_t position) const {
    RecordEntry entry;
    entry.position = position;
    absl::string_view subject = natsMsg_GetSubject(&msg);
    // Outside the prefix (never in a stream set up here): filed under the
    // whole subject, which names no deal and no group.
    entry.deal_id = std::string(subject);
    if (absl::ConsumePrefix(&subject, prefix_) &&
        absl::ConsumePrefix(&subject, ".")) {
      entry.deal_id = DealIdFromSubjectToken(
          std::string_view(subject.data(), subject.size()));
    }
    const char* data = natsMsg_GetData(&msg);
    entry.payload.assign(data != nullptr ? data : "",
                         natsMsg_GetDataLength(&msg));
    return entry;
  }

  // Positions last_ + 1 .. before - 1, from the stream's leader.
  absl::Status FillGap(uint64_t before, std::vector<RecordEntry>* out) {
    if (warn_) {
      std::string server = "a NATS server";
      jsConsumerInfo* info = nullptr;
      jsErrCode jerr = static_cast<jsErrCode>(0);
      if (natsSubscription_GetConsumerInfo(&info, sub_, nullptr, &jerr) ==
              NATS_OK &&
          info != nullptr) {
        if (info->Cluster != nullptr && info->Cluster->Leader != nullptr) {
          server = absl::StrCat("NATS server ", info->Cluster->Leader);
        }
        jsConsumerInfo_Destroy(info);
      }
      warn_(absl::StrCat(
          server, " delivered stream ", stream_, " without positions ",
          last_ + 1, "..", before - 1,
          ": its copy of the stream is damaged (remove its replica so that "
          "it copies the stream again); read them from the stream's leader"));
    }
    for (uint64_t position = last_ + 1; position < before; ++position) {
      natsMsg* raw = nullptr;
      jsErrCode jerr = static_cast<jsErrCode>(0);
      const natsStatus s =
          js_GetMsg(&raw, js_, stream_.c_str(), position, nullptr, &jerr);
      MsgPtr msg(raw);
      if (s != NATS_OK) {
        return FromNats(
            s, jerr,
            absl::StrCat("position ", position, " of stream ", stream_,
                         " is missing where it was read, and "
                         "the stream's leader did not give it"));
      }
      out->push_back(ToEntry(*msg, position));
      last_ = position;
    }
    return absl::OkStatus();
  }

  natsSubscription* const sub_;
  jsCtx* const js_;
  const std::string stream_;
  const std::string prefix_;
  uint64_t last_;
  const std::function<void(std::string_view)> warn_;
};

class NatsRecordLog final : public RecordLog {
 public:
  static absl::StatusOr<std::unique_ptr<RecordLog>> Open(
      const NatsRecordLogOptions& options);

  ~NatsRecordLog() override {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (monitor_.joinable()) monitor_.join();
    // Closing first: no ack handler runs once it returns.
    if (nc_ != nullptr) natsConnection_Close(nc_);
    if (js_ != nullptr) jsCtx_Destroy(js_);
    if (nc_ != nullptr) natsConnection_Destroy(nc_);
    if (opts_ != nullptr) natsOptions_Destroy(opts_);
  }

  std::string Describe() const override {
    return absl::StrCat("NATS JetStream stream ", options_.stream, " on ",
                        absl::StrJoin(options_.servers, ","));
  }

  std::string Identity() const override { return identity_; }
  RecordDurability durability() const override { return durability_.load(); }
  std::vector<PublishResult> Publish(
      absl::Span<const RecordProposal> proposals) override;
  absl::StatusOr<uint64_t> DealPosition(std::string_view deal_id) override;
  absl::StatusOr<uint64_t> LastPosition() override;
  absl::StatusOr<std::unique_ptr<RecordReader>> Read(
      uint64_t after_position) override;

 private:
  // One Publish call's proposals: what the ack handler reports back.
  struct Job {
    absl::Span<const RecordProposal> proposals;
    // Per proposal: the stream's answer (status, jsErrCode, position,
    // duplicate) once it came.
    std::vector<PublishResult> results;
    std::vector<jsErrCode> js_errors;
    size_t in_flight = 0;
  };
  // Where the ack of one message in flight goes.
  struct Slot {
    Job* job;
    size_t index;
  };

  explicit NatsRecordLog(NatsRecordLogOptions options)
      : options_(std::move(options)) {}

  // Refuses servers older than kMinNatsServerVersion (unless allowed) and
  // sets durability_.
  absl::Status CheckServerVersions();
  // Reads the monitoring endpoints and checks that the servers holding
  // the stream's replicas fsync each write (options_.monitor_urls); those
  // that do not answer are left to CheckLateSync.
  absl::Status CheckServersSync();
  // Reads the endpoints that had not answered (the monitor's rounds): a
  // server found not to fsync each write weakens durability_, as it
  // cannot be refused then.
  void CheckLateSync();
  // Checks the servers that joined since (the monitor's rounds): an old
  // one is named and weakens durability_, as it cannot be refused.
  void CheckJoinedServers();
  void Warn(std::string_view message) const {
    if (options_.warn) options_.warn(message);
  }
  absl::Status Connect();
  absl::Status EnsureStream();
  void SetIdentity(const jsStreamInfo& info);
  // Checks the stream's replicas every replica_check_interval until the log
  // is destroyed, warning of each change of a server's state.
  void MonitorReplicas();
  absl::Status CheckStream(const jsStreamConfig& config) const;
  std::string Subject(std::string_view deal_id) const {
    return absl::StrCat(options_.subject_prefix, ".",
                        DealSubjectToken(deal_id));
  }
  // Sends proposal `index` of `job` without waiting; on a failure to send,
  // sets its result.
  void Send(Job& job, size_t index, absl::Time deadline);
  // The library's ack handler (closure: the log).
  static void OnAck(jsCtx* js, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err,
                    void* closure);
  // ABORTED or UNAVAILABLE for proposal `index` whose publish failed.
  PublishResult Failed(const Job& job, size_t index);

  const NatsRecordLogOptions options_;
  natsOptions* opts_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  // Set by Open, constant after.
  std::string identity_;
  // Set by Open; weakened by the monitor when an old server joins.
  std::atomic<RecordDurability> durability_{
      RecordDurability::kCommittedOnMajority};
  // The monitor's after Open.
  NatsVersionCheck version_check_{options_.info_timeout};
  // Set by Open when monitor_urls are given; the monitor's after.
  std::unique_ptr<NatsSyncCheck> sync_check_;

  absl::Mutex mu_;
  // Messages in flight, by the message the library hands back.
  absl::flat_hash_map<const natsMsg*, Slot> in_flight_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread monitor_;
};

absl::Status NatsRecordLog::CheckServersSync() {
  for (const std::string& url : options_.monitor_urls) {
    RETURN_IF_ERROR(CheckNatsMonitorUrl(url));
  }
  sync_check_ = std::make_unique<NatsSyncCheck>(options_.monitor_urls,
                                                options_.info_timeout);
  const NatsSyncCheck::Round round = sync_check_->Check();
  if (!round.unsynced.empty() && options_.servers_sync_always) {
    return absl::FailedPreconditionError(absl::StrCat(
        round.unsynced.front(),
        ". Set jetstream { sync_interval: always } in its configuration, or "
        "start pactlogd with --nats-sync interval (appends are then "
        "acknowledged DURABILITY_COMMITTED_MAJORITY)"));
  }
  for (const std::string& unanswered : round.unanswered) {
    // A server may be down while the others carry on: start, and read it
    // in the monitor's rounds once it answers.
    Warn(absl::StrCat("could not check how the server syncs now: ", unanswered,
                      "; asked again until it answers"));
  }
  // Every server holding a replica must be among those checked, or among
  // those that did not answer yet.
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s =
      js_GetStreamInfo(&raw, js_, options_.stream.c_str(), nullptr, &jerr);
  StreamInfoPtr info(raw);
  RETURN_IF_ERROR(FromNats(
      s, jerr,
      absl::StrCat("reading the replicas of stream ", options_.stream)));
  std::vector<std::string> unchecked;
  auto holds = [&](const char* name) {
    if (name != nullptr && !sync_check_->names().contains(name)) {
      unchecked.emplace_back(name);
    }
  };
  if (info->Cluster != nullptr) {
    holds(info->Cluster->Leader);
    for (int i = 0; i < info->Cluster->ReplicasLen; ++i) {
      if (info->Cluster->Replicas[i] != nullptr) {
        holds(info->Cluster->Replicas[i]->Name);
      }
    }
  }
  if (unchecked.size() > sync_check_->pending()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "NATS server ", unchecked.front(), " holds a replica of stream ",
        options_.stream, ", but none of the --nats-monitor endpoints (",
        absl::StrJoin(options_.monitor_urls, ","),
        ") is that server's, so whether it fsyncs each write is not known: "
        "add its monitoring endpoint"));
  }
  return absl::OkStatus();
}

void NatsRecordLog::CheckLateSync() {
  if (sync_check_ == nullptr || sync_check_->pending() == 0) return;
  const NatsSyncCheck::Round round = sync_check_->Check();
  if (round.unsynced.empty() || !options_.servers_sync_always) return;
  // It holds a replica, perhaps: acknowledgements can no longer promise an
  // fsync on a majority. Every answer says so from now on.
  durability_ = RecordDurability::kCommittedOnMajority;
  for (const std::string& problem : round.unsynced) {
    Warn(absl::StrCat(problem,
                      "; appends are acknowledged as committed on a majority, "
                      "not fsynced, until pactlogd restarts with it fixed"));
  }
}

absl::Status NatsRecordLog::CheckServerVersions() {
  NatsVersionCheck::Round round = version_check_.Check(options_.servers);
  for (const std::string& unanswered : round.unanswered) {
    // Connect() finds out whether any server answers; one that is down now
    // is checked when the monitor next finds it in the cluster: say so.
    Warn(absl::StrCat("could not check the version now: ", unanswered));
  }
  if (!round.too_old.empty() && !options_.allow_old_servers) {
    return absl::FailedPreconditionError(absl::StrCat(
        round.too_old.front(),
        ". Upgrade it (deploy/lib/common.sh installs Debian 13's), or "
        "start pactlogd with --nats-allow-old-servers to accept "
        "acknowledgements that are committed on a majority but not "
        "fsynced"));
  }
  for (const std::string& problem : round.too_old) {
    Warn(absl::StrCat(problem,
                      "; accepted (--nats-allow-old-servers): appends are "
                      "acknowledged as committed on a majority, not fsynced"));
  }
  durability_ = options_.servers_sync_always && round.too_old.empty()
                    ? RecordDurability::kSyncedOnMajority
                    : RecordDurability::kCommittedOnMajority;
  return absl::OkStatus();
}

void NatsRecordLog::CheckJoinedServers() {
  // Every server the client knows of: the configured ones and those the
  // cluster announced (connect_urls) as they joined.
  char** urls = nullptr;
  int count = 0;
  if (natsConnection_GetServers(nc_, &urls, &count) != NATS_OK) return;
  std::vector<std::string> servers;
  for (int i = 0; i < count; ++i) {
    servers.emplace_back(urls[i]);
    free(urls[i]);
  }
  free(urls);
  NatsVersionCheck::Round round = version_check_.Check(servers);
  if (round.too_old.empty()) return;
  // It is in the cluster already and may hold a replica: acknowledgements
  // can no longer promise an fsync on a majority. Every answer says so
  // from now on, and the unsynced ones are counted.
  durability_ = RecordDurability::kCommittedOnMajority;
  for (const std::string& problem : round.too_old) {
    Warn(absl::StrCat(problem,
                      "; it joined the cluster after start-up: appends are "
                      "acknowledged as committed on a majority, not fsynced, "
                      "until pactlogd restarts without it"));
  }
}

void NatsRecordLog::SetIdentity(const jsStreamInfo& info) {
  identity_ = absl::StrCat(
      options_.stream, "@",
      absl::FormatTime(absl::RFC3339_full, absl::FromUnixNanos(info.Created),
                       absl::UTCTimeZone()));
}

absl::Status NatsRecordLog::Connect() {
  std::vector<const char*> servers;
  for (const std::string& server : options_.servers) {
    servers.push_back(server.c_str());
  }
  RETURN_IF_ERROR(
      FromNats(natsOptions_Create(&opts_), "creating NATS options"));
  RETURN_IF_ERROR(
      FromNats(natsOptions_SetServers(opts_, servers.data(),
                                      static_cast<int>(servers.size())),
               "setting the NATS servers"));
  RETURN_IF_ERROR(FromNats(natsOptions_SetName(opts_, "pactlogd"), "naming"));
  // Keep reconnecting for as long as the process lives: losing a server
  // (or all of them for a while) must not end the replica.
  RETURN_IF_ERROR(
      FromNats(natsOptions_SetMaxReconnect(opts_, -1), "reconnects"));
  RETURN_IF_ERROR(
      FromNats(natsOptions_SetReconnectWait(opts_, 200), "reconnect wait"));
  RETURN_IF_ERROR(
      FromNats(natsOptions_SetTimeout(opts_, 2000), "connect timeout"));
  RETURN_IF_ERROR(
      FromNats(natsOptions_SetPingInterval(opts_, 2000), "ping interval"));
  RETURN_IF_ERROR(FromNats(natsConnection_Connect(&nc_, opts_),
                           absl::StrCat("cannot connect to NATS at ",
                                        absl::StrJoin(options_.servers, ","))));
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = Millis(options_.publish_timeout);
  js_options.PublishAsync.MaxPending = std::max(1, options_.max_pending);
  js_options.PublishAsync.AckHandler = &NatsRecordLog::OnAck;
  js_options.PublishAsync.AckHandlerClosure = this;
  return FromNats(natsConnection_JetStream(&js_, nc_, &js_options),
                  "cannot use JetStream");
}

absl::Status NatsRecordLog::CheckStream(const jsStreamConfig& config) const {
  std::vector<std::string> problems;
  const std::string wanted_subject =
      absl::StrCat(options_.subject_prefix, ".>");
  // Exactly the deal subjects: the replicas read only those, so a message
  // on any other subject would be a position they never reach.
  std::vector<std::string> subjects;
  for (int i = 0; i < config.SubjectsLen; ++i) {
    subjects.push_back(config.Subjects[i]);
  }
  if (subjects != std::vector<std::string>{wanted_subject}) {
    problems.push_back(absl::StrCat("its subjects are [",
                                    absl::StrJoin(subjects, ", "),
                                    "], not exactly [", wanted_subject, "]"));
  }
  if (config.Storage != js_FileStorage) {
    problems.push_back("it is not kept in files");
  }
  if (config.Retention != js_LimitsPolicy) {
    problems.push_back("its retention is not the limits policy");
  }
  if (config.MaxMsgs > 0 || config.MaxBytes > 0 || config.MaxAge > 0 ||
      config.MaxMsgsPerSubject > 0) {
    problems.push_back(
        "it has a message, byte, age or per-subject limit (the record must "
        "keep every entry)");
  }
  if (config.Sealed) problems.push_back("it is sealed");
  if (config.NoAck) problems.push_back("it does not acknowledge publishes");
  if (config.Replicas != options_.replicas) {
    problems.push_back(absl::StrCat("it has ", config.Replicas,
                                    " replicas, not ", options_.replicas));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the JetStream stream ", options_.stream,
      " cannot be pactlog's log of record: ", absl::StrJoin(problems, "; ")));
}

absl::Status NatsRecordLog::EnsureStream() {
  // A cluster started together with pactlogd (compose, a new Kubernetes
  // namespace) elects its meta leader and learns its peers in seconds, more
  // on a loaded machine: wait for that, not for ever.
  const absl::Time give_up = absl::Now() + kClusterFormingFor;
  for (int attempt = 0;; ++attempt) {
    jsStreamInfo* raw = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s =
        js_GetStreamInfo(&raw, js_, options_.stream.c_str(), nullptr, &jerr);
    StreamInfoPtr info(raw);
    if (s == NATS_OK) {
      SetIdentity(*info);
      return CheckStream(*info->Config);
    }
    const absl::Status looked_up = FromNats(
        s, jerr,
        absl::StrCat("cannot look up JetStream stream ", options_.stream));
    if (!absl::IsNotFound(looked_up)) {
      if (absl::Now() < give_up && absl::IsUnavailable(looked_up)) {
        // A cluster that is still electing its JetStream meta leader.
        absl::SleepFor(kNoLeaderBackoff);
        continue;
      }
      return looked_up;
    }
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const std::string subject = absl::StrCat(options_.subject_prefix, ".>");
    const char* subjects[] = {subject.c_str()};
    config.Name = options_.stream.c_str();
    config.Description = "pactlog: the log of record of deal events";
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Retention = js_LimitsPolicy;
    config.Replicas = options_.replicas;
    config.DenyDelete = true;
    config.DenyPurge = true;
    raw = nullptr;
    s = js_AddStream(&raw, js_, &config, nullptr, &jerr);
    info.reset(raw);
    if (s == NATS_OK) {
      SetIdentity(*info);
      return absl::OkStatus();
    }
    // Another replica may have created it meanwhile: look again.
    if (jerr == JSStreamNameExistErr && attempt < 3) continue;
    const absl::Status created = FromNats(
        s, jerr,
        absl::StrCat("cannot create JetStream stream ", options_.stream,
                     " with ", options_.replicas, " replicas"));
    // "No suitable peers for placement": a cluster that just started and
    // has not yet heard from enough of its servers. A start-up here once
    // failed at once with that text and not this code (the server may wrap
    // it in its generic stream-create error), so the text counts too.
    const bool no_peers_yet =
        jerr == JSClusterNoPeersErr ||
        absl::StrContains(created.message(), "no suitable peers");
    if (absl::Now() < give_up &&
        (absl::IsUnavailable(created) || no_peers_yet)) {
      absl::SleepFor(kNoLeaderBackoff);
      continue;
    }
    return created;
  }
}

absl::StatusOr<std::unique_ptr<RecordLog>> NatsRecordLog::Open(
    const NatsRecordLogOptions& options) {
  if (options.servers.empty()) {
    return absl::InvalidArgumentError("no NATS server given");
  }
  if (options.replicas < 1 || options.replicas > 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "JetStream replicas must be 1..5, got ", options.replicas));
  }
  std::unique_ptr<NatsRecordLog> log(new NatsRecordLog(options));
  RETURN_IF_ERROR(log->CheckServerVersions());
  RETURN_IF_ERROR(log->Connect());
  RETURN_IF_ERROR(log->EnsureStream());
  if (!options.monitor_urls.empty()) RETURN_IF_ERROR(log->CheckServersSync());
  if (options.replica_check_interval > absl::ZeroDuration()) {
    log->monitor_ = std::thread(&NatsRecordLog::MonitorReplicas, log.get());
  }
  return std::unique_ptr<RecordLog>(std::move(log));
}

void NatsRecordLog::MonitorReplicas() {
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
  // The last state reported of each server ("current" unless told).
  absl::flat_hash_map<std::string, std::string> reported;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping),
                               options_.replica_check_interval)) {
        return;
      }
    }
    CheckJoinedServers();
    CheckLateSync();
    jsStreamInfo* raw = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    if (js_GetStreamInfo(&raw, js_, options_.stream.c_str(), nullptr, &jerr) !=
        NATS_OK) {
      continue;  // no leader to ask now; the publishes say so
    }
    StreamInfoPtr info(raw);
    if (info->Cluster == nullptr) continue;
    // Each server's state: "current", "offline" (announced or unheard) or
    // "behind".
    struct PeerState {
      std::string state;
      uint64_t lag = 0;
      bool unheard = false;  // offline by silence, not by announcement
    };
    absl::flat_hash_map<std::string, PeerState> now;
    for (int i = 0; i < info->Cluster->ReplicasLen; ++i) {
      const jsPeerInfo* peer = info->Cluster->Replicas[i];
      if (peer == nullptr || peer->Name == nullptr) continue;
      const bool unheard =
          !peer->Offline &&
          peer->Active >= absl::ToInt64Nanoseconds(kPeerUnheardFor);
      now[peer->Name] = {peer->Offline || unheard ? "offline"
                         : !peer->Current         ? "behind"
                                                  : "current",
                         peer->Lag, unheard};
    }
    // The leader is current by definition.
    if (info->Cluster->Leader != nullptr) {
      now[info->Cluster->Leader] = {"current"};
    }
    for (const auto& [name, peer] : now) {
      auto it = reported.try_emplace(name, "current").first;
      if (it->second == peer.state) continue;
      it->second = peer.state;
      if (!options_.warn) continue;
      const std::string holds = absl::StrCat(
          "NATS server ", name, " holds a replica of stream ", options_.stream);
      if (peer.state == "current") {
        options_.warn(absl::StrCat("NATS server ", name,
                                   " holds a current replica of stream ",
                                   options_.stream, " again"));
      } else if (peer.state == "offline") {
        options_.warn(absl::StrCat(
            holds,
            peer.unheard
                ? absl::StrCat(" and has not answered the stream's leader for ",
                               absl::FormatDuration(kPeerUnheardFor),
                               " or more (down, hung or cut off)")
                : " and is offline",
            ": the record rests on the other servers until it is back"));
      } else {
        options_.warn(absl::StrCat(
            holds, " that is behind by ", peer.lag,
            " entries: it is catching up, or repairing stream files it found "
            "damaged from the other servers"));
      }
    }
  }
}

void NatsRecordLog::Send(Job& job, size_t index, absl::Time deadline) {
  const RecordProposal& proposal = job.proposals[index];
  const std::string subject = Subject(proposal.deal_id);
  const std::string expected = absl::StrCat(proposal.expected_deal_position);
  natsMsg* raw = nullptr;
  natsStatus s =
      natsMsg_Create(&raw, subject.c_str(), nullptr, proposal.payload.data(),
                     static_cast<int>(proposal.payload.size()));
  MsgPtr msg(raw);
  if (s == NATS_OK) {
    s = natsMsgHeader_Set(msg.get(), kMsgIdHeader, proposal.dedup_id.c_str());
  }
  if (s == NATS_OK && !proposal.unconditional) {
    s = natsMsgHeader_Set(msg.get(), kExpectedLastSubjectSeqHeader,
                          expected.c_str());
  }
  if (s != NATS_OK) {
    job.results[index].status = FromNats(
        s, absl::StrCat("building the entry for deal ", proposal.deal_id));
    return;
  }
  jsPubOptions pub;
  jsPubOptions_Init(&pub);
  pub.MaxWait = Millis(deadline - absl::Now());
  const natsMsg* key = msg.get();
  {
    absl::MutexLock lock(&mu_);
    in_flight_.emplace(key, Slot{&job, index});
    ++job.in_flight;
  }
  natsMsg* sent = msg.release();
  // On success the library owns the message (and clears `sent`); its ack
  // handler may already have run.
  s = js_PublishMsgAsync(js_, &sent, &pub);
  if (s == NATS_OK) return;
  natsMsg_Destroy(sent);
  absl::MutexLock lock(&mu_);
  in_flight_.erase(key);
  --job.in_flight;
  job.results[index].status =
      s == NATS_MAX_PAYLOAD
          ? absl::ResourceExhaustedError(absl::StrCat(
                "the request for deal ", proposal.deal_id, " is ",
                proposal.payload.size(),
                " bytes as a log-of-record entry, more than the NATS servers' "
                "max_payload (raise max_payload in their configuration, or "
                "send fewer events per request)"))
          : FromNats(s, absl::StrCat("the log of record (", Describe(),
                                     ") did not take the entry for deal ",
                                     proposal.deal_id));
}

void NatsRecordLog::OnAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err,
                          void* closure) {
  auto* self = static_cast<NatsRecordLog*>(closure);
  {
    absl::MutexLock lock(&self->mu_);
    auto it = self->in_flight_.find(msg);
    // Not found: its Publish call gave up waiting for it.
    if (it != self->in_flight_.end()) {
      Job& job = *it->second.job;
      const size_t i = it->second.index;
      self->in_flight_.erase(it);
      PublishResult& result = job.results[i];
      if (ack != nullptr) {
        result.status = absl::OkStatus();
        result.position = ack->Sequence;
        result.duplicate = ack->Duplicate;
      } else {
        const natsStatus s = err != nullptr ? err->Err : NATS_ERR;
        job.js_errors[i] =
            err != nullptr ? err->ErrCode : static_cast<jsErrCode>(0);
        result.status =
            FromNats(s, job.js_errors[i],
                     absl::StrCat("the log of record (", self->Describe(),
                                  ") did not store the entry for deal ",
                                  job.proposals[i].deal_id));
      }
      --job.in_flight;
    }
  }
  natsMsg_Destroy(msg);
}

PublishResult NatsRecordLog::Failed(const Job& job, size_t index) {
  const RecordProposal& proposal = job.proposals[index];
  const absl::Status& failed = job.results[index].status;
  PublishResult result;
  if (absl::IsResourceExhausted(failed)) {
    result.status = failed;
  } else if (absl::IsAborted(failed)) {
    absl::StatusOr<uint64_t> actual = DealPosition(proposal.deal_id);
    result.position = actual.ok() ? *actual : 0;
    result.status = absl::AbortedError(
        absl::StrCat("deal ", proposal.deal_id, " has an entry after position ",
                     proposal.expected_deal_position, " of the log of record (",
                     failed.message(), ")"));
  } else {
    // Whatever else went wrong, the entry is not known to be stored, and
    // publishing the same proposal again is safe: UNAVAILABLE
    // (record_log.h).
    result.status = absl::UnavailableError(failed.message());
  }
  return result;
}

std::vector<PublishResult> NatsRecordLog::Publish(
    absl::Span<const RecordProposal> proposals) {
  Job job{proposals, std::vector<PublishResult>(proposals.size()),
          std::vector<jsErrCode>(proposals.size()), 0};
  if (proposals.empty()) return std::move(job.results);
  const absl::Time deadline = absl::Now() + options_.publish_timeout;
  auto answered = [&job]() { return job.in_flight == 0; };
  std::vector<size_t> to_send(proposals.size());
  for (size_t i = 0; i < to_send.size(); ++i) to_send[i] = i;
  // Retrying with the same Nats-Msg-Id is safe: JetStream stores the entry
  // once and answers a repeat with the first position.
  while (true) {
    for (size_t i : to_send) Send(job, i, deadline);
    {
      absl::MutexLock lock(&mu_);
      if (!mu_.AwaitWithDeadline(absl::Condition(&answered), deadline)) {
        // The rest is not known to be stored; late acks find no slot.
        for (auto it = in_flight_.begin(); it != in_flight_.end();) {
          if (it->second.job == &job) {
            job.results[it->second.index].status = absl::DeadlineExceededError(
                absl::StrCat("no acknowledgement from the log of record (",
                             Describe(), ") within ",
                             absl::FormatDuration(options_.publish_timeout)));
            in_flight_.erase(it++);
          } else {
            ++it;
          }
        }
        job.in_flight = 0;
        break;
      }
    }
    // The stream not found is transient: it is what a publish sees while
    // the stream's new leader is being elected.
    to_send.clear();
    for (size_t i = 0; i < proposals.size(); ++i) {
      const absl::Status& status = job.results[i].status;
      if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
          job.js_errors[i] == JSStreamNotFoundErr) {
        to_send.push_back(i);
      }
    }
    if (to_send.empty() || absl::Now() + kNoLeaderBackoff >= deadline) break;
    absl::SleepFor(kNoLeaderBackoff);
    for (size_t i : to_send) {
      job.results[i] = PublishResult{};
      job.js_errors[i] = static_cast<jsErrCode>(0);
    }
  }
  for (size_t i = 0; i < proposals.size(); ++i) {
    if (!job.results[i].status.ok()) job.results[i] = Failed(job, i);
  }
  return std::move(job.results);
}

absl::StatusOr<uint64_t> NatsRecordLog::DealPosition(std::string_view deal_id) {
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const std::string subject = Subject(deal_id);
  const natsStatus s = js_GetLastMsg(&raw, js_, options_.stream.c_str(),
                                     subject.c_str(), nullptr, &jerr);
  MsgPtr msg(raw);
  if (s == NATS_OK) return natsMsg_GetSequence(msg.get());
  if (jerr == JSNoMessageFoundErr || s == NATS_NOT_FOUND) return 0;
  return FromNats(
      s, jerr,
      absl::StrCat("looking up the last entry of deal ",
                   absl::string_view(deal_id.data(), deal_id.size()), " in ",
                   Describe()));
}

absl::StatusOr<uint64_t> NatsRecordLog::LastPosition() {
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s =
      js_GetStreamInfo(&raw, js_, options_.stream.c_str(), nullptr, &jerr);
  StreamInfoPtr info(raw);
  RETURN_IF_ERROR(
      FromNats(s, jerr, absl::StrCat("reading the state of ", Describe())));
  return info->State.LastSeq;
}

absl::StatusOr<std::unique_ptr<RecordReader>> NatsRecordLog::Read(
    uint64_t after_position) {
  jsSubOptions sub_options;
  jsSubOptions_Init(&sub_options);
  sub_options.Stream = options_.stream.c_str();
  sub_options.Ordered = true;
  sub_options.Config.DeliverPolicy = js_DeliverByStartSequence;
  sub_options.Config.OptStartSeq = after_position + 1;
  // The consumer lives on one server of the stream. When that server dies, the
  // missing heartbeats are how the ordered consumer notices and re-creates
  // itself from the last position delivered: a short interval keeps the
  // pause in applying (and so in acknowledging appends) short.
  sub_options.Config.Heartbeat = absl::ToInt64Nanoseconds(kConsumerHeartbeat);
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const std::string subjects = absl::StrCat(options_.subject_prefix, ".>");
  const natsStatus s = js_SubscribeSync(&sub, js_, subjects.c_str(), nullptr,
                                        &sub_options, &jerr);
  RETURN_IF_ERROR(FromNats(s, jerr,
                           absl::StrCat("cannot read ", Describe(),
                                        " after position ", after_position)));
  return std::unique_ptr<RecordReader>(std::make_unique<NatsRecordReader>(
      sub, js_, options_.stream, options_.subject_prefix, after_position,
      options_.warn));
}

}  // namespace

std::string DealSubjectToken(std::string_view deal_id) {
  if (deal_id == kGroupDealId) return kGroupSubjectToken;
  std::string token(deal_id);
  std::replace(token.begin(), token.end(), '.', '~');
  return token;
}

std::string DealIdFromSubjectToken(std::string_view token) {
  if (token == kGroupSubjectToken) return kGroupDealId;
  std::string deal_id(token);
  std::replace(deal_id.begin(), deal_id.end(), '~', '.');
  return deal_id;
}

absl::Status ParseNatsServers(std::string_view url_view,
                              NatsRecordLogOptions* options) {
  const absl::string_view url(url_view.data(), url_view.size());
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "nats://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("log URL \"", url,
                     "\" must start with nats:// (e.g. "
                     "nats://h1:4222,h2:4222,h3:4222)"));
  }
  options->servers.clear();
  for (absl::string_view part : absl::StrSplit(rest, ',')) {
    absl::ConsumePrefix(&part, "nats://");
    const size_t colon = part.rfind(':');
    uint32_t port = 0;
    if (part.empty() || colon == absl::string_view::npos || colon == 0 ||
        !absl::SimpleAtoi(part.substr(colon + 1), &port) || port == 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("log URL \"", url, "\": \"", part,
                       "\" is not host:port (e.g. nats://h1:4222,h2:4222)"));
    }
    options->servers.push_back(absl::StrCat("nats://", part));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RecordLog>> OpenNatsRecordLog(
    const NatsRecordLogOptions& options) {
  return NatsRecordLog::Open(options);
}

}  // namespace pactlog::storage
