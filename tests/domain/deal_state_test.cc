#include "domain/deal_state.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "testing/events.h"
#include "tests/domain/deal_state_fixture.h"

namespace pactlog::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST_F(DealStateTest, DefaultStateIsADealThatDoesNotExist) {
  EXPECT_FALSE(state_.exists());
  EXPECT_EQ(state_.version(), 0u);
  EXPECT_EQ(state_.last_sequence(), 0u);
  EXPECT_EQ(state_.currency(), "");
  EXPECT_THAT(state_.projects(), IsEmpty());
}

TEST_F(DealStateTest, EventsBeforeTheDealAnnouncementAreNotFound) {
  for (const EventData& data :
       {ProjectData("p", v1::SECTOR_ENERGY, "OH", 1, kDealDay),
        ApprovalData("p", 1, kDealDay), DisbursementData("p", 1, kDealDay),
        TariffData("all-goods", 1500, kDealDay)}) {
    absl::Status status = Record(data);
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(status.message(), "deal \"us-japan\" has not been announced");
  }
  EXPECT_FALSE(state_.exists());
}

TEST_F(DealStateTest, DealAnnouncementCreatesTheDeal) {
  RecordOrFail(DealData(1000, kDealDay));
  EXPECT_TRUE(state_.exists());
  EXPECT_EQ(state_.deal_id(), "us-japan");
  EXPECT_EQ(state_.currency(), "USD");
  EXPECT_EQ(state_.version(), 1u);
  EXPECT_EQ(state_.last_sequence(), 3u);
}

TEST_F(DealStateTest, SecondDealAnnouncementIsFailedPrecondition) {
  RecordOrFail(DealData(1000, kDealDay));
  ExpectRuleBroken(Record(DealData(2000, kProjectDay)), "deal-announced-once",
                   {"\"us-japan\"", "2025-07-22T00:00:00Z"});
  EXPECT_EQ(DealProto(kDealDay).commitment_ceiling().minor_units(), 1000);
}

TEST_F(DealStateTest, ProjectInOtherCurrencyIsFailedPrecondition) {
  RecordOrFail(DealData(1000, kDealDay));
  ExpectRuleBroken(
      Record(ProjectData("p", v1::SECTOR_ENERGY, "OH", 10, kProjectDay, "JPY")),
      "deal-currency", {"\"JPY\"", "\"USD\""});
  EXPECT_THAT(state_.projects(), IsEmpty());
}

TEST_F(DealStateTest, ApprovalInOtherCurrencyIsFailedPrecondition) {
  RecordDealWithProject();
  ExpectRuleBroken(Record(ApprovalData("p", 10, kProjectDay, "EUR")),
                   "deal-currency", {"\"EUR\"", "\"USD\""});
}

TEST_F(DealStateTest, DisbursementInOtherCurrencyIsFailedPrecondition) {
  RecordDealWithProject();
  RecordOrFail(ApprovalData("p", 10, kProjectDay));
  ExpectRuleBroken(Record(DisbursementData("p", 10, kProjectDay,
                                           v1::FUNDING_SOURCE_NEXI, "JPY")),
                   "deal-currency", {"\"JPY\"", "\"USD\""});
}

TEST_F(DealStateTest, ProjectAnnouncedTwiceIsFailedPrecondition) {
  RecordDealWithProject();
  ExpectRuleBroken(
      Record(ProjectData("p", v1::SECTOR_METALS, "TX", 1, kProjectDay)),
      "project-announced-once", {"\"p\"", "\"us-japan\""});
  EXPECT_EQ(state_.totals().pledged, 1000);
}

TEST_F(DealStateTest, PledgesUpToTheCeilingAreAccepted) {
  RecordOrFail(DealData(1000, kDealDay));
  RecordOrFail(ProjectData("a", v1::SECTOR_ENERGY, "OH", 600, kProjectDay));
  RecordOrFail(ProjectData("b", v1::SECTOR_ENERGY, "OH", 400, kProjectDay));
  EXPECT_EQ(state_.totals().pledged, 1000);
}

TEST_F(DealStateTest, PledgeBeyondCeilingIsFailedPrecondition) {
  RecordOrFail(DealData(1000, kDealDay));
  RecordOrFail(ProjectData("a", v1::SECTOR_ENERGY, "OH", 600, kProjectDay));
  absl::Status status =
      Record(ProjectData("b", v1::SECTOR_ENERGY, "OH", 401, kProjectDay));
  ExpectRuleBroken(status, "pledge-within-ceiling", {});
  EXPECT_EQ(status.message(),
            "rule pledge-within-ceiling: pledges would reach 1001 USD (minor "
            "units), above the ceiling 1000");
  EXPECT_EQ(state_.totals().pledged, 600);
}

TEST_F(DealStateTest, ProjectEffectiveBeforeTheDealIsFailedPrecondition) {
  RecordOrFail(DealData(1000, kDealDay));
  ExpectRuleBroken(Record(ProjectData("p", v1::SECTOR_ENERGY, "OH", 1,
                                      kDealDay - absl::Nanoseconds(1))),
                   "effective-order",
                   {"project effective 2025-07-21T23:59:59.999999999Z",
                    "deal announcement effective 2025-07-22T00:00:00Z"});
  RecordOrFail(ProjectData("p", v1::SECTOR_ENERGY, "OH", 1, kDealDay));
}

TEST_F(DealStateTest, ApprovalOfUnknownProjectIsNotFound) {
  RecordDealWithProject();
  absl::Status status = Record(ApprovalData("nope", 1, kProjectDay));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "project \"nope\" is not announced in deal \"us-japan\"");
}

TEST_F(DealStateTest,
       ApprovalBeforeTheProjectAnnouncementIsFailedPrecondition) {
  RecordDealWithProject();
  ExpectRuleBroken(Record(ApprovalData("p", 1, kProjectDay - absl::Seconds(1))),
                   "effective-order",
                   {"approval effective 2025-10-27T23:59:59Z",
                    "project \"p\" effective 2025-10-28T00:00:00Z"});
  RecordOrFail(ApprovalData("p", 1, kProjectDay));
}

