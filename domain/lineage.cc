// LineageTracer (domain/lineage.h).
#include "domain/lineage.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/deal_state_internal.h"
#include "domain/validation.h"

namespace pactlog::domain {
namespace {

using ::pactlog::domain::internal::Quote;
using ::pactlog::domain::internal::SetMoney;
using ::pactlog::v1::Event;
using ::pactlog::v1::EventData;

// The project an event's content is about; empty for none.
std::string_view ProjectOf(const EventData& data) {
  if (data.has_announcement()) {
    if (data.announcement().has_project()) {
      return data.announcement().project().project_id();
    }
    if (data.announcement().has_project_site()) {
      return data.announcement().project_site().project_id();
    }
    return {};
  }
  if (data.has_approval()) return data.approval().project_id();
  if (data.has_disbursement()) return data.disbursement().project_id();
  return {};
}

std::string_view AllocationOf(const EventData& data) {
  if (!data.has_announcement()) return {};
  if (data.announcement().has_allocation()) {
    return data.announcement().allocation().allocation_id();
  }
  if (data.announcement().has_project()) {
    return data.announcement().project().allocation_id();
  }
  return {};
}

std::string Amount(const pactlog::v1::Money& money) {
  return absl::StrCat(money.minor_units(), " ", money.currency_code(),
                      " (minor units)");
}

// What an event's content says, without its amendment.
std::string SummarizeData(const EventData& data) {
  switch (data.kind_case()) {
    case EventData::kAnnouncement: {
      const auto& a = data.announcement();
      if (a.has_deal()) {
        return absl::StrCat("deal announced, ceiling ",
                            Amount(a.deal().commitment_ceiling()));
      }
      if (a.has_project()) {
        return absl::StrCat("project ", Quote(a.project().project_id()),
                            " announced, pledged ",
                            Amount(a.project().pledged()));
      }
      if (a.has_allocation()) {
        return absl::StrCat(
            "allocation ", Quote(a.allocation().allocation_id()), " announced",
            a.allocation().has_cap()
                ? absl::StrCat(", cap ", Amount(a.allocation().cap()))
                : std::string(" without a cap"));
      }
      if (a.has_project_site()) {
        return absl::StrCat("site of project ",
                            Quote(a.project_site().project_id()), ": ",
                            a.project_site().us_state());
      }
      if (a.has_terms()) {
        return absl::StrCat("terms as read by ",
                            Quote(data.provenance().asserted_by()));
      }
      return "announcement";
    }
    case EventData::kApproval:
      return absl::StrCat("approval of project ",
                          Quote(data.approval().project_id()), ": ",
                          Amount(data.approval().amount()), " by ",
                          data.approval().approving_body());
    case EventData::kDisbursement:
      return absl::StrCat(
          "disbursement to project ", Quote(data.disbursement().project_id()),
          ": ", Amount(data.disbursement().amount()), " (",
          pactlog::v1::FundingSource_Name(data.disbursement().funding_source()),
          ")");
    case EventData::kTariffChange:
      return absl::StrCat(
          "tariff on ",
          absl::StrJoin(CategoriesOf(data.tariff_change()), ", ",
                        [](std::string* out, std::string_view category) {
                          absl::StrAppend(out, util::AsAbsl(category));
                        }),
          ": ", data.tariff_change().rate_bps(), " bps (",
          data.tariff_change().legal_instrument(), ")");
    default:
      return "event";
  }
}

}  // namespace

std::string SummarizeEvent(const Event& event) {
  const EventData& data = event.data();
  std::string restates;
  if (!data.restates().empty()) {
    restates =
        absl::StrCat("; restates ",
                     absl::StrJoin(data.restates(), ", ",
                                   [](std::string* out, const std::string& id) {
                                     absl::StrAppend(out, Quote(id));
                                   }));
  }
  if (!data.has_amendment()) return SummarizeData(data) + restates;
  const pactlog::v1::Amendment& amendment = data.amendment();
  const std::string target = Quote(amendment.target_event_id());
  const std::string reason =
      amendment.reason().empty() ? "" : absl::StrCat(": ", amendment.reason());
  switch (amendment.change_case()) {
    case pactlog::v1::Amendment::kRevisedAmount:
      return absl::StrCat("revises event ", target, " to ",
                          Amount(amendment.revised_amount()), reason);
    case pactlog::v1::Amendment::kWithdrawal:
      return absl::StrCat("withdraws the project of event ", target, reason);
    case pactlog::v1::Amendment::kRaisedFirmness:
      return absl::StrCat(
          "raises the firmness of event ", target, " to ",
          pactlog::v1::Firmness_Name(amendment.raised_firmness()), reason);
    case pactlog::v1::Amendment::kRetraction:
      return absl::StrCat("retracts event ", target, reason);
    case pactlog::v1::Amendment::kCorrection: {
      EventData replacement;
      const auto& correction = amendment.correction();
      if (correction.has_announcement()) {
        *replacement.mutable_announcement() = correction.announcement();
      } else if (correction.has_approval()) {
        *replacement.mutable_approval() = correction.approval();
      } else if (correction.has_disbursement()) {
        *replacement.mutable_disbursement() = correction.disbursement();
      } else if (correction.has_tariff_change()) {
        *replacement.mutable_tariff_change() = correction.tariff_change();
      }
      return absl::StrCat("corrects event ", target,
                          " to: ", SummarizeData(replacement), reason);
    }
    case pactlog::v1::Amendment::CHANGE_NOT_SET:
      break;
  }
  return "amendment";
}

LineageTracer::LineageTracer(std::string project_id, std::string allocation_id,
                             uint64_t after_sequence, int limit)
    : project_id_(std::move(project_id)),
      allocation_id_(std::move(allocation_id)),
      after_sequence_(after_sequence),
      limit_(limit) {}

FigureValues LineageTracer::ValuesOf(const DealState& state) const {
  FigureValues values;
  if (!state.exists()) return values;
  if (!project_id_.empty()) {
    auto it = state.projects().find(project_id_);
    if (it == state.projects().end() || !it->second.counts()) return values;
    values.pledged = it->second.announcement.pledged().minor_units();
    values.approved = it->second.approved;
    values.disbursed = it->second.disbursed;
    return values;
  }
  const Amounts* totals = &state.totals();
  if (!allocation_id_.empty()) {
    auto it = state.allocations().find(allocation_id_);
    if (it == state.allocations().end()) return values;
    values.allocated = state.Allocated(it->second);
    totals = &it->second.totals;
  } else {
    values.allocated = state.AllocatedTotal();
  }
  values.pledged = totals->pledged;
  values.approved = totals->approved;
  values.disbursed = totals->disbursed;
  return values;
}

bool LineageTracer::Touches(const Event& event) const {
  const EventData& data = event.data();
  if (project_id_.empty() && allocation_id_.empty()) {
    return data.has_amendment() || !data.restates().empty() ||
           data.has_announcement();
  }
  auto about = [&](const EventData& content) {
    return project_id_.empty() ? AllocationOf(content) == allocation_id_
                               : ProjectOf(content) == project_id_;
  };
  if (about(data)) return true;
  // An amendment or a restatement is about what its references are about.
  for (const pactlog::v1::EventReference& ref : event.references()) {
    if (about(ref.origin())) return true;
  }
  return false;
}

void LineageTracer::FiguresToProto(const FigureValues& values,
                                   pactlog::v1::Figures* out) const {
  const std::string& currency = state_.exists() ? state_.currency() : "";
  auto set = [&](int64_t amount, pactlog::v1::Money* money) {
    SetMoney(currency, amount, money);
  };
  if (values.allocated != 0) set(values.allocated, out->mutable_allocated());
  if (values.pledged != 0) set(values.pledged, out->mutable_pledged());
  if (values.approved != 0) set(values.approved, out->mutable_approved());
  if (values.disbursed != 0) set(values.disbursed, out->mutable_disbursed());
}

void LineageTracer::Add(const Event& event) {
  const FigureValues before = ValuesOf(state_);
  state_.Apply(event);
  const FigureValues after = ValuesOf(state_);
  const bool changed = !(before == after);
  if (!changed && !Touches(event)) return;
  if (event.sequence() <= after_sequence_) return;
  if (static_cast<int>(entries_.size()) >= limit_) {
    more_ = true;
    return;
  }
  pactlog::v1::LineageEntry& entry = entries_.emplace_back();
  entry.set_sequence(event.sequence());
  entry.set_event_id(event.data().event_id());
  entry.set_kind(KindOf(event.data()));
  *entry.mutable_effective_time() = event.data().effective_time();
  *entry.mutable_recorded_time() = event.recorded_time();
  *entry.mutable_provenance() = event.data().provenance();
  FiguresToProto(FigureValues{.allocated = after.allocated - before.allocated,
                              .pledged = after.pledged - before.pledged,
                              .approved = after.approved - before.approved,
                              .disbursed = after.disbursed - before.disbursed},
                 entry.mutable_change());
  if (event.data().has_amendment()) {
    entry.set_target_event_id(event.data().amendment().target_event_id());
  } else if (!event.data().restates().empty()) {
    entry.set_target_event_id(event.data().restates(0));
  }
  entry.set_summary(SummarizeEvent(event));
}

}  // namespace pactlog::domain
