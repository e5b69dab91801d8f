#include "ledger/replicated_committer.h"

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "domain/hash_chain.h"
#include "ledger/record_entries.h"
#include "util/status_macros.h"

namespace pactlog::ledger {
namespace {

namespace v1 = ::pactlog::v1;

// Most bytes of requests in one group, well under NATS' default
// max_payload (1 MiB).
constexpr size_t kMaxGroupBytes = 256 * 1024;

// What a delivered entry is compared by with the acknowledged copy applied
// before: the first bytes of the payload's SHA-256, the same in every
// process (the local data keeps them across restarts).
constexpr size_t kDigestBytes = 16;
std::string PayloadDigest(std::string_view payload) {
  return domain::Sha256(payload).substr(0, kDigestBytes);
}

// The local data's note of the entries applied from acknowledgements and
// not yet confirmed (EventLog::AppendApplied's `unconfirmed`, storage/
// FORMAT.md): for each, its position as 8 bytes big-endian, then its
// digest.
constexpr size_t kNoteEntryBytes = 8 + kDigestBytes;

std::string EncodeUnconfirmed(const std::map<uint64_t, std::string>& entries) {
  std::string note;
  note.reserve(entries.size() * kNoteEntryBytes);
  for (const auto& [position, digest] : entries) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      note.push_back(static_cast<char>((position >> shift) & 0xff));
    }
    note.append(digest);
  }
  return note;
}

// False when `note` is not a list EncodeUnconfirmed wrote.
bool DecodeUnconfirmed(std::string_view note,
                       std::map<uint64_t, std::string>* entries) {
  if (note.size() % kNoteEntryBytes != 0) return false;
  for (size_t at = 0; at < note.size(); at += kNoteEntryBytes) {
    uint64_t position = 0;
    for (size_t i = 0; i < 8; ++i) {
      position = (position << 8) | static_cast<unsigned char>(note[at + i]);
    }
    (*entries)[position] = std::string(note.substr(at + 8, kDigestBytes));
  }
  return true;
}

std::string NewProposerId() {
  absl::BitGen gen;
  return NewEventId(absl::Now(), gen);
}

}  // namespace

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
  // Entries applied from acknowledgements before a stop that the reader had
  // not brought back yet are checked now: the reader starts before the
  // first of them (what it brings up to `position` only confirms).
  ASSIGN_OR_RETURN(const std::string note, context_.log->SourceUnconfirmed());
  std::map<uint64_t, std::string> unconfirmed;
  if (!DecodeUnconfirmed(note, &unconfirmed)) {
    return absl::DataLossError(absl::StrCat(
        "the local data's list of entries applied from the log of record's "
        "acknowledgements is malformed (",
        note.size(), " bytes). Delete the data directory to rebuild it from ",
        record_->Describe()));
  }
  // Listed by a write that did not land (the position is the truth).
  unconfirmed.erase(unconfirmed.upper_bound(position), unconfirmed.end());
  unconfirmed_ = std::move(unconfirmed);
  const uint64_t read_after =
      unconfirmed_.empty() ? position : unconfirmed_.begin()->first - 1;
  {
    absl::MutexLock lock(&apply_mu_);
    applier_stop_ = false;
    applier_stats_.applied_position = position;
    applier_stats_.entries_from_acks += unconfirmed_.size();
  }
  reader_ = std::thread(&ReplicatedCommitter::ReaderLoop, this, read_after);
  applier_ = std::thread(&ReplicatedCommitter::ApplierLoop, this);
  if (!AwaitPosition(head, absl::InfiniteFuture())) {
    if (std::string halted = applier_stats().halted; !halted.empty()) {
      return absl::FailedPreconditionError(std::move(halted));
    }
    return absl::UnavailableError(absl::StrCat(
        "stopped before applying ", record_->Describe(), " through ", head));
  }
  {
    absl::MutexLock lock(&queue_mu_);
    workers_stop_ = false;
  }
  const int workers = std::max(1, context_.options->max_groups_in_flight);
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back(&ReplicatedCommitter::GroupLoop, this);
  }
  return absl::OkStatus();
}

void ReplicatedCommitter::AbortStart() {
  absl::MutexLock lock(&apply_mu_);
  applier_stop_ = true;
}