TEST_F(DealStateTest, ApprovalsUpToThePledgeAreAccepted) {
  RecordDealWithProject();
  RecordOrFail(ApprovalData("p", 700, kProjectDay));
  RecordOrFail(ApprovalData("p", 300, kProjectDay));
  EXPECT_EQ(state_.projects().at("p").approved, 1000);
}

TEST_F(DealStateTest, ApprovalBeyondThePledgeIsFailedPrecondition) {
  RecordDealWithProject();
  RecordOrFail(ApprovalData("p", 700, kProjectDay));
  absl::Status status = Record(ApprovalData("p", 301, kProjectDay));
  ExpectRuleBroken(status, "approval-within-pledge", {});
  EXPECT_EQ(status.message(),
            "rule approval-within-pledge: approvals of project \"p\" would "
            "reach 1001 USD (minor units), above its pledge 1000");
  EXPECT_EQ(state_.projects().at("p").approved, 700);
}

TEST_F(DealStateTest, DisbursementToUnknownProjectIsNotFound) {
  RecordDealWithProject();
  absl::Status status = Record(DisbursementData("nope", 1, kProjectDay));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "project \"nope\" is not announced in deal \"us-japan\"");
}

TEST_F(DealStateTest, DisbursementToUnapprovedProjectIsFailedPrecondition) {
  RecordDealWithProject();
  ExpectRuleBroken(Record(DisbursementData("p", 1, kProjectDay)),
                   "effective-order", {"\"p\"", "has no approval"});
}

TEST_F(DealStateTest, DisbursementBeforeTheFirstApprovalIsFailedPrecondition) {
  RecordDealWithProject();
  // Recorded in this order, the earlier approval in effect is the second.
  RecordOrFail(ApprovalData("p", 100, Day(2026, 3, 1)));
  RecordOrFail(ApprovalData("p", 100, Day(2026, 2, 1)));
  ExpectRuleBroken(Record(DisbursementData("p", 1, Day(2026, 1, 31))),
                   "effective-order",
                   {"disbursement effective 2026-01-31T00:00:00Z precedes the "
                    "first approval effective 2026-02-01T00:00:00Z"});
  RecordOrFail(DisbursementData("p", 1, Day(2026, 2, 1)));
}

TEST_F(DealStateTest, DisbursementBeyondApprovalIsFailedPrecondition) {
  RecordDealWithProject();
  RecordOrFail(ApprovalData("p", 600, kProjectDay));
  RecordOrFail(DisbursementData("p", 500, kProjectDay));
  absl::Status status = Record(DisbursementData("p", 101, kProjectDay));
  ExpectRuleBroken(status, "disbursement-within-approval", {});
  EXPECT_EQ(status.message(),
            "rule disbursement-within-approval: disbursements of project "
            "\"p\" would reach 601 USD (minor units), above the 600 approved "
            "effective at or before 2025-10-28T00:00:00Z");
  RecordOrFail(DisbursementData("p", 100, kProjectDay));
  EXPECT_EQ(state_.projects().at("p").disbursed, 600);
}

TEST_F(DealStateTest, DisbursementCountsOnlyApprovalsEffectiveAtOrBeforeIt) {
  RecordDealWithProject();
  RecordOrFail(ApprovalData("p", 100, Day(2026, 1, 1)));
  RecordOrFail(ApprovalData("p", 200, Day(2026, 3, 1)));
  ExpectRuleBroken(Record(DisbursementData("p", 150, Day(2026, 2, 1))),
                   "disbursement-within-approval",
                   {"would reach 150 USD", "above the 100 approved",
                    "2026-02-01T00:00:00Z"});
  RecordOrFail(DisbursementData("p", 100, Day(2026, 2, 1)));
  // At the second approval's effective time both approvals count.
  RecordOrFail(DisbursementData("p", 200, Day(2026, 3, 1)));
  EXPECT_EQ(state_.projects().at("p").disbursed, 300);
}

TEST_F(DealStateTest, TariffChangeMayTakeEffectBeforeTheDeal) {
  RecordOrFail(DealData(1000, kDealDay));
  RecordOrFail(TariffData("all-goods", 2500, Day(2025, 4, 5)));
  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(state_.TariffsToProto(Day(2025, 4, 5), "", false, &lines).ok());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rate_bps(), 2500);
  // The deal's cap applies from its effective time on.
  EXPECT_FALSE(lines[0].breaches_cap());
  ASSERT_TRUE(state_.TariffsToProto(kDealDay, "", false, &lines).ok());
  EXPECT_TRUE(lines[0].breaches_cap());
}

TEST_F(DealStateTest, PledgeSumOverflowIsFailedPrecondition) {
  RecordOrFail(DealData(kInt64Max, kDealDay));
  RecordOrFail(
      ProjectData("a", v1::SECTOR_ENERGY, "OH", kInt64Max - 1, kProjectDay));
  ExpectRuleBroken(
      Record(ProjectData("b", v1::SECTOR_ENERGY, "OH", 2, kProjectDay)),
      "amount-overflow", {"pledges 9223372036854775806 + 2 USD"});
}

TEST_F(DealStateTest, ApprovalSumOverflowIsFailedPrecondition) {
  RecordOrFail(DealData(kInt64Max, kDealDay));
  RecordOrFail(
      ProjectData("a", v1::SECTOR_ENERGY, "OH", kInt64Max, kProjectDay));
  RecordOrFail(ApprovalData("a", kInt64Max, kProjectDay));
  ExpectRuleBroken(Record(ApprovalData("a", 1, kProjectDay)), "amount-overflow",
                   {"approvals 9223372036854775807 + 1"});
}

TEST_F(DealStateTest, DisbursementSumOverflowIsFailedPrecondition) {
  RecordOrFail(DealData(kInt64Max, kDealDay));
  RecordOrFail(
      ProjectData("a", v1::SECTOR_ENERGY, "OH", kInt64Max, kProjectDay));
  RecordOrFail(ApprovalData("a", kInt64Max, kProjectDay));
  RecordOrFail(DisbursementData("a", kInt64Max, kProjectDay));
  ExpectRuleBroken(Record(DisbursementData("a", 1, kProjectDay)),
                   "amount-overflow",
                   {"disbursements 9223372036854775807 + 1"});
}

