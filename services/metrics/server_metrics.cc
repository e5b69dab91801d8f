#include "services/metrics/server_metrics.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pactlog/v1/admin.grpc.pb.h"
#include "pactlog/v1/ledger.grpc.pb.h"
#include "pactlog/v1/query.grpc.pb.h"
#include "pactlog/v1/stream.grpc.pb.h"
#include "services/metrics/process_metrics.h"

#ifndef PACTLOG_VERSION
#define PACTLOG_VERSION "unknown"
#endif

namespace pactlog::metrics {
namespace {

namespace v1 = ::pactlog::v1;

// gRPC's status code names, as in grpc::StatusCode, indexed by value.
constexpr const char* kCodeNames[17] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

// From 100 µs (an in-memory query) to 10 s (an append behind a slow disk).
const std::vector<double>& LatencyBuckets() {
  static const auto* buckets = new std::vector<double>{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *buckets;
}

// Methods of gRPC's own services that pactlogd serves; counted, not timed.
constexpr const char* kGrpcMethods[][2] = {
    {"grpc.health.v1.Health", "Check"},
    {"grpc.health.v1.Health", "Watch"},
    {"grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo"},
};

enum KindIndex {
  kDealAnnouncement,
  kProjectAnnouncement,
  kApproval,
  kDisbursement,
  kTariffChange,
  kAmendment,
  kUnknownKind,
  kKindCount
};
constexpr const char* kKindNames[kKindCount] = {"deal_announcement",
                                                "project_announcement",
                                                "approval",
                                                "disbursement",
                                                "tariff_change",
                                                "amendment",
                                                "unknown"};

KindIndex KindOf(const v1::Event& event) {
  switch (event.data().kind_case()) {
    case v1::EventData::kAnnouncement:
      return event.data().announcement().has_project() ? kProjectAnnouncement
                                                       : kDealAnnouncement;
    case v1::EventData::kApproval:
      return kApproval;
    case v1::EventData::kDisbursement:
      return kDisbursement;
    case v1::EventData::kTariffChange:
      return kTariffChange;
    case v1::EventData::kAmendment:
      return kAmendment;
    case v1::EventData::KIND_NOT_SET:
      break;
  }
  return kUnknownKind;
}

double UnixSeconds(absl::Time t) {
  return absl::ToDoubleSeconds(t - absl::UnixEpoch());
}

std::string ProtobufVersion() {
  const int v = GOOGLE_PROTOBUF_VERSION;
  return absl::StrCat(v / 1000000, ".", v / 1000 % 1000, ".", v % 1000);
}

// One method of a pactlog service, and the histogram that times its calls
// (nullptr: not timed).
struct TimedMethod {
  std::string service;
  std::string method;
  Histogram* latency = nullptr;
  bool is_append = false;
};

// Every method of the pactlog services, from their descriptors, so a
// method added to a .proto is counted without a change here. Adds the
// latency histograms to `registry`.
std::vector<TimedMethod> PactlogMethods(Registry& registry) {
  Family<Histogram>& append_latency = registry.AddHistogram(
      "pactlog_append_duration_seconds",
      "DealLedger.Append calls from arrival to answer, including the wait "
      "for the group commit and its sync, whatever the answer.",
      LatencyBuckets());
  Family<Histogram>& query_latency = registry.AddHistogram(
      "pactlog_query_duration_seconds",
      "Query calls (DealQuery, EventStream.Read) from arrival to answer, "
      "by method, whatever the answer.",
      LatencyBuckets(), {"method"});

  std::vector<TimedMethod> methods;
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();
  for (const char* service_name :
       {v1::DealLedger::service_full_name(), v1::DealQuery::service_full_name(),
        v1::EventStream::service_full_name(), v1::Admin::service_full_name()}) {
    const google::protobuf::ServiceDescriptor* service =
        pool->FindServiceByName(service_name);
    if (service == nullptr) continue;  // Cannot happen: linked in.
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      const bool streaming =
          method->client_streaming() || method->server_streaming();
      const bool is_append =
          service->full_name() == v1::DealLedger::service_full_name() &&
          method->name() == "Append";
      const bool is_query =
          service->full_name() == v1::DealQuery::service_full_name() ||
          service->full_name() == v1::EventStream::service_full_name();
      Histogram* latency = nullptr;
      if (is_append) {
        latency = &append_latency.WithLabels({});
      } else if (is_query && !streaming) {
        latency = &query_latency.WithLabels({method->name()});
      }
      methods.push_back(TimedMethod{service->full_name(), method->name(),
                                    latency, is_append});
    }
  }
  return methods;
}

// The one series of a family without labels.
template <typename T>
T* Unlabelled(Family<T>& family) {
  return &family.WithLabels({});
}

// The series copied at each scrape from the state kept elsewhere.
struct ScrapedSeries {
  // The ledger and its writer.
  Counter* writer_requests = nullptr;
  Counter* unsynced_acks = nullptr;
  Gauge* ready = nullptr;
  Gauge* last_sequence = nullptr;
  // The log's storage.
  Family<Gauge>* storage_bytes = nullptr;
  Gauge* live_bytes = nullptr;
  // The subscribers.
  Gauge* subscribers = nullptr;
  Gauge* max_lag = nullptr;
  Gauge* total_lag = nullptr;
  Gauge* held_bytes = nullptr;
  Counter* storage_reads = nullptr;
  // Snapshots and recovery.
  Counter* snapshot_checkpoints = nullptr;
  Counter* snapshot_failures = nullptr;
  Gauge* snapshot_sequence = nullptr;
  Gauge* snapshot_age = nullptr;
  Gauge* replayed = nullptr;
  // Replicated mode: the applier of the log of record.
  Gauge* record_position = nullptr;
  Counter* record_entries = nullptr;
  Counter* record_requests = nullptr;
  Counter* record_refused = nullptr;
  Counter* record_skipped = nullptr;
  Counter* record_reader_restarts = nullptr;
  Counter* record_from_acks = nullptr;
  Gauge* record_unconfirmed = nullptr;
  Gauge* record_halted = nullptr;
};

void AddLedgerSeries(Registry& registry, ScrapedSeries* s) {
  s->writer_requests = Unlabelled(registry.AddCounter(
      "pactlog_writer_requests_total",
      "Append requests answered by the group-commit writer "
      "(requests per synced write = this rate / the rate of "
      "pactlog_group_commit_events_count)."));
  s->unsynced_acks = Unlabelled(registry.AddCounter(
      "pactlog_appends_acknowledged_unsynced_total",
      "Appends answered OK before they were fsynced: committed on a "
      "majority of a log of record whose servers fsync on a timer "
      "(AppendResponse.durability DURABILITY_COMMITTED_MAJORITY). Stays 0 in "
      "the embedded mode and with sync_interval: always."));
  s->ready =
      Unlabelled(registry.AddGauge("pactlog_ready",
                                   "1 when the log is replayed and appends are "
                                   "taken, 0 while starting or stopping."));
  s->last_sequence = Unlabelled(registry.AddGauge(
      "pactlog_log_last_sequence",
      "The last sequence of the log applied to the live state."));
}

void AddStorageSeries(Registry& registry, ScrapedSeries* s) {
  s->storage_bytes = &registry.AddGauge(
      "pactlog_storage_bytes",
      "Bytes of the log by medium (disk, memory) and by the engine's own "
      "parts (RocksDB: table_files, wal, memtables).",
      {"medium", "part"});
  s->live_bytes = Unlabelled(registry.AddGauge(
      "pactlog_storage_live_data_bytes",
      "The storage engine's estimate of the log's live data (0 when it has "
      "none)."));
}

void AddSubscriberSeries(Registry& registry, ScrapedSeries* s) {
  s->subscribers = Unlabelled(registry.AddGauge(
      "pactlog_subscribers", "EventStream.Subscribe streams open now."));
  s->max_lag = Unlabelled(registry.AddGauge(
      "pactlog_subscriber_max_lag_events",
      "Log positions the furthest-behind subscriber has yet to "
      "examine (0 when every stream is live)."));
  s->total_lag = Unlabelled(
      registry.AddGauge("pactlog_subscriber_lag_events_sum",
                        "Log positions yet to examine, summed over subscribers "
                        "(divide by pactlog_subscribers for the mean)."));
  s->held_bytes = Unlabelled(registry.AddGauge(
      "pactlog_subscriber_held_bytes",
      "Bytes of the messages held for subscribers (at most one "
      "each)."));
  s->storage_reads = Unlabelled(
      registry.AddCounter("pactlog_subscriber_storage_reads_total",
                          "Subscription messages read from storage because the "
                          "stream was behind the in-memory window."));
}

void AddSnapshotSeries(Registry& registry, ScrapedSeries* s) {
  s->snapshot_checkpoints = Unlabelled(
      registry.AddCounter("pactlog_snapshot_checkpoints_total",
                          "Snapshot checkpoints written by the writer."));
  s->snapshot_failures = Unlabelled(
      registry.AddCounter("pactlog_snapshot_checkpoint_failures_total",
                          "Snapshot checkpoints that failed to be written (the "
                          "log is unaffected; start-up replays more)."));
  s->snapshot_sequence = Unlabelled(
      registry.AddGauge("pactlog_snapshot_last_sequence",
                        "Sequence of the last snapshot checkpoint (written or "
                        "loaded at start-up); 0 when there is none."));
  s->snapshot_age = Unlabelled(
      registry.AddGauge("pactlog_snapshot_age_events",
                        "Events recorded since the last snapshot checkpoint: "
                        "what a restart now would replay."));
  s->replayed = Unlabelled(
      registry.AddGauge("pactlog_recovery_events_replayed",
                        "Events replayed at start-up after the snapshot "
                        "checkpoint it loaded."));
}

void AddRecordSeries(Registry& registry, ScrapedSeries* s) {
  s->record_position = Unlabelled(registry.AddGauge(
      "pactlog_record_applied_position",
      "Cluster mode: the last position of the log of record applied to the "
      "local data (0 in the embedded mode)."));
  s->record_entries = Unlabelled(registry.AddCounter(
      "pactlog_record_entries_applied_total",
      "Cluster mode: entries of the log of record applied since start, "
      "every replica's (an entry holds a group of requests)."));
  s->record_requests = Unlabelled(registry.AddCounter(
      "pactlog_record_requests_applied_total",
      "Cluster mode: append requests in the entries applied (divided by "
      "pactlog_record_entries_applied_total: requests per entry)."));
  s->record_refused = Unlabelled(registry.AddCounter(
      "pactlog_record_requests_refused_total",
      "Cluster mode: requests of the log of record that the deal rules "
      "refused when applied (another replica's request first changed the "
      "deal)."));
  s->record_skipped = Unlabelled(registry.AddCounter(
      "pactlog_record_entries_skipped_total",
      "Cluster mode: entries of the log of record that are not pactlog "
      "appends (each is named in a warning)."));
  s->record_reader_restarts = Unlabelled(registry.AddCounter(
      "pactlog_record_reader_restarts_total",
      "Cluster mode: readers of the log of record reopened after an error."));
  s->record_from_acks = Unlabelled(registry.AddCounter(
      "pactlog_record_entries_from_acks_total",
      "Cluster mode: this replica's own entries applied from the record's "
      "acknowledgement, before a reader brought them."));
  s->record_unconfirmed = Unlabelled(registry.AddGauge(
      "pactlog_record_entries_unconfirmed",
      "Cluster mode: entries applied from an acknowledgement whose copy in "
      "the record the reader has not yet brought to check them against."));
  s->record_halted = Unlabelled(registry.AddGauge(
      "pactlog_record_applier_halted",
      "Cluster mode: 1 once the applier stopped for good because the record "
      "holds another entry than it acknowledged (the log says why)."));
}

ScrapedSeries AddScrapedSeries(Registry& registry) {
  ScrapedSeries s;
  AddLedgerSeries(registry, &s);
  AddStorageSeries(registry, &s);
  AddSubscriberSeries(registry, &s);
  AddSnapshotSeries(registry, &s);
  AddRecordSeries(registry, &s);
  return s;
}

void CollectScraped(const ScrapedSeries& s, const ledger::Ledger& source,
                    const services::SubscriptionHub& subscriptions) {
  const bool is_ready = source.ready();
  s.ready->Set(is_ready ? 1 : 0);
  const uint64_t applied = source.applied_sequence();
  s.last_sequence->Set(static_cast<double>(applied));
  const ledger::WriterStats writer = source.writer_stats();
  // Recover() writes the recovery stats before it turns the ledger ready;
  // reading them earlier would race with it.
  const ledger::RecoveryStats recovery =
      is_ready ? source.recovery_stats() : ledger::RecoveryStats{};
  s.writer_requests->Set(static_cast<double>(writer.requests));
  s.unsynced_acks->Set(static_cast<double>(writer.acknowledged_unsynced));
  s.snapshot_checkpoints->Set(static_cast<double>(writer.checkpoints));
  s.snapshot_failures->Set(static_cast<double>(writer.checkpoint_failures));
  // Until the writer makes its first checkpoint, the last one is the one
  // start-up loaded.
  const uint64_t snapshot =
      std::max(writer.last_checkpoint_sequence, recovery.checkpoint_sequence);
  s.snapshot_sequence->Set(static_cast<double>(snapshot));
  s.snapshot_age->Set(
      static_cast<double>(applied > snapshot ? applied - snapshot : 0));
  s.replayed->Set(static_cast<double>(recovery.events_replayed));
  const ledger::ApplierStats record = source.applier_stats();
  s.record_position->Set(static_cast<double>(record.applied_position));
  s.record_entries->Set(static_cast<double>(record.entries));
  s.record_requests->Set(static_cast<double>(record.requests));
  s.record_refused->Set(static_cast<double>(record.requests_refused));
  s.record_skipped->Set(static_cast<double>(record.entries_skipped));
  s.record_reader_restarts->Set(static_cast<double>(record.reader_restarts));
  s.record_from_acks->Set(static_cast<double>(record.entries_from_acks));
  s.record_unconfirmed->Set(
      static_cast<double>(record.entries_from_acks - record.entries_confirmed));
  s.record_halted->Set(record.halted.empty() ? 0 : 1);
  const storage::StorageStats storage = source.storage_stats();
  for (const auto& part : storage.on_disk) {
    s.storage_bytes->WithLabels({"disk", part.name})
        .Set(static_cast<double>(part.bytes));
  }
  for (const auto& part : storage.in_memory) {
    s.storage_bytes->WithLabels({"memory", part.name})
        .Set(static_cast<double>(part.bytes));
  }
  s.live_bytes->Set(static_cast<double>(storage.live_data_bytes));
  const services::SubscriptionHubStats hub = subscriptions.stats();
  s.subscribers->Set(hub.subscribers);
  s.max_lag->Set(static_cast<double>(hub.max_lag_events));
  s.total_lag->Set(static_cast<double>(hub.total_lag_events));
  s.held_bytes->Set(static_cast<double>(hub.held_message_bytes));
  s.storage_reads->Set(static_cast<double>(hub.storage_reads));
}

}  // namespace

class ServerMetrics::Interceptor final
    : public grpc::experimental::Interceptor {
 public:
  Interceptor(ServerMetrics* metrics, MethodSeries* series)
      : metrics_(metrics), series_(series), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (series_->is_append && methods->QueryInterceptionHookPoint(
                                  InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      // Before serialization the message is the handler's own response.
      const auto* response =
          static_cast<const v1::AppendResponse*>(methods->GetSendMessage());
      if (response != nullptr) deduplicated_ = response->deduplicated();
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->RecordCall(*series_, methods->GetSendStatus().error_code(),
                           absl::Now() - start_, deduplicated_);
    }
    methods->Proceed();
  }

 private:
  ServerMetrics* const metrics_;
  MethodSeries* const series_;
  const absl::Time start_;
  bool deduplicated_ = false;
};

class ServerMetrics::InterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit InterceptorFactory(ServerMetrics* metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new Interceptor(metrics_, &metrics_->SeriesOf(info->method()));
  }

