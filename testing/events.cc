#include "testing/events.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "util/timestamp.h"

namespace pactlog::testing {

absl::Time Date(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

google::protobuf::Timestamp Time(absl::Time t) { return util::ToProtoTime(t); }

v1::Money Money(int64_t minor_units, const std::string& currency) {
  v1::Money money;
  money.set_currency_code(currency);
  money.set_minor_units(minor_units);
  return money;
}

v1::Money Usd(int64_t dollars) { return Money(dollars * 100); }

v1::EventData EventAt(absl::Time effective) {
  v1::EventData data;
  util::ToProtoTime(effective, data.mutable_effective_time());
  data.mutable_provenance()->set_source("https://example.org/fact-sheet");
  data.mutable_provenance()->set_firmness(v1::FIRMNESS_OFFICIALLY_ANNOUNCED);
  return data;
}

v1::EventData DealEvent(const std::string& title, const v1::Money& ceiling,
                        absl::Time effective, int32_t cap_bps) {
  v1::EventData data = EventAt(effective);
  v1::DealAnnouncement* deal = data.mutable_announcement()->mutable_deal();
  deal->set_title(title);
  deal->set_investor_country("JP");
  deal->set_host_country("US");
  *deal->mutable_commitment_ceiling() = ceiling;
  v1::TariffCap* cap = deal->add_tariff_caps();
  cap->set_product_category("all-goods");
  cap->set_max_rate_bps(cap_bps);
  return data;
}

v1::EventData DealEvent(const std::string& title, int64_t ceiling_dollars,
                        absl::Time effective, int32_t cap_bps) {
  return DealEvent(title, Usd(ceiling_dollars), effective, cap_bps);
}

v1::EventData ProjectEvent(const std::string& project_id, v1::Sector sector,
                           const std::string& us_state,
                           const v1::Money& pledged, absl::Time effective) {
  v1::EventData data = EventAt(effective);
  v1::ProjectAnnouncement* project =
      data.mutable_announcement()->mutable_project();
  project->set_project_id(project_id);
  project->set_name(absl::StrCat("Project ", project_id));
  project->set_sector(sector);
  project->set_us_state(us_state);
  project->add_sponsors("Sponsor Co.");
  *project->mutable_pledged() = pledged;
  return data;
}

v1::EventData ProjectEvent(const std::string& project_id, v1::Sector sector,
                           const std::string& us_state, int64_t pledged_dollars,
                           absl::Time effective) {
  return ProjectEvent(project_id, sector, us_state, Usd(pledged_dollars),
                      effective);
}

v1::EventData AllocationEvent(const std::string& allocation_id,
                              v1::Sector sector, const v1::Money* cap,
                              absl::Time effective, const std::string& parent,
                              const std::string& lead_company) {
  v1::EventData data = EventAt(effective);
  v1::AllocationAnnouncement* allocation =
      data.mutable_announcement()->mutable_allocation();
  allocation->set_allocation_id(allocation_id);
  allocation->set_name(absl::StrCat("Allocation ", allocation_id));
  allocation->set_sector(sector);
  if (cap != nullptr) *allocation->mutable_cap() = *cap;
  allocation->set_parent_allocation_id(parent);
  if (lead_company.empty()) {
    allocation->set_basis(v1::ALLOCATION_BASIS_SECTOR);
  } else {
    allocation->set_basis(v1::ALLOCATION_BASIS_COMPANY);
    v1::LeadCompany* lead = allocation->add_lead_companies();
    lead->set_name(lead_company);
    lead->set_country("JP");
  }
  return data;
}

v1::EventData ProjectSiteEvent(const std::string& project_id,
                               const std::string& us_state,
                               absl::Time effective) {
  v1::EventData data = EventAt(effective);
  v1::ProjectSite* site = data.mutable_announcement()->mutable_project_site();
  site->set_project_id(project_id);
  site->set_us_state(us_state);
  return data;
}

v1::EventData ApprovalEvent(const std::string& project_id,
                            const v1::Money& amount, absl::Time effective) {
  v1::EventData data = EventAt(effective);
  v1::Approval* approval = data.mutable_approval();
  approval->set_project_id(project_id);
  *approval->mutable_amount() = amount;
  approval->set_approving_body("US Investment Committee");
  return data;
}

v1::EventData ApprovalEvent(const std::string& project_id,
                            int64_t amount_dollars, absl::Time effective) {
  return ApprovalEvent(project_id, Usd(amount_dollars), effective);
}

v1::EventData DisbursementEvent(const std::string& project_id,
                                const v1::Money& amount, absl::Time effective,
                                v1::FundingSource source) {
  v1::EventData data = EventAt(effective);
  v1::Disbursement* disbursement = data.mutable_disbursement();
  disbursement->set_project_id(project_id);
  *disbursement->mutable_amount() = amount;
  disbursement->set_funding_source(source);
  disbursement->set_tranche("T1");
  return data;
}

v1::EventData DisbursementEvent(const std::string& project_id,
                                int64_t amount_dollars, absl::Time effective) {
  return DisbursementEvent(project_id, Usd(amount_dollars), effective);
}

v1::EventData TariffEvent(const std::string& category, int32_t rate_bps,
                          absl::Time effective) {
  v1::EventData data = EventAt(effective);
  v1::TariffChange* change = data.mutable_tariff_change();
  change->set_product_category(category);
  change->set_rate_bps(rate_bps);
  change->set_legal_instrument("Executive Order 14345");
  change->set_reason("framework terms");
  return data;
}

namespace {

v1::EventData AmendmentOf(const std::string& target,
                          const std::string& reason) {
  v1::EventData data;
  data.mutable_provenance()->set_source("https://example.org/correction");
  data.mutable_provenance()->set_firmness(v1::FIRMNESS_CONFIRMED);
  data.mutable_amendment()->set_target_event_id(target);
  data.mutable_amendment()->set_reason(reason);
  return data;
}

}  // namespace

v1::EventData ReviseEvent(const std::string& target, const v1::Money& amount) {
  v1::EventData data = AmendmentOf(target, "");
  *data.mutable_amendment()->mutable_revised_amount() = amount;
  return data;
}

v1::EventData WithdrawEvent(const std::string& target,
                            const std::string& reason) {
  v1::EventData data = AmendmentOf(target, reason);
  data.mutable_amendment()->mutable_withdrawal();
  return data;
}

v1::EventData RaiseFirmnessEvent(const std::string& target,
                                 v1::Firmness firmness) {
  v1::EventData data = AmendmentOf(target, "");
  data.mutable_amendment()->set_raised_firmness(firmness);
  return data;
}

v1::EventData RetractEvent(const std::string& target,
                           const std::string& reason) {
  v1::EventData data = AmendmentOf(target, reason);
  data.mutable_amendment()->mutable_retraction();
  return data;
}

v1::EventData CorrectEvent(const std::string& target,
                           const v1::EventData& replacement) {
  v1::EventData data = AmendmentOf(target, "recorded in error");
  v1::Correction* correction = data.mutable_amendment()->mutable_correction();
  if (replacement.has_announcement()) {
    *correction->mutable_announcement() = replacement.announcement();
  } else if (replacement.has_approval()) {
    *correction->mutable_approval() = replacement.approval();
  } else if (replacement.has_disbursement()) {
    *correction->mutable_disbursement() = replacement.disbursement();
  } else if (replacement.has_tariff_change()) {
    *correction->mutable_tariff_change() = replacement.tariff_change();
  }
  return data;
}

v1::AppendRequest Request(const std::string& deal_id,
                          std::vector<v1::EventData> events,
                          const std::string& actor) {
  v1::AppendRequest request;
  request.set_deal_id(deal_id);
  request.set_actor(actor);
  for (v1::EventData& event : events) {
    *request.add_events() = std::move(event);
  }
  return request;
}

}  // namespace pactlog::testing
