// DealState (domain/deal_state.h): rendering the state to pactlog.v1
// messages (ToProto, ProjectToProto, TariffsToProto).
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
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
using ::pactlog::v1::Money;

constexpr std::string_view kAllGoods = "all-goods";

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t difference;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b < 0 ? std::numeric_limits<int64_t>::max()
               : std::numeric_limits<int64_t>::min();
}

void SetMoney(std::string_view currency, int64_t minor_units, Money* out) {
  out->set_currency_code(std::string(currency));
  out->set_minor_units(minor_units);
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
const TariffEntry* InForceAt(const std::vector<TariffEntry>& entries,
                             absl::Time at) {
  auto after = std::partition_point(
      entries.begin(), entries.end(),
      [at](const TariffEntry& e) { return e.effective_time <= at; });
  return after == entries.begin() ? nullptr : &*std::prev(after);
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
  for (const auto& [sector, amounts] : by_sector_) {
    auto* entry = out->add_by_sector();
    entry->set_sector(static_cast<pactlog::v1::Sector>(sector));
    TotalsToProto(amounts, deal_currency, entry->mutable_totals());
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
      default:
        break;
    }
  }
  std::vector<pactlog::v1::TariffLine> lines;
  // With an empty category TariffsToProto cannot fail.
  TariffsToProto(tariffs_at, "", /*with_history=*/false, &lines).IgnoreError();
  for (auto& line : lines) {
    if (line.breaches_cap()) {
      auto* breach = out->add_cap_breaches();
      breach->set_product_category(line.product_category());
      breach->set_rate_bps(line.rate_bps());
      breach->set_cap_bps(line.cap_bps());
      breach->set_sequence(line.in_force_sequence());
      // A line in force has entries, one of them in force at `tariffs_at`.
      const TariffEntry* in_force =
          InForceAt(tariffs_.at(line.product_category()), tariffs_at);
      ToProtoTime(in_force->effective_time, breach->mutable_effective_time());
    }
    *out->add_tariffs() = std::move(line);
  }
  ToProtoTime(tariffs_at, out->mutable_tariffs_evaluated_at());
  out->set_version(version_);
  out->set_last_sequence(last_sequence_);
  ToProtoTime(announced_effective_time_,
              out->mutable_announced_effective_time());
  ToProtoTime(last_recorded_time_, out->mutable_last_recorded_time());
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
  for (const ApprovalEntry& approval : project.approvals) {
    auto* record = out->add_approvals();
    record->set_sequence(approval.sequence);
    ToProtoTime(approval.effective_time, record->mutable_effective_time());
    SetMoney(deal_currency, approval.amount, record->mutable_amount());
    record->set_approving_body(approval.approving_body);
  }
  for (const auto& [source, amount] : project.disbursed_by_source) {
    auto* total = out->add_disbursed_by_source();
    total->set_funding_source(static_cast<pactlog::v1::FundingSource>(source));
    SetMoney(deal_currency, amount, total->mutable_disbursed());
  }
  ToProtoTime(project.announced_effective_time,
              out->mutable_announced_effective_time());
  out->set_last_sequence(project.last_sequence);
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
  static const std::vector<TariffEntry> kNoEntries;
  for (std::string_view name : categories) {
    pactlog::v1::TariffLine& line = out->emplace_back();
    line.set_product_category(std::string(name));
    const std::optional<int32_t> cap = CapFor(announcement_, name);
    if (cap.has_value()) {
      line.set_has_cap(true);
      line.set_cap_bps(*cap);
    }
    auto found = tariffs_.find(std::string(name));
    const std::vector<TariffEntry>& entries =
        found == tariffs_.end() ? kNoEntries : found->second;
    if (const TariffEntry* in_force = InForceAt(entries, at)) {
      line.set_in_force(true);
      line.set_rate_bps(in_force->rate_bps);
      line.set_in_force_sequence(in_force->sequence);
      line.set_breaches_cap(cap.has_value() && in_force->rate_bps > *cap);
    }
    if (!with_history) continue;
    for (const TariffEntry& entry : entries) {
      auto* record = line.add_history();
      record->set_sequence(entry.sequence);
      ToProtoTime(entry.effective_time, record->mutable_effective_time());
      ToProtoTime(entry.recorded_time, record->mutable_recorded_time());
      record->set_rate_bps(entry.rate_bps);
      record->set_legal_instrument(entry.legal_instrument);
      record->set_reason(entry.reason);
      record->set_exceeds_cap(cap.has_value() && entry.rate_bps > *cap);
    }
  }
  return absl::OkStatus();
}

}  // namespace pactlog::domain
