#include "ledger/ledger.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/as_of.h"
#include "ledger/chain.h"
#include "ledger/checkpoints.h"
#include "ledger/committer.h"
#include "ledger/live_state.h"
#include "ledger/local_committer.h"
#include "ledger/replicated_committer.h"
#include "util/status_macros.h"

namespace pactlog::ledger {
namespace {

namespace v1 = ::pactlog::v1;

std::unique_ptr<Committer> MakeCommitter(
    const CommitContext& context, std::unique_ptr<storage::RecordLog> record) {
  if (record == nullptr) return std::make_unique<LocalCommitter>(context);
  return std::make_unique<ReplicatedCommitter>(context, std::move(record));
}

}  // namespace

Ledger::Ledger(std::unique_ptr<storage::EventLog> log, LedgerOptions options)
    : Ledger(std::move(log), nullptr, std::move(options)) {}

Ledger::Ledger(std::unique_ptr<storage::EventLog> log,
               std::unique_ptr<storage::RecordLog> record,
               LedgerOptions options)
    : log_(std::move(log)),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &system_clock_),
      state_(std::make_unique<LiveState>()),
      checkpointer_(std::make_unique<Checkpointer>(options_.snapshot_interval,
                                                   log_.get(), state_.get())),
      committer_(MakeCommitter(
          CommitContext{
              .log = log_.get(),
              .state = state_.get(),
              .checkpointer = checkpointer_.get(),
              .clock = clock_,
              .options = &options_,
              .observers = &observers_,
          },
          std::move(record))) {}

Ledger::~Ledger() { Stop(); }

void Ledger::AddCommitObserver(CommitObserver observer) {
  observers_.push_back(std::move(observer));
}

absl::Status Ledger::Replay(
    uint64_t checkpoint,
    std::map<std::string, domain::DealState, std::less<>>* states,
    uint64_t* last_sequence, absl::Time* last_recorded) {
  uint64_t expected_sequence = checkpoint + 1;
  absl::Status broken;
  *last_recorded = absl::InfinitePast();
  for (const auto& [deal_id, state] : *states) {
    *last_recorded = std::max(*last_recorded, state.last_recorded_time());
  }
  RETURN_IF_ERROR(log_->Scan(checkpoint, [&](const v1::Event& event) {
    if (event.sequence() != expected_sequence) {
      broken = absl::DataLossError(
          absl::StrCat("log has a gap: expected sequence ", expected_sequence,
                       ", found ", event.sequence()));
      return false;
    }
    domain::DealState& state = (*states)[event.deal_id()];
    if (event.deal_version() != state.version() + 1) {
      broken = absl::DataLossError(absl::StrCat(
          "event at sequence ", event.sequence(), " has deal_version ",
          event.deal_version(), " but deal \"", event.deal_id(), "\" is at ",
          state.version()));
      return false;
    }
    state.Apply(event);
    *last_recorded =
        std::max(*last_recorded, domain::ToAbslTime(event.recorded_time()));
    ++expected_sequence;
    return true;
  }));
  RETURN_IF_ERROR(broken);
  *last_sequence = expected_sequence - 1;
  return absl::OkStatus();
}

absl::Status Ledger::Recover() {
  std::map<std::string, domain::DealState, std::less<>> states;
  const uint64_t checkpoint = LoadCheckpoint(*log_, &states);
  recovery_stats_ = RecoveryStats{
      .checkpoint_sequence = checkpoint,
      .deals_from_snapshots = states.size(),
  };
  uint64_t last_sequence = 0;
  absl::Time last_recorded;
  RETURN_IF_ERROR(Replay(checkpoint, &states, &last_sequence, &last_recorded));
  recovery_stats_.events_replayed = last_sequence - checkpoint;
  checkpointer_->Recovered(checkpoint, recovery_stats_.events_replayed, states);
  ASSIGN_OR_RETURN(std::string head_hash,
                   StoredChainHead(*log_, last_sequence));
  state_->Reset(std::move(states), AppliedHead{
                                       .sequence = last_sequence,
                                       .hash = std::move(head_hash),
                                       .recorded_time = last_recorded,
                                   });
  RETURN_IF_ERROR(committer_->Start());
  {
    absl::MutexLock lock(&queue_mu_);
    accepting_ = true;
    stop_ = false;
  }
  writer_ = std::thread(&Ledger::WriterLoop, this);
  ready_.store(true, std::memory_order_release);
  return absl::OkStatus();
}

void Ledger::AbortRecovery() { committer_->AbortStart(); }

