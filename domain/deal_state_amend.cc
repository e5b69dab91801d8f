// DealState (domain/deal_state.h): amendments and restatements, the events
// that change earlier events. The log stays append-only: an amendment is an
// event of its own, and the fold replaces the effect of the event it names
// with the amended one. The caller resolves the events named (into
// Event.references) before CheckRules, so the fold needs no lookup and the
// state keeps only the subjects that were amended (Amended), not the
// history.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "domain/deal_state_internal.h"
#include "domain/validation.h"
#include "util/status_macros.h"

namespace pactlog::domain {
namespace {

using ::pactlog::domain::internal::AddAmounts;
using ::pactlog::domain::internal::ApprovedBy;
using ::pactlog::domain::internal::CheckCurrency;
using ::pactlog::domain::internal::CheckedSum;
using ::pactlog::domain::internal::CheckStanding;
using ::pactlog::domain::internal::FormatTimeUtc;
using ::pactlog::domain::internal::Quote;
using ::pactlog::domain::internal::RuleBroken;
using ::pactlog::domain::internal::SaturatingAdd;
using ::pactlog::domain::internal::SupersessionVerb;
using ::pactlog::util::AsAbsl;
using ::pactlog::v1::Amendment;
using ::pactlog::v1::Event;
using ::pactlog::v1::EventData;
using ::pactlog::v1::EventReference;

// What an event is about, for the amendments that apply to it.
enum class Subject {
  kProject,
  kAllocation,
  kApproval,
  kDisbursement,
  kTariffChange,
  kOther,  // a deal announcement, a site, terms: only firmness changes
};

Subject SubjectOf(const EventData& data) {
  switch (data.kind_case()) {
    case EventData::kAnnouncement:
      if (data.announcement().has_project()) return Subject::kProject;
      if (data.announcement().has_allocation()) return Subject::kAllocation;
      return Subject::kOther;
    case EventData::kApproval:
      return Subject::kApproval;
    case EventData::kDisbursement:
      return Subject::kDisbursement;
    case EventData::kTariffChange:
      return Subject::kTariffChange;
    default:
      return Subject::kOther;
  }
}

std::string_view SubjectName(Subject subject) {
  switch (subject) {
    case Subject::kProject:
      return "a project announcement";
    case Subject::kAllocation:
      return "an allocation announcement";
    case Subject::kApproval:
      return "an approval";
    case Subject::kDisbursement:
      return "a disbursement";
    case Subject::kTariffChange:
      return "a tariff change";
    case Subject::kOther:
      break;
  }
  return "this kind of event";
}

// The project an approval or a disbursement is about.
const std::string& ProjectIdOf(const EventData& data) {
  return data.has_approval() ? data.approval().project_id()
                             : data.disbursement().project_id();
}

// `current` with its amount (pledge, cap or approval) set to `amount`.
EventData WithAmount(const EventData& current, const pactlog::v1::Money& amount,
                     const pactlog::v1::Provenance& provenance) {
  EventData next = current;
  *next.mutable_provenance() = provenance;
  switch (SubjectOf(current)) {
    case Subject::kProject:
      *next.mutable_announcement()->mutable_project()->mutable_pledged() =
          amount;
      break;
    case Subject::kAllocation:
      *next.mutable_announcement()->mutable_allocation()->mutable_cap() =
          amount;
      break;
    case Subject::kApproval:
      *next.mutable_approval()->mutable_amount() = amount;
      break;
    default:
      break;
  }
  return next;
}

// The correction's replacement as the content of an event.
EventData Replacement(const Event& event) {
  EventData next;
  *next.mutable_provenance() = event.data().provenance();
  const pactlog::v1::Correction& correction =
      event.data().amendment().correction();
  switch (correction.replacement_case()) {
    case pactlog::v1::Correction::kAnnouncement:
      *next.mutable_announcement() = correction.announcement();
      break;
    case pactlog::v1::Correction::kApproval:
      *next.mutable_approval() = correction.approval();
      break;
    case pactlog::v1::Correction::kDisbursement:
      *next.mutable_disbursement() = correction.disbursement();
      break;
    case pactlog::v1::Correction::kTariffChange:
      *next.mutable_tariff_change() = correction.tariff_change();
      break;
    case pactlog::v1::Correction::REPLACEMENT_NOT_SET:
      break;
  }
  return next;
}

// Rule correction-same-subject: a replacement of the same kind about the
// same project, allocation (and parent) or project of an approval or
// disbursement.
absl::Status CheckSameSubject(const EventData& current, const EventData& next) {
  const Subject subject = SubjectOf(current);
  std::string mismatch;
  if (SubjectOf(next) != subject) {
    mismatch = absl::StrCat("it replaces ", AsAbsl(SubjectName(subject)),
                            " with ", AsAbsl(SubjectName(SubjectOf(next))));
  } else if (subject == Subject::kProject) {
    const std::string& was = current.announcement().project().project_id();
    const std::string& is = next.announcement().project().project_id();
    if (was != is) {
      mismatch =
          absl::StrCat("project ", Quote(is), " is not project ", Quote(was));
    }
  } else if (subject == Subject::kAllocation) {
    const auto& was = current.announcement().allocation();
    const auto& is = next.announcement().allocation();
    if (was.allocation_id() != is.allocation_id()) {
      mismatch =
          absl::StrCat("allocation ", Quote(is.allocation_id()),
                       " is not allocation ", Quote(was.allocation_id()));
    } else if (was.parent_allocation_id() != is.parent_allocation_id()) {
      mismatch =
          absl::StrCat("parent allocation ", Quote(is.parent_allocation_id()),
                       " is not ", Quote(was.parent_allocation_id()));
    }
  } else if (subject == Subject::kApproval ||
             subject == Subject::kDisbursement) {
    if (ProjectIdOf(current) != ProjectIdOf(next)) {
      mismatch = absl::StrCat("project ", Quote(ProjectIdOf(next)),
                              " is not project ", Quote(ProjectIdOf(current)));
    }
  }
  if (mismatch.empty()) return absl::OkStatus();
  return RuleBroken(
      "correction-same-subject",
      absl::StrCat("a correction replaces an event with one of the same kind "
                   "about the same subject, but ",
                   mismatch,
                   "; retract it and record the right event instead"));
}

pactlog::v1::Supersession MakeSupersession(pactlog::v1::SupersessionKind kind,
                                           const Event& by,
                                           std::string_view reason) {
  pactlog::v1::Supersession supersession;
  supersession.set_kind(kind);
  supersession.set_by_event_id(by.data().event_id());
  supersession.set_sequence(by.sequence());
  *supersession.mutable_effective_time() = by.data().effective_time();
  supersession.set_reason(std::string(reason));
  return supersession;
}

}  // namespace

bool IsRecordFix(const Amendment& amendment) {
  return amendment.has_correction() || amendment.has_retraction() ||
         amendment.has_raised_firmness();
}

std::vector<std::string_view> ReferencedIds(const EventData& data) {
  std::vector<std::string_view> ids;
  if (data.has_amendment()) ids.push_back(data.amendment().target_event_id());
  for (const std::string& id : data.restates()) ids.push_back(id);
  return ids;
}

void MakeReference(const Event& target, EventReference* out) {
  out->set_event_id(target.data().event_id());
  out->set_sequence(target.sequence());
  *out->mutable_effective_time() = target.data().effective_time();
  if (target.data().has_amendment() && target.references_size() > 0) {
    out->set_origin_sequence(target.references(0).origin_sequence());
    *out->mutable_origin() = target.references(0).origin();
  } else {
    out->set_origin_sequence(target.sequence());
    *out->mutable_origin() = target.data();
  }
}

const std::string& DealState::HeadOf(const std::string& origin_event_id) const {
  auto it = amended_.find(origin_event_id);
  return it == amended_.end() ? origin_event_id : it->second.head_event_id;
}

const EventData& DealState::CurrentOf(const EventReference& ref) const {
  auto it = amended_.find(ref.origin().event_id());
  return it == amended_.end() ? ref.origin() : it->second.current;
}

void DealState::RemoveFromBreakdowns(const Project& project) {
  AddToBreakdowns(
      project, Amounts{.pledged = -project.announcement.pledged().minor_units(),
                       .approved = -project.approved,
                       .disbursed = -project.disbursed,
                       .project_count = static_cast<uint32_t>(-1)});
  for (auto* breakdown : {&by_us_state_}) {
    auto it = breakdown->find(project.announcement.us_state());
    if (it != breakdown->end() && it->second.project_count == 0) {
      breakdown->erase(it);
    }
  }
  auto sector = by_sector_.find(project.announcement.sector());
  if (sector != by_sector_.end() && sector->second.project_count == 0) {
    by_sector_.erase(sector);
  }
}

void DealState::AddProjectToBreakdowns(const Project& project) {
  AddToBreakdowns(
      project, Amounts{.pledged = project.announcement.pledged().minor_units(),
                       .approved = project.approved,
                       .disbursed = project.disbursed,
                       .project_count = 1});
}

absl::Status DealState::CheckAmendment(const Event& event) const {
  const Amendment& amendment = event.data().amendment();
  if (event.references_size() == 0) {
    return absl::InternalError(absl::StrCat(
        "the target ", Quote(amendment.target_event_id()),
        " of the amendment was not resolved before the rules were checked"));
  }
  const EventReference& ref = event.references(0);
  const std::string& origin_id = ref.origin().event_id();
  auto amended = amended_.find(origin_id);
  if (amended != amended_.end() && amended->second.gone) {
    return RuleBroken(
        "amend-standing-event",
        absl::StrCat("event ", Quote(amendment.target_event_id()),
                     " is of a subject that no longer counts (event ",
                     Quote(amended->second.head_event_id), ", sequence ",
                     amended->second.head_sequence,
                     ", removed it); it can no longer be amended"));
  }
  const std::string& head = HeadOf(origin_id);
  if (amendment.target_event_id() != head) {
    return RuleBroken(
        "amend-standing-event",
        absl::StrCat("event ", Quote(amendment.target_event_id()),
                     " no longer stands: event ", Quote(head), " (sequence ",
                     amended != amended_.end() ? amended->second.head_sequence
                                               : ref.origin_sequence(),
                     ") amended it since; name ", Quote(head),
                     " to amend it again"));
  }
  const EventData& current = CurrentOf(ref);
  const Subject subject = SubjectOf(current);
  const absl::Time effective = ToAbslTime(event.data().effective_time());
  const absl::Time target_effective = ToAbslTime(ref.effective_time());
  if (IsRecordFix(amendment)) {
    if (effective != target_effective) {
      return RuleBroken(
          "correction-effective-time",
          absl::StrCat("a correction, retraction or firmness change takes "
                       "effect when its target did, ",
                       FormatTimeUtc(target_effective), ", not ",
                       FormatTimeUtc(effective),
                       " (leave effective_time unset)"));
    }
  } else if (effective < target_effective) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("amendment effective ", FormatTimeUtc(effective),
                     " precedes its target effective ",
                     FormatTimeUtc(target_effective)));
  }
  auto not_amendable = [&](std::string_view what) {
    return RuleBroken(
        "amendable",
        absl::StrCat(AsAbsl(what), "; event ",
                     Quote(amendment.target_event_id()), " is ",
                     AsAbsl(subject == Subject::kOther
                                ? std::string_view("a deal announcement, a "
                                                   "site or terms")
                                : SubjectName(subject))));
  };
  switch (amendment.change_case()) {
    case Amendment::kRevisedAmount: {
      if (subject != Subject::kProject && subject != Subject::kAllocation &&
          subject != Subject::kApproval) {
        return not_amendable(
            "only a pledge, an allocation's cap or an approval is revised "
            "(correct other events)");
      }
      RETURN_IF_ERROR(CheckCurrency(
          "revised amount", amendment.revised_amount(), deal_id_, currency()));
      const EventData next = WithAmount(current, amendment.revised_amount(),
                                        event.data().provenance());
      return CheckReplace(ref, current, &next);
    }
    case Amendment::kWithdrawal: {
      if (subject != Subject::kProject) {
        return not_amendable("only a project is withdrawn");
      }
      auto it = projects_.find(current.announcement().project().project_id());
      if (it == projects_.end()) return absl::OkStatus();
      if (it->second.disbursed > 0) {
        return RuleBroken(
            "withdraw-undisbursed",
            absl::StrCat("project ", Quote(it->first), " has ",
                         it->second.disbursed, " ", AsAbsl(currency()),
                         " (minor units) disbursed; a project with money "
                         "disbursed cannot be withdrawn (correct or retract "
                         "the disbursements first)"));
      }
      return CheckStanding(it->second);
    }
    case Amendment::kRaisedFirmness:
      if (amendment.raised_firmness() <= current.provenance().firmness()) {
        return RuleBroken(
            "firmness-raise-only",
            absl::StrCat(
                "event ", Quote(amendment.target_event_id()), " is already ",
                pactlog::v1::Firmness_Name(current.provenance().firmness()),
                "; a firmness change raises it (to lower it, "
                "retract the report)"));
      }
      return absl::OkStatus();
    case Amendment::kRetraction:
      if (subject == Subject::kOther) {
        return not_amendable(
            "a deal announcement, a site or terms cannot be retracted (new "
            "terms of the same party replace earlier ones)");
      }
      return CheckReplace(ref, current, nullptr);
    case Amendment::kCorrection: {
      if (subject == Subject::kOther) {
        return not_amendable(
            "a deal announcement, a site or terms cannot be corrected (new "
            "terms of the same party replace earlier ones)");
      }
      const EventData next = Replacement(event);
      RETURN_IF_ERROR(CheckSameSubject(current, next));
      return CheckReplace(ref, current, &next);
    }
    case Amendment::CHANGE_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError(
      "amendment has no change (it did not pass AppendRequestViolations)");
}