TEST_F(DealStateTest, ProjectStatusFollowsTheMoney) {
  RecordDealWithProject();
  auto status = [&] { return state_.projects().at("p").status(); };
  EXPECT_EQ(status(), v1::PROJECT_STATUS_ANNOUNCED);
  RecordOrFail(ApprovalData("p", 400, kProjectDay));
  EXPECT_EQ(status(), v1::PROJECT_STATUS_APPROVED);
  RecordOrFail(DisbursementData("p", 400, kProjectDay));
  // Everything approved is disbursed, but not everything pledged.
  EXPECT_EQ(status(), v1::PROJECT_STATUS_FUNDING);
  RecordOrFail(ApprovalData("p", 600, kProjectDay));
  EXPECT_EQ(status(), v1::PROJECT_STATUS_FUNDING);
  RecordOrFail(DisbursementData("p", 600, kProjectDay));
  EXPECT_EQ(status(), v1::PROJECT_STATUS_FULLY_DISBURSED);
}

TEST_F(DealStateTest, ApplySkipsEventsForUnknownProjects) {
  RecordDealWithProject();
  state_.Apply(Next(ApprovalData("ghost", 5, kProjectDay)));
  state_.Apply(Next(DisbursementData("ghost", 5, kProjectDay)));
  EXPECT_EQ(state_.version(), 4u);
  EXPECT_EQ(state_.totals().approved, 0);
  EXPECT_EQ(state_.totals().disbursed, 0);
  EXPECT_EQ(state_.projects().size(), 1u);
  v1::ProjectState unknown;
  EXPECT_EQ(state_.ProjectToProto("ghost", &unknown).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(DealStateTest, ApplyKeepsTheFirstAnnouncements) {
  RecordDealWithProject();
  state_.Apply(Next(DealData(5, kProjectDay, {}, "JPY")));
  state_.Apply(Next(ProjectData("p", v1::SECTOR_METALS, "TX", 7, kProjectDay)));
  EXPECT_EQ(state_.currency(), "USD");
  EXPECT_EQ(DealProto(kDealDay).commitment_ceiling().minor_units(), 1000);
  EXPECT_EQ(state_.totals().pledged, 1000);
  EXPECT_EQ(state_.totals().project_count, 1u);
  EXPECT_EQ(state_.projects().at("p").announcement.sector(), v1::SECTOR_ENERGY);
}

TEST_F(DealStateTest, ApplyFoldsEventsOfADealNotYetAnnounced) {
  // A subset of a log (e.g. bounded by effective time) may lack the deal.
  state_.Apply(Next(ProjectData("p", v1::SECTOR_ENERGY, "OH", 7, kDealDay)));
  state_.Apply(Next(TariffData("all-goods", 2500, kDealDay)));
  EXPECT_FALSE(state_.exists());
  EXPECT_EQ(state_.version(), 2u);
  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(state_.TariffsToProto(kDealDay, "", false, &lines).ok());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rate_bps(), 2500);
  EXPECT_FALSE(lines[0].has_cap());
}

TEST_F(DealStateTest, VersionFollowsDealVersionOrCountsWhenAbsent) {
  v1::Event event = Next(DealData(1000, kDealDay));
  event.set_deal_version(5);
  state_.Apply(event);
  EXPECT_EQ(state_.version(), 5u);
  event = Next(TariffData("all-goods", 1500, kDealDay));
  event.set_deal_version(0);
  event.set_sequence(42);
  state_.Apply(event);
  EXPECT_EQ(state_.version(), 6u);
  EXPECT_EQ(state_.last_sequence(), 42u);
}

TEST_F(DealStateTest, ProjectToProtoFillsEveryField) {
  RecordOrFail(DealData(10000, kDealDay));
  EventData project = ProjectData("lng-tx", v1::SECTOR_OIL_AND_GAS, "TX", 1000,
                                  kProjectDay + absl::Nanoseconds(5));
  project.mutable_announcement()->mutable_project()->add_sponsors("JERA");
  RecordOrFail(project);
  RecordOrFail(ApprovalData("lng-tx", 600, Day(2026, 2, 18)));
  RecordOrFail(ApprovalData("lng-tx", 100, Day(2026, 2, 19)));
  RecordOrFail(DisbursementData("lng-tx", 300, Day(2026, 3, 1),
                                v1::FUNDING_SOURCE_NEXI));
  RecordOrFail(
      DisbursementData("lng-tx", 50, Day(2026, 3, 2), v1::FUNDING_SOURCE_JBIC));
  RecordOrFail(
      DisbursementData("lng-tx", 25, Day(2026, 3, 3), v1::FUNDING_SOURCE_NEXI));
  RecordOrFail(TariffData("all-goods", 1500, kDealDay));  // not the project's

  EXPECT_TRUE(ProtoEquals(
      ProjectProto("lng-tx"),
      absl::Substitute(R"pb(
                         deal_id: "us-japan"
                         project_id: "lng-tx"
                         name: "Project lng-tx"
                         sector: SECTOR_OIL_AND_GAS
                         us_state: "TX"
                         sponsors: "Sponsor Co."
                         sponsors: "JERA"
                         status: PROJECT_STATUS_FUNDING
                         pledged { currency_code: "USD" minor_units: 1000 }
                         approved { currency_code: "USD" minor_units: 700 }
                         disbursed { currency_code: "USD" minor_units: 375 }
                         unapproved { currency_code: "USD" minor_units: 300 }
                         undisbursed { currency_code: "USD" minor_units: 325 }
                         approvals {
                           sequence: 9
                           effective_time { seconds: $0 }
                           amount { currency_code: "USD" minor_units: 600 }
                           approving_body: "US Investment Committee"
                           event_id: "event-9"
                           head_event_id: "event-9"
                           firmness: FIRMNESS_OFFICIALLY_ANNOUNCED
                         }
                         approvals {
                           sequence: 12
                           effective_time { seconds: $1 }
                           amount { currency_code: "USD" minor_units: 100 }
                           approving_body: "US Investment Committee"
                           event_id: "event-12"
                           head_event_id: "event-12"
                           firmness: FIRMNESS_OFFICIALLY_ANNOUNCED
                         }
                         disbursed_by_source {
                           funding_source: FUNDING_SOURCE_JBIC
                           disbursed { currency_code: "USD" minor_units: 50 }
                         }
                         disbursed_by_source {
                           funding_source: FUNDING_SOURCE_NEXI
                           disbursed { currency_code: "USD" minor_units: 325 }
                         }
                         announced_effective_time { seconds: $2 nanos: 5 }
                         last_sequence: 21
                         event_id: "event-6"
                         head_event_id: "event-6"
                         firmness: FIRMNESS_OFFICIALLY_ANNOUNCED
                       )pb",
                       Seconds(Day(2026, 2, 18)), Seconds(Day(2026, 2, 19)),
                       Seconds(kProjectDay))));
}

