// DealState (domain/deal_state.h): rendering the state to pactlog.v1
// messages (ToProto, ProjectToProto, TariffsToProto).
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
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
using ::pactlog::v1::Money;

constexpr std::string_view kAllGoods = "all-goods";

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t difference;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b < 0 ? std::numeric_limits<int64_t>::max()
               : std::numeric_limits<int64_t>::min();
}

void TotalsToProto(const Amounts& amounts, std::string_view currency,
                   pactlog::v1::Totals* out) {
  SetMoney(currency, amounts.pledged, out->mutable_pledged());
  SetMoney(currency, amounts.approved, out->mutable_approved());
  SetMoney(currency, amounts.disbursed, out->mutable_disbursed());
  out->set_project_count(amounts.project_count);
}

// The change in force at `at` among `entries` sorted by (effective_time,
// sequence): the last one effective at or before `at`, so the later sequence
// wins a tie. Null when none is in force yet.
const TariffEntry* InForceAt(const TariffHistory& entries, absl::Time at) {
  const auto* latest =
      entries.Floor(TariffKey(at, std::numeric_limits<uint64_t>::max()));
  return latest == nullptr ? nullptr : &latest->second;
}

// The cap that applies to `category`: its own, else the "all-goods" cap.
std::optional<int32_t> CapFor(const pactlog::v1::DealAnnouncement& deal,
                              std::string_view category) {
  std::optional<int32_t> all_goods;
  for (const auto& cap : deal.tariff_caps()) {
    if (cap.product_category() == category) return cap.max_rate_bps();
    if (cap.product_category() == kAllGoods) all_goods = cap.max_rate_bps();
  }
  return all_goods;
}

}  // namespace

void DealState::ToProto(absl::Time tariffs_at,
                        pactlog::v1::DealState* out) const {
  out->Clear();
  const std::string& deal_currency = currency();
  out->set_deal_id(deal_id_);
  out->set_title(announcement_.title());
  out->set_investor_country(announcement_.investor_country());
  out->set_host_country(announcement_.host_country());
  *out->mutable_commitment_ceiling() = announcement_.commitment_ceiling();
  *out->mutable_tariff_caps() = announcement_.tariff_caps();
  TotalsToProto(totals_, deal_currency, out->mutable_totals());
  SetMoney(deal_currency,
           SaturatingSub(announcement_.commitment_ceiling().minor_units(),
                         totals_.pledged),
           out->mutable_headroom());
  // Per sector, what its outermost allocations hold (an earmark of the
  // same sector is inside its parent).
  std::map<int, int64_t> allocated_by_sector;
  for (const auto& [id, allocation] : allocations_) {
    const int sector = allocation.announcement.sector();
    if (sector == pactlog::v1::SECTOR_UNSPECIFIED || !allocation.counts()) {
      continue;
    }
    bool outermost = true;
    for (std::string_view parent =
             allocation.announcement.parent_allocation_id();
         !parent.empty();) {
      const Allocation& up = allocations_.at(std::string(parent));
      if (up.announcement.sector() == sector) outermost = false;
      parent = up.announcement.parent_allocation_id();
    }
    if (!outermost) continue;
    int64_t& sum = allocated_by_sector[sector];
    sum = SaturatingAdd(sum, Allocated(allocation));
  }
  std::set<int> sectors;
  for (const auto& [sector, amounts] : by_sector_) sectors.insert(sector);
  for (const auto& [sector, sum] : allocated_by_sector) sectors.insert(sector);
  for (int sector : sectors) {
    auto* entry = out->add_by_sector();
    entry->set_sector(static_cast<pactlog::v1::Sector>(sector));
    auto amounts = by_sector_.find(sector);
    TotalsToProto(amounts == by_sector_.end() ? Amounts{} : amounts->second,
                  deal_currency, entry->mutable_totals());
    if (auto allocated = allocated_by_sector.find(sector);
        allocated != allocated_by_sector.end()) {
      SetMoney(deal_currency, allocated->second, entry->mutable_allocated());
    }
  }
  for (const auto& [us_state, amounts] : by_us_state_) {
    auto* entry = out->add_by_us_state();
    entry->set_us_state(us_state);
    TotalsToProto(amounts, deal_currency, entry->mutable_totals());
  }
  for (const auto& [id, project] : projects_) {
    switch (project.status()) {
      case pactlog::v1::PROJECT_STATUS_ANNOUNCED:
        out->set_projects_announced(out->projects_announced() + 1);
        break;
      case pactlog::v1::PROJECT_STATUS_APPROVED:
        out->set_projects_approved(out->projects_approved() + 1);
        break;
      case pactlog::v1::PROJECT_STATUS_FUNDING:
        out->set_projects_funding(out->projects_funding() + 1);
        break;
      case pactlog::v1::PROJECT_STATUS_FULLY_DISBURSED:
        out->set_projects_fully_disbursed(out->projects_fully_disbursed() + 1);
        break;
      case pactlog::v1::PROJECT_STATUS_WITHDRAWN:
        out->set_projects_withdrawn(out->projects_withdrawn() + 1);
        break;
      case pactlog::v1::PROJECT_STATUS_RETRACTED:
        out->set_projects_retracted(out->projects_retracted() + 1);
        break;
      case pactlog::v1::PROJECT_STATUS_RESTATED:
        out->set_projects_restated(out->projects_restated() + 1);
        break;
      default:
        break;
    }
  }
  std::vector<pactlog::v1::TariffLine> lines;
  // With an empty category TariffsToProto cannot fail.
  TariffsToProto(tariffs_at, "", /*with_history=*/false, &lines).IgnoreError();
  for (auto& line : lines) {
    if (line.breaches_cap()) {
      BreachToProto(line, tariffs_at, out->add_cap_breaches());
    }
    *out->add_tariffs() = std::move(line);
  }
  ToProtoTime(tariffs_at, out->mutable_tariffs_evaluated_at());
  out->set_version(version_);
  out->set_last_sequence(last_sequence_);
  ToProtoTime(announced_effective_time_,
              out->mutable_announced_effective_time());
  ToProtoTime(last_recorded_time_, out->mutable_last_recorded_time());
  for (const auto& [party, entry] : terms_) {
    TermsToProto(entry, out->add_terms());
  }
  out->set_amendment_count(amendment_count_);
  out->set_event_id(event_id_);
  out->set_head_event_id(HeadOf(event_id_));
  out->set_firmness(firmness_);
  // A deal that records no allocation answers as it did before allocations
  // were recorded.
  if (allocations_.empty()) return;
  const int64_t ceiling = announcement_.commitment_ceiling().minor_units();
  const int64_t allocated = AllocatedTotal();
  SetMoney(deal_currency, allocated, out->mutable_allocated());
  SetMoney(deal_currency, SaturatingSub(ceiling, allocated),
           out->mutable_unallocated());
  if (ceiling > 0) {
    out->set_allocated_share_bps(static_cast<int32_t>(
        std::min<__int128>(static_cast<__int128>(allocated) * 10000 / ceiling,
                           std::numeric_limits<int32_t>::max())));
  }
  for (const auto& [id, allocation] : allocations_) {
    AllocationToProto(allocation, out->add_allocations());
  }
}

