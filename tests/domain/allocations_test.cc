// DealState's allocations (parts of the ceiling, earmarks inside them,
// projects drawing on them), project sites, and tariffs that name several
// categories or take effect before the deal.
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "domain/deal_state.h"
#include "domain/limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/events.h"
#include "tests/domain/deal_state_fixture.h"

namespace pactlog::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::Money Cap(int64_t minor_units) { return events::Money(minor_units); }

class AllocationsTest : public DealStateTest {
 protected:
  const absl::Time kFactSheetDay = Day(2025, 10, 28);

  EventData Allocation(const std::string& id, v1::Sector sector,
                       std::optional<int64_t> cap,
                       const std::string& parent = "",
                       const std::string& lead = "") {
    const v1::Money money = Cap(cap.value_or(1));
    return events::AllocationEvent(id, sector, cap ? &money : nullptr,
                                   kFactSheetDay, parent, lead);
  }

  EventData ProjectOn(const std::string& id, const std::string& allocation,
                      int64_t pledged, const std::string& us_state = "OH") {
    EventData data =
        ProjectData(id, v1::SECTOR_ENERGY, us_state, pledged, kProjectDay);
    data.mutable_announcement()->mutable_project()->set_allocation_id(
        allocation);
    return data;
  }

  // Ceiling 1000: "energy" without a cap, "cooling" (200) inside it, and
  // "mitsubishi" (300) led by Mitsubishi Electric.
  void RecordFactSheet() {
    RecordOrFail(DealData(1000, kDealDay));
    RecordOrFail(Allocation("energy", v1::SECTOR_ENERGY, std::nullopt));
    RecordOrFail(Allocation("cooling", v1::SECTOR_ENERGY, 200, "energy"));
    RecordOrFail(Allocation("mitsubishi", v1::SECTOR_AI_INFRASTRUCTURE, 300, "",
                            "Mitsubishi Electric"));
  }

  v1::AllocationState AllocationProto(const std::string& id) const {
    v1::AllocationState proto;
    state_.AllocationToProto(state_.allocations().at(id), &proto);
    return proto;
  }
};

TEST_F(AllocationsTest, AllocationsHoldPartsOfTheCeiling) {
  RecordFactSheet();
  const v1::DealState deal = DealProto(kProjectDay);
  EXPECT_EQ(deal.allocated().minor_units(), 500);
  EXPECT_EQ(deal.unallocated().minor_units(), 500);
  EXPECT_EQ(deal.allocated_share_bps(), 5000);
  ASSERT_EQ(deal.allocations_size(), 3);
  EXPECT_EQ(deal.allocations(0).allocation_id(), "cooling");
  EXPECT_EQ(deal.allocations(1).allocation_id(), "energy");
  EXPECT_EQ(deal.allocations(2).allocation_id(), "mitsubishi");
  // Headroom is what may still be pledged; allocations pledge nothing.
  EXPECT_EQ(deal.headroom().minor_units(), 1000);
}