void Ledger::Stop() {
  {
    absl::MutexLock lock(&queue_mu_);
    accepting_ = false;
    stop_ = true;
  }
  ready_.store(false, std::memory_order_release);
  if (writer_.joinable()) writer_.join();
  // The writer may wait for the committer's threads, so they stop last.
  committer_->Stop();
}

void Ledger::Append(const v1::AppendRequest* request,
                    v1::AppendResponse* response, AppendDone done) {
  {
    absl::MutexLock lock(&queue_mu_);
    if (accepting_) {
      queue_.push_back(PendingAppend{request, response, std::move(done)});
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
  // Requests taken from queue_ in arrival order, not yet in a batch.
  std::deque<PendingAppend> taken;
  std::vector<PendingAppend> batch;
  while (true) {
    {
      absl::MutexLock lock(&queue_mu_);
      if (taken.empty()) queue_mu_.Await(absl::Condition(&has_work));
      for (PendingAppend& pending : queue_) taken.push_back(std::move(pending));
      queue_.clear();
    }
    if (taken.empty()) return;  // stopping and drained
    batch.clear();
    int events = 0;
    while (!taken.empty() &&
           static_cast<int>(batch.size()) < options_.max_batch_requests) {
      const int size = taken.front().request->events_size();
      if (!batch.empty() && events + size > options_.max_batch_events) break;
      events += size;
      batch.push_back(std::move(taken.front()));
      taken.pop_front();
    }
    committer_->CommitBatch(batch);
  }
}

std::shared_ptr<const domain::DealState> Ledger::Deal(
    std::string_view deal_id, uint64_t* applied_sequence) const {
  return state_->Deal(deal_id, applied_sequence);
}

std::vector<std::shared_ptr<const domain::DealState>> Ledger::Deals(
    std::string_view after_id, int limit, uint64_t* applied_sequence) const {
  return state_->Deals(after_id, limit, applied_sequence);
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
  return FoldAsOf(*log_, deal_id, std::move(live), applied, bounds);
}

absl::Status Ledger::ScanDealAsOf(
    std::string_view deal_id, const AsOfBounds& bounds, uint64_t start_after,
    domain::DealState* start,
    const std::function<bool(const v1::Event&)>& visit,
    uint64_t* applied_sequence) const {
  const uint64_t applied = state_->applied_sequence();
  if (applied_sequence != nullptr) {
    *applied_sequence = bounds.max_sequence == 0
                            ? applied
                            : std::min(bounds.max_sequence, applied);
  }
  return ScanAsOf(*log_, deal_id, applied, bounds, start_after, start, visit);
}

uint64_t Ledger::applied_sequence() const { return state_->applied_sequence(); }

bool Ledger::AwaitApplied(uint64_t sequence, absl::Time deadline) const {
  if (applied_sequence() >= sequence) return true;
  return committer_->AwaitApplied(sequence, deadline);
}

bool Ledger::replicated() const { return committer_->replicated(); }

bool Ledger::ready() const {
  return ready_.load(std::memory_order_acquire) && !committer_->halted();
}

ApplierStats Ledger::applier_stats() const {
  return committer_->applier_stats();
}

absl::StatusOr<std::string> Ledger::ChainHeadAt(uint64_t sequence) const {
  if (std::optional<std::string> live = state_->HeadHashAt(sequence)) {
    return *std::move(live);
  }
  return StoredChainHead(*log_, sequence);
}

absl::StatusOr<ChainVerification> Ledger::VerifyChain(
    uint64_t after_sequence, std::string_view trusted_hash,
    const std::function<bool()>& cancelled) const {
  return VerifyChainOf(*log_, applied_sequence(), after_sequence, trusted_hash,
                       cancelled);
}

absl::Status Ledger::ScanEvents(
    uint64_t after_sequence,
    const std::function<bool(const v1::Event&)>& visit) const {
  return log_->Scan(after_sequence, visit);
}

absl::Status Ledger::ScanEncodedEvents(
    uint64_t after_sequence, const storage::EncodedEventVisitor& visit) const {
  return log_->ScanEncoded(after_sequence, visit);
}

absl::StatusOr<storage::BackupInfo> Ledger::CreateBackup(
    const std::string& directory) const {
  return log_->CreateBackup(directory);
}

absl::StatusOr<uint64_t> Ledger::LastSequenceRecordedBefore(
    absl::Time time) const {
  return storage::LastSequenceRecordedBefore(*log_, applied_sequence(), time);
}

storage::StorageStats Ledger::storage_stats() const { return log_->Stats(); }

WriterStats Ledger::writer_stats() const { return state_->writer_stats(); }

}  // namespace pactlog::ledger