void ReplicatedCommitter::Stop() {
  // The workers answer everything queued, which needs the applier.
  {
    absl::MutexLock lock(&queue_mu_);
    workers_stop_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  {
    absl::MutexLock lock(&apply_mu_);
    applier_stop_ = true;
  }
  if (reader_.joinable()) reader_.join();
  if (applier_.joinable()) applier_.join();
}

bool ReplicatedCommitter::AwaitApplied(uint64_t sequence,
                                       absl::Time deadline) const {
  auto reached = [this, sequence]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return context_.state->applied_sequence() >= sequence || applier_stop_ ||
           !applier_stats_.halted.empty();
  };
  absl::MutexLock lock(&apply_mu_);
  apply_mu_.AwaitWithDeadline(absl::Condition(&reached), deadline);
  return context_.state->applied_sequence() >= sequence;
}

bool ReplicatedCommitter::AwaitPosition(uint64_t position,
                                        absl::Time deadline) const {
  auto reached = [this, position]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return applier_stats_.applied_position >= position || applier_stop_ ||
           !applier_stats_.halted.empty();
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
  if (halted()) {  // the atomic: no lock on every batch
    std::vector<absl::Status> results(
        pending.size(), absl::UnavailableError(applier_stats().halted));
    AnswerBatch(context_, pending, results, durability());
    return;
  }
  absl::MutexLock lock(&queue_mu_);
  if (workers_.empty()) {
    // Not started (or stopped): nobody would answer.
    std::vector<absl::Status> results(
        pending.size(), Unavailable("the replica is not applying the record"));
    AnswerBatch(context_, pending, results, durability());
    return;
  }
  for (PendingAppend& append : pending) queued_.push_back(std::move(append));
  pending.clear();
}

void ReplicatedCommitter::GroupLoop() {
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    if (workers_stop_ && queued_.empty()) return true;
    for (const PendingAppend& append : queued_) {
      if (!held_deals_.contains(append.request->deal_id())) return true;
    }
    return false;
  };
  std::vector<PendingAppend> group;
  while (true) {
    group.clear();
    {
      absl::MutexLock lock(&queue_mu_);
      queue_mu_.Await(absl::Condition(&ready));
      if (workers_stop_ && queued_.empty()) return;
      TakeGroupLocked(&group);
    }
    std::vector<std::string> deals;
    for (const PendingAppend& append : group) {
      deals.push_back(append.request->deal_id());
    }
    CommitGroup(group, &deals);
    ReleaseDeals(deals);
  }
}

void ReplicatedCommitter::ReleaseDeals(std::vector<std::string>& deals) {
  if (deals.empty()) return;
  absl::MutexLock lock(&queue_mu_);
  for (const std::string& deal : deals) held_deals_.erase(deal);
  deals.clear();
}

void ReplicatedCommitter::TakeGroupLocked(std::vector<PendingAppend>* group) {
  const LedgerOptions& options = *context_.options;
  // Deals taken into this group, and deals passed over: a deal's later
  // request never goes ahead of an earlier one.
  absl::flat_hash_set<std::string_view> passed;
  std::deque<PendingAppend> rest;
  int events = 0;
  size_t bytes = 0;
  for (PendingAppend& append : queued_) {
    const std::string& deal = append.request->deal_id();
    const int size = append.request->events_size();
    const size_t request_bytes = append.request->ByteSizeLong();
    const bool fits =
        group->empty() ||
        (static_cast<int>(group->size()) < options.max_batch_requests &&
         events + size <= options.max_batch_events &&
         bytes + request_bytes <= kMaxGroupBytes);
    if (!passed.contains(deal) && !held_deals_.contains(deal) && fits) {
      events += size;
      bytes += request_bytes;
      group->push_back(std::move(append));
    } else {
      passed.insert(deal);
      rest.push_back(std::move(append));
    }
  }
  queued_ = std::move(rest);
  for (const PendingAppend& append : *group) {
    held_deals_.insert(append.request->deal_id());
  }
}

absl::Status ReplicatedCommitter::AnswerRepeat(const v1::AppendRequest& request,
                                               v1::AppendResponse* response) {
  // The record already held this request under its content's id (a retry
  // within JetStream's window, perhaps taken first by another replica),
  // and that entry is applied: answer from the live state.
  Batch again(*context_.log, *context_.state, context_.clock->Now(),
              std::string());
  bool needs_write = false;
  absl::Status status = again.Prepare(request, response, &needs_write);
  if (status.ok() && !response->deduplicated()) {
    return Unavailable(
        "the log of record took this request as a repeat of an entry that "
        "was refused; retry later");
  }
  return status;
}

