// DealState (domain/deal_state.h): the fold of events into a deal's state
// (Apply) and the rules an event must keep to be appended (CheckRules).
// Rendering the state to pactlog.v1 messages is in deal_state_proto.cc,
// snapshots in deal_state_snapshot.cc.
#include "domain/deal_state.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "domain/deal_state_internal.h"
#include "domain/limits.h"
#include "domain/validation.h"
#include "util/status_macros.h"

namespace pactlog::domain {

using ::pactlog::domain::internal::AddAmounts;
using ::pactlog::domain::internal::Quote;
using ::pactlog::domain::internal::SaturatingAdd;
using ::pactlog::util::AsAbsl;
using ::pactlog::v1::Event;
using ::pactlog::v1::EventData;
using ::pactlog::v1::Money;

namespace internal {

std::string FormatTimeUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

absl::Status RuleBroken(std::string_view rule, std::string_view details,
                        std::initializer_list<NamedNumber> numbers) {
  return WithErrorInfo(
      absl::FailedPreconditionError(
          absl::StrCat("rule ", AsAbsl(rule), ": ", AsAbsl(details))),
      kReasonRuleBroken,
      {{"rule", std::string(rule)}, {"detail", std::string(details)}}, numbers);
}

// `current + amount` into `*sum`, or FAILED_PRECONDITION rule
// amount-overflow naming `what` and both numbers.
absl::Status CheckedSum(std::string_view what, int64_t current, int64_t amount,
                        std::string_view currency, int64_t* sum) {
  if (!__builtin_add_overflow(current, amount, sum)) return absl::OkStatus();
  return RuleBroken("amount-overflow",
                    absl::StrCat(AsAbsl(what), " ", current, " + ", amount, " ",
                                 AsAbsl(currency),
                                 " (minor units) overflow a 64-bit integer"),
                    {{"current", current}, {"amount", amount}});
}

absl::Status CheckCurrency(std::string_view what, const Money& money,
                           std::string_view deal_id,
                           std::string_view deal_currency) {
  if (money.currency_code() == deal_currency) return absl::OkStatus();
  return RuleBroken(
      "deal-currency",
      absl::StrCat(AsAbsl(what), " is in ", Quote(money.currency_code()),
                   ", but the currency of deal ", Quote(deal_id), " is ",
                   Quote(deal_currency)));
}

// The sum of `project`'s approvals effective at or before `at`.
int64_t ApprovedBy(const Project& project, absl::Time at) {
  int64_t sum = 0;
  for (const auto& [sequence, approval] : project.approvals) {
    if (approval.effective_time <= at) {
      sum = SaturatingAdd(sum, approval.amount);
    }
  }
  return sum;
}

std::string_view SupersessionVerb(pactlog::v1::SupersessionKind kind) {
  switch (kind) {
    case pactlog::v1::SUPERSESSION_KIND_WITHDRAWN:
      return "withdrawn";
    case pactlog::v1::SUPERSESSION_KIND_RETRACTED:
      return "retracted";
    case pactlog::v1::SUPERSESSION_KIND_RESTATED:
      return "restated";
    default:
      return "superseded";
  }
}

}  // namespace internal

namespace {

using ::pactlog::domain::internal::ApprovedBy;
using ::pactlog::domain::internal::CheckCurrency;
using ::pactlog::domain::internal::CheckedSum;
using ::pactlog::domain::internal::CheckStanding;
using ::pactlog::domain::internal::FormatTimeUtc;
using ::pactlog::domain::internal::RuleBroken;

// What the rules of one event need to know of the deal.
struct RuleContext {
  std::string_view deal_id;
  std::string_view currency;
  absl::Time effective_time;
  int64_t ceiling = 0;
  int64_t pledged = 0;
  const ProjectMap& projects;
};

absl::Status UnknownProject(const RuleContext& deal,
                            std::string_view project_id) {
  return absl::NotFoundError(absl::StrCat("project ", Quote(project_id),
                                          " is not announced in deal ",
                                          Quote(deal.deal_id)));
}

}  // namespace

namespace internal {

absl::Status CheckStanding(const Project& project) {
  if (project.counts()) return absl::OkStatus();
  return RuleBroken(
      "project-standing",
      absl::StrCat("project ", Quote(project.announcement.project_id()),
                   " no longer counts: it was ",
                   AsAbsl(SupersessionVerb(project.supersession.kind())),
                   " by event ", Quote(project.supersession.by_event_id())));
}

absl::Status CheckStanding(const Allocation& allocation) {
  if (allocation.counts()) return absl::OkStatus();
  return RuleBroken(
      "allocation-standing",
      absl::StrCat("allocation ",
                   Quote(allocation.announcement.allocation_id()),
                   " no longer counts: it was ",
                   AsAbsl(SupersessionVerb(allocation.supersession.kind())),
                   " by event ", Quote(allocation.supersession.by_event_id())));
}

}  // namespace internal

namespace {

absl::Status CheckProjectRules(const RuleContext& deal,
                               const pactlog::v1::ProjectAnnouncement& project,
                               absl::Time effective) {
  RETURN_IF_ERROR(
      CheckCurrency("pledged", project.pledged(), deal.deal_id, deal.currency));
  if (auto it = deal.projects.find(project.project_id());
      it != deal.projects.end()) {
    return RuleBroken(
        "project-announced-once",
        absl::StrCat("project ", Quote(project.project_id()),
                     " was already announced in deal ", Quote(deal.deal_id),
                     ", effective ",
                     FormatTimeUtc(it->second.announced_effective_time)));
  }
  if (effective < deal.effective_time) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("project effective ", FormatTimeUtc(effective),
                     " precedes the deal announcement effective ",
                     FormatTimeUtc(deal.effective_time)));
  }
  int64_t total;
  RETURN_IF_ERROR(CheckedSum("pledges", deal.pledged,
                             project.pledged().minor_units(), deal.currency,
                             &total));
  if (total > deal.ceiling) {
    return RuleBroken(
        "pledge-within-ceiling",
        absl::StrCat("pledges would reach ", total, " ", AsAbsl(deal.currency),
                     " (minor units), above the ceiling ", deal.ceiling),
        {{"would_reach", total}, {"ceiling", deal.ceiling}});
  }
  return absl::OkStatus();
}

