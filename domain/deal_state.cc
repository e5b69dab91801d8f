#include "domain/deal_state.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "util/status_macros.h"

namespace pactlog::domain {
namespace {

using ::pactlog::v1::Event;
using ::pactlog::v1::EventData;
using ::pactlog::v1::Money;

constexpr std::string_view kAllGoods = "all-goods";

// The range google.protobuf.Timestamp defines as valid; ToProtoTime clamps
// to it so that absl::InfiniteFuture() and friends stay representable.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int32_t kMaxNanos = 999999999;

std::string FormatTimeUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

// Debian's Abseil has its own absl::string_view, which does not convert
// from std::string_view.
absl::string_view AsAbsl(std::string_view value) {
  return absl::string_view(value.data(), value.size());
}

std::string Quote(std::string_view value) {
  return absl::StrCat("\"", AsAbsl(value), "\"");
}

absl::Status RuleBroken(std::string_view rule, std::string_view details) {
  return absl::FailedPreconditionError(
      absl::StrCat("rule ", AsAbsl(rule), ": ", AsAbsl(details)));
}

// Apply() takes any event without failing, so its sums saturate instead of
// overflowing; the sums of a log that passed CheckRules never saturate.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max()
               : std::numeric_limits<int64_t>::min();
}

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t difference;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b < 0 ? std::numeric_limits<int64_t>::max()
               : std::numeric_limits<int64_t>::min();
}

// `current + amount` into `*sum`, or FAILED_PRECONDITION rule
// amount-overflow naming `what` and both numbers.
absl::Status CheckedSum(std::string_view what, int64_t current, int64_t amount,
                        std::string_view currency, int64_t* sum) {
  if (!__builtin_add_overflow(current, amount, sum)) return absl::OkStatus();
  return RuleBroken("amount-overflow",
                    absl::StrCat(AsAbsl(what), " ", current, " + ", amount, " ",
                                 AsAbsl(currency),
                                 " (minor units) overflow a 64-bit integer"));
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

void SetMoney(std::string_view currency, int64_t minor_units, Money* out) {
  out->set_currency_code(std::string(currency));
  out->set_minor_units(minor_units);
}

void AddAmounts(const Amounts& delta, Amounts* sum) {
  sum->pledged = SaturatingAdd(sum->pledged, delta.pledged);
  sum->approved = SaturatingAdd(sum->approved, delta.approved);
  sum->disbursed = SaturatingAdd(sum->disbursed, delta.disbursed);
  sum->project_count += delta.project_count;
}

void TotalsToProto(const Amounts& amounts, std::string_view currency,
                   pactlog::v1::Totals* out) {
  SetMoney(currency, amounts.pledged, out->mutable_pledged());
  SetMoney(currency, amounts.approved, out->mutable_approved());
  SetMoney(currency, amounts.disbursed, out->mutable_disbursed());
  out->set_project_count(amounts.project_count);
}

bool EntryBefore(const TariffEntry& a, const TariffEntry& b) {
  return std::tie(a.effective_time, a.sequence) <
         std::tie(b.effective_time, b.sequence);
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

// The sum of `project`'s approvals effective at or before `at`.
int64_t ApprovedBy(const Project& project, absl::Time at) {
  int64_t sum = 0;
  for (const ApprovalEntry& approval : project.approvals) {
    if (approval.effective_time <= at) {
      sum = SaturatingAdd(sum, approval.amount);
    }
  }
  return sum;
}

// What the rules of one event need to know of the deal.
struct RuleContext {
  std::string_view deal_id;
  std::string_view currency;
  absl::Time effective_time;
  int64_t ceiling = 0;
  int64_t pledged = 0;
  const std::map<std::string, Project>& projects;
};

absl::Status UnknownProject(const RuleContext& deal,
                            std::string_view project_id) {
  return absl::NotFoundError(absl::StrCat("project ", Quote(project_id),
                                          " is not announced in deal ",
                                          Quote(deal.deal_id)));
}

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
                     " (minor units), above the ceiling ", deal.ceiling));
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
                     " (minor units), above its pledge ", pledged));
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
  RETURN_IF_ERROR(CheckCurrency("disbursement amount", disbursement.amount(),
                                deal.deal_id, deal.currency));
  if (project.approvals.empty()) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("project ", Quote(disbursement.project_id()),
                     " has no approval; money is disbursed only to an "
                     "approved project"));
  }
  const auto first =
      std::min_element(project.approvals.begin(), project.approvals.end(),
                       [](const ApprovalEntry& a, const ApprovalEntry& b) {
                         return a.effective_time < b.effective_time;
                       });
  if (effective < first->effective_time) {
    return RuleBroken(
        "effective-order",
        absl::StrCat("disbursement effective ", FormatTimeUtc(effective),
                     " precedes the first approval effective ",
                     FormatTimeUtc(first->effective_time), " of project ",
                     Quote(disbursement.project_id())));
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
                     FormatTimeUtc(effective)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Time ToAbslTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

void ToProtoTime(absl::Time t, google::protobuf::Timestamp* out) {
  const absl::Time min = absl::FromUnixSeconds(kMinTimestampSeconds);
  const absl::Time max = absl::FromUnixSeconds(kMaxTimestampSeconds) +
                         absl::Nanoseconds(kMaxNanos);
  t = std::clamp(t, min, max);
  // ToUnixSeconds rounds towards the past, so the remainder is in [0, 1s).
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) /
                                      absl::Nanoseconds(1)));
}