TEST_F(DealStateTest, ProjectToProtoOfUnknownProjectIsNotFound) {
  RecordDealWithProject();
  v1::ProjectState proto;
  absl::Status status = state_.ProjectToProto("nope", &proto);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "project \"nope\" is not announced in deal \"us-japan\"");
}

TEST_F(DealStateTest, MoneyCarriesTheDealCurrencyEvenWhenZero) {
  RecordOrFail(DealData(1000, kDealDay, {}, "JPY"));
  RecordOrFail(
      ProjectData("p", v1::SECTOR_ENERGY, "OH", 1000, kProjectDay, "JPY"));
  EXPECT_TRUE(ProtoEquals(DealProto(kProjectDay).totals(), R"pb(
    pledged { currency_code: "JPY" minor_units: 1000 }
    approved { currency_code: "JPY" minor_units: 0 }
    disbursed { currency_code: "JPY" minor_units: 0 }
    project_count: 1
  )pb"));
  v1::DealState deal = DealProto(kProjectDay);
  EXPECT_EQ(deal.headroom().currency_code(), "JPY");
  EXPECT_EQ(deal.headroom().minor_units(), 0);
  v1::ProjectState project = ProjectProto("p");
  for (const v1::Money* money :
       {&project.approved(), &project.disbursed(), &project.undisbursed()}) {
    EXPECT_EQ(money->currency_code(), "JPY");
    EXPECT_EQ(money->minor_units(), 0);
  }
  EXPECT_TRUE(project.has_approved());
  EXPECT_TRUE(project.has_undisbursed());
}

TEST_F(DealStateTest, DealToProtoFillsEveryField) {
  RecordOrFail(
      DealData(10000, kDealDay, {{"all-goods", 1500}, {"autos", 1000}}));
  // Announced out of sector and state order: the breakdowns are sorted.
  RecordOrFail(
      ProjectData("lng-tx", v1::SECTOR_OIL_AND_GAS, "TX", 4000, kProjectDay));
  RecordOrFail(
      ProjectData("ohio-gas", v1::SECTOR_ENERGY, "OH", 3000, kProjectDay));
  RecordOrFail(ProjectData("ga-minerals", v1::SECTOR_CRITICAL_MINERALS, "GA",
                           1000, kProjectDay));
  RecordOrFail(ApprovalData("lng-tx", 4000, Day(2026, 2, 18)));
  RecordOrFail(ApprovalData("ohio-gas", 1000, Day(2026, 2, 18)));
  RecordOrFail(DisbursementData("lng-tx", 4000, Day(2026, 3, 1)));
  RecordOrFail(DisbursementData("ohio-gas", 500, Day(2026, 3, 1),
                                v1::FUNDING_SOURCE_NEXI));
  RecordOrFail(TariffData("all-goods", 2500, kDealDay, "Proclamation",
                          "threatened rate"));
  RecordOrFail(TariffData("all-goods", 1500, Day(2025, 9, 16)));
  RecordOrFail(TariffData("autos", 1200, Day(2025, 9, 16)));

  const absl::Time at = Day(2025, 10, 1) + absl::Nanoseconds(7);
  EXPECT_TRUE(ProtoEquals(
      DealProto(at),
      absl::Substitute(
          R"pb(
            deal_id: "us-japan"
            title: "US-Japan Strategic Investment Framework"
            investor_country: "JP"
            host_country: "US"
            commitment_ceiling { currency_code: "USD" minor_units: 10000 }
            tariff_caps { product_category: "all-goods" max_rate_bps: 1500 }
            tariff_caps { product_category: "autos" max_rate_bps: 1000 }
            totals {
              pledged { currency_code: "USD" minor_units: 8000 }
              approved { currency_code: "USD" minor_units: 5000 }
              disbursed { currency_code: "USD" minor_units: 4500 }
              project_count: 3
            }
            headroom { currency_code: "USD" minor_units: 2000 }
            by_sector {
              sector: SECTOR_ENERGY
              totals {
                pledged { currency_code: "USD" minor_units: 3000 }
                approved { currency_code: "USD" minor_units: 1000 }
                disbursed { currency_code: "USD" minor_units: 500 }
                project_count: 1
              }
            }
            by_sector {
              sector: SECTOR_CRITICAL_MINERALS
              totals {
                pledged { currency_code: "USD" minor_units: 1000 }
                approved { currency_code: "USD" minor_units: 0 }
                disbursed { currency_code: "USD" minor_units: 0 }
                project_count: 1
              }
            }
            by_sector {
              sector: SECTOR_OIL_AND_GAS
              totals {
                pledged { currency_code: "USD" minor_units: 4000 }
                approved { currency_code: "USD" minor_units: 4000 }
                disbursed { currency_code: "USD" minor_units: 4000 }
                project_count: 1
              }
            }
            by_us_state {
              us_state: "GA"
              totals {
                pledged { currency_code: "USD" minor_units: 1000 }
                approved { currency_code: "USD" minor_units: 0 }
                disbursed { currency_code: "USD" minor_units: 0 }
                project_count: 1
              }
            }
            by_us_state {
              us_state: "OH"
              totals {
                pledged { currency_code: "USD" minor_units: 3000 }
                approved { currency_code: "USD" minor_units: 1000 }
                disbursed { currency_code: "USD" minor_units: 500 }
                project_count: 1
              }
            }
            by_us_state {
              us_state: "TX"
              totals {
                pledged { currency_code: "USD" minor_units: 4000 }
                approved { currency_code: "USD" minor_units: 4000 }
                disbursed { currency_code: "USD" minor_units: 4000 }
                project_count: 1
              }
            }
            projects_announced: 1
            projects_approved: 0
            projects_funding: 1
            projects_fully_disbursed: 1
            tariffs {
              product_category: "all-goods"
              in_force: true
              rate_bps: 1500
              in_force_sequence: 30
              has_cap: true
              cap_bps: 1500
              breaches_cap: false
            }
            tariffs {
              product_category: "autos"
              in_force: true
              rate_bps: 1200
              in_force_sequence: 33
              has_cap: true
              cap_bps: 1000
              breaches_cap: true
            }
            cap_breaches {
              product_category: "autos"
              rate_bps: 1200
              cap_bps: 1000
              sequence: 33
              effective_time { seconds: $0 }
            }
            tariffs_evaluated_at { seconds: $1 nanos: 7 }
            version: 11
            last_sequence: 33
            announced_effective_time { seconds: $2 }
            last_recorded_time { seconds: $3 }
            event_id: "event-3"
            head_event_id: "event-3"
            firmness: FIRMNESS_OFFICIALLY_ANNOUNCED
          )pb",
          Seconds(Day(2025, 9, 16)), Seconds(Day(2025, 10, 1)),
          Seconds(kDealDay), Seconds(Day(2026, 3, 1)) + 10)));
}