TEST_F(AllocationsTest, AnAllocationWithoutCapHoldsItsEarmarks) {
  RecordFactSheet();
  EXPECT_TRUE(ProtoEquals(AllocationProto("energy"), R"pb(
    allocation_id: "energy"
    name: "Allocation energy"
    basis: ALLOCATION_BASIS_SECTOR
    sector: SECTOR_ENERGY
    allocated { currency_code: "USD" minor_units: 200 }
    earmarked { currency_code: "USD" minor_units: 200 }
    totals {
      pledged { currency_code: "USD" }
      approved { currency_code: "USD" }
      disbursed { currency_code: "USD" }
    }
    earmark_ids: "cooling"
    sequence: 6
    effective_time { seconds: 1761609600 }
    event_id: "event-6"
    head_event_id: "event-6"
    firmness: FIRMNESS_OFFICIALLY_ANNOUNCED
  )pb"));
  const v1::AllocationState mitsubishi = AllocationProto("mitsubishi");
  EXPECT_EQ(mitsubishi.basis(), v1::ALLOCATION_BASIS_COMPANY);
  EXPECT_EQ(mitsubishi.cap().minor_units(), 300);
  EXPECT_EQ(mitsubishi.remaining().minor_units(), 300);
  ASSERT_EQ(mitsubishi.lead_companies_size(), 1);
  EXPECT_EQ(mitsubishi.lead_companies(0).name(), "Mitsubishi Electric");
  EXPECT_EQ(mitsubishi.lead_companies(0).country(), "JP");
}

TEST_F(AllocationsTest, AllocationsAboveTheCeilingAreRefused) {
  RecordFactSheet();
  ExpectRuleBroken(Record(Allocation("tdk", v1::SECTOR_ELECTRONICS, 501)),
                   "allocation-within-ceiling",
                   {"would reach 1001 USD (minor units), above the ceiling "
                    "1000"});
  // An earmark inside an allocation without a cap counts as much.
  ExpectRuleBroken(Record(Allocation("grid", v1::SECTOR_ENERGY, 501, "energy")),
                   "allocation-within-ceiling", {"would reach 1001"});
  RecordOrFail(Allocation("tdk", v1::SECTOR_ELECTRONICS, 500));
  EXPECT_EQ(DealProto(kProjectDay).unallocated().minor_units(), 0);
}

TEST_F(AllocationsTest, EarmarksStayWithinTheirParentsCap) {
  RecordFactSheet();
  RecordOrFail(Allocation("dc-systems", v1::SECTOR_AI_INFRASTRUCTURE, 200,
                          "mitsubishi"));
  ExpectRuleBroken(Record(Allocation("dc-cooling", v1::SECTOR_AI_INFRASTRUCTURE,
                                     101, "mitsubishi")),
                   "earmark-within-parent",
                   {"allocation \"mitsubishi\" would hold 301 USD (minor "
                    "units), above its cap 300",
                    "it holds 200 of pledges and earmarks, and 101 more"});
  // Earmarks of a capped allocation do not add to what the deal allocates.
  RecordOrFail(Allocation("dc-cooling", v1::SECTOR_AI_INFRASTRUCTURE, 100,
                          "mitsubishi"));
  EXPECT_EQ(DealProto(kProjectDay).allocated().minor_units(), 500);
  EXPECT_EQ(AllocationProto("mitsubishi").earmarked().minor_units(), 300);
}

TEST_F(AllocationsTest, PledgesStayWithinTheAllocationsTheyDrawOn) {
  RecordFactSheet();
  RecordOrFail(ProjectOn("chillers", "cooling", 150));
  ExpectRuleBroken(Record(ProjectOn("pumps", "cooling", 51)),
                   "pledge-within-allocation",
                   {"allocation \"cooling\" would hold 201 USD (minor units), "
                    "above its cap 200"});
  RecordOrFail(ProjectOn("pumps", "cooling", 50));
  EXPECT_EQ(AllocationProto("cooling").remaining().minor_units(), 0);
}

TEST_F(AllocationsTest, AnEarmarkReservesItsPartOfTheParent) {
  RecordFactSheet();
  RecordOrFail(Allocation("dc-systems", v1::SECTOR_AI_INFRASTRUCTURE, 200,
                          "mitsubishi"));
  // Of mitsubishi's 300, 200 are earmarked: 100 are left to pledge to it
  // directly.
  ExpectRuleBroken(Record(ProjectOn("racks", "mitsubishi", 101)),
                   "pledge-within-allocation",
                   {"allocation \"mitsubishi\" would hold 301"});
  RecordOrFail(ProjectOn("racks", "mitsubishi", 100));
  RecordOrFail(ProjectOn("servers", "dc-systems", 200));
}

TEST_F(AllocationsTest, PledgesOutsideAllocationsShareTheUnallocatedPart) {
  RecordFactSheet();
  RecordOrFail(ProjectData("p", v1::SECTOR_METALS, "PA", 500, kProjectDay));
  // 501 pledged in all is within the ceiling, but 500 of it is allocated.
  ExpectRuleBroken(
      Record(ProjectData("q", v1::SECTOR_METALS, "PA", 1, kProjectDay)),
      "allocation-within-ceiling",
      {"allocations and the pledges outside them would reach 1001 USD (minor "
       "units), above the ceiling 1000"});
  // A pledge to an allocation without a cap is outside any capped part.
  ExpectRuleBroken(Record(ProjectOn("r", "energy", 1)),
                   "allocation-within-ceiling", {"would reach 1001"});
  // A pledge into a capped allocation uses what it holds already.
  RecordOrFail(ProjectOn("s", "cooling", 200));
}

TEST_F(AllocationsTest, ProjectsCountInEveryAllocationTheyDrawOn) {
  RecordFactSheet();
  RecordOrFail(ProjectOn("chillers", "cooling", 150));
  RecordOrFail(ApprovalData("chillers", 100, kProjectDay));
  RecordOrFail(DisbursementData("chillers", 40, kProjectDay));
  RecordOrFail(ProjectData("p", v1::SECTOR_ENERGY, "TX", 10, kProjectDay));
  for (const std::string id : {"cooling", "energy"}) {
    const v1::Totals totals = AllocationProto(id).totals();
    EXPECT_EQ(totals.pledged().minor_units(), 150) << id;
    EXPECT_EQ(totals.approved().minor_units(), 100) << id;
    EXPECT_EQ(totals.disbursed().minor_units(), 40) << id;
    EXPECT_EQ(totals.project_count(), 1u) << id;
  }
  EXPECT_EQ(AllocationProto("mitsubishi").totals().project_count(), 0u);
  EXPECT_EQ(AllocationProto("cooling").remaining().minor_units(), 50);
  const auto& project = state_.projects().at("chillers");
  EXPECT_TRUE(state_.DrawsOn(project, "cooling"));
  EXPECT_TRUE(state_.DrawsOn(project, "energy"));
  EXPECT_FALSE(state_.DrawsOn(project, "mitsubishi"));
  EXPECT_FALSE(state_.DrawsOn(state_.projects().at("p"), "energy"));
  EXPECT_EQ(ProjectProto("chillers").allocation_id(), "cooling");
}

TEST_F(AllocationsTest, SectorTotalsShowWhatTheSectorsAllocationsHold) {
  RecordFactSheet();
  RecordOrFail(ProjectOn("chillers", "cooling", 150));
  const v1::DealState deal = DealProto(kProjectDay);
  ASSERT_EQ(deal.by_sector_size(), 2);
  // Energy holds cooling's 200 once, though both name the sector.
  EXPECT_EQ(deal.by_sector(0).sector(), v1::SECTOR_ENERGY);
  EXPECT_EQ(deal.by_sector(0).allocated().minor_units(), 200);
  EXPECT_EQ(deal.by_sector(0).totals().pledged().minor_units(), 150);
  // A sector with an allocation and no project yet has a row.
  EXPECT_EQ(deal.by_sector(1).sector(), v1::SECTOR_AI_INFRASTRUCTURE);
  EXPECT_EQ(deal.by_sector(1).allocated().minor_units(), 300);
  EXPECT_EQ(deal.by_sector(1).totals().project_count(), 0u);
}

TEST_F(AllocationsTest, AllocationReferencesMustBeKnown) {
  RecordFactSheet();
  absl::Status status = Record(ProjectOn("p", "grid", 1));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "allocation \"grid\" is not announced in deal \"us-japan\"");
  status = Record(Allocation("hvdc", v1::SECTOR_ENERGY, 1, "grid"));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "parent allocation \"grid\" is not announced in deal \"us-japan\"");
  ExpectRuleBroken(Record(Allocation("cooling", v1::SECTOR_ENERGY, 1)),
                   "allocation-announced-once",
                   {"allocation \"cooling\" was already announced in deal "
                    "\"us-japan\", effective 2025-10-28T00:00:00Z"});
}

