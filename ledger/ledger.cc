#include "ledger/ledger.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "domain/hash_chain.h"
#include "domain/validation.h"
#include "pactlog/internal/deal_snapshot.pb.h"
#include "pactlog/internal/record_entry.pb.h"
#include "util/status_macros.h"

namespace pactlog::ledger {
namespace {

namespace v1 = ::pactlog::v1;

// A random (version 4) UUID in its canonical text form.
std::string NewEventId(absl::BitGen& gen) {
  uint64_t hi = absl::Uniform<uint64_t>(gen);
  uint64_t lo = absl::Uniform<uint64_t>(gen);
  hi = (hi & ~uint64_t{0xF000}) | uint64_t{0x4000};
  lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32,
                         (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                         lo & 0xFFFFFFFFFFFFULL);
}

}  // namespace

AsOfBounds AsOfBounds::FromProto(const v1::AsOf& as_of) {
  AsOfBounds bounds;
  bounds.max_sequence = as_of.sequence();
  if (as_of.has_recorded_time()) {
    bounds.max_recorded_time = domain::ToAbslTime(as_of.recorded_time());
  }
  if (as_of.has_effective_time()) {
    bounds.max_effective_time = domain::ToAbslTime(as_of.effective_time());
  }
  return bounds;
}

// The work of one group commit: the requests taken from the queue, the
// events they add and the deal states they change, staged apart from the
// live state until the synced write succeeds.
class Ledger::Batch {
 public:
  // `chain_head`: the hash of the last event of the log.
  Batch(Ledger* ledger, absl::Time now, std::string chain_head)
      : ledger_(ledger),
        now_(now),
        next_sequence_(ledger->applied_sequence() + 1),
        chain_head_(std::move(chain_head)) {}

  // The recorded time of the requests prepared from now on.
  void set_now(absl::Time now) { now_ = now; }

  // Checks one request against the staged state and, when it passes,
  // stages its events. On error nothing of the request is staged.
  // `*needs_write` tells whether the answer depends on the batch's write.
  absl::Status Prepare(const v1::AppendRequest& request,
                       v1::AppendResponse* response, bool* needs_write);

  std::vector<v1::Event>& events() { return events_; }
  // The hash of the last event staged (of the log when none is).
  const std::string& chain_head() const { return chain_head_; }
  // Moves the staged deal states into `live`.
  void Publish(std::map<std::string, std::shared_ptr<const domain::DealState>,
                        std::less<>>* live);

 private:
  // The stored (or staged) event recorded under `event_id`, or nullptr.
  absl::StatusOr<const v1::Event*> FindEvent(const std::string& event_id,
                                             bool* staged);
  absl::Status CheckExpectedVersion(const v1::AppendRequest& request,
                                    uint64_t current) const;
  domain::DealState& StagedDeal(const std::string& deal_id);
  // Rebuilds the staged state of `deal_id` from the live state and the
  // events of the batch staged so far.
  void RestageDeal(const std::string& deal_id);
  v1::Event MakeEvent(const v1::AppendRequest& request, int index,
                      uint64_t sequence, uint64_t deal_version);