absl::Status DealState::CheckReplace(const EventReference& ref,
                                     const EventData& current,
                                     const EventData* next) const {
  const int64_t ceiling = announcement_.commitment_ceiling().minor_units();
  switch (SubjectOf(current)) {
    case Subject::kProject: {
      const auto& was = current.announcement().project();
      auto it = projects_.find(was.project_id());
      if (it == projects_.end()) return absl::OkStatus();
      const Project& project = it->second;
      RETURN_IF_ERROR(CheckStanding(project));
      if (next == nullptr) {
        if (project.approved > 0 || project.disbursed > 0) {
          return RuleBroken(
              "retract-dependents",
              absl::StrCat("project ", Quote(was.project_id()), " has ",
                           project.approved, " ", AsAbsl(currency()),
                           " (minor units) approved; retract its approvals "
                           "and disbursements first"));
        }
        return absl::OkStatus();
      }
      const auto& is = next->announcement().project();
      RETURN_IF_ERROR(
          CheckCurrency("pledged", is.pledged(), deal_id_, currency()));
      const int64_t old_pledge = project.announcement.pledged().minor_units();
      const int64_t new_pledge = is.pledged().minor_units();
      if (new_pledge < project.approved) {
        return RuleBroken(
            "approval-within-pledge",
            absl::StrCat("the pledge of project ", Quote(was.project_id()),
                         " would be ", new_pledge, " ", AsAbsl(currency()),
                         " (minor units), below the ", project.approved,
                         " approved"));
      }
      const int64_t delta = new_pledge - old_pledge;
      int64_t total;
      RETURN_IF_ERROR(
          CheckedSum("pledges", totals_.pledged, delta, currency(), &total));
      if (total > ceiling) {
        return RuleBroken(
            "pledge-within-ceiling",
            absl::StrCat("pledges would reach ", total, " ", AsAbsl(currency()),
                         " (minor units), above the ceiling ", ceiling));
      }
      const std::string& allocation_id = is.allocation_id();
      if (!allocation_id.empty()) {
        auto allocation = allocations_.find(allocation_id);
        if (allocation == allocations_.end()) {
          return absl::NotFoundError(
              absl::StrCat("allocation ", Quote(allocation_id),
                           " is not announced in deal ", Quote(deal_id_)));
        }
        RETURN_IF_ERROR(CheckStanding(allocation->second));
      }
      if (allocation_id == project.announcement.allocation_id()) {
        if (delta > 0 && (!allocation_id.empty() || !allocations_.empty())) {
          return CheckRoom(allocation_id, delta, true);
        }
        return absl::OkStatus();
      }
      // Moved to another allocation: the new one must hold the whole
      // pledge (the old one still counts it here, so this errs on the
      // safe side near the ceiling).
      return CheckRoom(allocation_id, new_pledge, true);
    }
    case Subject::kAllocation: {
      const auto& was = current.announcement().allocation();
      auto it = allocations_.find(was.allocation_id());
      if (it == allocations_.end()) return absl::OkStatus();
      const Allocation& allocation = it->second;
      RETURN_IF_ERROR(CheckStanding(allocation));
      if (next == nullptr) {
        const bool has_earmarks =
            std::any_of(allocation.earmarks.begin(), allocation.earmarks.end(),
                        [&](const std::string& id) {
                          return allocations_.at(id).counts();
                        });
        if (has_earmarks || allocation.totals.project_count > 0) {
          return RuleBroken(
              "retract-dependents",
              absl::StrCat("allocation ", Quote(was.allocation_id()), " has ",
                           allocation.totals.project_count,
                           " projects drawing on it and ",
                           has_earmarks ? "earmarks" : "no earmarks",
                           "; retract or correct those first"));
        }
        return absl::OkStatus();
      }
      const auto& is = next->announcement().allocation();
      const int64_t held = Held(allocation);
      if (is.has_cap()) {
        RETURN_IF_ERROR(
            CheckCurrency("allocation cap", is.cap(), deal_id_, currency()));
        if (is.cap().minor_units() < held) {
          return RuleBroken(
              "pledge-within-allocation",
              absl::StrCat("the cap of allocation ", Quote(was.allocation_id()),
                           " would be ", is.cap().minor_units(), " ",
                           AsAbsl(currency()), " (minor units), below the ",
                           held, " its pledges and earmarks hold"));
        }
      }
      const int64_t reserved = is.has_cap() ? is.cap().minor_units() : held;
      const int64_t delta = reserved - Allocated(allocation);
      if (delta <= 0) return absl::OkStatus();
      return CheckRoom(was.parent_allocation_id(), delta, false);
    }
    case Subject::kApproval: {
      auto it = projects_.find(current.approval().project_id());
      if (it == projects_.end()) return absl::OkStatus();
      const Project& project = it->second;
      RETURN_IF_ERROR(CheckStanding(project));
      const ApprovalEntry* entry =
          project.approvals.Find(ref.origin_sequence());
      if (entry == nullptr) return absl::OkStatus();
      const int64_t new_amount =
          next == nullptr ? 0 : next->approval().amount().minor_units();
      if (next != nullptr) {
        RETURN_IF_ERROR(CheckCurrency("approval amount",
                                      next->approval().amount(), deal_id_,
                                      currency()));
      }
      const int64_t delta = new_amount - entry->amount;
      int64_t total;
      RETURN_IF_ERROR(
          CheckedSum("approvals", project.approved, delta, currency(), &total));
      const int64_t pledged = project.announcement.pledged().minor_units();
      if (total > pledged) {
        return RuleBroken(
            "approval-within-pledge",
            absl::StrCat("approvals of project ", Quote(it->first),
                         " would reach ", total, " ", AsAbsl(currency()),
                         " (minor units), above its pledge ", pledged));
      }
      // Disbursements were checked against the approvals effective by
      // then; the latest one bounds them all.
      int64_t covering = ApprovedBy(project, project.last_disbursement_time);
      if (entry->effective_time <= project.last_disbursement_time) {
        covering = SaturatingAdd(covering, delta);
      }
      if (covering < project.disbursed) {
        return RuleBroken(
            "disbursement-within-approval",
            absl::StrCat("approvals of project ", Quote(it->first),
                         " effective by its last disbursement would be ",
                         covering, " ", AsAbsl(currency()),
                         " (minor units), below the ", project.disbursed,
                         " disbursed"));
      }
      return absl::OkStatus();
    }
    case Subject::kDisbursement: {
      auto it = projects_.find(current.disbursement().project_id());
      if (it == projects_.end()) return absl::OkStatus();
      const Project& project = it->second;
      RETURN_IF_ERROR(CheckStanding(project));
      const int64_t new_amount =
          next == nullptr ? 0 : next->disbursement().amount().minor_units();
      if (next != nullptr) {
        RETURN_IF_ERROR(CheckCurrency("disbursement amount",
                                      next->disbursement().amount(), deal_id_,
                                      currency()));
      }
      int64_t total;
      RETURN_IF_ERROR(
          CheckedSum("disbursements", project.disbursed,
                     new_amount - current.disbursement().amount().minor_units(),
                     currency(), &total));
      if (total > project.approved) {
        return RuleBroken(
            "disbursement-within-approval",
            absl::StrCat("disbursements of project ", Quote(it->first),
                         " would reach ", total, " ", AsAbsl(currency()),
                         " (minor units), above the ", project.approved,
                         " approved"));
      }
      return absl::OkStatus();
    }
    case Subject::kTariffChange:
    case Subject::kOther:
      break;
  }
  return absl::OkStatus();
}

