#include "ledger/replicated_committer.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "ledger/record_entries.h"
#include "util/status_macros.h"

namespace pactlog::ledger {
namespace {

namespace v1 = ::pactlog::v1;

std::string NewProposerId() {
  absl::BitGen gen;
  return NewEventId(absl::Now(), gen);
}

}  // namespace

struct ReplicatedCommitter::Proposals {
  explicit Proposals(std::vector<PendingAppend>& pending)
      : pending(pending),
        results(pending.size()),
        attempts(pending.size(), 0),
        entries(pending.size()) {}

  const v1::AppendRequest& request(size_t i) const {
    return *pending[i].request;
  }

  std::vector<PendingAppend>& pending;
  std::vector<absl::Status> results;
  // Publications that lost a race or were refused, per request.
  std::vector<int> attempts;
  // The entry last built for each request.
  std::vector<internal::RecordEntry> entries;
};

ReplicatedCommitter::ReplicatedCommitter(
    CommitContext context, std::unique_ptr<storage::RecordLog> record)
    : context_(context),
      record_(std::move(record)),
      proposer_id_(NewProposerId()) {}

ReplicatedCommitter::~ReplicatedCommitter() { Stop(); }

absl::Status ReplicatedCommitter::Start() {
  // The projection is at some position of the record; apply the record
  // from there through its last entry before serving.
  ASSIGN_OR_RETURN(const uint64_t position, context_.log->SourcePosition());
  ASSIGN_OR_RETURN(const std::string applied_from,
                   context_.log->SourceIdentity());
  const std::string identity = record_->Identity();
  if (!applied_from.empty() && applied_from != identity) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the local data was applied from the log of record \"", applied_from,
        "\" through position ", position, ", but ", record_->Describe(),
        " is \"", identity,
        "\": another record (deleted and created again?). Delete the data "
        "directory to rebuild it from this record."));
  }
  if (applied_from.empty()) {
    // New data, or data from before identities were kept (the position
    // check below still holds for it).
    RETURN_IF_ERROR(context_.log->SetSourceIdentity(identity));
  }
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
  applier_ = std::thread(&ReplicatedCommitter::ApplierLoop, this);
  if (!AwaitPosition(head, absl::InfiniteFuture())) {
    return absl::UnavailableError(absl::StrCat(
        "stopped before applying ", record_->Describe(), " through ", head));
  }
  return absl::OkStatus();
}

void ReplicatedCommitter::AbortStart() {
  absl::MutexLock lock(&apply_mu_);
  applier_stop_ = true;
}

void ReplicatedCommitter::Stop() {
  {
    absl::MutexLock lock(&apply_mu_);
    applier_stop_ = true;
  }
  if (applier_.joinable()) applier_.join();
}

bool ReplicatedCommitter::AwaitApplied(uint64_t sequence,
                                       absl::Time deadline) const {
  auto reached = [this, sequence]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return context_.state->applied_sequence() >= sequence || applier_stop_;
  };
  absl::MutexLock lock(&apply_mu_);
  apply_mu_.AwaitWithDeadline(absl::Condition(&reached), deadline);
  return context_.state->applied_sequence() >= sequence;
}

bool ReplicatedCommitter::AwaitPosition(uint64_t position,
                                        absl::Time deadline) const {
  auto reached = [this, position]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return applier_stats_.applied_position >= position || applier_stop_;
  };
  absl::MutexLock lock(&apply_mu_);
  apply_mu_.AwaitWithDeadline(absl::Condition(&reached), deadline);
  return applier_stats_.applied_position >= position;
}

v1::Durability ReplicatedCommitter::durability() const {
  switch (record_->durability()) {
    case storage::RecordDurability::kSyncedOnMajority:
      return v1::DURABILITY_SYNCED_MAJORITY;
    case storage::RecordDurability::kCommittedOnMajority:
      return v1::DURABILITY_COMMITTED_MAJORITY;
  }
  return v1::DURABILITY_UNSPECIFIED;
}

ApplierStats ReplicatedCommitter::applier_stats() const {
  absl::MutexLock lock(&apply_mu_);
  return applier_stats_;
}

void ReplicatedCommitter::Warn(std::string_view message) const {
  if (context_.options->warn) context_.options->warn(message);
}

absl::Status ReplicatedCommitter::Unavailable(absl::string_view why) const {
  return absl::UnavailableError(
      absl::StrCat(why, " (", record_->Describe(), "); retry"));
}

// ---------------------------------------------------------------------------
// The writer: propose.