TEST_F(DealStateTest, ApprovedProjectsAreCountedByStatus) {
  RecordDealWithProject();
  RecordOrFail(ApprovalData("p", 1, kProjectDay));
  v1::DealState deal = DealProto(kProjectDay);
  EXPECT_EQ(deal.projects_announced(), 0u);
  EXPECT_EQ(deal.projects_approved(), 1u);
  EXPECT_EQ(deal.projects_funding(), 0u);
  EXPECT_EQ(deal.projects_fully_disbursed(), 0u);
}

TEST_F(DealStateTest, TariffInForceFollowsEffectiveTimeNotRecordOrder) {
  RecordOrFail(DealData(1000, kDealDay));
  RecordOrFail(TariffData("all-goods", 1500, Day(2025, 9, 16)));  // seq 6
  RecordOrFail(TariffData("all-goods", 2500, kDealDay));          // seq 9
  RecordOrFail(TariffData("all-goods", 3000, Day(2026, 9, 1)));   // seq 12

  auto line_at = [&](absl::Time at) {
    std::vector<v1::TariffLine> lines;
    EXPECT_TRUE(state_.TariffsToProto(at, "all-goods", false, &lines).ok());
    EXPECT_EQ(lines.size(), 1u);
    return lines.empty() ? v1::TariffLine() : lines[0];
  };
  EXPECT_FALSE(line_at(kDealDay - absl::Nanoseconds(1)).in_force());
  EXPECT_EQ(line_at(kDealDay).rate_bps(), 2500);
  EXPECT_EQ(line_at(kDealDay).in_force_sequence(), 9u);
  EXPECT_TRUE(line_at(kDealDay).breaches_cap());
  EXPECT_EQ(line_at(Day(2025, 9, 16) - absl::Nanoseconds(1)).rate_bps(), 2500);
  EXPECT_EQ(line_at(Day(2025, 9, 16)).rate_bps(), 1500);
  EXPECT_EQ(line_at(Day(2025, 9, 16)).in_force_sequence(), 6u);
  EXPECT_FALSE(line_at(Day(2025, 9, 16)).breaches_cap());
  EXPECT_EQ(line_at(Day(2026, 9, 1)).rate_bps(), 3000);
  EXPECT_EQ(line_at(absl::InfiniteFuture()).rate_bps(), 3000);

  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(
      state_.TariffsToProto(Day(2026, 1, 1), "all-goods", true, &lines).ok());
  ASSERT_EQ(lines.size(), 1u);
  std::vector<uint64_t> history_sequences;
  std::vector<bool> exceeds;
  for (const auto& record : lines[0].history()) {
    history_sequences.push_back(record.sequence());
    exceeds.push_back(record.exceeds_cap());
  }
  EXPECT_THAT(history_sequences, ElementsAre(9, 6, 12));
  EXPECT_THAT(exceeds, ElementsAre(true, false, true));
}

TEST_F(DealStateTest, TariffTieOnEffectiveTimeGoesToTheLaterSequence) {
  RecordOrFail(DealData(1000, kDealDay));
  RecordOrFail(TariffData("autos", 2500, Day(2025, 9, 16)));
  RecordOrFail(TariffData("autos", 1500, Day(2025, 9, 16)));
  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(state_.TariffsToProto(Day(2025, 9, 16), "", true, &lines).ok());
  ASSERT_EQ(lines.size(), 2u);  // "all-goods" (its cap) and "autos"
  EXPECT_EQ(lines[1].product_category(), "autos");
  EXPECT_EQ(lines[1].rate_bps(), 1500);
  EXPECT_EQ(lines[1].in_force_sequence(), 9u);
  ASSERT_EQ(lines[1].history_size(), 2);
  EXPECT_EQ(lines[1].history(0).sequence(), 6u);
  EXPECT_EQ(lines[1].history(1).sequence(), 9u);
}

TEST_F(DealStateTest, TariffHistoryRecordsEveryField) {
  RecordOrFail(DealData(1000, kDealDay));
  RecordOrFail(TariffData("all-goods", 2500, Day(2026, 9, 1),
                          "Executive Order 14999", "investment shortfall"));
  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(
      state_.TariffsToProto(Day(2026, 1, 1), "all-goods", true, &lines).ok());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(ProtoEquals(
      lines[0], absl::Substitute(R"pb(
                                   product_category: "all-goods"
                                   in_force: false
                                   has_cap: true
                                   cap_bps: 1500
                                   history {
                                     sequence: 6
                                     effective_time { seconds: $0 }
                                     recorded_time { seconds: $1 }
                                     rate_bps: 2500
                                     legal_instrument: "Executive Order 14999"
                                     reason: "investment shortfall"
                                     exceeds_cap: true
                                     event_id: "event-6"
                                     head_event_id: "event-6"
                                   }
                                 )pb",
                                 Seconds(Day(2026, 9, 1)),
                                 Seconds(Day(2026, 3, 1)) + 1)));
}