absl::Status DealState::CheckRestatements(const Event& event) const {
  for (const EventReference& ref : event.references()) {
    const EventData& current = CurrentOf(ref);
    const Subject subject = SubjectOf(current);
    if (subject != Subject::kProject && subject != Subject::kAllocation) {
      return RuleBroken(
          "amendable",
          absl::StrCat("an announcement restates earlier reports of money, "
                       "a project or an allocation; event ",
                       Quote(ref.event_id()), " is ",
                       AsAbsl(SubjectName(subject))));
    }
    if (subject == Subject::kProject) {
      auto it = projects_.find(current.announcement().project().project_id());
      if (it == projects_.end()) continue;
      const Project& project = it->second;
      if (project.supersession.kind() ==
          pactlog::v1::SUPERSESSION_KIND_RESTATED) {
        continue;  // restated before: this links to it too
      }
      RETURN_IF_ERROR(CheckStanding(project));
      if (project.approved > 0) {
        return RuleBroken(
            "restate-dependents",
            absl::StrCat("project ", Quote(it->first), " has ",
                         project.approved, " ", AsAbsl(currency()),
                         " (minor units) approved; a project with approvals "
                         "is revised or corrected, not restated"));
      }
    } else {
      const auto& announced = current.announcement().allocation();
      auto it = allocations_.find(announced.allocation_id());
      if (it == allocations_.end()) continue;
      const Allocation& allocation = it->second;
      if (allocation.supersession.kind() ==
          pactlog::v1::SUPERSESSION_KIND_RESTATED) {
        continue;
      }
      RETURN_IF_ERROR(CheckStanding(allocation));
      const bool has_earmarks = std::any_of(
          allocation.earmarks.begin(), allocation.earmarks.end(),
          [&](const std::string& id) { return allocations_.at(id).counts(); });
      if (has_earmarks || allocation.totals.project_count > 0) {
        return RuleBroken(
            "restate-dependents",
            absl::StrCat("allocation ", Quote(it->first),
                         " has projects or earmarks; revise or correct it "
                         "instead"));
      }
    }
  }
  return absl::OkStatus();
}

