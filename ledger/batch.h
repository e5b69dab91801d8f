// Batch: the checks of one group of append requests against the live
// state, and the events and deal states they stage.
//
// Each request is checked in order against the live state with everything
// staged ahead of it folded in (idempotency by event id, expected version,
// the deal rules of domain::DealState::CheckRules); an accepted request's
// events get their sequences, deal versions, recorded time, event ids and
// chain hashes. Nothing is written and the live state is untouched: the
// caller makes the staged events durable and then publishes the staged
// deal states (LiveState::Commit). Both committers check with it, so every
// mode applies the same rules. Internal to ledger/.
//
// Thread-safety: a Batch is used by one thread. It reads `log` and `state`,
// which must outlive it; a batch is only meaningful while nothing else
// commits to them.
#ifndef PACTLOG_LEDGER_BATCH_H_
#define PACTLOG_LEDGER_BATCH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "ledger/live_state.h"
#include "pactlog/v1/ledger.pb.h"
#include "storage/event_log.h"

namespace pactlog::ledger {

// A time-ordered (version 7, RFC 9562) UUID in its canonical text form:
// the Unix time of `now` in milliseconds, then 74 random bits. Ids made in
// later milliseconds sort after earlier ones, so the event_ids index takes
// them near its end instead of at random places (a random id's insert was
// the costliest step of a 64-event append).
std::string NewEventId(absl::Time now, absl::BitGen& gen);

class Batch {
 public:
  // Sequences continue after state.applied_sequence(); `chain_head` is the
  // hash of the event there (unused by a batch that only checks).
  Batch(const storage::EventLog& log, const LiveState& state, absl::Time now,
        std::string chain_head);
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // The recorded time of the requests prepared from now on.
  void set_now(absl::Time now) { now_ = now; }

  // Checks one request against the staged state and, when it passes,
  // stages its events and fills `response` as the request's answer once
  // the batch is durable. On error nothing of the request is staged.
  // Requires: `request` passed domain::ValidateAppendRequest.
  // `*needs_write` tells whether the answer depends on the batch's write
  // (false for a retry of a request recorded before the batch). Errors:
  // ABORTED, NOT_FOUND, FAILED_PRECONDITION, ALREADY_EXISTS as
  // Ledger::Append; any other code is a failure to read the log.
  [[nodiscard]] absl::Status Prepare(const pactlog::v1::AppendRequest& request,
                                     pactlog::v1::AppendResponse* response,
                                     bool* needs_write);

  // The staged events in sequence order.
  std::vector<pactlog::v1::Event>& events() { return events_; }
  // The hash of the last event staged (`chain_head` when none is).
  const std::string& chain_head() const { return chain_head_; }
  // The staged deal states, for LiveState::Commit.
  StagedDeals& staged_deals() { return staged_deals_; }

 private:
  // The stored (or staged) event recorded under `event_id`, or nullptr.
  [[nodiscard]] absl::StatusOr<const pactlog::v1::Event*> FindEvent(
      const std::string& event_id, bool* staged);
  // Answers a request whose event ids are already recorded: OK with the
  // original result when every event is (`*recorded` true), ALREADY_EXISTS
  // when the ids are reused otherwise; `*recorded` false when none is.
  [[nodiscard]] absl::Status AnswerRetry(
      const pactlog::v1::AppendRequest& request,
      pactlog::v1::AppendResponse* response, bool* recorded, bool* needs_write);
  [[nodiscard]] absl::Status CheckExpectedVersion(
      const pactlog::v1::AppendRequest& request, uint64_t current) const;
  domain::DealState& StagedDeal(const std::string& deal_id);
  // Rebuilds the staged state of `deal_id` from the live state and the
  // events of the batch staged so far.
  void RestageDeal(const std::string& deal_id);
  // Resolves the events that events[index] of `request` amends or
  // restates (among the request's `accepted` events, the batch's and the
  // log's) into event->references, and defaults the effective time of a
  // correction, retraction or firmness change to its target's. NOT_FOUND
  // for an id never recorded, FAILED_PRECONDITION (rule amend-same-deal)
  // for another deal's event; other codes are failures to read the log.
  [[nodiscard]] absl::Status ResolveReferences(
      const pactlog::v1::AppendRequest& request, int index,
      const std::vector<pactlog::v1::Event>& accepted,
      pactlog::v1::Event* event);
  pactlog::v1::Event MakeEvent(const pactlog::v1::AppendRequest& request,
                               int index, uint64_t sequence,
                               uint64_t deal_version);

  const storage::EventLog& log_;
  const LiveState& state_;
  absl::Time now_;
  uint64_t next_sequence_;
  std::vector<pactlog::v1::Event> events_;
  // Event id -> index in events_.
  absl::flat_hash_map<std::string, size_t> staged_ids_;
  StagedDeals staged_deals_;
  // Events fetched from the log for idempotency checks.
  std::vector<std::unique_ptr<pactlog::v1::Event>> fetched_;
  absl::BitGen gen_;
  std::string chain_head_;
};

}  // namespace pactlog::ledger

#endif  // PACTLOG_LEDGER_BATCH_H_