absl::Status CheckApprovalRules(const RuleContext& deal,
                                const pactlog::v1::Approval& approval,
                                absl::Time effective) {
  auto it = deal.projects.find(approval.project_id());
  if (it == deal.projects.end()) {
    return UnknownProject(deal, approval.project_id());
  }
  const Project& project = it->second;
  RETURN_IF_ERROR(CheckStanding(project));
  RETURN_IF_ERROR(CheckCurrency("approval amount", approval.amount(),
                                deal.deal_id, deal.currency));
  if (effective < project.announced_effective_time) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("approval effective ", FormatTimeUtc(effective),
                     " precedes the announcement of project ",
                     Quote(approval.project_id()), " effective ",
                     FormatTimeUtc(project.announced_effective_time)));
  }
  int64_t total;
  RETURN_IF_ERROR(CheckedSum("approvals", project.approved,
                             approval.amount().minor_units(), deal.currency,
                             &total));
  const int64_t pledged = project.announcement.pledged().minor_units();
  if (total > pledged) {
    return RuleBroken(
        "approval-within-pledge",
        absl::StrCat("approvals of project ", Quote(approval.project_id()),
                     " would reach ", total, " ", AsAbsl(deal.currency),
                     " (minor units), above its pledge ", pledged),
        {{"would_reach", total}, {"pledged", pledged}});
  }
  return absl::OkStatus();
}