 private:
  ServerMetrics* const metrics_;
};

ServerMetrics::ServerMetrics(const ledger::Ledger* ledger,
                             const services::SubscriptionHub* hub)
    : ledger_(ledger),
      hub_(hub),
      grpc_requests_(registry_.AddCounter(
          "pactlog_grpc_requests_total",
          "gRPC calls finished, by service, method and status code; code "
          "!= \"OK\" are rejected requests.",
          {"service", "method", "code"})),
      appends_(registry_.AddCounter(
          "pactlog_appends_total",
          "DealLedger.Append calls by result: recorded (new events made "
          "durable), deduplicated (a retry of recorded events) or rejected.",
          {"result"})),
      events_(registry_.AddCounter(
          "pactlog_events_appended_total",
          "Events made durable since the server started, by kind.", {"kind"})),
      group_commit_events_(*Unlabelled(
          registry_.AddHistogram("pactlog_group_commit_events",
                                 "Events per synced write of the group-commit "
                                 "writer.",
                                 ExponentialBuckets(1, 2, 14)))),
      last_commit_time_(*Unlabelled(
          registry_.AddGauge("pactlog_last_commit_timestamp_seconds",
                             "Unix time of the last synced write of events."))),
      backups_(registry_.AddCounter("pactlog_backups_total",
                                    "Admin.Backup calls by status code.",
                                    {"code"})),
      backup_duration_(*Unlabelled(registry_.AddHistogram(
          "pactlog_backup_duration_seconds",
          "Time to take a backup (successful ones).",
          {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}))),
      last_backup_time_(*Unlabelled(
          registry_.AddGauge("pactlog_last_backup_timestamp_seconds",
                             "Unix time of the last successful backup."))),
      last_backup_sequence_(*Unlabelled(registry_.AddGauge(
          "pactlog_last_backup_sequence",
          "Last sequence held by the last successful backup."))),
      last_backup_bytes_(*Unlabelled(
          registry_.AddGauge("pactlog_last_backup_bytes",
                             "Size of the last successful backup's files."))) {
  registry_
      .AddGauge("pactlog_build_info",
                "Always 1; the labels say which build is running.",
                {"version", "grpc_version", "protobuf_version"})
      .WithLabels({PACTLOG_VERSION, grpc::Version(), ProtobufVersion()})
      .Set(1);

  for (const TimedMethod& m : PactlogMethods(registry_)) {
    AddMethod(m.service, m.method, m.latency, m.is_append);
  }
  for (const auto& [service, method] : kGrpcMethods) {
    AddMethod(service, method, nullptr, false);
  }
  other_.service = "other";
  other_.method = "other";

  append_results_[0] = &appends_.WithLabels({"recorded"});
  append_results_[1] = &appends_.WithLabels({"deduplicated"});
  append_results_[2] = &appends_.WithLabels({"rejected"});
  for (const char* kind : kKindNames) events_.WithLabels({kind});

  const ScrapedSeries scraped = AddScrapedSeries(registry_);
  AddProcessMetrics(registry_);

  registry_.AddCollectHook(
      [this, scraped] { CollectScraped(scraped, *ledger_, *hub_); });
}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::AddMethod(const std::string& service,
                              const std::string& method, Histogram* latency,
                              bool is_append) {
  auto series = std::make_unique<MethodSeries>();
  series->service = service;
  series->method = method;
  series->latency = latency;
  series->is_append = is_append;
  methods_[absl::StrCat("/", service, "/", method)] = std::move(series);
}