  Ledger* const ledger_;
  absl::Time now_;
  uint64_t next_sequence_;
  std::vector<v1::Event> events_;
  // Event id -> index in events_.
  absl::flat_hash_map<std::string, size_t> staged_ids_;
  std::map<std::string, std::shared_ptr<domain::DealState>> staged_deals_;
  // Events fetched from the log for idempotency checks.
  std::vector<std::unique_ptr<v1::Event>> fetched_;
  absl::BitGen gen_;
  std::string chain_head_;
};

absl::StatusOr<const v1::Event*> Ledger::Batch::FindEvent(
    const std::string& event_id, bool* staged) {
  if (auto it = staged_ids_.find(event_id); it != staged_ids_.end()) {
    *staged = true;
    return &events_[it->second];
  }
  ASSIGN_OR_RETURN(std::optional<storage::EventIdEntry> entry,
                   ledger_->log_->FindEventId(event_id));
  if (!entry) return nullptr;
  ASSIGN_OR_RETURN(v1::Event stored, ledger_->log_->Get(entry->sequence));
  fetched_.push_back(std::make_unique<v1::Event>(std::move(stored)));
  return fetched_.back().get();
}

absl::Status Ledger::Batch::CheckExpectedVersion(
    const v1::AppendRequest& request, uint64_t current) const {
  if (!request.has_expected_version()) return absl::OkStatus();
  const v1::ExpectedVersion& expected = request.expected_version();
  switch (expected.condition_case()) {
    case v1::ExpectedVersion::kNoDeal:
      if (current != 0) {
        return absl::AbortedError(absl::StrCat(
            "deal \"", request.deal_id(), "\" already exists at version ",
            current, "; expected_version requires no deal"));
      }
      break;
    case v1::ExpectedVersion::kExact:
      if (current != expected.exact()) {
        return absl::AbortedError(absl::StrCat(
            "deal \"", request.deal_id(), "\" is at version ", current,
            "; expected_version.exact is ", expected.exact()));
      }
      break;
    case v1::ExpectedVersion::kAny:
    case v1::ExpectedVersion::CONDITION_NOT_SET:
      break;
  }
  return absl::OkStatus();
}

domain::DealState& Ledger::Batch::StagedDeal(const std::string& deal_id) {
  auto it = staged_deals_.find(deal_id);
  if (it == staged_deals_.end()) {
    std::shared_ptr<const domain::DealState> live = ledger_->Deal(deal_id);
    auto copy = live ? std::make_shared<domain::DealState>(*live)
                     : std::make_shared<domain::DealState>();
    it = staged_deals_.emplace(deal_id, std::move(copy)).first;
  }
  return *it->second;
}

void Ledger::Batch::RestageDeal(const std::string& deal_id) {
  std::shared_ptr<const domain::DealState> live = ledger_->Deal(deal_id);
  auto state = live ? std::make_shared<domain::DealState>(*live)
                    : std::make_shared<domain::DealState>();
  for (const v1::Event& event : events_) {
    if (event.deal_id() == deal_id) state->Apply(event);
  }
  staged_deals_[deal_id] = std::move(state);
}

v1::Event Ledger::Batch::MakeEvent(const v1::AppendRequest& request, int index,
                                   uint64_t sequence, uint64_t deal_version) {
  v1::Event event;
  event.set_sequence(sequence);
  event.set_deal_id(request.deal_id());
  event.set_deal_version(deal_version);
  domain::ToProtoTime(now_, event.mutable_recorded_time());
  event.set_actor(request.actor());
  *event.mutable_data() = request.events(index);
  if (event.data().event_id().empty()) {
    event.mutable_data()->set_event_id(NewEventId(gen_));
  }
  if (!event.data().has_effective_time()) {
    *event.mutable_data()->mutable_effective_time() = event.recorded_time();
  }
  return event;
}

absl::Status Ledger::Batch::Prepare(const v1::AppendRequest& request,
                                    v1::AppendResponse* response,
                                    bool* needs_write) {
  *needs_write = false;
  // Idempotency first: a retry of a recorded request gets its original
  // result whatever the deal's version is now.
  int recorded = 0;
  bool any_staged = false;
  std::vector<const v1::Event*> originals(request.events_size(), nullptr);
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::EventData& data = request.events(i);
    if (data.event_id().empty()) continue;
    bool staged = false;
    ASSIGN_OR_RETURN(const v1::Event* original,
                     FindEvent(data.event_id(), &staged));
    if (original == nullptr) continue;
    if (!domain::IsRetryOf(request.deal_id(), data, *original)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "events[", i, "].event_id \"", data.event_id(),
          "\" was recorded at sequence ", original->sequence(), " in deal \"",
          original->deal_id(), "\" with different content"));
    }
    any_staged |= staged;
    originals[i] = original;
    ++recorded;
  }
  if (recorded > 0) {
    if (recorded != request.events_size()) {
      int known = 0, fresh = 0;
      for (int i = 0; i < request.events_size(); ++i) {
        (originals[i] != nullptr ? known : fresh) = i;
      }
      return absl::AlreadyExistsError(absl::StrCat(
          "events[", known, "].event_id \"", request.events(known).event_id(),
          "\" is already recorded at sequence ", originals[known]->sequence(),
          " but events[", fresh,
          "] is not: a retry must repeat the original request exactly"));
    }
    for (const v1::Event* original : originals) {
      response->add_sequences(original->sequence());
      response->add_event_ids(original->data().event_id());
    }
    response->set_deal_version(originals.back()->deal_version());
    *response->mutable_recorded_time() = originals.back()->recorded_time();
    response->set_deduplicated(true);
    *needs_write = any_staged;
    return absl::OkStatus();
  }

  domain::DealState& staged = StagedDeal(request.deal_id());
  RETURN_IF_ERROR(CheckExpectedVersion(request, staged.version()));

  const uint64_t first_sequence = next_sequence_;
  std::vector<v1::Event> accepted;
  accepted.reserve(request.events_size());
  // Later events of a request may depend on earlier ones (a project
  // announced, then approved), so each is checked against the state with
  // the ones before it folded in. If one fails, the deal's staged state is
  // rebuilt without the request (rare, and cheaper than copying the state
  // for every request).
  for (int i = 0; i < request.events_size(); ++i) {
    v1::Event event =
        MakeEvent(request, i, first_sequence + i, staged.version() + 1);
    absl::Status rule = staged.CheckRules(event);
    if (!rule.ok()) {
      if (i > 0) RestageDeal(request.deal_id());
      if (request.events_size() == 1) return rule;
      return absl::Status(rule.code(),
                          absl::StrCat("events[", i, "]: ", rule.message()));
    }
    staged.Apply(event);
    accepted.push_back(std::move(event));
  }

  for (v1::Event& event : accepted) {
    event.set_hash(domain::ChainHash(chain_head_, event));
    chain_head_ = event.hash();
    response->add_sequences(event.sequence());
    response->add_event_ids(event.data().event_id());
    staged_ids_[event.data().event_id()] = events_.size();
    events_.push_back(std::move(event));
  }
  response->set_deal_version(staged.version());
  domain::ToProtoTime(now_, response->mutable_recorded_time());
  response->set_deduplicated(false);
  next_sequence_ += accepted.size();
  *needs_write = true;
  return absl::OkStatus();
}