absl::Status CheckDisbursementRules(
    const RuleContext& deal, const pactlog::v1::Disbursement& disbursement,
    absl::Time effective) {
  auto it = deal.projects.find(disbursement.project_id());
  if (it == deal.projects.end()) {
    return UnknownProject(deal, disbursement.project_id());
  }
  const Project& project = it->second;
  RETURN_IF_ERROR(CheckStanding(project));
  RETURN_IF_ERROR(CheckCurrency("disbursement amount", disbursement.amount(),
                                deal.deal_id, deal.currency));
  if (project.approvals.empty()) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("project ", Quote(disbursement.project_id()),
                     " has no approval; money is disbursed only to an "
                     "approved project"));
  }
  const auto first = std::min_element(
      project.approvals.begin(), project.approvals.end(),
      [](const auto& a, const auto& b) {
        return a.second.effective_time < b.second.effective_time;
      });
  if (effective < first->second.effective_time) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("disbursement effective ", FormatTimeUtc(effective),
                     " precedes the first approval effective ",
                     FormatTimeUtc(first->second.effective_time),
                     " of project ", Quote(disbursement.project_id())));
  }
  int64_t total;
  RETURN_IF_ERROR(CheckedSum("disbursements", project.disbursed,
                             disbursement.amount().minor_units(), deal.currency,
                             &total));
  const int64_t approved = ApprovedBy(project, effective);
  if (total > approved) {
    return RuleBroken(
        "disbursement-within-approval",
        absl::StrCat("disbursements of project ",
                     Quote(disbursement.project_id()), " would reach ", total,
                     " ", AsAbsl(deal.currency), " (minor units), above the ",
                     approved, " approved effective at or before ",
                     FormatTimeUtc(effective)),
        {{"would_reach", total}, {"approved", approved}});
  }
  return absl::OkStatus();
}

}  // namespace

pactlog::v1::ProjectStatus Project::status() const {
  switch (supersession.kind()) {
    case pactlog::v1::SUPERSESSION_KIND_WITHDRAWN:
      return pactlog::v1::PROJECT_STATUS_WITHDRAWN;
    case pactlog::v1::SUPERSESSION_KIND_RETRACTED:
      return pactlog::v1::PROJECT_STATUS_RETRACTED;
    case pactlog::v1::SUPERSESSION_KIND_RESTATED:
      return pactlog::v1::PROJECT_STATUS_RESTATED;
    default:
      break;
  }
  if (disbursed > 0 && disbursed >= announcement.pledged().minor_units()) {
    return pactlog::v1::PROJECT_STATUS_FULLY_DISBURSED;
  }
  if (disbursed > 0) return pactlog::v1::PROJECT_STATUS_FUNDING;
  if (approved > 0) return pactlog::v1::PROJECT_STATUS_APPROVED;
  return pactlog::v1::PROJECT_STATUS_ANNOUNCED;
}

const std::string& DealState::currency() const {
  return announcement_.commitment_ceiling().currency_code();
}

absl::Status DealState::CheckRules(const Event& event) const {
  if (event.data().restates().empty() || !exists_) {
    return CheckOwnRules(event);
  }
  RETURN_IF_ERROR(CheckRestatements(event));
  // The announcement is judged with the money it restates freed. A copy,
  // but only for a restating announcement, which is rare.
  DealState trial(*this);
  trial.ApplyRestatements(event);
  return trial.CheckOwnRules(event);
}

