// DealState (domain/deal_state.h): the compliance view (ComplianceToProto):
// selected projects against the funding deadline of the deal's terms, cap
// breaches, and what the enforcement clause would apply to.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "domain/deal_state_internal.h"

namespace pactlog::domain {
namespace {

using ::pactlog::domain::internal::Quote;
using ::pactlog::domain::internal::SaturatingAdd;
using ::pactlog::domain::internal::SetMoney;

// Whole days in `d` >= 0, rounded down or up.
int32_t DaysDown(absl::Duration d) {
  return static_cast<int32_t>(absl::IDivDuration(d, absl::Hours(24), &d));
}
int32_t DaysUp(absl::Duration d) {
  absl::Duration rest;
  int64_t days = absl::IDivDuration(d, absl::Hours(24), &rest);
  return static_cast<int32_t>(rest > absl::ZeroDuration() ? days + 1 : days);
}

}  // namespace

absl::Status DealState::ComplianceToProto(
    absl::Time at, std::string_view reading,
    pactlog::v1::ComplianceView* out) const {
  out->Clear();
  const TermsEntry* terms = nullptr;
  if (!reading.empty()) {
    auto it = terms_.find(std::string(reading));
    if (it == terms_.end()) {
      return absl::NotFoundError(
          absl::StrCat("no terms of deal ", Quote(deal_id_),
                       " are asserted by ", Quote(reading)));
    }
    terms = &it->second;
  } else {
    // The latest reading that names a deadline, else the latest.
    auto rank = [](const TermsEntry& entry) {
      return std::pair(entry.terms.funding_deadline_days() > 0, entry.sequence);
    };
    for (const auto& [party, entry] : terms_) {
      if (terms == nullptr || rank(entry) > rank(*terms)) terms = &entry;
    }
  }
  out->set_deal_id(deal_id_);
  ToProtoTime(at, out->mutable_evaluated_at());
  if (terms != nullptr) TermsToProto(*terms, out->mutable_terms());
  for (const auto& [party, entry] : terms_) {
    TermsToProto(entry, out->add_readings());
  }
  const int32_t deadline_days =
      terms == nullptr ? 0 : terms->terms.funding_deadline_days();
  const std::string& deal_currency = currency();
  int64_t overdue_undisbursed = 0;
  for (const auto& [id, project] : projects_) {
    if (project.approvals.empty() || !project.counts()) continue;
    pactlog::v1::ProjectCompliance* entry = out->add_projects();
    entry->set_project_id(id);
    absl::Time selected = project.approvals.begin()->second.effective_time;
    for (const auto& [sequence, approval] : project.approvals) {
      selected = std::min(selected, approval.effective_time);
    }
    ToProtoTime(selected, entry->mutable_selected_time());
    SetMoney(deal_currency, project.approved, entry->mutable_approved());
    SetMoney(deal_currency, project.disbursed, entry->mutable_disbursed());
    // Disbursements never exceed the approvals: the project is funded when
    // they reach them, at the latest disbursement's effective time. Money
    // effective after `at` is not there yet at `at`.
    std::optional<absl::Time> funded;
    if (project.approved > 0 && project.disbursed >= project.approved &&
        project.last_disbursement_time <= at) {
      funded = project.last_disbursement_time;
    }
    if (funded) ToProtoTime(*funded, entry->mutable_funded_time());
    if (deadline_days == 0) {
      entry->set_status(pactlog::v1::FUNDING_STATUS_NO_DEADLINE);
      continue;
    }
    const absl::Time due = selected + absl::Hours(24) * deadline_days;
    ToProtoTime(due, entry->mutable_funding_due_time());
    if (funded && *funded <= due) {
      entry->set_status(pactlog::v1::FUNDING_STATUS_ON_TIME);
      out->set_projects_on_time(out->projects_on_time() + 1);
    } else if (funded) {
      entry->set_status(pactlog::v1::FUNDING_STATUS_LATE);
      entry->set_days(DaysUp(*funded - due));
      out->set_projects_late(out->projects_late() + 1);
    } else if (at <= due) {
      entry->set_status(pactlog::v1::FUNDING_STATUS_NOT_YET_DUE);
      entry->set_days(DaysDown(due - at));
      out->set_projects_not_yet_due(out->projects_not_yet_due() + 1);
    } else {
      entry->set_status(pactlog::v1::FUNDING_STATUS_OVERDUE);
      entry->set_days(DaysDown(at - due));
      out->set_projects_overdue(out->projects_overdue() + 1);
      overdue_undisbursed = SaturatingAdd(
          overdue_undisbursed,
          std::max<int64_t>(0, project.approved - project.disbursed));
    }
  }
  SetMoney(deal_currency, overdue_undisbursed,
           out->mutable_overdue_undisbursed());
  std::vector<pactlog::v1::TariffLine> lines;
  // With an empty category TariffsToProto cannot fail.
  TariffsToProto(at, "", /*with_history=*/false, &lines).IgnoreError();
  for (const pactlog::v1::TariffLine& line : lines) {
    if (line.breaches_cap()) BreachToProto(line, at, out->add_cap_breaches());
  }
  out->set_version(version_);
  out->set_last_sequence(last_sequence_);
  return absl::OkStatus();
}

}  // namespace pactlog::domain