void Ledger::Batch::Publish(
    std::map<std::string, std::shared_ptr<const domain::DealState>,
             std::less<>>* live) {
  for (auto& [deal_id, state] : staged_deals_) {
    if (!state->exists()) continue;
    (*live)[deal_id] = std::move(state);
  }
}

Ledger::Ledger(std::unique_ptr<storage::EventLog> log, LedgerOptions options)
    : Ledger(std::move(log), nullptr, std::move(options)) {}

Ledger::Ledger(std::unique_ptr<storage::EventLog> log,
               std::unique_ptr<storage::RecordLog> record,
               LedgerOptions options)
    : log_(std::move(log)),
      record_(std::move(record)),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &system_clock_) {
  if (record_ != nullptr) {
    absl::BitGen gen;
    proposer_id_ = NewEventId(gen);
  }
}

Ledger::~Ledger() { Stop(); }

void Ledger::AddCommitObserver(CommitObserver observer) {
  observers_.push_back(std::move(observer));
}

uint64_t Ledger::LoadCheckpoint(
    std::map<std::string, domain::DealState, std::less<>>* states) {
  // Snapshots are a cache: anything unusable about them means a full
  // replay, never an error.
  absl::StatusOr<std::optional<storage::SnapshotCheckpoint>> checkpoint =
      log_->LastCheckpoint();
  if (!checkpoint.ok() || !checkpoint->has_value() ||
      (*checkpoint)->sequence == 0 ||
      (*checkpoint)->sequence > log_->LastSequence()) {
    return 0;
  }
  const storage::SnapshotCheckpoint at = **checkpoint;
  bool usable = true;
  absl::Status scanned = log_->ScanLatestSnapshots(
      at.sequence, [&](const storage::SnapshotRecord& record) {
        absl::StatusOr<domain::DealState> state =
            domain::DealState::DecodeSnapshot(record.bytes, record.deal_id,
                                              record.sequence);
        usable = state.ok();
        if (usable) states->emplace(record.deal_id, *std::move(state));
        return usable;
      });
  if (!scanned.ok() || !usable || states->size() != at.deal_count) {
    states->clear();
    return 0;
  }
  return at.sequence;
}

absl::Status Ledger::Recover() {
  std::map<std::string, domain::DealState, std::less<>> states;
  const uint64_t checkpoint = LoadCheckpoint(&states);
  recovery_stats_ = RecoveryStats{
      .checkpoint_sequence = checkpoint,
      .deals_from_snapshots = states.size(),
  };
  uint64_t expected_sequence = checkpoint + 1;
  absl::Status broken;
  absl::Time last_recorded = absl::InfinitePast();
  for (const auto& [deal_id, state] : states) {
    last_recorded = std::max(last_recorded, state.last_recorded_time());
  }
  RETURN_IF_ERROR(log_->Scan(checkpoint, [&](const v1::Event& event) {
    if (event.sequence() != expected_sequence) {
      broken = absl::DataLossError(
          absl::StrCat("log has a gap: expected sequence ", expected_sequence,
                       ", found ", event.sequence()));
      return false;
    }
    domain::DealState& state = states[event.deal_id()];
    if (event.deal_version() != state.version() + 1) {
      broken = absl::DataLossError(absl::StrCat(
          "event at sequence ", event.sequence(), " has deal_version ",
          event.deal_version(), " but deal \"", event.deal_id(), "\" is at ",
          state.version()));
      return false;
    }
    state.Apply(event);
    last_recorded =
        std::max(last_recorded, domain::ToAbslTime(event.recorded_time()));
    ++expected_sequence;
    return true;
  }));
  RETURN_IF_ERROR(broken);
  recovery_stats_.events_replayed = expected_sequence - 1 - checkpoint;
  events_since_checkpoint_ = recovery_stats_.events_replayed;
  // A deal changed after the checkpoint has no snapshot of its current
  // state yet: the next checkpoint must write one, or a later start-up
  // would take its older snapshot for current and skip those events.
  for (const auto& [deal_id, state] : states) {
    if (state.last_sequence() > checkpoint) dirty_deals_.insert(deal_id);
  }
  ASSIGN_OR_RETURN(last_hash_, ChainHeadAt(expected_sequence - 1));

  {
    absl::MutexLock lock(&state_mu_);
    for (auto& [deal_id, state] : states) {
      deals_.emplace(
          deal_id, std::make_shared<const domain::DealState>(std::move(state)));
    }
  }
  last_recorded_time_ = last_recorded;
  applied_sequence_.store(expected_sequence - 1, std::memory_order_release);
  if (record_ != nullptr) {
    // The projection is at some position of the record; apply the record
    // from there through its last entry before serving.
    ASSIGN_OR_RETURN(const uint64_t position, log_->SourcePosition());
    ASSIGN_OR_RETURN(const uint64_t head, record_->LastPosition());
    if (position > head) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the local data has applied ", record_->Describe(),
          " through position ", position, " but it ends at ", head,
          ": it is not the record this data came from (recreated?). Delete "
          "the data directory to rebuild it from this record."));
    }
    {
      absl::MutexLock lock(&apply_mu_);
      applier_stop_ = false;
      applier_stats_.applied_position = position;
    }
    applier_ = std::thread(&Ledger::ApplierLoop, this);
    if (!AwaitPosition(head, absl::InfiniteFuture())) {
      return absl::UnavailableError(absl::StrCat(
          "stopped before applying ", record_->Describe(), " through ", head));
    }
  }
  {
    absl::MutexLock lock(&queue_mu_);
    accepting_ = true;
    stop_ = false;
  }
  writer_ = std::thread(&Ledger::WriterLoop, this);
  ready_.store(true, std::memory_order_release);
  return absl::OkStatus();
}