absl::Status DealState::CheckOwnRules(const Event& event) const {
  const EventData& data = event.data();
  if (data.has_announcement() && data.announcement().has_deal()) {
    if (!exists_) return absl::OkStatus();
    return RuleBroken("deal-announced-once",
                      absl::StrCat("deal ", Quote(deal_id_),
                                   " was already announced, effective ",
                                   FormatTimeUtc(announced_effective_time_)));
  }
  if (!exists_) {
    return absl::NotFoundError(absl::StrCat("deal ", Quote(event.deal_id()),
                                            " has not been announced"));
  }
  const RuleContext context{
      .deal_id = deal_id_,
      .currency = currency(),
      .effective_time = announced_effective_time_,
      .ceiling = announcement_.commitment_ceiling().minor_units(),
      .pledged = totals_.pledged,
      .projects = projects_,
  };
  const absl::Time effective = ToAbslTime(data.effective_time());
  switch (data.kind_case()) {
    case EventData::kAnnouncement:
      switch (data.announcement().subject_case()) {
        case pactlog::v1::Announcement::kProject: {
          const auto& project = data.announcement().project();
          RETURN_IF_ERROR(CheckProjectRules(context, project, effective));
          return CheckProjectAllocation(project, effective);
        }
        case pactlog::v1::Announcement::kAllocation:
          return CheckAllocationRules(data.announcement().allocation(),
                                      effective);
        case pactlog::v1::Announcement::kProjectSite:
          return CheckProjectSite(data.announcement().project_site(),
                                  effective);
        case pactlog::v1::Announcement::kTerms:
          if (effective < announced_effective_time_) {
            return RuleBroken(
                "effective-order",
                absl::StrCat("terms effective ", FormatTimeUtc(effective),
                             " precede the deal announcement effective ",
                             FormatTimeUtc(announced_effective_time_)));
          }
          return absl::OkStatus();
        default:
          break;
      }
      break;
    case EventData::kApproval:
      return CheckApprovalRules(context, data.approval(), effective);
    case EventData::kDisbursement:
      return CheckDisbursementRules(context, data.disbursement(), effective);
    case EventData::kTariffChange:
      return absl::OkStatus();
    case EventData::kAmendment:
      return CheckAmendment(event);
    case EventData::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "event has no kind (it did not pass AppendRequestViolations)");
}