TEST_F(DealStateTest, CategoryCapOverridesTheAllGoodsCap) {
  RecordOrFail(
      DealData(1000, kDealDay, {{"all-goods", 1500}, {"autos", 2750}}));
  RecordOrFail(TariffData("autos", 2500, kDealDay));
  RecordOrFail(TariffData("steel", 2500, kDealDay));
  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(state_.TariffsToProto(kDealDay, "", false, &lines).ok());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].product_category(), "all-goods");
  EXPECT_FALSE(lines[0].in_force());
  EXPECT_EQ(lines[0].cap_bps(), 1500);
  EXPECT_EQ(lines[1].product_category(), "autos");
  EXPECT_EQ(lines[1].cap_bps(), 2750);
  EXPECT_FALSE(lines[1].breaches_cap());
  EXPECT_EQ(lines[2].product_category(), "steel");
  EXPECT_EQ(lines[2].cap_bps(), 1500);
  EXPECT_TRUE(lines[2].breaches_cap());
  EXPECT_THAT(lines[0].history(), IsEmpty());
}

TEST_F(DealStateTest, CategoryWithoutAnyCapNeverBreaches) {
  RecordOrFail(DealData(1000, kDealDay, {{"autos", 1000}}));
  RecordOrFail(TariffData("steel", 5000, kDealDay));
  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(state_.TariffsToProto(kDealDay, "steel", true, &lines).ok());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_FALSE(lines[0].has_cap());
  EXPECT_EQ(lines[0].cap_bps(), 0);
  EXPECT_FALSE(lines[0].breaches_cap());
  EXPECT_FALSE(lines[0].history(0).exceeds_cap());
  EXPECT_THAT(DealProto(kDealDay).cap_breaches(), IsEmpty());
}

TEST_F(DealStateTest, TariffsOfUnknownCategoryAreNotFound) {
  RecordOrFail(DealData(1000, kDealDay));
  std::vector<v1::TariffLine> lines;
  absl::Status status = state_.TariffsToProto(kDealDay, "rice", false, &lines);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"rice\""));
  // A category known only by its cap has a line.
  EXPECT_TRUE(state_.TariffsToProto(kDealDay, "all-goods", false, &lines).ok());
  EXPECT_EQ(lines.size(), 1u);
}

TEST_F(DealStateTest, DealTariffsOmitHistory) {
  RecordOrFail(DealData(1000, kDealDay));
  RecordOrFail(TariffData("all-goods", 1500, kDealDay));
  v1::DealState deal = DealProto(kDealDay);
  ASSERT_EQ(deal.tariffs_size(), 1);
  EXPECT_TRUE(deal.tariffs(0).in_force());
  EXPECT_THAT(deal.tariffs(0).history(), IsEmpty());
}

TEST_F(DealStateTest, FoldingAPrefixGivesTheStateAtThatPoint) {
  RecordOrFail(DealData(10000, kDealDay));
  std::vector<v1::DealState> snapshots = {DealProto(Day(2027, 1, 1))};
  auto record = [&](EventData data) {
    RecordOrFail(std::move(data));
    snapshots.push_back(DealProto(Day(2027, 1, 1)));
  };
  record(ProjectData("a", v1::SECTOR_ENERGY, "OH", 3000, kProjectDay));
  record(ProjectData("b", v1::SECTOR_ELECTRONICS, "SC", 2000, kProjectDay));
  record(ApprovalData("a", 2000, Day(2026, 2, 18)));
  record(TariffData("all-goods", 2500, Day(2026, 9, 1)));
  record(DisbursementData("a", 1500, Day(2026, 3, 1)));
  record(ApprovalData("b", 2000, Day(2026, 4, 1)));
  ASSERT_EQ(log_.size(), snapshots.size());

  for (std::size_t prefix = 1; prefix <= log_.size(); ++prefix) {
    DealState folded;
    for (std::size_t i = 0; i < prefix; ++i) folded.Apply(log_[i]);
    v1::DealState proto;
    folded.ToProto(Day(2027, 1, 1), &proto);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        proto, snapshots[prefix - 1]))
        << "prefix " << prefix << ":\n"
        << proto.DebugString() << "\nexpected:\n"
        << snapshots[prefix - 1].DebugString();
  }
  EXPECT_EQ(snapshots[2].totals().approved().minor_units(), 0);
  EXPECT_EQ(snapshots[3].totals().approved().minor_units(), 2000);
  EXPECT_EQ(snapshots[3].cap_breaches_size(), 0);
  EXPECT_EQ(snapshots[4].cap_breaches_size(), 1);
}