void DealState::ApplyRestatements(const Event& event) {
  if (event.data().restates().empty()) return;
  const pactlog::v1::Supersession restated =
      MakeSupersession(pactlog::v1::SUPERSESSION_KIND_RESTATED, event, "");
  for (const EventReference& ref : event.references()) {
    const EventData& current = CurrentOf(ref);
    const Subject subject = SubjectOf(current);
    if (subject != Subject::kProject && subject != Subject::kAllocation) {
      continue;
    }
    bool newly = false;
    if (subject == Subject::kProject) {
      auto it = projects_.find(current.announcement().project().project_id());
      if (it == projects_.end() || !it->second.counts()) continue;
      newly = true;
      Replace(ref, current, nullptr, restated);
    } else {
      auto it = allocations_.find(
          current.announcement().allocation().allocation_id());
      if (it == allocations_.end() || !it->second.counts()) continue;
      newly = true;
      Replace(ref, current, nullptr, restated);
    }
    if (newly) {
      Amended& amended = amended_[ref.origin().event_id()];
      if (amended.head_event_id.empty()) {
        amended.head_event_id = ref.origin().event_id();
        amended.head_sequence = ref.origin_sequence();
        amended.current = ref.origin();
      }
      amended.gone = true;
    }
  }
}

void DealState::ApplyAmendment(const Event& event) {
  ++amendment_count_;
  if (event.references_size() == 0) return;
  const EventReference& ref = event.references(0);
  const Amendment& amendment = event.data().amendment();
  // A copy: Replace and the bookkeeping below change what CurrentOf sees.
  const EventData current = CurrentOf(ref);
  EventData next;
  bool removes = false;
  pactlog::v1::SupersessionKind kind = pactlog::v1::SUPERSESSION_KIND_RETRACTED;
  switch (amendment.change_case()) {
    case Amendment::kRevisedAmount:
      next = WithAmount(current, amendment.revised_amount(),
                        event.data().provenance());
      break;
    case Amendment::kCorrection:
      next = Replacement(event);
      break;
    case Amendment::kRaisedFirmness:
      next = current;
      next.mutable_provenance()->set_firmness(amendment.raised_firmness());
      break;
    case Amendment::kWithdrawal:
      removes = true;
      kind = pactlog::v1::SUPERSESSION_KIND_WITHDRAWN;
      break;
    case Amendment::kRetraction:
      removes = true;
      break;
    case Amendment::CHANGE_NOT_SET:
      return;
  }
  if (SubjectOf(current) != Subject::kOther || !removes) {
    Replace(ref, current, removes ? nullptr : &next,
            MakeSupersession(kind, event, amendment.reason()));
  }
  Amended& amended = amended_[ref.origin().event_id()];
  amended.head_event_id = event.data().event_id();
  amended.head_sequence = event.sequence();
  if (removes) {
    amended.current = current;
    amended.gone = true;
  } else {
    amended.current = std::move(next);
  }
}

