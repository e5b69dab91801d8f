#include "pactlog/client/events.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"

namespace pactlog::client {

namespace v1 = ::pactlog::v1;

namespace {

// Debian's Abseil has its own string_view, which std::string_view does not
// convert to implicitly.
absl::string_view View(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

v1::EventData Amendment(std::string_view target_event_id,
                        std::string_view reason) {
  v1::EventData event;
  v1::Amendment* amendment = event.mutable_amendment();
  amendment->set_target_event_id(std::string(target_event_id));
  amendment->set_reason(std::string(reason));
  return event;
}

// The number of the value of `descriptor` that `name` names, as the header
// describes; `what` names the enum in errors.
absl::StatusOr<int> ParseEnum(
    const google::protobuf::EnumDescriptor* descriptor, std::string_view prefix,
    std::string_view what, std::string_view name) {
  std::string key =
      absl::AsciiStrToUpper(absl::StripAsciiWhitespace(View(name)));
  key = absl::StrReplaceAll(key, {{"-", "_"}, {" ", "_"}});
  if (absl::StartsWith(key, View(prefix))) key.erase(0, prefix.size());
  std::vector<std::string> accepted;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = descriptor->value(i);
    if (value->number() == 0) continue;  // UNSPECIFIED, which is rejected
    std::string_view short_name = value->name();
    short_name.remove_prefix(prefix.size());
    if (short_name == key) return value->number();
    accepted.push_back(absl::AsciiStrToLower(View(short_name)));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(View(what), " \"", View(name),
                   "\" is none of: ", absl::StrJoin(accepted, ", ")));
}

}  // namespace

EventBuilder::EventBuilder(v1::EventData data) : data_(std::move(data)) {
  if (data_.provenance().firmness() == v1::FIRMNESS_UNSPECIFIED) {
    data_.mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
  }
}

EventBuilder& EventBuilder::Source(std::string_view source) {
  data_.mutable_provenance()->set_source(std::string(source));
  return *this;
}

EventBuilder& EventBuilder::Firmness(v1::Firmness firmness) {
  data_.mutable_provenance()->set_firmness(firmness);
  return *this;
}

EventBuilder& EventBuilder::AssertedBy(std::string_view party) {
  data_.mutable_provenance()->set_asserted_by(std::string(party));
  return *this;
}

EventBuilder& EventBuilder::EffectiveTime(absl::Time time) {
  const timespec ts = absl::ToTimespec(time);
  data_.mutable_effective_time()->set_seconds(ts.tv_sec);
  data_.mutable_effective_time()->set_nanos(static_cast<int32_t>(ts.tv_nsec));
  return *this;
}

EventBuilder& EventBuilder::EventId(std::string_view event_id) {
  data_.set_event_id(std::string(event_id));
  return *this;
}

EventBuilder& EventBuilder::Restates(std::string_view event_id) {
  data_.add_restates(std::string(event_id));
  return *this;
}

EventBuilder AnnounceDeal(std::string_view title,
                          std::string_view investor_country,
                          std::string_view host_country,
                          const v1::Money& ceiling,
                          const std::vector<TariffCap>& tariff_caps) {
  v1::EventData event;
  v1::DealAnnouncement* deal = event.mutable_announcement()->mutable_deal();
  deal->set_title(std::string(title));
  deal->set_investor_country(std::string(investor_country));
  deal->set_host_country(std::string(host_country));
  *deal->mutable_commitment_ceiling() = ceiling;
  for (const TariffCap& cap : tariff_caps) {
    v1::TariffCap* added = deal->add_tariff_caps();
    added->set_product_category(cap.product_category);
    added->set_max_rate_bps(cap.max_rate_bps);
  }
  return EventBuilder(std::move(event));
}

EventBuilder AnnounceProject(std::string_view project_id, std::string_view name,
                             v1::Sector sector, std::string_view us_state,
                             const v1::Money& pledged,
                             const std::vector<std::string>& sponsors,
                             std::string_view allocation_id) {
  v1::EventData event;
  v1::ProjectAnnouncement* project =
      event.mutable_announcement()->mutable_project();
  project->set_project_id(std::string(project_id));
  project->set_name(std::string(name));
  project->set_sector(sector);
  project->set_us_state(std::string(us_state));
  for (const std::string& sponsor : sponsors) project->add_sponsors(sponsor);
  *project->mutable_pledged() = pledged;
  project->set_allocation_id(std::string(allocation_id));
  return EventBuilder(std::move(event));
}

EventBuilder AnnounceProjectSite(std::string_view project_id,
                                 std::string_view us_state) {
  v1::EventData event;
  v1::ProjectSite* site = event.mutable_announcement()->mutable_project_site();
  site->set_project_id(std::string(project_id));
  site->set_us_state(std::string(us_state));
  return EventBuilder(std::move(event));
}

EventBuilder AnnounceAllocation(const Allocation& allocation) {
  v1::EventData event;
  v1::AllocationAnnouncement* announced =
      event.mutable_announcement()->mutable_allocation();
  announced->set_allocation_id(allocation.allocation_id);
  announced->set_name(allocation.name);
  announced->set_basis(allocation.basis);
  announced->set_sector(allocation.sector);
  if (allocation.cap.has_value()) *announced->mutable_cap() = *allocation.cap;
  announced->set_scope(allocation.scope);
  for (const LeadCompany& company : allocation.lead_companies) {
    v1::LeadCompany* added = announced->add_lead_companies();
    added->set_name(company.name);
    added->set_country(company.country);
  }
  announced->set_parent_allocation_id(allocation.parent_allocation_id);
  return EventBuilder(std::move(event));
}

EventBuilder AnnounceTerms(const v1::DealTerms& terms) {
  v1::EventData event;
  // Set even when every term is empty: that is still a terms event.
  *event.mutable_announcement()->mutable_terms() = terms;
  return EventBuilder(std::move(event));
}

EventBuilder ApproveProject(std::string_view project_id,
                            const v1::Money& amount,
                            std::string_view approving_body) {
  v1::EventData event;
  v1::Approval* approval = event.mutable_approval();
  approval->set_project_id(std::string(project_id));
  *approval->mutable_amount() = amount;
  approval->set_approving_body(std::string(approving_body));
  return EventBuilder(std::move(event));
}

EventBuilder Disburse(std::string_view project_id, const v1::Money& amount,
                      v1::FundingSource funding_source,
                      std::string_view tranche) {
  v1::EventData event;
  v1::Disbursement* disbursement = event.mutable_disbursement();
  disbursement->set_project_id(std::string(project_id));
  *disbursement->mutable_amount() = amount;
  disbursement->set_funding_source(funding_source);
  disbursement->set_tranche(std::string(tranche));
  return EventBuilder(std::move(event));
}

EventBuilder ChangeTariff(std::string_view product_category, int32_t rate_bps,
                          std::string_view legal_instrument,
                          std::string_view reason) {
  return ChangeTariffs({std::string(product_category)}, rate_bps,
                       legal_instrument, reason);
}

EventBuilder ChangeTariffs(const std::vector<std::string>& product_categories,
                           int32_t rate_bps, std::string_view legal_instrument,
                           std::string_view reason) {
  v1::EventData event;
  v1::TariffChange* change = event.mutable_tariff_change();
  for (size_t i = 0; i < product_categories.size(); ++i) {
    if (i == 0) {
      change->set_product_category(product_categories[0]);
    } else {
      change->add_product_categories(product_categories[i]);
    }
  }
  change->set_rate_bps(rate_bps);
  change->set_legal_instrument(std::string(legal_instrument));
  change->set_reason(std::string(reason));
  return EventBuilder(std::move(event));
}

EventBuilder Revise(std::string_view target_event_id, const v1::Money& amount,
                    std::string_view reason) {
  v1::EventData event = Amendment(target_event_id, reason);
  *event.mutable_amendment()->mutable_revised_amount() = amount;
  return EventBuilder(std::move(event));
}

EventBuilder Withdraw(std::string_view target_event_id,
                      std::string_view reason) {
  v1::EventData event = Amendment(target_event_id, reason);
  event.mutable_amendment()->mutable_withdrawal();
  return EventBuilder(std::move(event));
}

EventBuilder RaiseFirmness(std::string_view target_event_id,
                           v1::Firmness raised, std::string_view reason) {
  v1::EventData event = Amendment(target_event_id, reason);
  event.mutable_amendment()->set_raised_firmness(raised);
  event.mutable_provenance()->set_firmness(raised);
  return EventBuilder(std::move(event));
}

EventBuilder Retract(std::string_view target_event_id,
                     std::string_view reason) {
  v1::EventData event = Amendment(target_event_id, reason);
  event.mutable_amendment()->mutable_retraction();
  return EventBuilder(std::move(event));
}

absl::StatusOr<EventBuilder> Correct(std::string_view target_event_id,
                                     const v1::EventData& replacement,
                                     std::string_view reason) {
  v1::EventData event = Amendment(target_event_id, reason);
  v1::Correction* correction = event.mutable_amendment()->mutable_correction();
  switch (replacement.kind_case()) {
    case v1::EventData::kAnnouncement:
      *correction->mutable_announcement() = replacement.announcement();
      break;
    case v1::EventData::kApproval:
      *correction->mutable_approval() = replacement.approval();
      break;
    case v1::EventData::kDisbursement:
      *correction->mutable_disbursement() = replacement.disbursement();
      break;
    case v1::EventData::kTariffChange:
      *correction->mutable_tariff_change() = replacement.tariff_change();
      break;
    case v1::EventData::kAmendment:
    case v1::EventData::KIND_NOT_SET:
      return absl::InvalidArgumentError(
          "replacement: a correction replaces an announcement, approval, "
          "disbursement or tariff change; got an amendment or no event");
  }
  *event.mutable_provenance() = replacement.provenance();
  return EventBuilder(std::move(event));
}

absl::StatusOr<v1::Firmness> ParseFirmness(std::string_view name) {
  absl::StatusOr<int> value =
      ParseEnum(v1::Firmness_descriptor(), "FIRMNESS_", "firmness", name);
  if (!value.ok()) return value.status();
  return static_cast<v1::Firmness>(*value);
}

absl::StatusOr<v1::Sector> ParseSector(std::string_view name) {
  absl::StatusOr<int> value =
      ParseEnum(v1::Sector_descriptor(), "SECTOR_", "sector", name);
  if (!value.ok()) return value.status();
  return static_cast<v1::Sector>(*value);
}

absl::StatusOr<v1::FundingSource> ParseFundingSource(std::string_view name) {
  absl::StatusOr<int> value =
      ParseEnum(v1::FundingSource_descriptor(), "FUNDING_SOURCE_",
                "funding source", name);
  if (!value.ok()) return value.status();
  return static_cast<v1::FundingSource>(*value);
}

absl::StatusOr<v1::AllocationBasis> ParseAllocationBasis(
    std::string_view name) {
  absl::StatusOr<int> value =
      ParseEnum(v1::AllocationBasis_descriptor(), "ALLOCATION_BASIS_",
                "allocation basis", name);
  if (!value.ok()) return value.status();
  return static_cast<v1::AllocationBasis>(*value);
}

std::string FirmnessName(v1::Firmness firmness) {
  std::string name = v1::Firmness_Name(firmness);
  if (absl::StartsWith(name, "FIRMNESS_")) name.erase(0, 9);
  return name;
}

}  // namespace pactlog::client