pactlog::v1::ProjectStatus Project::status() const {
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
      if (!data.announcement().has_project()) break;
      return CheckProjectRules(context, data.announcement().project(),
                               effective);
    case EventData::kApproval:
      return CheckApprovalRules(context, data.approval(), effective);
    case EventData::kDisbursement:
      return CheckDisbursementRules(context, data.disbursement(), effective);
    case EventData::kTariffChange:
      return absl::OkStatus();
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
  if (event.has_recorded_time()) {
    last_recorded_time_ = ToAbslTime(event.recorded_time());
  }
  if (deal_id_.empty()) deal_id_ = event.deal_id();

  switch (data.kind_case()) {
    case EventData::kAnnouncement:
      if (data.announcement().has_deal()) {
        if (exists_) break;
        exists_ = true;
        announcement_ = data.announcement().deal();
        announced_effective_time_ = effective;
      } else if (data.announcement().has_project()) {
        const auto& announced = data.announcement().project();
        auto [it, inserted] = projects_.try_emplace(announced.project_id());
        if (!inserted) break;
        Project& project = it->second;
        project.announcement = announced;
        project.announced_effective_time = effective;
        project.last_sequence = sequence;
        const Amounts delta{.pledged = announced.pledged().minor_units(),
                            .project_count = 1};
        AddAmounts(delta, &totals_);
        AddAmounts(delta, &by_sector_[announced.sector()]);
        AddAmounts(delta, &by_us_state_[announced.us_state()]);
      }
      break;
    case EventData::kApproval: {
      const auto& approval = data.approval();
      auto it = projects_.find(approval.project_id());
      if (it == projects_.end()) break;
      Project& project = it->second;
      const int64_t amount = approval.amount().minor_units();
      project.approved = SaturatingAdd(project.approved, amount);
      project.approvals.push_back(ApprovalEntry{
          .sequence = sequence,
          .effective_time = effective,
          .amount = amount,
          .approving_body = approval.approving_body(),
      });
      project.last_sequence = sequence;
      const Amounts delta{.approved = amount};
      AddAmounts(delta, &totals_);
      AddAmounts(delta, &by_sector_[project.announcement.sector()]);
      AddAmounts(delta, &by_us_state_[project.announcement.us_state()]);
      break;
    }
    case EventData::kDisbursement: {
      const auto& disbursement = data.disbursement();
      auto it = projects_.find(disbursement.project_id());
      if (it == projects_.end()) break;
      Project& project = it->second;
      const int64_t amount = disbursement.amount().minor_units();
      project.disbursed = SaturatingAdd(project.disbursed, amount);
      int64_t& by_source =
          project.disbursed_by_source[disbursement.funding_source()];
      by_source = SaturatingAdd(by_source, amount);
      project.last_sequence = sequence;
      const Amounts delta{.disbursed = amount};
      AddAmounts(delta, &totals_);
      AddAmounts(delta, &by_sector_[project.announcement.sector()]);
      AddAmounts(delta, &by_us_state_[project.announcement.us_state()]);
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
      };
      std::vector<TariffEntry>& entries = tariffs_[change.product_category()];
      entries.insert(
          std::upper_bound(entries.begin(), entries.end(), entry, EntryBefore),
          std::move(entry));
      break;
    }
    case EventData::KIND_NOT_SET:
      break;
  }
}

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

