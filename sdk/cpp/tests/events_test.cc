// The event builders: what each one puts in the EventData, and the
// firmness default of sdk/BEHAVIOUR.md.
#include "pactlog/client/events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "pactlog/client/money.h"

namespace pactlog::client {
namespace {

namespace v1 = ::pactlog::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Money Usd(int64_t cents) { return MoneyFromMinorUnits("USD", cents); }

TEST(EventBuilderTest, FirmnessDefaultsToReported) {
  v1::EventData event = ApproveProject("ohio-power", Usd(100), "JBIC");
  EXPECT_EQ(event.provenance().firmness(), v1::FIRMNESS_REPORTED);
}

TEST(EventBuilderTest, SettersFillTheProvenanceAndMetadata) {
  const absl::Time effective =
      absl::FromCivil(absl::CivilSecond(2025, 7, 22, 12, 0, 1),
                      absl::UTCTimeZone()) +
      absl::Milliseconds(250);
  v1::EventData event = ApproveProject("ohio-power", Usd(100), "JBIC")
                            .Source("https://example.org/a")
                            .Firmness(v1::FIRMNESS_CONFIRMED)
                            .AssertedBy("JP")
                            .EffectiveTime(effective)
                            .EventId("approval.ohio-power")
                            .Restates("first")
                            .Restates("second");
  EXPECT_EQ(event.provenance().source(), "https://example.org/a");
  EXPECT_EQ(event.provenance().firmness(), v1::FIRMNESS_CONFIRMED);
  EXPECT_EQ(event.provenance().asserted_by(), "JP");
  EXPECT_EQ(event.effective_time().seconds(), absl::ToUnixSeconds(effective));
  EXPECT_EQ(event.effective_time().nanos(), 250'000'000);
  EXPECT_EQ(event.event_id(), "approval.ohio-power");
  EXPECT_THAT(event.restates(), ElementsAre("first", "second"));
}

TEST(EventBuilderTest, AnExplicitFirmnessOfTheDataIsKept) {
  v1::EventData data;
  data.mutable_provenance()->set_firmness(v1::FIRMNESS_OFFICIALLY_ANNOUNCED);
  EXPECT_EQ(EventBuilder(data).data().provenance().firmness(),
            v1::FIRMNESS_OFFICIALLY_ANNOUNCED);
}

TEST(EventBuilderTest, BuildersConvertWhereEventDataIsExpected) {
  std::vector<v1::EventData> events = {
      AnnounceProjectSite("texas-crude", "TX"),
      ChangeTariff("autos", 1500, "EO 14345").Source("s")};
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].announcement().has_project_site());
  EXPECT_EQ(events[1].provenance().source(), "s");
}

TEST(AnnounceDealTest, FillsTheDealAndItsCaps) {
  v1::EventData event =
      AnnounceDeal("US-Japan framework", "JP", "US", Usd(55'000'000'000'000),
                   {{"all-goods", 1500}, {"autos", 1500}});
  ASSERT_TRUE(event.announcement().has_deal());
  const v1::DealAnnouncement& deal = event.announcement().deal();
  EXPECT_EQ(deal.title(), "US-Japan framework");
  EXPECT_EQ(deal.investor_country(), "JP");
  EXPECT_EQ(deal.host_country(), "US");
  EXPECT_EQ(deal.commitment_ceiling().minor_units(), 55'000'000'000'000);
  ASSERT_EQ(deal.tariff_caps_size(), 2);
  EXPECT_EQ(deal.tariff_caps(1).product_category(), "autos");
  EXPECT_EQ(deal.tariff_caps(1).max_rate_bps(), 1500);
  EXPECT_EQ(event.provenance().firmness(), v1::FIRMNESS_REPORTED);
}