TEST_F(AllocationsTest, AllocationsKeepTheOrderOfLife) {
  RecordOrFail(DealData(1000, kDealDay));
  EventData early = Allocation("energy", v1::SECTOR_ENERGY, 100);
  *early.mutable_effective_time() = events::Time(Day(2025, 7, 1));
  ExpectRuleBroken(Record(early), "effective-order",
                   {"allocation effective 2025-07-01T00:00:00Z precedes the "
                    "deal announcement"});
  RecordOrFail(Allocation("energy", v1::SECTOR_ENERGY, 100));
  EventData earmark = Allocation("grid", v1::SECTOR_ENERGY, 10, "energy");
  *earmark.mutable_effective_time() = events::Time(Day(2025, 8, 1));
  ExpectRuleBroken(Record(earmark), "effective-order",
                   {"earmark effective 2025-08-01T00:00:00Z precedes its "
                    "parent allocation \"energy\""});
  EventData project = ProjectOn("p", "energy", 1);
  *project.mutable_effective_time() = events::Time(Day(2025, 8, 1));
  ExpectRuleBroken(Record(project), "effective-order",
                   {"project effective 2025-08-01T00:00:00Z precedes its "
                    "allocation \"energy\""});
}

TEST_F(AllocationsTest, CapIsInTheDealsCurrency) {
  RecordOrFail(DealData(1000, kDealDay));
  EventData data = Allocation("energy", v1::SECTOR_ENERGY, 100);
  data.mutable_announcement()
      ->mutable_allocation()
      ->mutable_cap()
      ->set_currency_code("JPY");
  ExpectRuleBroken(Record(data), "deal-currency",
                   {"allocation cap is in \"JPY\""});
}