void ReplicatedCommitter::CommitGroup(std::vector<PendingAppend>& group,
                                      std::vector<std::string>* held) {
  std::vector<absl::Status> results(group.size());
  const absl::Time now = context_.clock->Now();
  absl::BitGen gen;
  internal::RecordEntry entry;
  for (const PendingAppend& append : group) {
    v1::AppendRequest* request = entry.add_requests();
    *request = *append.request;
    // Every replica must derive the same events: the ids go in the entry.
    for (v1::EventData& event : *request->mutable_events()) {
      if (event.event_id().empty()) event.set_event_id(NewEventId(now, gen));
    }
  }
  domain::ToProtoTime(now, entry.mutable_proposed_time());
  entry.set_proposer(proposer_id_);
  entry.set_proposal(next_proposal_.fetch_add(1));
  storage::RecordProposal proposal{
      .deal_id = storage::kGroupDealId,
      // A lone request is named by its content when the caller gave every
      // event id, so its retry through any replica within JetStream's
      // window is stored once.
      .dedup_id = group.size() == 1 ? FirstDedupId(*group[0].request, entry)
                                    : ProposerDedupId(entry),
      .payload = entry.SerializeAsString(),
      .unconditional = true,
  };
  std::vector<storage::PublishResult> published =
      record_->Publish({&proposal, 1});
  const storage::PublishResult& stored = published[0];
  if (absl::IsResourceExhausted(stored.status) && group.size() > 1) {
    // Over the servers' max_payload (set below kMaxGroupBytes): each
    // request on its own, then.
    for (PendingAppend& append : group) {
      std::vector<PendingAppend> one;
      one.push_back(std::move(append));
      CommitGroup(one, nullptr);
    }
    return;
  }
  // Stored (or not) in the record's order: a later group of these deals
  // may go out now, and lands after this one.
  if (held != nullptr) ReleaseDeals(*held);
  if (stored.status.ok() && !stored.duplicate) {
    // The record holds this very entry at stored.position: the applier
    // need not wait for a reader to bring it.
    absl::MutexLock lock(&apply_mu_);
    if (stored.position > applier_stats_.applied_position) {
      acknowledged_.emplace(stored.position,
                            storage::RecordEntry{
                                .position = stored.position,
                                .deal_id = proposal.deal_id,
                                .payload = std::move(proposal.payload),
                            });
    }
  }
  if (!stored.status.ok()) {
    absl::Status failed = stored.status;
    if (absl::IsResourceExhausted(failed) && group.size() == 1) {
      failed = absl::ResourceExhaustedError(absl::StrCat(
          "the request for deal \"", group[0].request->deal_id(), "\" is ",
          proposal.payload.size(),
          " bytes as a log-of-record entry, more than the NATS servers' "
          "max_payload (raise max_payload in their configuration, or send "
          "fewer events per request)"));
    } else if (!absl::IsResourceExhausted(failed)) {
      failed = Unavailable(failed.message());
    }
    std::fill(results.begin(), results.end(), failed);
  } else if (!AwaitPosition(stored.position,
                            absl::Now() + context_.options->apply_timeout)) {
    absl::MutexLock lock(&apply_mu_);
    if (!applier_stats_.halted.empty()) {
      std::fill(results.begin(), results.end(),
                absl::UnavailableError(applier_stats_.halted));
    } else {
      std::fill(results.begin(), results.end(),
                Unavailable(absl::StrCat(
                    "the request is in the log of record at position ",
                    stored.position,
                    " but this replica has not applied it yet; a retry is "
                    "answered from the record")));
    }
  } else {
    absl::MutexLock lock(&apply_mu_);
    for (size_t i = 0; i < group.size(); ++i) {
      auto it =
          outcomes_.find(OutcomeKey(stored.position, static_cast<int>(i)));
      if (it == outcomes_.end()) {
        results[i] = stored.duplicate
                         ? AnswerRepeat(entry.requests(0), group[0].response)
                         : Unavailable(absl::StrCat(
                               "the entry at position ", stored.position,
                               " of the log of record was not applied as "
                               "this replica's"));
        continue;
      }
      if (it->second.status.ok()) {
        *group[i].response = std::move(it->second.response);
      }
      results[i] = std::move(it->second.status);
      outcomes_.erase(it);
    }
  }
  AnswerBatch(context_, group, results, durability());
}

// ---------------------------------------------------------------------------
// The reader and the applier: apply every replica's entries in record order.