TEST(AnnounceProjectTest, FillsTheProject) {
  v1::EventData event = AnnounceProject(
      "tx-lng", "Gulf LNG terminal", v1::SECTOR_OIL_AND_GAS, "TX",
      Usd(1'200'000), {"Sponsor A", "Sponsor B"}, "energy");
  const v1::ProjectAnnouncement& project = event.announcement().project();
  EXPECT_EQ(project.project_id(), "tx-lng");
  EXPECT_EQ(project.name(), "Gulf LNG terminal");
  EXPECT_EQ(project.sector(), v1::SECTOR_OIL_AND_GAS);
  EXPECT_EQ(project.us_state(), "TX");
  EXPECT_EQ(project.pledged().minor_units(), 1'200'000);
  EXPECT_THAT(project.sponsors(), ElementsAre("Sponsor A", "Sponsor B"));
  EXPECT_EQ(project.allocation_id(), "energy");
}

TEST(AnnounceAllocationTest, LeavesAnUnsetCapUnset) {
  Allocation allocation;
  allocation.allocation_id = "energy";
  allocation.name = "Energy infrastructure";
  allocation.basis = v1::ALLOCATION_BASIS_SECTOR;
  allocation.sector = v1::SECTOR_ENERGY;
  allocation.lead_companies = {{"Toshiba", "JP"}, {"Hitachi", ""}};
  v1::EventData event = AnnounceAllocation(allocation);
  const v1::AllocationAnnouncement& announced =
      event.announcement().allocation();
  EXPECT_EQ(announced.allocation_id(), "energy");
  EXPECT_EQ(announced.basis(), v1::ALLOCATION_BASIS_SECTOR);
  EXPECT_EQ(announced.sector(), v1::SECTOR_ENERGY);
  EXPECT_FALSE(announced.has_cap());
  ASSERT_EQ(announced.lead_companies_size(), 2);
  EXPECT_EQ(announced.lead_companies(0).country(), "JP");

  allocation.cap = Usd(500);
  allocation.parent_allocation_id = "all";
  event = AnnounceAllocation(allocation);
  EXPECT_EQ(event.announcement().allocation().cap().minor_units(), 500);
  EXPECT_EQ(event.announcement().allocation().parent_allocation_id(), "all");
}

TEST(AnnounceTermsTest, EmptyTermsAreStillATermsEvent) {
  v1::EventData event = AnnounceTerms(v1::DealTerms()).AssertedBy("US");
  EXPECT_TRUE(event.announcement().has_terms());
  EXPECT_EQ(event.provenance().asserted_by(), "US");
}

TEST(MoneyMovingTest, DisburseAndApproveFillTheirFields) {
  v1::EventData approval = ApproveProject("p", Usd(7), "JBIC board");
  EXPECT_EQ(approval.approval().project_id(), "p");
  EXPECT_EQ(approval.approval().amount().minor_units(), 7);
  EXPECT_EQ(approval.approval().approving_body(), "JBIC board");

  v1::EventData disbursed =
      Disburse("p", Usd(5), v1::FUNDING_SOURCE_JBIC, "T1");
  EXPECT_EQ(disbursed.disbursement().project_id(), "p");
  EXPECT_EQ(disbursed.disbursement().funding_source(), v1::FUNDING_SOURCE_JBIC);
  EXPECT_EQ(disbursed.disbursement().tranche(), "T1");
}

TEST(ChangeTariffTest, SeveralCategoriesGoFirstThenTheRest) {
  v1::EventData one = ChangeTariff("autos", 2750, "Proclamation 10908", "232");
  EXPECT_EQ(one.tariff_change().product_category(), "autos");
  EXPECT_TRUE(one.tariff_change().product_categories().empty());
  EXPECT_EQ(one.tariff_change().rate_bps(), 2750);
  EXPECT_EQ(one.tariff_change().legal_instrument(), "Proclamation 10908");
  EXPECT_EQ(one.tariff_change().reason(), "232");

  v1::EventData many =
      ChangeTariffs({"autos", "auto-parts", "trucks"}, 1500, "EO 14345");
  EXPECT_EQ(many.tariff_change().product_category(), "autos");
  EXPECT_THAT(many.tariff_change().product_categories(),
              ElementsAre("auto-parts", "trucks"));
}