void DealState::ToSnapshot(pactlog::internal::DealSnapshot* out) const {
  out->Clear();
  out->set_format(kSnapshotFormat);
  out->set_deal_id(deal_id_);
  out->set_exists(exists_);
  *out->mutable_announcement() = announcement_;
  ToProtoTime(announced_effective_time_,
              out->mutable_announced_effective_time());
  ToProtoTime(last_recorded_time_, out->mutable_last_recorded_time());
  out->set_version(version_);
  out->set_last_sequence(last_sequence_);
  for (const auto& [id, project] : projects_) {
    pactlog::internal::ProjectSnapshot* p = out->add_projects();
    *p->mutable_announcement() = project.announcement;
    ToProtoTime(project.announced_effective_time,
                p->mutable_announced_effective_time());
    p->set_approved(project.approved);
    p->set_disbursed(project.disbursed);
    for (const ApprovalEntry& approval : project.approvals) {
      pactlog::v1::ApprovalRecord* record = p->add_approvals();
      record->set_sequence(approval.sequence);
      ToProtoTime(approval.effective_time, record->mutable_effective_time());
      record->mutable_amount()->set_minor_units(approval.amount);
      record->set_approving_body(approval.approving_body);
    }
    for (const auto& [source, amount] : project.disbursed_by_source) {
      pactlog::v1::FundingSourceTotal* total = p->add_disbursed_by_source();
      total->set_funding_source(
          static_cast<pactlog::v1::FundingSource>(source));
      total->mutable_disbursed()->set_minor_units(amount);
    }
    p->set_last_sequence(project.last_sequence);
  }
  for (const auto& [category, entries] : tariffs_) {
    pactlog::internal::TariffHistorySnapshot* history = out->add_tariffs();
    history->set_product_category(category);
    for (const TariffEntry& entry : entries) {
      pactlog::v1::TariffChangeRecord* change = history->add_changes();
      change->set_sequence(entry.sequence);
      ToProtoTime(entry.effective_time, change->mutable_effective_time());
      ToProtoTime(entry.recorded_time, change->mutable_recorded_time());
      change->set_rate_bps(entry.rate_bps);
      change->set_legal_instrument(entry.legal_instrument);
      change->set_reason(entry.reason);
    }
  }
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
  state.version_ = snapshot.version();
  state.last_sequence_ = snapshot.last_sequence();
  for (const pactlog::internal::ProjectSnapshot& p : snapshot.projects()) {
    Project& project = state.projects_[p.announcement().project_id()];
    project.announcement = p.announcement();
    project.announced_effective_time = ToAbslTime(p.announced_effective_time());
    project.approved = p.approved();
    project.disbursed = p.disbursed();
    for (const pactlog::v1::ApprovalRecord& record : p.approvals()) {
      project.approvals.push_back(ApprovalEntry{
          .sequence = record.sequence(),
          .effective_time = ToAbslTime(record.effective_time()),
          .amount = record.amount().minor_units(),
          .approving_body = record.approving_body(),
      });
    }
    for (const pactlog::v1::FundingSourceTotal& total :
         p.disbursed_by_source()) {
      project.disbursed_by_source[total.funding_source()] =
          total.disbursed().minor_units();
    }
    project.last_sequence = p.last_sequence();
    // The breakdowns are derived from the projects.
    const Amounts delta{.pledged = project.announcement.pledged().minor_units(),
                        .approved = project.approved,
                        .disbursed = project.disbursed,
                        .project_count = 1};
    AddAmounts(delta, &state.totals_);
    AddAmounts(delta, &state.by_sector_[project.announcement.sector()]);
    AddAmounts(delta, &state.by_us_state_[project.announcement.us_state()]);
  }
  for (const pactlog::internal::TariffHistorySnapshot& history :
       snapshot.tariffs()) {
    std::vector<TariffEntry>& entries =
        state.tariffs_[history.product_category()];
    for (const pactlog::v1::TariffChangeRecord& change : history.changes()) {
      entries.push_back(TariffEntry{
          .sequence = change.sequence(),
          .effective_time = ToAbslTime(change.effective_time()),
          .recorded_time = ToAbslTime(change.recorded_time()),
          .rate_bps = change.rate_bps(),
          .legal_instrument = change.legal_instrument(),
          .reason = change.reason(),
      });
    }
  }
  return state;
}

}  // namespace pactlog::domain