void DealState::BreachToProto(const pactlog::v1::TariffLine& line,
                              absl::Time at,
                              pactlog::v1::CapBreach* out) const {
  out->set_product_category(line.product_category());
  out->set_rate_bps(line.rate_bps());
  out->set_cap_bps(line.cap_bps());
  out->set_sequence(line.in_force_sequence());
  // A line in force has entries, one of them in force at `at`.
  const TariffEntry* in_force =
      InForceAt(tariffs_.at(line.product_category()), at);
  ToProtoTime(in_force->effective_time, out->mutable_effective_time());
}

void TermsToProto(const TermsEntry& entry, pactlog::v1::TermsReading* out) {
  out->set_asserted_by(entry.provenance.asserted_by());
  *out->mutable_terms() = entry.terms;
  out->set_sequence(entry.sequence);
  ToProtoTime(entry.effective_time, out->mutable_effective_time());
  out->set_source(entry.provenance.source());
  out->set_firmness(entry.provenance.firmness());
}

void DealState::AllocationToProto(const Allocation& allocation,
                                  pactlog::v1::AllocationState* out) const {
  const std::string& deal_currency = currency();
  const auto& announced = allocation.announcement;
  out->set_allocation_id(announced.allocation_id());
  out->set_name(announced.name());
  out->set_basis(announced.basis());
  out->set_sector(announced.sector());
  if (announced.has_cap()) *out->mutable_cap() = announced.cap();
  out->set_scope(announced.scope());
  *out->mutable_lead_companies() = announced.lead_companies();
  out->set_parent_allocation_id(announced.parent_allocation_id());
  SetMoney(deal_currency, Allocated(allocation), out->mutable_allocated());
  int64_t earmarked = 0;
  for (const std::string& id : allocation.earmarks) {
    earmarked = SaturatingAdd(earmarked, Allocated(allocations_.at(id)));
    out->add_earmark_ids(id);
  }
  SetMoney(deal_currency, earmarked, out->mutable_earmarked());
  TotalsToProto(allocation.totals, deal_currency, out->mutable_totals());
  if (announced.has_cap()) {
    SetMoney(
        deal_currency,
        SaturatingSub(announced.cap().minor_units(), allocation.totals.pledged),
        out->mutable_remaining());
  }
  out->set_sequence(allocation.sequence);
  ToProtoTime(allocation.effective_time, out->mutable_effective_time());
  out->set_event_id(allocation.event_id);
  out->set_head_event_id(HeadOf(allocation.event_id));
  out->set_firmness(allocation.firmness);
  if (!allocation.counts())
    *out->mutable_supersession() = allocation.supersession;
  *out->mutable_restates() = {allocation.restates.begin(),
                              allocation.restates.end()};
}