void Ledger::Stop() {
  {
    absl::MutexLock lock(&queue_mu_);
    accepting_ = false;
    stop_ = true;
  }
  ready_.store(false, std::memory_order_release);
  if (writer_.joinable()) writer_.join();
  // The writer may wait for the applier, so the applier stops last.
  {
    absl::MutexLock lock(&apply_mu_);
    applier_stop_ = true;
  }
  if (applier_.joinable()) applier_.join();
}

void Ledger::Append(const v1::AppendRequest* request,
                    v1::AppendResponse* response, AppendDone done) {
  {
    absl::MutexLock lock(&queue_mu_);
    if (accepting_) {
      queue_.push_back(Pending{request, response, std::move(done)});
      return;
    }
  }
  done(absl::UnavailableError(
      "the ledger is not accepting appends (starting or shutting down); "
      "retry"));
}

void Ledger::WriterLoop() {
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    return !queue_.empty() || stop_;
  };
  std::vector<Pending> batch;
  while (true) {
    batch.clear();
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.Await(absl::Condition(&has_work));
      if (queue_.empty()) return;  // stop_ and drained
      int events = 0;
      while (!queue_.empty() &&
             static_cast<int>(batch.size()) < options_.max_batch_requests) {
        int size = queue_.front().request->events_size();
        if (!batch.empty() && events + size > options_.max_batch_events) break;
        events += size;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (record_ != nullptr) {
      ProposeBatch(batch);
    } else {
      ProcessBatch(batch);
    }
  }
}

void Ledger::ProcessBatch(std::vector<Pending>& pending) {
  const absl::Time now = std::max(clock_->Now(), last_recorded_time_);
  Batch batch(this, now, last_hash_);
  std::vector<absl::Status> results(pending.size());
  std::vector<bool> needs_write(pending.size(), false);
  for (size_t i = 0; i < pending.size(); ++i) {
    bool write = false;
    results[i] =
        batch.Prepare(*pending[i].request, pending[i].response, &write);
    needs_write[i] = write;
  }

  if (!batch.events().empty()) {
    absl::Status written = log_->Append(batch.events());
    if (written.ok()) {
      Commit(batch, now);
    } else {
      for (size_t i = 0; i < pending.size(); ++i) {
        if (results[i].ok() && needs_write[i]) {
          results[i] = absl::UnavailableError(absl::StrCat(
              "the write to the log failed and nothing of this request was "
              "recorded; retry: ",
              written.message()));
        }
      }
    }
  }
  {
    absl::MutexLock lock(&state_mu_);
    stats_.requests += pending.size();
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    pending[i].done(std::move(results[i]));
  }
}

void Ledger::Commit(Batch& batch, absl::Time last_recorded) {
  const uint64_t last = batch.events().back().sequence();
  const size_t count = batch.events().size();
  {
    absl::MutexLock lock(&state_mu_);
    batch.Publish(&deals_);
    ++stats_.batches;
    stats_.events_written += count;
  }
  applied_sequence_.store(last, std::memory_order_release);
  last_recorded_time_ = last_recorded;
  last_hash_ = batch.chain_head();
  // Moved, not copied: the subscription window keeps them.
  const CommittedEvents committed =
      std::make_shared<const std::vector<v1::Event>>(std::move(batch.events()));
  for (const CommitObserver& observer : observers_) {
    observer(committed);
  }
  if (options_.snapshot_interval > 0) {
    for (const v1::Event& event : *committed) {
      dirty_deals_.insert(event.deal_id());
    }
    events_since_checkpoint_ += count;
    if (events_since_checkpoint_ >= options_.snapshot_interval) {
      WriteCheckpoint();
    }
  }
}

void Ledger::WriteCheckpoint() {
  std::vector<std::shared_ptr<const domain::DealState>> changed;
  storage::SnapshotCheckpoint checkpoint;
  {
    absl::ReaderMutexLock lock(&state_mu_);
    checkpoint.sequence = applied_sequence();
    checkpoint.deal_count = deals_.size();
    changed.reserve(dirty_deals_.size());
    for (const std::string& deal_id : dirty_deals_) {
      auto it = deals_.find(deal_id);
      if (it != deals_.end()) changed.push_back(it->second);
    }
  }
  std::vector<storage::SnapshotRecord> records;
  records.reserve(changed.size());
  internal::DealSnapshot snapshot;
  for (const auto& state : changed) {
    state->ToSnapshot(&snapshot);
    records.push_back(storage::SnapshotRecord{
        .deal_id = state->deal_id(),
        .sequence = state->last_sequence(),
        .bytes = snapshot.SerializeAsString(),
    });
  }
  // On failure the deals stay dirty and the next interval tries again; the
  // snapshots are only a cache, so appends go on regardless.
  events_since_checkpoint_ = 0;
  const absl::Status written = log_->WriteCheckpoint(checkpoint, records);
  absl::MutexLock lock(&state_mu_);
  if (written.ok()) {
    dirty_deals_.clear();
    ++stats_.checkpoints;
    stats_.last_checkpoint_sequence = checkpoint.sequence;
  } else {
    ++stats_.checkpoint_failures;
  }
}