// A state rebuilt from its snapshot answers every query as the folded one
// does, and goes on folding identically.
TEST_F(DealStateTest, SnapshotRoundTripAfterEveryEvent) {
  std::vector<EventData> history = {
      DealData(10000, kDealDay, {{"all-goods", 1500}, {"autos", 1200}}),
      ProjectData("a", v1::SECTOR_ENERGY, "OH", 3000, kProjectDay),
      ProjectData("b", v1::SECTOR_ELECTRONICS, "SC", 2000, kProjectDay),
      ApprovalData("a", 2000, Day(2026, 2, 18)),
      TariffData("all-goods", 2500, Day(2026, 9, 1)),
      TariffData("autos", 1000, Day(2025, 8, 7)),
      DisbursementData("a", 1500, Day(2026, 3, 1)),
      ApprovalData("b", 2000, Day(2026, 4, 1)),
      DisbursementData("b", 500, Day(2026, 4, 2)),
  };
  const absl::Time at = Day(2027, 1, 1);
  for (EventData& data : history) {
    RecordOrFail(std::move(data));
    internal::DealSnapshot snapshot;
    state_.ToSnapshot(&snapshot);
    // Through bytes, as storage keeps it.
    internal::DealSnapshot decoded;
    ASSERT_TRUE(decoded.ParseFromString(snapshot.SerializeAsString()));
    absl::StatusOr<DealState> restored = DealState::FromSnapshot(decoded);
    ASSERT_TRUE(restored.ok()) << restored.status();
    EXPECT_EQ(restored->version(), state_.version());
    EXPECT_EQ(restored->last_sequence(), state_.last_sequence());
    EXPECT_EQ(restored->last_recorded_time(), state_.last_recorded_time());
    v1::DealState expected, actual;
    state_.ToProto(at, &expected);
    restored->ToProto(at, &actual);
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(expected, actual))
        << "after version " << state_.version() << ":\n"
        << actual.DebugString() << "\nexpected:\n"
        << expected.DebugString();
    std::vector<v1::TariffLine> expected_tariffs, actual_tariffs;
    ASSERT_TRUE(state_.TariffsToProto(at, "", true, &expected_tariffs).ok());
    ASSERT_TRUE(restored->TariffsToProto(at, "", true, &actual_tariffs).ok());
    ASSERT_EQ(actual_tariffs.size(), expected_tariffs.size());
    for (size_t i = 0; i < expected_tariffs.size(); ++i) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          expected_tariffs[i], actual_tariffs[i]))
          << actual_tariffs[i].DebugString();
    }
    for (const auto& [id, project] : state_.projects()) {
      v1::ProjectState expected_project, actual_project;
      ASSERT_TRUE(restored->ProjectToProto(id, &actual_project).ok());
      state_.ProjectToProto(project, &expected_project);
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          expected_project, actual_project))
          << actual_project.DebugString();
    }
    // The rules see the same state: the restored one refuses what the
    // folded one refuses.
    const v1::Event over_pledge = Next(ApprovalData("a", 999999, at));
    EXPECT_EQ(restored->CheckRules(over_pledge).code(),
              state_.CheckRules(over_pledge).code());
  }
}