void DealState::Apply(const Event& event) {
  const EventData& data = event.data();
  const absl::Time effective = ToAbslTime(data.effective_time());
  const uint64_t sequence = event.sequence();
  version_ = event.deal_version() != 0 ? event.deal_version() : version_ + 1;
  last_sequence_ = sequence;
  latest_effective_time_ = std::max(latest_effective_time_, effective);
  if (event.has_recorded_time()) {
    last_recorded_time_ = ToAbslTime(event.recorded_time());
  }
  if (deal_id_.empty()) deal_id_ = event.deal_id();

  switch (data.kind_case()) {
    case EventData::kAnnouncement:
      ApplyRestatements(event);
      if (data.announcement().has_deal()) {
        if (exists_) break;
        exists_ = true;
        announcement_ = data.announcement().deal();
        announced_effective_time_ = effective;
        event_id_ = data.event_id();
        firmness_ = data.provenance().firmness();
      } else if (data.announcement().has_project()) {
        const auto& announced = data.announcement().project();
        auto [added, inserted] = projects_.TryEmplace(announced.project_id());
        if (!inserted) break;
        Project& project = *added;
        project.announcement = announced;
        project.announced_effective_time = effective;
        project.last_sequence = sequence;
        project.announced_sequence = sequence;
        project.event_id = data.event_id();
        project.firmness = data.provenance().firmness();
        project.restates.assign(data.restates().begin(), data.restates().end());
        if (!allocations_.contains(announced.allocation_id())) {
          // Only a subset of a log can name an unknown allocation.
          project.announcement.clear_allocation_id();
        }
        AddToBreakdowns(project,
                        Amounts{.pledged = announced.pledged().minor_units(),
                                .project_count = 1});
      } else if (data.announcement().has_allocation()) {
        const auto& announced = data.announcement().allocation();
        const std::string& parent_id = announced.parent_allocation_id();
        if (!parent_id.empty() && !allocations_.contains(parent_id)) break;
        auto [added, inserted] =
            allocations_.TryEmplace(announced.allocation_id());
        if (!inserted) break;
        Allocation& allocation = *added;
        allocation.announcement = announced;
        allocation.sequence = sequence;
        allocation.effective_time = effective;
        allocation.event_id = data.event_id();
        allocation.firmness = data.provenance().firmness();
        allocation.restates.assign(data.restates().begin(),
                                   data.restates().end());
        if (Allocation* parent = allocations_.FindMutable(parent_id)) {
          std::vector<std::string>& earmarks = parent->earmarks;
          earmarks.insert(std::upper_bound(earmarks.begin(), earmarks.end(),
                                           announced.allocation_id()),
                          announced.allocation_id());
        }
      } else if (data.announcement().has_terms()) {
        TermsEntry& entry = terms_[data.provenance().asserted_by()];
        entry.terms = data.announcement().terms();
        entry.sequence = sequence;
        entry.effective_time = effective;
        entry.provenance = data.provenance();
      } else if (data.announcement().has_project_site()) {
        const auto& site = data.announcement().project_site();
        const Project* found = projects_.Find(site.project_id());
        if (found == nullptr || !found->announcement.us_state().empty() ||
            !found->counts()) {
          break;
        }
        Project& project = *projects_.FindMutable(site.project_id());
        const Amounts amounts{
            .pledged = project.announcement.pledged().minor_units(),
            .approved = project.approved,
            .disbursed = project.disbursed,
            .project_count = 1};
        auto unknown = by_us_state_.find("");
        if (unknown != by_us_state_.end()) {
          AddAmounts(Amounts{.pledged = -amounts.pledged,
                             .approved = -amounts.approved,
                             .disbursed = -amounts.disbursed},
                     &unknown->second);
          if (--unknown->second.project_count == 0) by_us_state_.erase(unknown);
        }
        project.announcement.set_us_state(site.us_state());
        project.last_sequence = sequence;
        AddAmounts(amounts, &by_us_state_[site.us_state()]);
      }
      break;
    case EventData::kApproval: {
      const auto& approval = data.approval();
      const Project* found = projects_.Find(approval.project_id());
      if (found == nullptr || !found->counts()) break;
      Project& project = *projects_.FindMutable(approval.project_id());
      const int64_t amount = approval.amount().minor_units();
      project.approved = SaturatingAdd(project.approved, amount);
      project.approvals[sequence] = ApprovalEntry{
          .sequence = sequence,
          .effective_time = effective,
          .amount = amount,
          .approving_body = approval.approving_body(),
          .event_id = data.event_id(),
          .firmness = data.provenance().firmness(),
      };
      project.last_sequence = sequence;
      AddToBreakdowns(project, Amounts{.approved = amount});
      break;
    }
    case EventData::kDisbursement: {
      const auto& disbursement = data.disbursement();
      const Project* found = projects_.Find(disbursement.project_id());
      if (found == nullptr || !found->counts()) break;
      Project& project = *projects_.FindMutable(disbursement.project_id());
      const int64_t amount = disbursement.amount().minor_units();
      project.disbursed = SaturatingAdd(project.disbursed, amount);
      project.last_disbursement_time =
          std::max(project.last_disbursement_time, effective);
      int64_t& by_source =
          project.disbursed_by_source[disbursement.funding_source()];
      by_source = SaturatingAdd(by_source, amount);
      project.last_sequence = sequence;
      AddToBreakdowns(project, Amounts{.disbursed = amount});
      break;
    }
    case EventData::kTariffChange: {
      const auto& change = data.tariff_change();
      TariffEntry entry{
          .sequence = sequence,
          .effective_time = effective,
          .recorded_time = ToAbslTime(event.recorded_time()),
          .rate_bps = change.rate_bps(),
          .legal_instrument = change.legal_instrument(),
          .reason = change.reason(),
          .event_id = data.event_id(),
      };
      for (std::string_view category : CategoriesOf(change)) {
        tariffs_[std::string(category)][TariffKey(effective, sequence)] = entry;
      }
      break;
    }
    case EventData::kAmendment:
      ApplyAmendment(event);
      break;
    case EventData::KIND_NOT_SET:
      break;
  }
}

template <typename Fn>
void DealState::ForEachAllocationUp(std::string_view id, Fn fn) const {
  // The depth rule bounds the walk; the count guards a subset of a log.
  for (int level = 0; !id.empty() && level < kMaxAllocationDepth; ++level) {
    auto it = allocations_.find(std::string(id));
    if (it == allocations_.end()) return;
    fn(it->second);
    id = it->second.announcement.parent_allocation_id();
  }
}

