// DealState (domain/deal_state.h): the whole state as a snapshot
// (pactlog.internal.DealSnapshot) and back.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "domain/deal_state_internal.h"
#include "util/status_macros.h"

namespace pactlog::domain {
namespace {

using ::pactlog::domain::internal::Quote;

}  // namespace

void DealState::ToSnapshot(pactlog::internal::DealSnapshot* out) const {
  out->Clear();
  out->set_format(kSnapshotFormat);
  out->set_deal_id(deal_id_);
  out->set_exists(exists_);
  *out->mutable_announcement() = announcement_;
  ToProtoTime(announced_effective_time_,
              out->mutable_announced_effective_time());
  ToProtoTime(last_recorded_time_, out->mutable_last_recorded_time());
  if (latest_effective_time_ != absl::InfinitePast()) {
    ToProtoTime(latest_effective_time_, out->mutable_latest_effective_time());
  }
  out->set_version(version_);
  out->set_last_sequence(last_sequence_);
  for (const auto& [id, allocation] : allocations_) {
    pactlog::internal::AllocationSnapshot* a = out->add_allocations();
    *a->mutable_announcement() = allocation.announcement;
    a->set_sequence(allocation.sequence);
    ToProtoTime(allocation.effective_time, a->mutable_effective_time());
    a->set_event_id(allocation.event_id);
    a->set_firmness(allocation.firmness);
    if (!allocation.counts())
      *a->mutable_supersession() = allocation.supersession;
    *a->mutable_restates() = {allocation.restates.begin(),
                              allocation.restates.end()};
  }
  for (const auto& [id, project] : projects_) {
    pactlog::internal::ProjectSnapshot* p = out->add_projects();
    *p->mutable_announcement() = project.announcement;
    ToProtoTime(project.announced_effective_time,
                p->mutable_announced_effective_time());
    p->set_approved(project.approved);
    p->set_disbursed(project.disbursed);
    for (const auto& [sequence, approval] : project.approvals) {
      pactlog::v1::ApprovalRecord* record = p->add_approvals();
      record->set_sequence(approval.sequence);
      ToProtoTime(approval.effective_time, record->mutable_effective_time());
      record->mutable_amount()->set_minor_units(approval.amount);
      record->set_approving_body(approval.approving_body);
      record->set_event_id(approval.event_id);
      record->set_firmness(approval.firmness);
    }
    for (const auto& [source, amount] : project.disbursed_by_source) {
      pactlog::v1::FundingSourceTotal* total = p->add_disbursed_by_source();
      total->set_funding_source(
          static_cast<pactlog::v1::FundingSource>(source));
      total->mutable_disbursed()->set_minor_units(amount);
    }
    p->set_last_sequence(project.last_sequence);
    p->set_announced_sequence(project.announced_sequence);
    if (project.last_disbursement_time != absl::InfinitePast()) {
      ToProtoTime(project.last_disbursement_time,
                  p->mutable_last_disbursement_time());
    }
    p->set_event_id(project.event_id);
    p->set_firmness(project.firmness);
    if (!project.counts()) *p->mutable_supersession() = project.supersession;
    *p->mutable_restates() = {project.restates.begin(), project.restates.end()};
  }
  for (const auto& [party, entry] : terms_) {
    pactlog::internal::TermsSnapshot* t = out->add_terms();
    *t->mutable_terms() = entry.terms;
    t->set_sequence(entry.sequence);
    ToProtoTime(entry.effective_time, t->mutable_effective_time());
    *t->mutable_provenance() = entry.provenance;
  }
  for (const auto& [category, entries] : tariffs_) {
    pactlog::internal::TariffHistorySnapshot* history = out->add_tariffs();
    history->set_product_category(category);
    for (const auto& [key, entry] : entries) {
      pactlog::v1::TariffChangeRecord* change = history->add_changes();
      change->set_sequence(entry.sequence);
      ToProtoTime(entry.effective_time, change->mutable_effective_time());
      ToProtoTime(entry.recorded_time, change->mutable_recorded_time());
      change->set_rate_bps(entry.rate_bps);
      change->set_legal_instrument(entry.legal_instrument);
      change->set_reason(entry.reason);
      change->set_event_id(entry.event_id);
    }
  }
  for (const auto& [origin, amended] : amended_) {
    pactlog::internal::AmendedSnapshot* a = out->add_amended();
    a->set_origin_event_id(origin);
    a->set_head_event_id(amended.head_event_id);
    a->set_head_sequence(amended.head_sequence);
    *a->mutable_current() = amended.current;
    a->set_gone(amended.gone);
  }
  out->set_amendment_count(amendment_count_);
  out->set_event_id(event_id_);
  out->set_firmness(firmness_);
}

absl::StatusOr<DealState> DealState::DecodeSnapshot(std::string_view bytes,
                                                    std::string_view deal_id,
                                                    uint64_t sequence) {
  // Debian's Abseil has a string_view of its own.
  const absl::string_view deal(deal_id.data(), deal_id.size());
  pactlog::internal::DealSnapshot snapshot;
  if (!snapshot.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("the snapshot of deal ", deal,
                                            " at sequence ", sequence,
                                            " does not decode"));
  }
  ASSIGN_OR_RETURN(DealState state, FromSnapshot(snapshot));
  if (state.deal_id() != deal_id || state.last_sequence() != sequence) {
    return absl::DataLossError(
        absl::StrCat("the snapshot stored for deal ", deal, " at sequence ",
                     sequence, " holds deal ", state.deal_id(), " at sequence ",
                     state.last_sequence()));
  }
  return state;
}