TEST_F(DealStateTest, SnapshotOfAnotherFormatIsRefused) {
  RecordDealWithProject();
  internal::DealSnapshot snapshot;
  state_.ToSnapshot(&snapshot);
  snapshot.set_format(DealState::kSnapshotFormat + 1);
  EXPECT_EQ(DealState::FromSnapshot(snapshot).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// The US–Japan framework as the seed articles report it. Amounts the
// articles do not give (Westinghouse, the first batch, approvals and the
// disbursement) are illustrative; US states of the fact-sheet projects too.
TEST_F(DealStateTest, UsJapanFrameworkTotalsHeadroomBreakdownsAndBreach) {
  constexpr int64_t kBillionUsd = 100'000'000'000;  // in cents
  EventData deal = DealData(550 * kBillionUsd, kDealDay);
  deal.mutable_provenance()->set_firmness(v1::FIRMNESS_CONFIRMED);
  RecordOrFail(deal);
  EXPECT_EQ(DealProto(kDealDay).commitment_ceiling().minor_units(),
            55'000'000'000'000);

  RecordOrFail(TariffData("all-goods", 2500, kDealDay, "Reciprocal tariff",
                          "rate threatened before the framework"));
  const absl::Time kExecutiveOrderDay = Day(2025, 9, 16);
  RecordOrFail(TariffData("all-goods", 1500, kExecutiveOrderDay,
                          "Executive Order 14345",
                          "implements the agreed 15% tariff"));

  const absl::Time kFactSheetDay = Day(2025, 10, 28);
  RecordOrFail(ProjectData("westinghouse-ap1000", v1::SECTOR_ENERGY, "PA",
                           100 * kBillionUsd, kFactSheetDay));
  RecordOrFail(ProjectData("mitsubishi-ai-datacenters",
                           v1::SECTOR_AI_INFRASTRUCTURE, "VA", 30 * kBillionUsd,
                           kFactSheetDay));
  RecordOrFail(ProjectData("tdk-power-modules", v1::SECTOR_ELECTRONICS, "NC",
                           25 * kBillionUsd, kFactSheetDay));
  RecordOrFail(ProjectData("fujikura-fiber", v1::SECTOR_ELECTRONICS, "SC",
                           20 * kBillionUsd, kFactSheetDay));

  const absl::Time kFirstBatchDay = Day(2026, 2, 18);
  RecordOrFail(ProjectData("gulf-lng-tx", v1::SECTOR_OIL_AND_GAS, "TX",
                           10 * kBillionUsd, kFirstBatchDay));
  RecordOrFail(ProjectData("ohio-gas-power", v1::SECTOR_ENERGY, "OH",
                           8 * kBillionUsd, kFirstBatchDay));
  RecordOrFail(ProjectData("georgia-critical-minerals",
                           v1::SECTOR_CRITICAL_MINERALS, "GA", 3 * kBillionUsd,
                           kFirstBatchDay));
  RecordOrFail(ApprovalData("gulf-lng-tx", 10 * kBillionUsd, kFirstBatchDay));
  RecordOrFail(ApprovalData("ohio-gas-power", 4 * kBillionUsd, kFirstBatchDay));
  RecordOrFail(ApprovalData("georgia-critical-minerals", 3 * kBillionUsd,
                            kFirstBatchDay));
  RecordOrFail(DisbursementData("gulf-lng-tx", 2 * kBillionUsd, Day(2026, 3, 2),
                                v1::FUNDING_SOURCE_JBIC));

  const v1::DealState now = DealProto(Day(2026, 3, 2));
  EXPECT_EQ(now.totals().pledged().minor_units(), 19'600'000'000'000);
  EXPECT_EQ(now.totals().approved().minor_units(), 1'700'000'000'000);
  EXPECT_EQ(now.totals().disbursed().minor_units(), 200'000'000'000);
  EXPECT_EQ(now.totals().project_count(), 7u);
  EXPECT_EQ(now.headroom().minor_units(), 35'400'000'000'000);
  EXPECT_EQ(now.headroom().currency_code(), "USD");

  std::vector<std::pair<v1::Sector, std::vector<int64_t>>> sectors;
  for (const auto& entry : now.by_sector()) {
    sectors.push_back({entry.sector(),
                       {entry.totals().pledged().minor_units(),
                        entry.totals().approved().minor_units(),
                        entry.totals().disbursed().minor_units(),
                        entry.totals().project_count()}});
  }
  using Row = std::pair<v1::Sector, std::vector<int64_t>>;
  EXPECT_THAT(
      sectors,
      ElementsAre(
          Row{v1::SECTOR_ENERGY, {108 * kBillionUsd, 4 * kBillionUsd, 0, 2}},
          Row{v1::SECTOR_AI_INFRASTRUCTURE, {30 * kBillionUsd, 0, 0, 1}},
          Row{v1::SECTOR_CRITICAL_MINERALS,
              {3 * kBillionUsd, 3 * kBillionUsd, 0, 1}},
          Row{v1::SECTOR_OIL_AND_GAS,
              {10 * kBillionUsd, 10 * kBillionUsd, 2 * kBillionUsd, 1}},
          Row{v1::SECTOR_ELECTRONICS, {45 * kBillionUsd, 0, 0, 2}}));

  std::vector<std::pair<std::string, std::vector<int64_t>>> states;
  for (const auto& entry : now.by_us_state()) {
    states.push_back({entry.us_state(),
                      {entry.totals().pledged().minor_units(),
                       entry.totals().approved().minor_units(),
                       entry.totals().disbursed().minor_units()}});
  }
  using StateRow = std::pair<std::string, std::vector<int64_t>>;
  EXPECT_THAT(
      states,
      ElementsAre(
          StateRow{"GA", {3 * kBillionUsd, 3 * kBillionUsd, 0}},
          StateRow{"NC", {25 * kBillionUsd, 0, 0}},
          StateRow{"OH", {8 * kBillionUsd, 4 * kBillionUsd, 0}},
          StateRow{"PA", {100 * kBillionUsd, 0, 0}},
          StateRow{"SC", {20 * kBillionUsd, 0, 0}},
          StateRow{"TX", {10 * kBillionUsd, 10 * kBillionUsd, 2 * kBillionUsd}},
          StateRow{"VA", {30 * kBillionUsd, 0, 0}}));

  EXPECT_EQ(now.projects_announced(), 4u);
  EXPECT_EQ(now.projects_approved(), 2u);
  EXPECT_EQ(now.projects_funding(), 1u);
  EXPECT_EQ(now.projects_fully_disbursed(), 0u);

  const v1::ProjectState lng = ProjectProto("gulf-lng-tx");
  EXPECT_EQ(lng.status(), v1::PROJECT_STATUS_FUNDING);
  ASSERT_EQ(lng.disbursed_by_source_size(), 1);
  EXPECT_EQ(lng.disbursed_by_source(0).funding_source(),
            v1::FUNDING_SOURCE_JBIC);
  EXPECT_EQ(lng.undisbursed().minor_units(), 8 * kBillionUsd);

  // Before the executive order, the 25% rate breached the 15% cap.
  const v1::DealState august = DealProto(Day(2025, 8, 1));
  ASSERT_EQ(august.cap_breaches_size(), 1);
  EXPECT_EQ(august.cap_breaches(0).rate_bps(), 2500);
  ASSERT_EQ(now.tariffs_size(), 1);
  EXPECT_EQ(now.tariffs(0).rate_bps(), 1500);
  EXPECT_THAT(now.cap_breaches(), IsEmpty());

  // Enforcement: the US raises the tariff again if promises are not kept.
  RecordOrFail(TariffData("all-goods", 2500, Day(2026, 9, 1),
                          "Executive Order (enforcement)",
                          "investment promises not kept"));
  const uint64_t raise_sequence = state_.last_sequence();
  EXPECT_THAT(DealProto(Day(2026, 8, 31)).cap_breaches(), IsEmpty());
  const v1::DealState later = DealProto(Day(2026, 10, 1));
  EXPECT_TRUE(
      ProtoEquals(later.cap_breaches(0),
                  absl::Substitute(R"pb(
                                     product_category: "all-goods"
                                     rate_bps: 2500
                                     cap_bps: 1500
                                     sequence: $0
                                     effective_time { seconds: $1 }
                                   )pb",
                                   raise_sequence, Seconds(Day(2026, 9, 1)))));
  EXPECT_EQ(later.cap_breaches_size(), 1);
  EXPECT_EQ(later.totals().pledged().minor_units(), 19'600'000'000'000);
}

TEST_F(DealStateTest, TimeConversionsAreExact) {
  for (auto [seconds, nanos] :
       std::vector<std::pair<int64_t, int32_t>>{{0, 0},
                                                {1753142400, 123456789},
                                                {-1, 500000000},
                                                {-2208988800, 1},
                                                {253402300799, 999999999},
                                                {-62135596800, 0}}) {
    google::protobuf::Timestamp ts;
    ts.set_seconds(seconds);
    ts.set_nanos(nanos);
    const absl::Time t = ToAbslTime(ts);
    EXPECT_EQ(t, absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos));
    google::protobuf::Timestamp back;
    ToProtoTime(t, &back);
    EXPECT_EQ(back.seconds(), seconds);
    EXPECT_EQ(back.nanos(), nanos);
  }
  google::protobuf::Timestamp ts;
  ToProtoTime(absl::FromUnixSeconds(-1) + absl::Nanoseconds(1), &ts);
  EXPECT_EQ(ts.seconds(), -1);
  EXPECT_EQ(ts.nanos(), 1);
}

TEST_F(DealStateTest, InfiniteTimesClampToTheTimestampRange) {
  google::protobuf::Timestamp ts;
  ToProtoTime(absl::InfiniteFuture(), &ts);
  EXPECT_EQ(ts.seconds(), 253402300799);
  EXPECT_EQ(ts.nanos(), 999999999);
  ToProtoTime(absl::InfinitePast(), &ts);
  EXPECT_EQ(ts.seconds(), -62135596800);
  EXPECT_EQ(ts.nanos(), 0);
}

}  // namespace
}  // namespace pactlog::domain