absl::StatusOr<domain::DealState> Ledger::StateFromSnapshot(
    std::string_view deal_id, uint64_t max_sequence) const {
  ASSIGN_OR_RETURN(std::optional<storage::SnapshotRecord> record,
                   log_->FindSnapshot(deal_id, max_sequence));
  if (record.has_value()) {
    absl::StatusOr<domain::DealState> state = domain::DealState::DecodeSnapshot(
        record->bytes, deal_id, record->sequence);
    if (state.ok()) return state;
  }
  // None, or one this build cannot use: fold from the first event.
  return domain::DealState();
}

std::shared_ptr<const domain::DealState> Ledger::Deal(
    std::string_view deal_id, uint64_t* applied_sequence) const {
  absl::ReaderMutexLock lock(&state_mu_);
  if (applied_sequence != nullptr) *applied_sequence = this->applied_sequence();
  auto it = deals_.find(deal_id);
  return it == deals_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const domain::DealState>> Ledger::Deals(
    std::string_view after_id, int limit, uint64_t* applied_sequence) const {
  std::vector<std::shared_ptr<const domain::DealState>> out;
  absl::ReaderMutexLock lock(&state_mu_);
  if (applied_sequence != nullptr) *applied_sequence = this->applied_sequence();
  for (auto it = deals_.upper_bound(after_id);
       it != deals_.end() && static_cast<int>(out.size()) < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const domain::DealState>> Ledger::DealAsOf(
    std::string_view deal_id, const AsOfBounds& bounds,
    uint64_t* applied_sequence) const {
  uint64_t applied = 0;
  std::shared_ptr<const domain::DealState> live = Deal(deal_id, &applied);
  if (applied_sequence != nullptr) {
    *applied_sequence = bounds.max_sequence == 0
                            ? applied
                            : std::min(bounds.max_sequence, applied);
  }
  if (live == nullptr) return live;
  // Events past the live state's last sequence may be durable but not yet
  // applied; the answer never runs ahead of the live state.
  uint64_t max_sequence = bounds.max_sequence == 0
                              ? applied
                              : std::min(bounds.max_sequence, applied);
  // Recorded times are non-decreasing in log order, so a recorded-time
  // bound is a sequence bound.
  if (bounds.max_recorded_time) {
    ASSIGN_OR_RETURN(const uint64_t recorded_by,
                     storage::LastSequenceRecordedBefore(
                         *log_, max_sequence,
                         *bounds.max_recorded_time + absl::Nanoseconds(1)));
    max_sequence = std::min(max_sequence, recorded_by);
  }
  if (!bounds.max_effective_time && max_sequence >= live->last_sequence()) {
    return live;
  }
  // An effective-time bound skips events anywhere in the deal's history,
  // so it folds from the first event; a sequence bound starts from the
  // latest snapshot before it.
  auto state = std::make_shared<domain::DealState>();
  if (!bounds.max_effective_time) {
    ASSIGN_OR_RETURN(*state, StateFromSnapshot(deal_id, max_sequence));
  }
  RETURN_IF_ERROR(
      log_->ScanDeal(deal_id, state->version(), [&](const v1::Event& event) {
        if (event.sequence() > max_sequence) return false;
        if (bounds.max_effective_time &&
            domain::ToAbslTime(event.data().effective_time()) >
                *bounds.max_effective_time) {
          return true;
        }
        state->Apply(event);
        return true;
      }));
  if (!state->exists()) return nullptr;
  return state;
}

absl::StatusOr<std::string> Ledger::ChainHeadAt(uint64_t sequence) const {
  if (sequence == 0) return domain::GenesisHash();
  ASSIGN_OR_RETURN(const v1::Event event, log_->Get(sequence));
  if (event.hash().size() != domain::kChainHashBytes) {
    return absl::DataLossError(absl::StrCat(
        "event at sequence ", sequence, " has no hash (", event.hash().size(),
        " bytes); the hash chain is broken there"));
  }
  return event.hash();
}

absl::StatusOr<ChainVerification> Ledger::VerifyChain(
    uint64_t after_sequence, std::string_view trusted_hash) const {
  const uint64_t head = applied_sequence();
  if (after_sequence > head) {
    return absl::OutOfRangeError(
        absl::StrCat("after_sequence ", after_sequence,
                     " is beyond the last sequence of the log, ", head));
  }
  ChainVerification result;
  std::string previous;
  if (after_sequence == 0) {
    previous = domain::GenesisHash();
  } else {
    absl::StatusOr<v1::Event> start = log_->Get(after_sequence);
    if (!start.ok()) return start.status();
    previous = start->hash();
  }
  if (!trusted_hash.empty() && trusted_hash != previous) {
    result.first_broken_sequence = after_sequence;
    result.problem =
        absl::StrCat("the hash at sequence ", after_sequence, " is ",
                     domain::HashHex(previous), ", not the trusted ",
                     domain::HashHex(trusted_hash));
    return result;
  }
  result.verified_through = after_sequence;
  result.head_hash = previous;
  absl::Status scanned =
      log_->Scan(after_sequence, [&](const v1::Event& event) {
        if (event.sequence() > head) return false;
        const std::string expected = domain::ChainHash(previous, event);
        if (event.hash() != expected) {
          result.first_broken_sequence = event.sequence();
          result.problem =
              absl::StrCat("event at sequence ", event.sequence(), " has hash ",
                           domain::HashHex(event.hash()),
                           " but its content and the "
                           "previous hash give ",
                           domain::HashHex(expected));
          return false;
        }
        previous = expected;
        result.verified_through = event.sequence();
        result.head_hash = expected;
        return true;
      });
  if (!scanned.ok()) {
    if (scanned.code() != absl::StatusCode::kDataLoss) return scanned;
    // An event that does not decode breaks the chain too.
    result.first_broken_sequence = result.verified_through + 1;
    result.problem = std::string(scanned.message());
  }
  return result;
}

WriterStats Ledger::writer_stats() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return stats_;
}

// ---------------------------------------------------------------------------
// Replicated mode: the writer proposes, the applier applies.

namespace {

// The de-duplication id (Nats-Msg-Id) of an entry named by its proposer:
// only the proposer's own republishing of it is folded.
std::string ProposerDedupId(const internal::RecordEntry& entry) {
  return absl::StrCat("p-", entry.proposer(), "-", entry.proposal());
}

// The de-duplication id of an entry's first publication. A request whose
// events all carry the caller's event ids is named by its content, so a
// caller's retry through any replica within the record's window is stored
// once; any other by its proposer.
std::string DedupId(const v1::AppendRequest& original,
                    const internal::RecordEntry& entry) {
  bool all_ids = original.events_size() > 0;
  for (const v1::EventData& data : original.events()) {
    all_ids &= !data.event_id().empty();
  }
  if (!all_ids) return ProposerDedupId(entry);
  return absl::StrCat(
      "c-",
      domain::HashHex(domain::Sha256(domain::DeterministicBytes(original))));
}

// Whether `status` is a verdict of the rules (the same on every replica)
// rather than a failure to reach a verdict.
bool IsRuleOutcome(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return true;
    default:
      return false;
  }
}

}  // namespace

void Ledger::AbortRecovery() {
  absl::MutexLock lock(&apply_mu_);
  applier_stop_ = true;
}

void Ledger::Warn(std::string_view message) const {
  if (options_.warn) options_.warn(message);
}

bool Ledger::AwaitApplied(uint64_t sequence, absl::Time deadline) const {
  if (applied_sequence() >= sequence) return true;
  if (record_ == nullptr) return false;
  auto reached = [this, sequence]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return applied_sequence() >= sequence || applier_stop_;
  };
  absl::MutexLock lock(&apply_mu_);
  apply_mu_.AwaitWithDeadline(absl::Condition(&reached), deadline);
  return applied_sequence() >= sequence;
}