absl::StatusOr<DealState> DealState::FromSnapshot(
    const pactlog::internal::DealSnapshot& snapshot) {
  if (snapshot.format() != kSnapshotFormat) {
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot of deal ", Quote(snapshot.deal_id()), " has format ",
        snapshot.format(), ", this build reads ", kSnapshotFormat));
  }
  DealState state;
  state.exists_ = snapshot.exists();
  state.deal_id_ = snapshot.deal_id();
  state.announcement_ = snapshot.announcement();
  state.announced_effective_time_ =
      ToAbslTime(snapshot.announced_effective_time());
  state.last_recorded_time_ = ToAbslTime(snapshot.last_recorded_time());
  if (snapshot.has_latest_effective_time()) {
    state.latest_effective_time_ = ToAbslTime(snapshot.latest_effective_time());
  }
  state.version_ = snapshot.version();
  state.last_sequence_ = snapshot.last_sequence();
  for (const pactlog::internal::AllocationSnapshot& a :
       snapshot.allocations()) {
    Allocation& allocation =
        state.allocations_[a.announcement().allocation_id()];
    allocation.announcement = a.announcement();
    allocation.sequence = a.sequence();
    allocation.effective_time = ToAbslTime(a.effective_time());
    allocation.event_id = a.event_id();
    allocation.firmness = a.firmness();
    allocation.supersession = a.supersession();
    allocation.restates.assign(a.restates().begin(), a.restates().end());
  }
  // Earmarks and the sums over projects are derived, in id order.
  std::vector<std::pair<std::string, std::string>> earmarks;  // (parent, id)
  for (const auto& [id, allocation] : state.allocations_) {
    const std::string& parent = allocation.announcement.parent_allocation_id();
    if (state.allocations_.contains(parent)) earmarks.emplace_back(parent, id);
  }
  for (auto& [parent, id] : earmarks) {
    state.allocations_.FindMutable(parent)->earmarks.push_back(std::move(id));
  }
  for (const pactlog::internal::ProjectSnapshot& p : snapshot.projects()) {
    Project& project = state.projects_[p.announcement().project_id()];
    project.announcement = p.announcement();
    project.announced_effective_time = ToAbslTime(p.announced_effective_time());
    project.approved = p.approved();
    project.disbursed = p.disbursed();
    for (const pactlog::v1::ApprovalRecord& record : p.approvals()) {
      project.approvals[record.sequence()] = ApprovalEntry{
          .sequence = record.sequence(),
          .effective_time = ToAbslTime(record.effective_time()),
          .amount = record.amount().minor_units(),
          .approving_body = record.approving_body(),
          .event_id = record.event_id(),
          .firmness = record.firmness(),
      };
    }
    for (const pactlog::v1::FundingSourceTotal& total :
         p.disbursed_by_source()) {
      project.disbursed_by_source[total.funding_source()] =
          total.disbursed().minor_units();
    }
    project.last_sequence = p.last_sequence();
    project.announced_sequence = p.announced_sequence();
    if (p.has_last_disbursement_time()) {
      project.last_disbursement_time = ToAbslTime(p.last_disbursement_time());
    }
    project.event_id = p.event_id();
    project.firmness = p.firmness();
    project.supersession = p.supersession();
    project.restates.assign(p.restates().begin(), p.restates().end());
    // The breakdowns are derived from the projects that count.
    if (project.counts()) state.AddProjectToBreakdowns(project);
  }
  for (const pactlog::internal::TermsSnapshot& t : snapshot.terms()) {
    TermsEntry& entry = state.terms_[t.provenance().asserted_by()];
    entry.terms = t.terms();
    entry.sequence = t.sequence();
    entry.effective_time = ToAbslTime(t.effective_time());
    entry.provenance = t.provenance();
  }
  for (const pactlog::internal::TariffHistorySnapshot& history :
       snapshot.tariffs()) {
    TariffHistory& entries = state.tariffs_[history.product_category()];
    for (const pactlog::v1::TariffChangeRecord& change : history.changes()) {
      const absl::Time effective = ToAbslTime(change.effective_time());
      entries[TariffKey(effective, change.sequence())] = TariffEntry{
          .sequence = change.sequence(),
          .effective_time = effective,
          .recorded_time = ToAbslTime(change.recorded_time()),
          .rate_bps = change.rate_bps(),
          .legal_instrument = change.legal_instrument(),
          .reason = change.reason(),
          .event_id = change.event_id(),
      };
    }
  }
  for (const pactlog::internal::AmendedSnapshot& a : snapshot.amended()) {
    Amended& amended = state.amended_[a.origin_event_id()];
    amended.head_event_id = a.head_event_id();
    amended.head_sequence = a.head_sequence();
    amended.current = a.current();
    amended.gone = a.gone();
  }
  state.amendment_count_ = snapshot.amendment_count();
  state.event_id_ = snapshot.event_id();
  state.firmness_ = snapshot.firmness();
  return state;
}

}  // namespace pactlog::domain