absl::Status DealState::ProjectToProto(std::string_view project_id,
                                       pactlog::v1::ProjectState* out) const {
  auto it = projects_.find(std::string(project_id));
  if (it == projects_.end()) {
    return absl::NotFoundError(absl::StrCat("project ", Quote(project_id),
                                            " is not announced in deal ",
                                            Quote(deal_id_)));
  }
  ProjectToProto(it->second, out);
  return absl::OkStatus();
}

void DealState::ProjectToProto(const Project& project,
                               pactlog::v1::ProjectState* out) const {
  out->Clear();
  const std::string& deal_currency = currency();
  const auto& announced = project.announcement;
  const int64_t pledged = announced.pledged().minor_units();
  out->set_deal_id(deal_id_);
  out->set_project_id(announced.project_id());
  out->set_name(announced.name());
  out->set_sector(announced.sector());
  out->set_us_state(announced.us_state());
  *out->mutable_sponsors() = announced.sponsors();
  out->set_status(project.status());
  SetMoney(deal_currency, pledged, out->mutable_pledged());
  SetMoney(deal_currency, project.approved, out->mutable_approved());
  SetMoney(deal_currency, project.disbursed, out->mutable_disbursed());
  SetMoney(deal_currency, SaturatingSub(pledged, project.approved),
           out->mutable_unapproved());
  SetMoney(deal_currency, SaturatingSub(project.approved, project.disbursed),
           out->mutable_undisbursed());
  for (const auto& [sequence, approval] : project.approvals) {
    auto* record = out->add_approvals();
    record->set_sequence(approval.sequence);
    ToProtoTime(approval.effective_time, record->mutable_effective_time());
    SetMoney(deal_currency, approval.amount, record->mutable_amount());
    record->set_approving_body(approval.approving_body);
    record->set_event_id(approval.event_id);
    record->set_head_event_id(HeadOf(approval.event_id));
    record->set_firmness(approval.firmness);
  }
  for (const auto& [source, amount] : project.disbursed_by_source) {
    auto* total = out->add_disbursed_by_source();
    total->set_funding_source(static_cast<pactlog::v1::FundingSource>(source));
    SetMoney(deal_currency, amount, total->mutable_disbursed());
  }
  ToProtoTime(project.announced_effective_time,
              out->mutable_announced_effective_time());
  out->set_last_sequence(project.last_sequence);
  out->set_allocation_id(announced.allocation_id());
  out->set_event_id(project.event_id);
  out->set_head_event_id(HeadOf(project.event_id));
  out->set_firmness(project.firmness);
  if (!project.counts()) *out->mutable_supersession() = project.supersession;
  *out->mutable_restates() = {project.restates.begin(), project.restates.end()};
}

absl::Status DealState::TariffsToProto(
    absl::Time at, std::string_view category, bool with_history,
    std::vector<pactlog::v1::TariffLine>* out) const {
  out->clear();
  std::set<std::string_view> categories;
  for (const auto& [name, entries] : tariffs_) categories.insert(name);
  for (const auto& cap : announcement_.tariff_caps()) {
    categories.insert(cap.product_category());
  }
  if (!category.empty()) {
    if (!categories.contains(category)) {
      return absl::NotFoundError(absl::StrCat(
          "product category ", Quote(category),
          " has neither a tariff change nor a cap in deal ", Quote(deal_id_)));
    }
    categories = {category};
  }
  static const TariffHistory kNoEntries;
  for (std::string_view name : categories) {
    pactlog::v1::TariffLine& line = out->emplace_back();
    line.set_product_category(std::string(name));
    const std::optional<int32_t> cap = CapFor(announcement_, name);
    // The deal's caps apply from its announcement's effective time on.
    const bool cap_in_force =
        cap.has_value() && at >= announced_effective_time_;
    const int32_t cap_bps = cap.value_or(0);
    if (cap_in_force) {
      line.set_has_cap(true);
      line.set_cap_bps(cap_bps);
    }
    const TariffHistory* found = tariffs_.Find(name);
    const TariffHistory& entries = found == nullptr ? kNoEntries : *found;
    if (const TariffEntry* in_force = InForceAt(entries, at)) {
      line.set_in_force(true);
      line.set_rate_bps(in_force->rate_bps);
      line.set_in_force_sequence(in_force->sequence);
      line.set_breaches_cap(cap_in_force && in_force->rate_bps > cap_bps);
    }
    if (!with_history) continue;
    for (const auto& [key, entry] : entries) {
      auto* record = line.add_history();
      record->set_sequence(entry.sequence);
      ToProtoTime(entry.effective_time, record->mutable_effective_time());
      ToProtoTime(entry.recorded_time, record->mutable_recorded_time());
      record->set_rate_bps(entry.rate_bps);
      record->set_legal_instrument(entry.legal_instrument);
      record->set_reason(entry.reason);
      record->set_exceeds_cap(cap.has_value() && entry.rate_bps > *cap);
      record->set_event_id(entry.event_id);
      record->set_head_event_id(HeadOf(entry.event_id));
    }
  }
  return absl::OkStatus();
}

}  // namespace pactlog::domain