void DealState::Replace(const EventReference& ref, const EventData& current,
                        const EventData* next,
                        const pactlog::v1::Supersession& supersession) {
  const pactlog::v1::Firmness firmness = next == nullptr
                                             ? pactlog::v1::FIRMNESS_UNSPECIFIED
                                             : next->provenance().firmness();
  switch (SubjectOf(current)) {
    case Subject::kProject: {
      const std::string& id = current.announcement().project().project_id();
      if (const Project* found = projects_.Find(id);
          found == nullptr || !found->counts()) {
        return;
      }
      Project& project = *projects_.FindMutable(id);
      RemoveFromBreakdowns(project);
      project.last_sequence = supersession.sequence();
      if (next == nullptr) {
        project.supersession = supersession;
        return;
      }
      const auto& is = next->announcement().project();
      // A site added by a ProjectSite event stays unless the correction
      // names one.
      const std::string site = is.us_state().empty()
                                   ? project.announcement.us_state()
                                   : is.us_state();
      project.announcement = is;
      project.announcement.set_us_state(site);
      if (!allocations_.contains(is.allocation_id())) {
        project.announcement.clear_allocation_id();
      }
      project.firmness = firmness;
      AddProjectToBreakdowns(project);
      return;
    }
    case Subject::kAllocation: {
      const std::string& id =
          current.announcement().allocation().allocation_id();
      if (const Allocation* found = allocations_.Find(id);
          found == nullptr || !found->counts()) {
        return;
      }
      Allocation& allocation = *allocations_.FindMutable(id);
      if (next == nullptr) {
        allocation.supersession = supersession;
        return;
      }
      const auto& is = next->announcement().allocation();
      if (is.parent_allocation_id() !=
          allocation.announcement.parent_allocation_id()) {
        return;  // only a subset of a log moves an allocation
      }
      allocation.announcement = is;
      allocation.firmness = firmness;
      return;
    }
    case Subject::kApproval: {
      const std::string& id = current.approval().project_id();
      const Project* found = projects_.Find(id);
      if (found == nullptr || !found->counts() ||
          !found->approvals.contains(ref.origin_sequence())) {
        return;
      }
      Project& project = *projects_.FindMutable(id);
      ApprovalEntry* entry =
          project.approvals.FindMutable(ref.origin_sequence());
      const int64_t new_amount =
          next == nullptr ? 0 : next->approval().amount().minor_units();
      const int64_t delta = new_amount - entry->amount;
      project.approved = SaturatingAdd(project.approved, delta);
      project.last_sequence = supersession.sequence();
      AddToBreakdowns(project, Amounts{.approved = delta});
      if (next == nullptr) {
        project.approvals.Erase(ref.origin_sequence());
        return;
      }
      entry->amount = new_amount;
      entry->approving_body = next->approval().approving_body();
      entry->firmness = firmness;
      return;
    }
    case Subject::kDisbursement: {
      const std::string& id = current.disbursement().project_id();
      if (const Project* found = projects_.Find(id);
          found == nullptr || !found->counts()) {
        return;
      }
      Project& project = *projects_.FindMutable(id);
      const auto& was = current.disbursement();
      const int64_t old_amount = was.amount().minor_units();
      auto source = project.disbursed_by_source.find(was.funding_source());
      if (source != project.disbursed_by_source.end()) {
        source->second = SaturatingAdd(source->second, -old_amount);
        if (source->second == 0) project.disbursed_by_source.erase(source);
      }
      int64_t new_amount = 0;
      if (next != nullptr) {
        new_amount = next->disbursement().amount().minor_units();
        int64_t& by_source =
            project.disbursed_by_source[next->disbursement().funding_source()];
        by_source = SaturatingAdd(by_source, new_amount);
      }
      // last_disbursement_time stays: without the history of each
      // disbursement it is an upper bound of when the project was funded.
      const int64_t delta = new_amount - old_amount;
      project.disbursed = SaturatingAdd(project.disbursed, delta);
      project.last_sequence = supersession.sequence();
      AddToBreakdowns(project, Amounts{.disbursed = delta});
      return;
    }
    case Subject::kTariffChange: {
      // Every version of the subject is keyed by the original's effective
      // time (correction-effective-time) and sequence.
      const TariffKey key(ToAbslTime(ref.origin().effective_time()),
                          ref.origin_sequence());
      absl::Time recorded = absl::InfinitePast();
      for (std::string_view category : CategoriesOf(current.tariff_change())) {
        TariffHistory* line = tariffs_.FindMutable(category);
        if (line == nullptr) continue;
        if (const TariffEntry* entry = line->Find(key)) {
          recorded = entry->recorded_time;
          line->Erase(key);
        }
        if (line->empty()) tariffs_.Erase(category);
      }
      if (next == nullptr) return;
      const auto& change = next->tariff_change();
      const TariffEntry entry{
          .sequence = ref.origin_sequence(),
          .effective_time = key.first,
          .recorded_time = recorded,
          .rate_bps = change.rate_bps(),
          .legal_instrument = change.legal_instrument(),
          .reason = change.reason(),
          .event_id = ref.origin().event_id(),
      };
      for (std::string_view category : CategoriesOf(change)) {
        tariffs_[std::string(category)][key] = entry;
      }
      return;
    }
    case Subject::kOther:
      if (next == nullptr || !current.has_announcement()) return;
      if (current.announcement().has_deal()) {
        firmness_ = firmness;
      } else if (current.announcement().has_terms()) {
        auto it = terms_.find(current.provenance().asserted_by());
        if (it != terms_.end() &&
            it->second.sequence == ref.origin_sequence()) {
          it->second.provenance.set_firmness(firmness);
        }
      }
      return;
  }
}

}  // namespace pactlog::domain