void DealState::AddToBreakdowns(const Project& project, const Amounts& delta) {
  AddAmounts(delta, &totals_);
  AddAmounts(delta, &by_sector_[project.announcement.sector()]);
  AddAmounts(delta, &by_us_state_[project.announcement.us_state()]);
  std::string_view id = project.announcement.allocation_id();
  for (int level = 0; !id.empty() && level < kMaxAllocationDepth; ++level) {
    Allocation* allocation = allocations_.FindMutable(id);
    if (allocation == nullptr) return;
    AddAmounts(delta, &allocation->totals);
    if (level == 0) {
      allocation->direct_pledged =
          SaturatingAdd(allocation->direct_pledged, delta.pledged);
    }
    id = allocation->announcement.parent_allocation_id();
  }
}

int64_t DealState::AllocatedTotal() const {
  int64_t sum = 0;
  for (const auto& [id, allocation] : allocations_) {
    if (allocation.announcement.parent_allocation_id().empty()) {
      sum = SaturatingAdd(sum, Allocated(allocation));
    }
  }
  return sum;
}

int64_t DealState::Held(const Allocation& allocation) const {
  int64_t sum = allocation.direct_pledged;
  for (const std::string& id : allocation.earmarks) {
    sum = SaturatingAdd(sum, Allocated(allocations_.at(id)));
  }
  return sum;
}

int64_t DealState::Allocated(const Allocation& allocation) const {
  if (!allocation.counts()) return 0;
  if (allocation.announcement.has_cap()) {
    return allocation.announcement.cap().minor_units();
  }
  return Held(allocation);
}

int64_t DealState::Committed() const {
  // Pledges drawing on an allocation count in their outermost allocation.
  int64_t committed = totals_.pledged;
  for (const auto& [id, allocation] : allocations_) {
    if (allocation.announcement.parent_allocation_id().empty() &&
        allocation.counts()) {
      committed = SaturatingAdd(
          committed, Allocated(allocation) - allocation.totals.pledged);
    }
  }
  return committed;
}

bool DealState::DrawsOn(const Project& project,
                        std::string_view allocation_id) const {
  bool found = false;
  ForEachAllocationUp(
      project.announcement.allocation_id(), [&](const Allocation& allocation) {
        found =
            found || allocation.announcement.allocation_id() == allocation_id;
      });
  return found;
}

// `amount` more reserved at allocation `allocation_id` (a pledge drawing
// on it, or a new earmark inside it): the nearest capped allocation on the
// way up must hold it, or, when none is capped, the ceiling.
absl::Status DealState::CheckRoom(std::string_view allocation_id,
                                  int64_t amount, bool is_pledge) const {
  const std::string_view rule =
      is_pledge ? "pledge-within-allocation" : "earmark-within-parent";
  absl::Status status = absl::OkStatus();
  bool absorbed = false;
  ForEachAllocationUp(allocation_id, [&](const Allocation& allocation) {
    if (absorbed || !allocation.announcement.has_cap()) return;
    absorbed = true;
    const int64_t cap = allocation.announcement.cap().minor_units();
    const int64_t held = Held(allocation);
    int64_t total;
    status = CheckedSum("allocation", held, amount, currency(), &total);
    if (status.ok() && total > cap) {
      status = RuleBroken(
          rule,
          absl::StrCat(
              "allocation ", Quote(allocation.announcement.allocation_id()),
              " would hold ", total, " ", AsAbsl(currency()),
              " (minor units), above its cap ", cap, " (it holds ", held,
              " of pledges and earmarks, and ", amount, " more is proposed)"));
    }
  });
  if (absorbed || !status.ok()) return status;
  const int64_t ceiling = announcement_.commitment_ceiling().minor_units();
  int64_t total;
  RETURN_IF_ERROR(
      CheckedSum("allocations", Committed(), amount, currency(), &total));
  if (total > ceiling) {
    return RuleBroken(
        "allocation-within-ceiling",
        absl::StrCat("allocations and the pledges outside them would reach ",
                     total, " ", AsAbsl(currency()),
                     " (minor units), above the ceiling ", ceiling));
  }
  return absl::OkStatus();
}