TEST(AmendmentTest, EachAmendmentNamesItsTargetAndChange) {
  v1::EventData revised = Revise("e1", Usd(9), "smaller");
  EXPECT_EQ(revised.amendment().target_event_id(), "e1");
  EXPECT_EQ(revised.amendment().reason(), "smaller");
  EXPECT_EQ(revised.amendment().revised_amount().minor_units(), 9);

  EXPECT_TRUE(Withdraw("e1", "cancelled").data().amendment().has_withdrawal());
  EXPECT_TRUE(Retract("e1", "false").data().amendment().has_retraction());

  v1::EventData raised = RaiseFirmness("e1", v1::FIRMNESS_CONFIRMED);
  EXPECT_EQ(raised.amendment().raised_firmness(), v1::FIRMNESS_CONFIRMED);
  EXPECT_EQ(raised.provenance().firmness(), v1::FIRMNESS_CONFIRMED);
}

TEST(CorrectTest, TakesTheReplacementsKindAndProvenance) {
  absl::StatusOr<EventBuilder> corrected =
      Correct("e1",
              Disburse("p", Usd(500), v1::FUNDING_SOURCE_JBIC, "T1")
                  .Source("fixed")
                  .Firmness(v1::FIRMNESS_CONFIRMED)
                  .EventId("dropped")
                  .EffectiveTime(absl::UnixEpoch()),
              "the tranche was $5");
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  const v1::EventData& event = corrected->data();
  EXPECT_EQ(event.amendment().target_event_id(), "e1");
  EXPECT_EQ(
      event.amendment().correction().disbursement().amount().minor_units(),
      500);
  EXPECT_EQ(event.provenance().source(), "fixed");
  EXPECT_EQ(event.provenance().firmness(), v1::FIRMNESS_CONFIRMED);
  EXPECT_TRUE(event.event_id().empty());
  EXPECT_FALSE(event.has_effective_time());
}

TEST(CorrectTest, AnAmendmentCannotBeAReplacement) {
  absl::StatusOr<EventBuilder> corrected = Correct("e1", Withdraw("e0", "x"));
  EXPECT_EQ(corrected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(corrected.status().message(), HasSubstr("replacement"));
}

TEST(ParseEnumTest, FirmnessInEverySpelling) {
  for (const char* name :
       {"reported", "REPORTED", "FIRMNESS_REPORTED", " Reported "}) {
    absl::StatusOr<v1::Firmness> firmness = ParseFirmness(name);
    ASSERT_TRUE(firmness.ok()) << name << ": " << firmness.status();
    EXPECT_EQ(*firmness, v1::FIRMNESS_REPORTED) << name;
  }
  EXPECT_EQ(*ParseFirmness("officially-announced"),
            v1::FIRMNESS_OFFICIALLY_ANNOUNCED);
}

TEST(ParseEnumTest, UnspecifiedAndUnknownNamesAreRejectedWithTheChoices) {
  for (const char* name : {"unspecified", "FIRMNESS_UNSPECIFIED", "firm", ""}) {
    absl::StatusOr<v1::Firmness> firmness = ParseFirmness(name);
    EXPECT_EQ(firmness.status().code(), absl::StatusCode::kInvalidArgument)
        << name;
    EXPECT_THAT(firmness.status().message(),
                HasSubstr("reported, officially_announced, confirmed"));
  }
}

TEST(ParseEnumTest, OtherEnums) {
  EXPECT_EQ(*ParseSector("oil-and-gas"), v1::SECTOR_OIL_AND_GAS);
  EXPECT_EQ(*ParseSector("SECTOR_ENERGY"), v1::SECTOR_ENERGY);
  EXPECT_EQ(*ParseFundingSource("jbic"), v1::FUNDING_SOURCE_JBIC);
  EXPECT_EQ(*ParseAllocationBasis("company"), v1::ALLOCATION_BASIS_COMPANY);
  EXPECT_FALSE(ParseSector("energy-and-more").ok());
}

TEST(FirmnessNameTest, DropsThePrefix) {
  EXPECT_EQ(FirmnessName(v1::FIRMNESS_REPORTED), "REPORTED");
  EXPECT_EQ(FirmnessName(v1::FIRMNESS_OFFICIALLY_ANNOUNCED),
            "OFFICIALLY_ANNOUNCED");
}

}  // namespace
}  // namespace pactlog::client
