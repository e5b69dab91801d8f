// DealState: the state of one deal as a pure fold of its events.
//
// A default-constructed DealState is a deal that does not exist yet. Events
// are folded in log order with Apply(); CheckRules() says whether an event
// may be appended next. Neither does I/O. Not thread-safe: callers that
// share a DealState across threads share it as const (all const methods may
// run concurrently, and so may copying it). A copy costs O(1) in what the
// state holds: it shares the maps that grow with the history.
//
// Implemented in deal_state.cc (the fold and its rules), deal_state_proto.cc
// (ToProto, ProjectToProto, TariffsToProto) and deal_state_snapshot.cc
// (ToSnapshot, FromSnapshot, DecodeSnapshot).
#ifndef PACTLOG_DOMAIN_DEAL_STATE_H_
#define PACTLOG_DOMAIN_DEAL_STATE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pactlog/internal/deal_snapshot.pb.h"
#include "pactlog/v1/events.pb.h"
#include "pactlog/v1/state.pb.h"
#include "util/persistent_map.h"
#include "util/timestamp.h"

namespace pactlog::domain {

// Sums over a set of projects, in minor units of the deal's currency.
struct Amounts {
  int64_t pledged = 0;
  int64_t approved = 0;
  int64_t disbursed = 0;
  uint32_t project_count = 0;
};

struct ApprovalEntry {
  uint64_t sequence = 0;
  absl::Time effective_time;
  // As it stands after any revision or correction.
  int64_t amount = 0;
  std::string approving_body;
  std::string event_id;
  pactlog::v1::Firmness firmness = pactlog::v1::FIRMNESS_UNSPECIFIED;
};

// The containers of a state that grow with its history are persistent
// maps (util/persistent_map.h): a copy of a state shares them, so staging
// a deal's next state costs what the new events change, not what the deal
// already holds.
//
// A project's approvals by sequence (log order).
using ApprovalMap = util::PersistentMap<uint64_t, ApprovalEntry>;

struct Project {
  // As announced, with the site a ProjectSite event added.
  pactlog::v1::ProjectAnnouncement announcement;
  absl::Time announced_effective_time;
  int64_t approved = 0;
  int64_t disbursed = 0;
  ApprovalMap approvals;
  // The latest effective time of its disbursements. Disbursements never
  // exceed the approvals, so the project is fully funded (disbursed ==
  // approved) from this time on: a constant-size fact, where keeping every
  // disbursement would make each append copy the deal's whole history.
  absl::Time last_disbursement_time = absl::InfinitePast();
  std::map<int, int64_t> disbursed_by_source;  // FundingSource -> amount
  uint64_t last_sequence = 0;
  // The announcement's sequence; 0 when not known (a format 3 snapshot
  // written before it was kept).
  uint64_t announced_sequence = 0;
  // The announcement's event id and firmness (as raised or corrected).
  std::string event_id;
  pactlog::v1::Firmness firmness = pactlog::v1::FIRMNESS_UNSPECIFIED;
  // Kind UNSPECIFIED while the project counts; else why it no longer
  // does (its figures stay as they stood, outside every total).
  pactlog::v1::Supersession supersession;
  // The earlier reports its announcement restates.
  std::vector<std::string> restates;

  bool counts() const {
    return supersession.kind() == pactlog::v1::SUPERSESSION_KIND_UNSPECIFIED;
  }
  pactlog::v1::ProjectStatus status() const;
};

// A part of the ceiling set aside (domain rules in DealState::CheckRules).
struct Allocation {
  pactlog::v1::AllocationAnnouncement announcement;
  uint64_t sequence = 0;
  absl::Time effective_time;
  // Over the projects drawing on it or on any of its earmarks.
  Amounts totals;
  // Pledges of the projects drawing on it directly.
  int64_t direct_pledged = 0;
  // Ids of its direct earmarks, sorted.
  std::vector<std::string> earmarks;
  // As Project's fields of the same names; a superseded allocation holds
  // nothing of the ceiling.
  std::string event_id;
  pactlog::v1::Firmness firmness = pactlog::v1::FIRMNESS_UNSPECIFIED;
  pactlog::v1::Supersession supersession;
  std::vector<std::string> restates;