void ReplicatedCommitter::ReaderLoop(uint64_t position) {
  auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return applier_stop_;
  };
  // Waits `backoff` unless asked to stop; returns whether to stop.
  auto pause = [&](absl::Duration backoff) {
    absl::MutexLock lock(&apply_mu_);
    return apply_mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff);
  };
  // Read ahead of the applier by at most this many entries.
  const size_t max_ahead = static_cast<size_t>(
      std::max(64, 4 * context_.options->max_batch_requests));
  auto room = [this, max_ahead]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return applier_stop_ || delivered_.size() < max_ahead;
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
        position = entries.back().position;
        absl::MutexLock lock(&apply_mu_);
        apply_mu_.Await(absl::Condition(&room));
        for (storage::RecordEntry& entry : entries) {
          delivered_.push_back(std::move(entry));
        }
      }
    }
    if (status.ok()) {
      backoff = kFirstBackoff;
      continue;
    }
    // Reopen the reader after the last position read: nothing is skipped
    // and nothing is delivered twice.
    Warn(absl::StrCat("reading the log of record after position ", position,
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

void ReplicatedCommitter::TakeRunLocked(
    uint64_t position, bool use_acks, std::vector<storage::RecordEntry>* run,
    std::vector<storage::RecordEntry>* confirming,
    std::vector<bool>* from_ack) {
  const size_t max =
      static_cast<size_t>(std::max(1, context_.options->max_batch_requests));
  uint64_t next = position + 1;
  while (run->size() < max) {
    while (!delivered_.empty() && delivered_.front().position < next) {
      confirming->push_back(std::move(delivered_.front()));
      delivered_.pop_front();
    }
    auto acked = acknowledged_.find(next);
    const bool have_ack = use_acks && acked != acknowledged_.end();
    if (!delivered_.empty() &&
        (delivered_.front().position == next || !have_ack)) {
      // The record's own copy goes first (an acknowledged copy of the same
      // position is not needed); a position the reader passed over is not
      // in the record.
      next = delivered_.front().position;
      run->push_back(std::move(delivered_.front()));
      delivered_.pop_front();
      from_ack->push_back(false);
    } else if (have_ack) {
      run->push_back(std::move(acked->second));
      acknowledged_.erase(acked);
      from_ack->push_back(true);
    } else {
      break;
    }
    ++next;
  }
  // Acknowledged copies of positions the reader delivered first.
  acknowledged_.erase(acknowledged_.begin(), acknowledged_.lower_bound(next));
}

bool ReplicatedCommitter::Confirm(
    absl::Span<const storage::RecordEntry> delivered) {
  uint64_t confirmed = 0;
  for (const storage::RecordEntry& entry : delivered) {
    auto it = unconfirmed_.find(entry.position);
    if (it == unconfirmed_.end()) continue;
    const bool same = entry.deal_id == storage::kGroupDealId &&
                      PayloadDigest(entry.payload) == it->second;
    unconfirmed_.erase(it);
    if (!same) {
      Halt(absl::StrCat(
          "stopped applying: ", record_->Describe(), " holds at position ",
          entry.position,
          " another entry than the one it acknowledged to this replica, "
          "which applied the acknowledged one. This replica's local data is "
          "no longer the record's: delete its data directory to rebuild it "
          "from the record"));
      return false;
    }
    ++confirmed;
  }
  if (confirmed > 0) {
    absl::MutexLock lock(&apply_mu_);
    applier_stats_.entries_confirmed += confirmed;
  }
  return true;
}

void ReplicatedCommitter::Halt(std::string why) {
  {
    absl::MutexLock lock(&apply_mu_);
    applier_stats_.halted = why;
    halted_.store(true, std::memory_order_release);
  }
  if (context_.options->halted) context_.options->halted();
  Warn(why);
}

void ReplicatedCommitter::ApplierLoop() {
  uint64_t position;
  {
    absl::MutexLock lock(&apply_mu_);
    position = applier_stats_.applied_position;
  }
  auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
    return applier_stop_;
  };
  // Whether to apply acknowledged entries (not while too many wait for
  // the reader's confirmation). Both are the applier's, read by `ready`
  // only while it waits.
  const size_t max_unconfirmed = static_cast<size_t>(
      std::max(0, context_.options->max_unconfirmed_entries));
  bool use_acks = true;
  auto ready = [this, &position, &use_acks]()
                   ABSL_SHARED_LOCKS_REQUIRED(apply_mu_) {
                     return applier_stop_ || !delivered_.empty() ||
                            (use_acks && acknowledged_.contains(position + 1));
                   };
  const absl::Duration kFirstBackoff = absl::Milliseconds(50);
  absl::Duration backoff = kFirstBackoff;
  std::vector<storage::RecordEntry> run, confirming;
  std::vector<bool> from_ack;
  while (true) {
    if (run.empty()) {
      use_acks = unconfirmed_.size() < max_unconfirmed;
      absl::MutexLock lock(&apply_mu_);
      apply_mu_.Await(absl::Condition(&ready));
      if (applier_stop_) return;
      TakeRunLocked(position, use_acks, &run, &confirming, &from_ack);
    }
    if (!run.empty()) {
      const absl::Status status = ApplyEntries(run, from_ack);
      if (!status.ok()) {
        // The local log could not be read or written: apply the same
        // entries again, so that nothing is skipped and nothing is applied
        // twice.
        Warn(absl::StrCat("applying the log of record after position ",
                          position, ": ", status.ToString(), "; retrying in ",
                          absl::FormatDuration(backoff)));
        absl::MutexLock lock(&apply_mu_);
        if (apply_mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) {
          return;
        }
        backoff = std::min(backoff * 2, absl::Seconds(2));
        continue;
      }
      position = run.back().position;
      run.clear();
      from_ack.clear();
      backoff = kFirstBackoff;
    }
    // After the run is applied: the reader's copies of positions it took
    // from acknowledgements may have come with it.
    if (!Confirm(confirming)) return;
    confirming.clear();
  }
}

absl::Status ReplicatedCommitter::ApplyEntries(
    absl::Span<const storage::RecordEntry> entries,
    const std::vector<bool>& from_ack) {
  const AppliedHead head = context_.state->head();
  Batch batch(*context_.log, *context_.state, head.recorded_time, head.hash);
  absl::Time last_recorded = head.recorded_time;
  std::vector<std::pair<OutcomeKey, Outcome>> outcomes;
  uint64_t requests = 0, refused = 0, skipped = 0;
  internal::RecordEntry entry;
  for (const storage::RecordEntry& raw : entries) {
    // Every replica decides the same for the same entry: only the entry and
    // the state before it go into the decision.
    if (!ParsePactlogEntry(raw, &entry)) {
      ++skipped;
      Warn(absl::StrCat("skipping the entry at position ", raw.position,
                        " of the log of record: it is not a pactlog append",
                        raw.deal_id.empty() ? " group" : " for deal \"",
                        raw.deal_id, raw.deal_id.empty() ? "" : "\""));
      continue;
    }
    const absl::Time now =
        std::max(last_recorded, domain::ToAbslTime(entry.proposed_time()));
    batch.set_now(now);
    const bool ours = entry.proposer() == proposer_id_;
    const int count = entry.has_request() ? 1 : entry.requests_size();
    for (int k = 0; k < count; ++k) {
      const v1::AppendRequest& request =
          entry.has_request() ? entry.request() : entry.requests(k);
      Outcome outcome;
      bool needs_write = false;
      outcome.status = batch.Prepare(request, &outcome.response, &needs_write);
      if (!IsRuleOutcome(outcome.status)) {
        // The local log could not be read (an I/O error, corruption): the
        // entry's fate must not depend on this replica's disk, so nothing
        // of this read is applied and the applier tries again.
        return outcome.status;
      }
      ++requests;
      if (!outcome.status.ok()) ++refused;
      if (outcome.status.ok() && !outcome.response.deduplicated()) {
        last_recorded = now;
      }
      if (ours) {
        outcomes.emplace_back(OutcomeKey(raw.position, k), std::move(outcome));
      }
    }
  }
  const uint64_t last_position = entries.back().position;
  // The entries taken from acknowledgements are listed in the same write,
  // so that a restart still checks them against the record.
  std::map<uint64_t, std::string> unconfirmed = unconfirmed_;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (from_ack[i]) {
      unconfirmed[entries[i].position] = PayloadDigest(entries[i].payload);
    }
  }
  RETURN_IF_ERROR(context_.log->AppendApplied(batch.events(), last_position,
                                              EncodeUnconfirmed(unconfirmed)));
  unconfirmed_ = std::move(unconfirmed);
  if (!batch.events().empty()) {
    PublishCommitted(context_, batch, last_recorded);
  }
  absl::MutexLock lock(&apply_mu_);
  applier_stats_.applied_position = last_position;
  applier_stats_.entries += entries.size();
  applier_stats_.entries_from_acks +=
      std::count(from_ack.begin(), from_ack.end(), true);
  applier_stats_.requests += requests;
  applier_stats_.requests_refused += refused;
  applier_stats_.entries_skipped += skipped;
  for (auto& [key, outcome] : outcomes) {
    outcomes_[key] = std::move(outcome);
  }
  // Outcomes nobody came for (the worker gave up waiting) go eventually.
  constexpr uint64_t kOutcomeHorizon = 1'000'000;
  if (last_position > kOutcomeHorizon) {
    outcomes_.erase(
        outcomes_.begin(),
        outcomes_.lower_bound(OutcomeKey(last_position - kOutcomeHorizon, 0)));
  }
  return absl::OkStatus();
}

}  // namespace pactlog::ledger