bool Ledger::AwaitPosition(uint64_t position, absl::Time deadline) const {
  auto reached = [this, position]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return applier_stats_.applied_position >= position || applier_stop_;
  };
  absl::MutexLock lock(&apply_mu_);
  apply_mu_.AwaitWithDeadline(absl::Condition(&reached), deadline);
  return applier_stats_.applied_position >= position;
}

ApplierStats Ledger::applier_stats() const {
  absl::MutexLock lock(&apply_mu_);
  return applier_stats_;
}

void Ledger::ApplierLoop() {
  uint64_t position;
  {
    absl::MutexLock lock(&apply_mu_);
    position = applier_stats_.applied_position;
  }
  auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return applier_stop_;
  };
  // Waits `backoff` unless asked to stop; returns whether to stop.
  auto pause = [&](absl::Duration backoff) {
    absl::MutexLock lock(&apply_mu_);
    return apply_mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff);
  };
  const absl::Duration kFirstBackoff = absl::Milliseconds(50);
  absl::Duration backoff = kFirstBackoff;
  std::unique_ptr<storage::RecordReader> reader;
  std::vector<storage::RecordEntry> entries;
  while (true) {
    {
      absl::MutexLock lock(&apply_mu_);
      if (applier_stop_) return;
    }
    absl::Status status;
    if (reader == nullptr) {
      absl::StatusOr<std::unique_ptr<storage::RecordReader>> opened =
          record_->Read(position);
      if (opened.ok()) {
        reader = *std::move(opened);
      } else {
        status = opened.status();
      }
    }
    if (reader != nullptr) {
      entries.clear();
      status = reader->Next(absl::Milliseconds(100),
                            static_cast<size_t>(options_.max_batch_requests),
                            &entries);
      if (status.ok() && !entries.empty()) {
        status = ApplyEntries(entries);
        if (status.ok()) position = entries.back().position;
      }
    }
    if (status.ok()) {
      backoff = kFirstBackoff;
      continue;
    }
    // Reopen the reader from the last position applied: nothing is skipped
    // and nothing is applied twice.
    Warn(absl::StrCat("applying the log of record after position ", position,
                      ": ", status.ToString(), "; retrying in ",
                      absl::FormatDuration(backoff)));
    reader.reset();
    {
      absl::MutexLock lock(&apply_mu_);
      ++applier_stats_.reader_restarts;
    }
    if (pause(backoff)) return;
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

absl::Status Ledger::ApplyEntries(
    absl::Span<const storage::RecordEntry> entries) {
  Batch batch(this, last_recorded_time_, last_hash_);
  absl::Time last_recorded = last_recorded_time_;
  std::vector<std::pair<uint64_t, Outcome>> outcomes;
  std::vector<std::pair<std::string, uint64_t>> positions;
  uint64_t refused = 0, skipped = 0;
  internal::RecordEntry entry;
  for (const storage::RecordEntry& raw : entries) {
    positions.emplace_back(raw.deal_id, raw.position);
    // Every replica decides the same for the same entry: only the entry and
    // the state before it go into the decision.
    bool ours = entry.ParseFromString(raw.payload) &&
                entry.request().deal_id() == raw.deal_id &&
                domain::ValidateAppendRequest(entry.request()).ok();
    for (const v1::EventData& data : entry.request().events()) {
      ours &= !data.event_id().empty();
    }
    if (!ours) {
      ++skipped;
      Warn(absl::StrCat("skipping the entry at position ", raw.position,
                        " of the log of record: it is not a pactlog append "
                        "for deal \"",
                        raw.deal_id, "\""));
      continue;
    }
    const absl::Time now =
        std::max(last_recorded, domain::ToAbslTime(entry.proposed_time()));
    batch.set_now(now);
    Outcome outcome;
    bool needs_write = false;
    outcome.status =
        batch.Prepare(entry.request(), &outcome.response, &needs_write);
    if (!IsRuleOutcome(outcome.status)) {
      // The local log could not be read (an I/O error, corruption): the
      // entry's fate must not depend on this replica's disk, so nothing of
      // this group is applied and the applier tries again.
      return outcome.status;
    }
    if (!outcome.status.ok()) ++refused;
    if (outcome.status.ok() && !outcome.response.deduplicated()) {
      last_recorded = now;
    }
    if (entry.proposer() == proposer_id_) {
      outcomes.emplace_back(raw.position, std::move(outcome));
    }
  }
  const uint64_t last_position = entries.back().position;
  {
    // Proposers check against the log, the state and the positions
    // together; they change together.
    absl::WriterMutexLock view(&view_mu_);
    RETURN_IF_ERROR(log_->AppendApplied(batch.events(), last_position));
    if (!batch.events().empty()) Commit(batch, last_recorded);
    absl::MutexLock lock(&state_mu_);
    for (auto& [deal_id, position] : positions) {
      deal_positions_[deal_id] = position;
    }
  }
  absl::MutexLock lock(&apply_mu_);
  applier_stats_.applied_position = last_position;
  applier_stats_.entries += entries.size();
  applier_stats_.entries_refused += refused;
  applier_stats_.entries_skipped += skipped;
  for (auto& [position, outcome] : outcomes) {
    outcomes_[position] = std::move(outcome);
  }
  // Outcomes nobody came for (the writer gave up waiting) go eventually.
  constexpr uint64_t kOutcomeHorizon = 1'000'000;
  if (last_position > kOutcomeHorizon) {
    outcomes_.erase(outcomes_.begin(),
                    outcomes_.lower_bound(last_position - kOutcomeHorizon));
  }
  return absl::OkStatus();
}

void Ledger::ProposeBatch(std::vector<Pending>& pending) {
  const size_t n = pending.size();
  std::vector<absl::Status> results(n);
  std::vector<int> attempts(n, 0);
  std::vector<internal::RecordEntry> entries(n);
  std::vector<size_t> remaining(n);
  for (size_t i = 0; i < n; ++i) remaining[i] = i;
  auto unavailable = [this](absl::string_view why) {
    return absl::UnavailableError(
        absl::StrCat(why, " (", record_->Describe(), "); retry"));
  };
  while (!remaining.empty()) {
    // One request per deal per round: a deal's next request is checked
    // against the state its previous one leaves.
    std::vector<size_t> round, later;
    std::set<std::string_view> deals;
    for (size_t i : remaining) {
      (deals.insert(pending[i].request->deal_id()).second ? round : later)
          .push_back(i);
    }
    // The position of each deal's last entry, looked up in the record for
    // deals not touched since start, and applied here before the check.
    std::vector<size_t> located;
    for (size_t i : round) {
      const std::string& deal_id = pending[i].request->deal_id();
      {
        absl::ReaderMutexLock lock(&state_mu_);
        if (deal_positions_.contains(deal_id)) {
          located.push_back(i);
          continue;
        }
      }
      absl::StatusOr<uint64_t> position = record_->DealPosition(deal_id);
      if (!position.ok()) {
        results[i] = unavailable(position.status().message());
        continue;
      }
      if (!AwaitPosition(*position, absl::Now() + options_.apply_timeout)) {
        results[i] = unavailable(absl::StrCat(
            "this replica has not applied the log of record through "
            "position ",
            *position, " yet"));
        continue;
      }
      {
        // The applier may have recorded a later one meanwhile: keep it.
        absl::MutexLock lock(&state_mu_);
        deal_positions_.emplace(deal_id, *position);
      }
      located.push_back(i);
    }

    const absl::Time now = clock_->Now();
    Batch check(this, now, std::string());
    std::vector<storage::RecordProposal> proposals;
    std::vector<size_t> proposed;
    // The checks see one applied prefix of the record: the state, the event
    // ids and the deal positions all as of the same entry.
    view_mu_.ReaderLock();
    for (size_t i : located) {
      const v1::AppendRequest& request = *pending[i].request;
      v1::AppendResponse checked;
      bool needs_write = false;
      absl::Status status = check.Prepare(request, &checked, &needs_write);
      if (!status.ok() || (checked.deduplicated() && !needs_write)) {
        // Refused, or a retry of a request already applied: answered from
        // the live state.
        if (status.ok()) *pending[i].response = std::move(checked);
        results[i] = std::move(status);
        continue;
      }
      uint64_t expected = 0;
      {
        absl::ReaderMutexLock lock(&state_mu_);
        expected = deal_positions_.find(request.deal_id())->second;
      }
      internal::RecordEntry& entry = entries[i];
      entry.Clear();
      *entry.mutable_request() = request;
      for (int k = 0; k < request.events_size(); ++k) {
        entry.mutable_request()->mutable_events(k)->set_event_id(
            checked.event_ids(k));
      }
      domain::ToProtoTime(now, entry.mutable_proposed_time());
      entry.set_proposer(proposer_id_);
      entry.set_proposal(next_proposal_++);
      proposals.push_back(storage::RecordProposal{
          .deal_id = request.deal_id(),
          // A request whose first entry was refused on apply gets a new
          // id, or JetStream would fold the new entry into that one.
          .dedup_id = attempts[i] == 0 ? DedupId(request, entry)
                                       : ProposerDedupId(entry),
          .payload = entry.SerializeAsString(),
          .expected_deal_position = expected,
      });
      proposed.push_back(i);
    }
    view_mu_.ReaderUnlock();

    std::vector<storage::PublishResult> published = record_->Publish(proposals);
    uint64_t wait_for = 0;
    std::vector<std::pair<size_t, storage::PublishResult>> stored;
    for (size_t k = 0; k < proposed.size(); ++k) {
      const size_t i = proposed[k];
      storage::PublishResult& result = published[k];
      if (result.status.ok()) {
        wait_for = std::max(wait_for, result.position);
        stored.emplace_back(i, std::move(result));
      } else if (result.status.code() == absl::StatusCode::kAborted) {
        // Another replica appended to the deal first: catch up to its entry
        // and check the request again.
        {
          absl::MutexLock lock(&apply_mu_);
          ++applier_stats_.conflicts;
        }
        if (++attempts[i] < options_.max_proposal_attempts) {
          wait_for = std::max(wait_for, result.position);
          later.push_back(i);
        } else {
          results[i] = absl::AbortedError(absl::StrCat(
              "deal \"", pending[i].request->deal_id(),
              "\" was changed through other replicas ", attempts[i],
              " times while this request was checked; retry"));
        }
      } else if (result.status.code() == absl::StatusCode::kResourceExhausted) {
        results[i] = std::move(result.status);
      } else {
        results[i] = unavailable(result.status.message());
      }
    }
    if (wait_for > 0 &&
        !AwaitPosition(wait_for, absl::Now() + options_.apply_timeout)) {
      for (auto& [i, result] : stored) {
        results[i] = unavailable(absl::StrCat(
            "the request is in the log of record at position ", result.position,
            " but this replica has not applied it yet; a retry is answered "
            "from the record"));
      }
      for (size_t i : later) {
        results[i] = unavailable("this replica fell behind the log of record");
      }
      break;
    }
    for (auto& [i, result] : stored) {
      std::optional<Outcome> outcome;
      {
        absl::MutexLock lock(&apply_mu_);
        auto it = outcomes_.find(result.position);
        if (it != outcomes_.end()) {
          outcome = std::move(it->second);
          outcomes_.erase(it);
        }
      }
      if (outcome.has_value() && !result.duplicate) {
        if (outcome->status.ok()) {
          *pending[i].response = std::move(outcome->response);
        }
        results[i] = std::move(outcome->status);
        continue;
      }
      // The record already held this request (a retry within its window):
      // answer from what was applied, which is now the live state.
      Batch again(this, clock_->Now(), std::string());
      v1::AppendResponse response;
      bool needs_write = false;
      absl::Status status;
      {
        absl::ReaderMutexLock view_lock(&view_mu_);
        status = again.Prepare(entries[i].request(), &response, &needs_write);
      }
      if (status.ok() && response.deduplicated()) {
        *pending[i].response = std::move(response);
      } else if (++attempts[i] < options_.max_proposal_attempts) {
        later.push_back(i);  // its first entry was refused: try again
      } else {
        results[i] =
            status.ok() ? unavailable("the request was not applied") : status;
      }
    }
    std::sort(later.begin(), later.end());
    remaining = std::move(later);
  }
  {
    absl::MutexLock lock(&state_mu_);
    stats_.requests += n;
  }
  for (size_t i = 0; i < n; ++i) pending[i].done(std::move(results[i]));
}

}  // namespace pactlog::ledger