ServerMetrics::MethodSeries& ServerMetrics::SeriesOf(const char* full_method) {
  if (full_method != nullptr) {
    auto it = methods_.find(full_method);
    if (it != methods_.end()) return *it->second;
  }
  return other_;
}

void ServerMetrics::RecordCall(MethodSeries& series, grpc::StatusCode code,
                               absl::Duration took, bool deduplicated) {
  int index = static_cast<int>(code);
  if (index < 0 || index >= 17) index = grpc::StatusCode::UNKNOWN;
  Counter* counter = series.by_code[index].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Two first calls may both look it up; they find the same series.
    counter = &grpc_requests_.WithLabels(
        {series.service, series.method, kCodeNames[index]});
    series.by_code[index].store(counter, std::memory_order_release);
  }
  counter->Increment();
  if (series.latency != nullptr) {
    series.latency->Observe(absl::ToDoubleSeconds(took));
  }
  if (series.is_append) {
    append_results_[code != grpc::StatusCode::OK ? 2
                    : deduplicated               ? 1
                                                 : 0]
        ->Increment();
  }
}

void ServerMetrics::OnCommit(absl::Span<const v1::Event> events) {
  if (events.empty()) return;
  uint64_t by_kind[kKindCount] = {};
  for (const v1::Event& event : events) ++by_kind[KindOf(event)];
  for (int kind = 0; kind < kKindCount; ++kind) {
    if (by_kind[kind] > 0) {
      events_.WithLabels({kKindNames[kind]})
          .Increment(static_cast<double>(by_kind[kind]));
    }
  }
  group_commit_events_.Observe(static_cast<double>(events.size()));
  last_commit_time_.Set(UnixSeconds(absl::Now()));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
ServerMetrics::NewInterceptorFactory() {
  return std::make_unique<InterceptorFactory>(this);
}

void ServerMetrics::OnBackup(const absl::Status& status, uint64_t sequence,
                             uint64_t bytes, absl::Duration took) {
  const int code = static_cast<int>(status.code());
  backups_.WithLabels({code >= 0 && code < 17 ? kCodeNames[code] : "UNKNOWN"})
      .Increment();
  if (!status.ok()) return;
  backup_duration_.Observe(absl::ToDoubleSeconds(took));
  last_backup_time_.Set(UnixSeconds(absl::Now()));
  last_backup_sequence_.Set(static_cast<double>(sequence));
  last_backup_bytes_.Set(static_cast<double>(bytes));
}

}  // namespace pactlog::metrics