absl::Status DealState::CheckAllocationRules(
    const pactlog::v1::AllocationAnnouncement& allocation,
    absl::Time effective) const {
  if (allocation.has_cap()) {
    RETURN_IF_ERROR(CheckCurrency("allocation cap", allocation.cap(), deal_id_,
                                  currency()));
  }
  if (auto it = allocations_.find(allocation.allocation_id());
      it != allocations_.end()) {
    return RuleBroken(
        "allocation-announced-once",
        absl::StrCat("allocation ", Quote(allocation.allocation_id()),
                     " was already announced in deal ", Quote(deal_id_),
                     ", effective ", FormatTimeUtc(it->second.effective_time)));
  }
  if (effective < announced_effective_time_) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("allocation effective ", FormatTimeUtc(effective),
                     " precedes the deal announcement effective ",
                     FormatTimeUtc(announced_effective_time_)));
  }
  const std::string& parent_id = allocation.parent_allocation_id();
  const int64_t amount =
      allocation.has_cap() ? allocation.cap().minor_units() : 0;
  if (parent_id.empty()) return CheckRoom("", amount, false);
  auto parent = allocations_.find(parent_id);
  if (parent == allocations_.end()) {
    return absl::NotFoundError(
        absl::StrCat("parent allocation ", Quote(parent_id),
                     " is not announced in deal ", Quote(deal_id_)));
  }
  RETURN_IF_ERROR(CheckStanding(parent->second));
  if (effective < parent->second.effective_time) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("earmark effective ", FormatTimeUtc(effective),
                     " precedes its parent allocation ", Quote(parent_id),
                     " effective ",
                     FormatTimeUtc(parent->second.effective_time)));
  }
  int depth = 1;
  ForEachAllocationUp(parent_id, [&](const Allocation&) { ++depth; });
  if (depth > kMaxAllocationDepth) {
    return RuleBroken(
        "allocation-depth",
        absl::StrCat("an earmark inside ", Quote(parent_id), " would be ",
                     depth, " levels deep, the limit is ",
                     kMaxAllocationDepth));
  }
  return CheckRoom(parent_id, amount, false);
}

absl::Status DealState::CheckProjectAllocation(
    const pactlog::v1::ProjectAnnouncement& project,
    absl::Time effective) const {
  const int64_t pledge = project.pledged().minor_units();
  const std::string& id = project.allocation_id();
  if (id.empty())
    return allocations_.empty() ? absl::OkStatus()
                                : CheckRoom("", pledge, true);
  auto it = allocations_.find(id);
  if (it == allocations_.end()) {
    return absl::NotFoundError(absl::StrCat("allocation ", Quote(id),
                                            " is not announced in deal ",
                                            Quote(deal_id_)));
  }
  RETURN_IF_ERROR(CheckStanding(it->second));
  if (effective < it->second.effective_time) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("project effective ", FormatTimeUtc(effective),
                     " precedes its allocation ", Quote(id), " effective ",
                     FormatTimeUtc(it->second.effective_time)));
  }
  return CheckRoom(id, pledge, true);
}

absl::Status DealState::CheckProjectSite(const pactlog::v1::ProjectSite& site,
                                         absl::Time effective) const {
  auto it = projects_.find(site.project_id());
  if (it == projects_.end()) {
    return absl::NotFoundError(
        absl::StrCat("project ", Quote(site.project_id()),
                     " is not announced in deal ", Quote(deal_id_)));
  }
  const Project& project = it->second;
  RETURN_IF_ERROR(CheckStanding(project));
  if (!project.announcement.us_state().empty()) {
    return RuleBroken("project-site-once",
                      absl::StrCat("project ", Quote(site.project_id()),
                                   " already has its site ",
                                   Quote(project.announcement.us_state())));
  }
  if (effective < project.announced_effective_time) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("site effective ", FormatTimeUtc(effective),
                     " precedes the announcement of project ",
                     Quote(site.project_id()), " effective ",
                     FormatTimeUtc(project.announced_effective_time)));
  }
  return absl::OkStatus();
}

}  // namespace pactlog::domain
