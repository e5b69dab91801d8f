#include "sdk/cpp/tests/test_events.h"

namespace pactlog::testing {

namespace {

v1::EventData Base(absl::Time effective) {
  v1::EventData data;
  data.mutable_effective_time()->set_seconds(absl::ToUnixSeconds(effective));
  data.mutable_provenance()->set_source("https://example.org/fact-sheet");
  data.mutable_provenance()->set_firmness(v1::FIRMNESS_OFFICIALLY_ANNOUNCED);
  return data;
}

}  // namespace

absl::Time Date(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

v1::Money Usd(int64_t dollars) {
  v1::Money money;
  money.set_currency_code("USD");
  money.set_minor_units(dollars * 100);
  return money;
}

v1::EventData DealEvent(int64_t ceiling_dollars, absl::Time effective,
                        int32_t cap_bps) {
  v1::EventData data = Base(effective);
  v1::DealAnnouncement* deal = data.mutable_announcement()->mutable_deal();
  deal->set_title("US-Japan framework");
  deal->set_investor_country("JP");
  deal->set_host_country("US");
  *deal->mutable_commitment_ceiling() = Usd(ceiling_dollars);
  v1::TariffCap* cap = deal->add_tariff_caps();
  cap->set_product_category("all-goods");
  cap->set_max_rate_bps(cap_bps);
  return data;
}

v1::EventData ProjectEvent(const std::string& project_id, v1::Sector sector,
                           const std::string& us_state, int64_t pledged_dollars,
                           absl::Time effective) {
  v1::EventData data = Base(effective);
  v1::ProjectAnnouncement* project =
      data.mutable_announcement()->mutable_project();
  project->set_project_id(project_id);
  project->set_name("Project " + project_id);
  project->set_sector(sector);
  project->set_us_state(us_state);
  project->add_sponsors("Sponsor Co.");
  *project->mutable_pledged() = Usd(pledged_dollars);
  return data;
}

v1::EventData ApprovalEvent(const std::string& project_id,
                            int64_t amount_dollars, absl::Time effective) {
  v1::EventData data = Base(effective);
  v1::Approval* approval = data.mutable_approval();
  approval->set_project_id(project_id);
  *approval->mutable_amount() = Usd(amount_dollars);
  approval->set_approving_body("US Investment Committee");
  return data;
}

v1::EventData TariffEvent(const std::string& category, int32_t rate_bps,
                          absl::Time effective) {
  v1::EventData data = Base(effective);
  v1::TariffChange* change = data.mutable_tariff_change();
  change->set_product_category(category);
  change->set_rate_bps(rate_bps);
  change->set_legal_instrument("Executive Order 14345");
  change->set_reason("framework terms");
  return data;
}

}  // namespace pactlog::testing