TEST_F(AllocationsTest, EarmarksNestAtMostEightLevels) {
  RecordOrFail(DealData(1000, kDealDay));
  std::string parent;
  for (int level = 1; level <= kMaxAllocationDepth; ++level) {
    const std::string id = absl::StrCat("level-", level);
    RecordOrFail(Allocation(id, v1::SECTOR_ENERGY, std::nullopt, parent));
    parent = id;
  }
  ExpectRuleBroken(Record(Allocation("level-9", v1::SECTOR_ENERGY, 1, parent)),
                   "allocation-depth",
                   {"would be 9 levels deep, the limit is 8"});
}

TEST_F(AllocationsTest, ADealWithoutAllocationsAnswersAsBefore) {
  RecordDealWithProject();
  const v1::DealState deal = DealProto(kProjectDay);
  EXPECT_FALSE(deal.has_allocated());
  EXPECT_FALSE(deal.has_unallocated());
  EXPECT_EQ(deal.allocated_share_bps(), 0);
  EXPECT_FALSE(deal.by_sector(0).has_allocated());
}

TEST_F(AllocationsTest, SnapshotsKeepAllocationsAndSites) {
  RecordFactSheet();
  RecordOrFail(ProjectOn("chillers", "cooling", 150, ""));
  RecordOrFail(ApprovalData("chillers", 100, kProjectDay));
  RecordOrFail(events::ProjectSiteEvent("chillers", "TX", kProjectDay));
  RecordOrFail(ProjectOn("racks", "mitsubishi", 10));
  pactlog::internal::DealSnapshot snapshot;
  state_.ToSnapshot(&snapshot);
  EXPECT_EQ(snapshot.format(), 3u);
  auto rebuilt = DealState::FromSnapshot(snapshot);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  v1::DealState expected;
  v1::DealState actual;
  state_.ToProto(kProjectDay, &expected);
  rebuilt->ToProto(kProjectDay, &actual);
  EXPECT_TRUE(ProtoEquals(actual, expected.DebugString()));
  // The rebuilt state keeps the rules too.
  v1::Event next = Next(ProjectOn("pumps", "cooling", 51));
  ExpectRuleBroken(rebuilt->CheckRules(next), "pledge-within-allocation",
                   {"would hold 201"});

  snapshot.set_format(1);
  EXPECT_EQ(DealState::FromSnapshot(snapshot).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(AllocationsTest, ASiteIsAddedToAProjectAnnouncedWithoutOne) {
  RecordOrFail(DealData(1000, kDealDay));
  RecordOrFail(ProjectData("p", v1::SECTOR_ENERGY, "", 100, kProjectDay));
  RecordOrFail(ApprovalData("p", 60, kProjectDay));
  RecordOrFail(ProjectData("q", v1::SECTOR_ENERGY, "OH", 10, kProjectDay));
  v1::DealState deal = DealProto(kProjectDay);
  ASSERT_EQ(deal.by_us_state_size(), 2);
  EXPECT_EQ(deal.by_us_state(0).us_state(), "");
  EXPECT_EQ(deal.by_us_state(0).totals().approved().minor_units(), 60);

  RecordOrFail(events::ProjectSiteEvent("p", "OH", kProjectDay));
  deal = DealProto(kProjectDay);
  ASSERT_EQ(deal.by_us_state_size(), 1);
  EXPECT_EQ(deal.by_us_state(0).us_state(), "OH");
  EXPECT_EQ(deal.by_us_state(0).totals().pledged().minor_units(), 110);
  EXPECT_EQ(deal.by_us_state(0).totals().approved().minor_units(), 60);
  EXPECT_EQ(deal.by_us_state(0).totals().project_count(), 2u);
  EXPECT_EQ(ProjectProto("p").us_state(), "OH");
  EXPECT_EQ(ProjectProto("p").last_sequence(), state_.last_sequence());
}

TEST_F(AllocationsTest, ASiteIsGivenOnceToAKnownProject) {
  RecordOrFail(DealData(1000, kDealDay));
  RecordOrFail(ProjectData("p", v1::SECTOR_ENERGY, "OH", 100, kProjectDay));
  ExpectRuleBroken(Record(events::ProjectSiteEvent("p", "TX", kProjectDay)),
                   "project-site-once",
                   {"project \"p\" already has its site \"OH\""});
  absl::Status status =
      Record(events::ProjectSiteEvent("nope", "TX", kProjectDay));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  RecordOrFail(ProjectData("q", v1::SECTOR_ENERGY, "", 100, kProjectDay));
  ExpectRuleBroken(Record(events::ProjectSiteEvent("q", "TX", kDealDay)),
                   "effective-order",
                   {"site effective 2025-07-22T00:00:00Z precedes the "
                    "announcement of project \"q\""});
}

TEST_F(AllocationsTest, OneTariffChangeMaySetSeveralCategories) {
  RecordOrFail(
      DealData(1000, kDealDay, {{"all-goods", 1500}, {"autos", 1500}}));
  EventData change = TariffData("autos", 1500, Day(2025, 9, 16));
  change.mutable_tariff_change()->add_product_categories("auto-parts");
  RecordOrFail(change);
  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(state_.TariffsToProto(Day(2025, 10, 1), "", true, &lines).ok());
  std::vector<std::string> in_force;
  for (const v1::TariffLine& line : lines) {
    if (line.in_force()) {
      in_force.push_back(absl::StrCat(line.product_category(), "=",
                                      line.rate_bps(), "@",
                                      line.in_force_sequence()));
    }
  }
  EXPECT_THAT(in_force, ElementsAre("auto-parts=1500@6", "autos=1500@6"));
}

TEST_F(AllocationsTest, NoCapAppliesBeforeTheDealTakesEffect) {
  RecordOrFail(DealData(1000, kDealDay, {{"autos", 1500}}));
  RecordOrFail(TariffData("autos", 2750, Day(2025, 4, 3)));
  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(
      state_.TariffsToProto(Day(2025, 7, 1), "autos", true, &lines).ok());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].in_force());
  EXPECT_EQ(lines[0].rate_bps(), 2750);
  EXPECT_FALSE(lines[0].has_cap());
  EXPECT_FALSE(lines[0].breaches_cap());
  // The history compares each change with the cap the deal agrees.
  EXPECT_TRUE(lines[0].history(0).exceeds_cap());
  ASSERT_TRUE(state_.TariffsToProto(kDealDay, "autos", false, &lines).ok());
  EXPECT_TRUE(lines[0].has_cap());
  EXPECT_TRUE(lines[0].breaches_cap());
}

}  // namespace
}  // namespace pactlog::domain