  bool counts() const {
    return supersession.kind() == pactlog::v1::SUPERSESSION_KIND_UNSPECIFIED;
  }
};

// A subject (the original event of an amendment chain) that amendments
// changed: kept only for amended subjects, so the state grows with the
// amendments, not with the history.
struct Amended {
  // The event that stands for the subject now: the one a further
  // amendment must name.
  std::string head_event_id;
  uint64_t head_sequence = 0;
  // The subject's content as it stands: its kind, and the provenance of
  // the event that last set it.
  pactlog::v1::EventData current;
  // Withdrawn, retracted or restated: not amendable any more.
  bool gone = false;
};

// One party's reading of the deal's terms (Provenance.asserted_by).
struct TermsEntry {
  pactlog::v1::DealTerms terms;
  uint64_t sequence = 0;
  absl::Time effective_time;
  pactlog::v1::Provenance provenance;
};

struct TariffEntry {
  uint64_t sequence = 0;
  absl::Time effective_time;
  absl::Time recorded_time;
  int32_t rate_bps = 0;
  std::string legal_instrument;
  std::string reason;
  std::string event_id;
};

using ProjectMap = util::PersistentMap<std::string, Project>;
using AllocationMap = util::PersistentMap<std::string, Allocation>;
// By the event id of the subject's original event.
using AmendedMap = util::PersistentMap<std::string, Amended>;
// One category's changes by (effective_time, sequence).
using TariffKey = std::pair<absl::Time, uint64_t>;
using TariffHistory = util::PersistentMap<TariffKey, TariffEntry>;
using TariffMap = util::PersistentMap<std::string, TariffHistory>;

class DealState {
 public:
  DealState() = default;
  DealState(const DealState&) = default;
  DealState& operator=(const DealState&) = default;
  DealState(DealState&&) = default;
  DealState& operator=(DealState&&) = default;

  // True once the deal announcement has been folded.
  bool exists() const { return exists_; }
  // Number of events folded (the deal version they reflect).
  uint64_t version() const { return version_; }
  uint64_t last_sequence() const { return last_sequence_; }
  // Recorded time of the last event folded.
  absl::Time last_recorded_time() const { return last_recorded_time_; }
  // The latest effective time of any event folded (InfinitePast before
  // the first): a state with none later than T is its own fold as of T.
  absl::Time latest_effective_time() const { return latest_effective_time_; }
  const std::string& deal_id() const { return deal_id_; }
  // The deal's currency; empty while the deal does not exist.
  const std::string& currency() const;
  const ProjectMap& projects() const { return projects_; }
  const AllocationMap& allocations() const { return allocations_; }
  const Amounts& totals() const { return totals_; }
  // Each party's latest terms, by asserted_by.
  const std::map<std::string, TermsEntry>& terms() const { return terms_; }
  // The amended subjects, by the event id of their original event.
  const AmendedMap& amended() const { return amended_; }
  uint32_t amendment_count() const { return amendment_count_; }
  // The event that stands for the subject whose original event is
  // `origin_event_id`: the latest amendment, else the original itself.
  const std::string& HeadOf(const std::string& origin_event_id) const;

  // What `allocation` holds of the ceiling: its cap, or without one what
  // its earmarks hold and the pledges drawing on it directly (0 once it no
  // longer counts).
  int64_t Allocated(const Allocation& allocation) const;
  // What the allocations that are not earmarks hold, in all.
  int64_t AllocatedTotal() const;
  // True when `project_id` draws on `allocation_id` or on an earmark of it.
  bool DrawsOn(const Project& project, std::string_view allocation_id) const;

  // Whether `event` may be appended next. `event` is complete: deal_id,
  // deal_version == version() + 1, sequence, recorded_time, actor and
  // data (with event_id and effective_time set), and has passed
  // AppendRequestViolations(). Returns:
  //   NOT_FOUND           the deal is not announced (for any event but a
  //                       deal announcement), or the project is unknown;
  //   FAILED_PRECONDITION a rule is broken: the message names the rule and
  //                       the numbers, e.g. "rule pledge-within-ceiling:
  //                       pledges would reach 560000000000 USD (minor
  //                       units), above the ceiling 550000000000". Rules:
  //                       deal-announced-once, deal-currency (every amount in
  //                       the deal's currency), project-announced-once,
  //                       pledge-within-ceiling, approval-within-pledge,
  //                       allocation-announced-once, allocation-depth (at
  //                       most kMaxAllocationDepth levels of earmarks),
  //                       earmark-within-parent and pledge-within-allocation
  //                       (what a capped allocation holds, its direct
  //                       pledges plus what its earmarks hold, stays within
  //                       its cap; an earmark or project under an
  //                       allocation without a cap counts against the
  //                       nearest capped ancestor), allocation-within-ceiling
  //                       (allocations, and pledges outside them, stay
  //                       within the ceiling), project-site-once (a site is
  //                       added only to a project announced without one),
  //                       effective-order for terms (not before the deal),
  //                       disbursement-within-approval (counting only the
  //                       approvals effective at or before the
  //                       disbursement), effective-order (a project or an
  //                       allocation not before its deal, an earmark not
  //                       before its parent, a project not before its
  //                       allocation, a site or an approval not before its
  //                       project's announcement, a disbursement not before
  //                       the project's first approval), amount-overflow.
  //                       An unknown allocation (a parent, or what a project
  //                       draws on) is NOT_FOUND.
  //                       A tariff change may take effect before the deal
  //                       (the rate the deal traded against is history
  //                       worth recording).
  //                       Amendments and restatements (their targets are
  //                       resolved into event.references by the caller):
  //                       amend-same-deal (a target of another deal),
  //                       amend-standing-event (the target must be the
  //                       event that stands for its subject now, and the
  //                       subject not withdrawn, retracted or restated),
  //                       amendable (what each change applies to: a
  //                       revision to a pledge, a cap or an approval, a
  //                       withdrawal to a project, corrections and
  //                       retractions to projects, allocations, approvals,
  //                       disbursements and tariff changes),
  //                       correction-same-subject, correction-effective-time
  //                       (corrections, retractions and firmness changes
  //                       take effect when their target did),
  //                       firmness-raise-only, withdraw-undisbursed,
  //                       retract-dependents and restate-dependents (a
  //                       project with approvals, an allocation with
  //                       projects or earmarks), project-standing and
  //                       allocation-standing (nothing new for what no
  //                       longer counts), and the rules above applied to
  //                       the amended figures (a cut of an approval below
  //                       what is disbursed is disbursement-within-
  //                       approval). An announcement that restates is
  //                       checked with the restated money freed.
  [[nodiscard]] absl::Status CheckRules(const pactlog::v1::Event& event) const;