void ReplicatedCommitter::CommitBatch(std::vector<PendingAppend>& pending) {
  Proposals batch(pending);
  std::vector<size_t> remaining(pending.size());
  std::iota(remaining.begin(), remaining.end(), size_t{0});
  while (!remaining.empty()) {
    std::vector<size_t> later;
    const std::vector<size_t> round = TakeRound(batch, remaining, &later);
    const std::vector<size_t> located = LocateDeals(batch, round);
    std::vector<storage::RecordProposal> proposals;
    std::vector<size_t> proposed;
    CheckRound(batch, located, &proposals, &proposed);

    std::vector<storage::PublishResult> published = record_->Publish(proposals);
    std::vector<Stored> stored;
    const uint64_t wait_for =
        SortPublished(batch, proposed, published, &stored, &later);
    if (wait_for > 0 &&
        !AwaitPosition(wait_for,
                       absl::Now() + context_.options->apply_timeout)) {
      for (auto& [i, result] : stored) {
        batch.results[i] = Unavailable(absl::StrCat(
            "the request is in the log of record at position ", result.position,
            " but this replica has not applied it yet; a retry is answered "
            "from the record"));
      }
      for (size_t i : later) {
        batch.results[i] =
            Unavailable("this replica fell behind the log of record");
      }
      break;
    }
    AnswerStored(batch, stored, &later);
    std::sort(later.begin(), later.end());
    remaining = std::move(later);
  }
  AnswerBatch(context_, pending, batch.results, durability());
}

std::vector<size_t> ReplicatedCommitter::TakeRound(
    const Proposals& batch, const std::vector<size_t>& remaining,
    std::vector<size_t>* later) const {
  std::vector<size_t> round;
  std::set<std::string_view> deals;
  for (size_t i : remaining) {
    (deals.insert(batch.request(i).deal_id()).second ? round : *later)
        .push_back(i);
  }
  return round;
}

std::vector<size_t> ReplicatedCommitter::LocateDeals(
    Proposals& batch, const std::vector<size_t>& round) {
  // The position of each deal's last entry, looked up in the record for
  // deals not touched since start, and applied here before the check.
  std::vector<size_t> located;
  for (size_t i : round) {
    const std::string& deal_id = batch.request(i).deal_id();
    {
      absl::ReaderMutexLock lock(&positions_mu_);
      if (deal_positions_.contains(deal_id)) {
        located.push_back(i);
        continue;
      }
    }
    absl::StatusOr<uint64_t> position = record_->DealPosition(deal_id);
    if (!position.ok()) {
      batch.results[i] = Unavailable(position.status().message());
      continue;
    }
    if (!AwaitPosition(*position,
                       absl::Now() + context_.options->apply_timeout)) {
      batch.results[i] = Unavailable(absl::StrCat(
          "this replica has not applied the log of record through position ",
          *position, " yet"));
      continue;
    }
    {
      // The applier may have recorded a later one meanwhile: keep it.
      absl::MutexLock lock(&positions_mu_);
      deal_positions_.emplace(deal_id, *position);
    }
    located.push_back(i);
  }
  return located;
}

void ReplicatedCommitter::CheckRound(
    Proposals& batch, const std::vector<size_t>& located,
    std::vector<storage::RecordProposal>* proposals,
    std::vector<size_t>* proposed) {
  const absl::Time now = context_.clock->Now();
  Batch check(*context_.log, *context_.state, now, std::string());
  // The checks see one applied prefix of the record: the state, the event
  // ids and the deal positions all as of the same entry.
  absl::ReaderMutexLock view(&view_mu_);
  for (size_t i : located) {
    const v1::AppendRequest& request = batch.request(i);
    v1::AppendResponse checked;
    bool needs_write = false;
    absl::Status status = check.Prepare(request, &checked, &needs_write);
    if (!status.ok() || (checked.deduplicated() && !needs_write)) {
      // Refused, or a retry of a request already applied: answered from
      // the live state.
      if (status.ok()) *batch.pending[i].response = std::move(checked);
      batch.results[i] = std::move(status);
      continue;
    }
    uint64_t expected = 0;
    {
      absl::ReaderMutexLock lock(&positions_mu_);
      expected = deal_positions_.find(request.deal_id())->second;
    }
    internal::RecordEntry& entry = batch.entries[i];
    entry.Clear();
    *entry.mutable_request() = request;
    for (int k = 0; k < request.events_size(); ++k) {
      entry.mutable_request()->mutable_events(k)->set_event_id(
          checked.event_ids(k));
    }
    domain::ToProtoTime(now, entry.mutable_proposed_time());
    entry.set_proposer(proposer_id_);
    entry.set_proposal(next_proposal_++);
    proposals->push_back(storage::RecordProposal{
        .deal_id = request.deal_id(),
        // A request whose first entry was refused on apply gets a new id,
        // or JetStream would fold the new entry into that one.
        .dedup_id = batch.attempts[i] == 0 ? FirstDedupId(request, entry)
                                           : ProposerDedupId(entry),
        .payload = entry.SerializeAsString(),
        .expected_deal_position = expected,
    });
    proposed->push_back(i);
  }
}