  // Folds `event` into the state. Requires an event that passed CheckRules
  // against this state when it was appended; an event that would break a
  // rule (possible only when a caller folds a subset of a log) is folded
  // as far as it makes sense and never crashes.
  void Apply(const pactlog::v1::Event& event);

  // The deal's summary; tariffs (without history) are evaluated at
  // `tariffs_at`. Requires exists().
  void ToProto(absl::Time tariffs_at, pactlog::v1::DealState* out) const;

  // One project; NOT_FOUND naming the project when unknown.
  [[nodiscard]] absl::Status ProjectToProto(
      std::string_view project_id, pactlog::v1::ProjectState* out) const;
  void ProjectToProto(const Project& project,
                      pactlog::v1::ProjectState* out) const;

  void AllocationToProto(const Allocation& allocation,
                         pactlog::v1::AllocationState* out) const;

  // The deal's compliance at `at`: every approved project against the
  // funding deadline of `reading`'s terms (empty: the latest terms event
  // that names a deadline, else the latest), and the cap breaches then.
  // NOT_FOUND naming the party when `reading` has no terms.
  [[nodiscard]] absl::Status ComplianceToProto(
      absl::Time at, std::string_view reading,
      pactlog::v1::ComplianceView* out) const;

  // Tariff lines ordered by category, in force at `at` (a cap applies only
  // from the deal announcement's effective time on); only `category`
  // when non-empty (then NOT_FOUND if the category has neither changes nor
  // a cap). With `with_history` each line carries every change.
  [[nodiscard]] absl::Status TariffsToProto(
      absl::Time at, std::string_view category, bool with_history,
      std::vector<pactlog::v1::TariffLine>* out) const;

  // The whole state as a snapshot, from which FromSnapshot() rebuilds an
  // equal state (one that answers every query identically).
  void ToSnapshot(pactlog::internal::DealSnapshot* out) const;
  // Rebuilds a state; FAILED_PRECONDITION for a snapshot of another format
  // (the caller then replays the log instead).
  [[nodiscard]] static absl::StatusOr<DealState> FromSnapshot(
      const pactlog::internal::DealSnapshot& snapshot);
  // A snapshot as stored: the serialized DealSnapshot, decoded and rebuilt
  // by FromSnapshot, and checked to be of `deal_id` at `sequence` (the key
  // it was stored under). DATA_LOSS if the bytes do not parse or name
  // another deal or sequence; FromSnapshot's errors otherwise. A caller
  // treats any error as "no usable snapshot" and replays instead.
  [[nodiscard]] static absl::StatusOr<DealState> DecodeSnapshot(
      std::string_view bytes, std::string_view deal_id, uint64_t sequence);
  // The format ToSnapshot writes.
  // 2: allocations, project sites, terms and last disbursement times;
  // 3: event ids, firmness, supersessions and amended subjects (a snapshot
  // of an older format is replayed).
  static constexpr uint32_t kSnapshotFormat = 3;

 private:
  // CheckRules without the restatements of `event`.
  [[nodiscard]] absl::Status CheckOwnRules(
      const pactlog::v1::Event& event) const;
  // The rules and the fold of amendments and restatements
  // (deal_state_amend.cc).
  [[nodiscard]] absl::Status CheckAmendment(
      const pactlog::v1::Event& event) const;
  [[nodiscard]] absl::Status CheckRestatements(
      const pactlog::v1::Event& event) const;
  // Whether replacing `current`, the content of the subject of `ref` as it
  // stands, with `next` (nullptr: removing its effect) keeps the rules.
  [[nodiscard]] absl::Status CheckReplace(
      const pactlog::v1::EventReference& ref,
      const pactlog::v1::EventData& current,
      const pactlog::v1::EventData* next) const;
  void ApplyAmendment(const pactlog::v1::Event& event);
  void ApplyRestatements(const pactlog::v1::Event& event);
  // Replaces the effect of `current` with that of `next` (nullptr: none;
  // a project or allocation then gets `supersession`).
  void Replace(const pactlog::v1::EventReference& ref,
               const pactlog::v1::EventData& current,
               const pactlog::v1::EventData* next,
               const pactlog::v1::Supersession& supersession);
  // The content of the subject of `ref` as it stands.
  const pactlog::v1::EventData& CurrentOf(
      const pactlog::v1::EventReference& ref) const;
  // Takes `project` out of every total, or puts it back.
  void RemoveFromBreakdowns(const Project& project);
  void AddProjectToBreakdowns(const Project& project);
  // The breach of `line`, a tariff line evaluated at `at` that breaches
  // its cap.
  void BreachToProto(const pactlog::v1::TariffLine& line, absl::Time at,
                     pactlog::v1::CapBreach* out) const;
  // Adds `delta` to the totals, the breakdowns and every allocation
  // `project` draws on (its pledges also to the direct pledges of the one
  // it draws on directly).
  void AddToBreakdowns(const Project& project, const Amounts& delta);
  // Calls `fn(allocation)` for the allocation `id` and each one it is an
  // earmark of, innermost first; stops at an unknown id.
  template <typename Fn>
  void ForEachAllocationUp(std::string_view id, Fn fn) const;
  // What a capped allocation's cap must cover: its direct pledges plus what
  // its earmarks reserve.
  int64_t Held(const Allocation& allocation) const;
  // Allocations plus pledges outside them: what the ceiling must cover.
  int64_t Committed() const;
  [[nodiscard]] absl::Status CheckRoom(std::string_view allocation_id,
                                       int64_t amount, bool is_pledge) const;
  [[nodiscard]] absl::Status CheckAllocationRules(
      const pactlog::v1::AllocationAnnouncement& allocation,
      absl::Time effective) const;
  [[nodiscard]] absl::Status CheckProjectAllocation(
      const pactlog::v1::ProjectAnnouncement& project,
      absl::Time effective) const;
  [[nodiscard]] absl::Status CheckProjectSite(
      const pactlog::v1::ProjectSite& site, absl::Time effective) const;

  bool exists_ = false;
  std::string deal_id_;
  pactlog::v1::DealAnnouncement announcement_;
  absl::Time announced_effective_time_;
  absl::Time last_recorded_time_;
  absl::Time latest_effective_time_ = absl::InfinitePast();
  uint64_t version_ = 0;
  uint64_t last_sequence_ = 0;
  ProjectMap projects_;
  AllocationMap allocations_;
  std::map<std::string, TermsEntry> terms_;
  TariffMap tariffs_;
  Amounts totals_;
  std::map<int, Amounts> by_sector_;  // Sector -> amounts
  std::map<std::string, Amounts> by_us_state_;
  std::string event_id_;  // of the deal announcement
  pactlog::v1::Firmness firmness_ = pactlog::v1::FIRMNESS_UNSPECIFIED;
  AmendedMap amended_;
  uint32_t amendment_count_ = 0;
};

// The events `data` names, resolved by the caller into Event.references
// before CheckRules: an amendment's target first, then each of restates.
std::vector<std::string_view> ReferencedIds(const pactlog::v1::EventData& data);
// The reference to `target`, the event recorded under the id named; its
// origin is the original event of target's amendment chain.
void MakeReference(const pactlog::v1::Event& target,
                   pactlog::v1::EventReference* out);
// True for an amendment that fixes the record (a correction, a retraction,
// a firmness change): it takes effect when its target did, and its
// effective time defaults to the target's.
bool IsRecordFix(const pactlog::v1::Amendment& amendment);

// Converts between proto timestamps and absl::Time (util/timestamp.h).
using ::pactlog::util::ToAbslTime;
using ::pactlog::util::ToProtoTime;

}  // namespace pactlog::domain

#endif  // PACTLOG_DOMAIN_DEAL_STATE_H_