uint64_t ReplicatedCommitter::SortPublished(
    Proposals& batch, const std::vector<size_t>& proposed,
    std::vector<storage::PublishResult>& published, std::vector<Stored>* stored,
    std::vector<size_t>* later) {
  uint64_t wait_for = 0;
  for (size_t k = 0; k < proposed.size(); ++k) {
    const size_t i = proposed[k];
    storage::PublishResult& result = published[k];
    if (result.status.ok()) {
      wait_for = std::max(wait_for, result.position);
      stored->emplace_back(i, std::move(result));
    } else if (result.status.code() == absl::StatusCode::kAborted) {
      // Another replica appended to the deal first: catch up to its entry
      // and check the request again.
      {
        absl::MutexLock lock(&apply_mu_);
        ++applier_stats_.conflicts;
      }
      if (++batch.attempts[i] < context_.options->max_proposal_attempts) {
        wait_for = std::max(wait_for, result.position);
        later->push_back(i);
      } else {
        batch.results[i] = absl::AbortedError(absl::StrCat(
            "deal \"", batch.request(i).deal_id(),
            "\" was changed through other replicas ", batch.attempts[i],
            " times while this request was checked; retry"));
      }
    } else if (result.status.code() == absl::StatusCode::kResourceExhausted) {
      batch.results[i] = std::move(result.status);
    } else {
      batch.results[i] = Unavailable(result.status.message());
    }
  }
  return wait_for;
}

void ReplicatedCommitter::AnswerStored(Proposals& batch,
                                       std::vector<Stored>& stored,
                                       std::vector<size_t>* later) {
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
        *batch.pending[i].response = std::move(outcome->response);
      }
      batch.results[i] = std::move(outcome->status);
      continue;
    }
    // The record already held this request (a retry within its window):
    // answer from what was applied, which is now the live state.
    Batch again(*context_.log, *context_.state, context_.clock->Now(),
                std::string());
    v1::AppendResponse response;
    bool needs_write = false;
    absl::Status status;
    {
      absl::ReaderMutexLock view(&view_mu_);
      status =
          again.Prepare(batch.entries[i].request(), &response, &needs_write);
    }
    if (status.ok() && response.deduplicated()) {
      *batch.pending[i].response = std::move(response);
    } else if (++batch.attempts[i] < context_.options->max_proposal_attempts) {
      later->push_back(i);  // its first entry was refused: try again
    } else {
      batch.results[i] =
          status.ok() ? Unavailable("the request was not applied") : status;
    }
  }
}

// ---------------------------------------------------------------------------
// The applier: apply every replica's entries in record order.

void ReplicatedCommitter::ApplierLoop() {
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
      status = reader->Next(
          absl::Milliseconds(100),
          static_cast<size_t>(context_.options->max_batch_requests), &entries);
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

absl::Status ReplicatedCommitter::ApplyEntries(
    absl::Span<const storage::RecordEntry> entries) {
  const AppliedHead head = context_.state->head();
  Batch batch(*context_.log, *context_.state, head.recorded_time, head.hash);
  absl::Time last_recorded = head.recorded_time;
  std::vector<std::pair<uint64_t, Outcome>> outcomes;
  std::vector<std::pair<std::string, uint64_t>> positions;
  uint64_t refused = 0, skipped = 0;
  internal::RecordEntry entry;
  for (const storage::RecordEntry& raw : entries) {
    positions.emplace_back(raw.deal_id, raw.position);
    // Every replica decides the same for the same entry: only the entry and
    // the state before it go into the decision.
    if (!ParsePactlogEntry(raw, &entry)) {
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
    RETURN_IF_ERROR(context_.log->AppendApplied(batch.events(), last_position));
    if (!batch.events().empty()) {
      PublishCommitted(context_, batch, last_recorded);
    }
    absl::MutexLock lock(&positions_mu_);
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

}  // namespace pactlog::ledger
