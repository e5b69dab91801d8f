// DealState's terms (one reading per asserting party) and the compliance
// view: approved projects against the funding deadline, cap breaches.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "domain/deal_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/events.h"
#include "tests/domain/deal_state_fixture.h"

namespace pactlog::domain {
namespace {

using ::testing::ElementsAre;

class ComplianceTest : public DealStateTest {
 protected:
  const absl::Time kTermsDay = Day(2025, 9, 4);
  const absl::Time kSelected = Day(2026, 1, 1);

  static EventData Terms(const std::string& party, int32_t deadline_days,
                         absl::Time effective) {
    EventData data = events::EventAt(effective);
    data.mutable_provenance()->set_asserted_by(party);
    auto* terms = data.mutable_announcement()->mutable_terms();
    terms->set_project_selector("US investment committee");
    terms->set_funding_deadline_days(deadline_days);
    terms->add_funding_channels(v1::FUNDING_SOURCE_JBIC);
    terms->set_profit_sharing(party == "US" ? "90% to the US" : "by share");
    return data;
  }

  // Deadline 45 days (US reading), none (JP reading). Projects approved on
  // 2026-01-01 (due 2026-02-15): "a" funded on 2026-01-20, "b" on
  // 2026-03-01, "c" not at all; "d" only announced.
  void RecordDeal() {
    RecordOrFail(DealData(1000, kDealDay, {{"autos", 1500}}));
    RecordOrFail(Terms("US", 45, kTermsDay));
    RecordOrFail(Terms("JP", 0, kTermsDay));
    for (const std::string id : {"a", "b", "c", "d"}) {
      RecordOrFail(ProjectData(id, v1::SECTOR_ENERGY, "OH", 10, kProjectDay));
    }
    for (const std::string id : {"a", "b", "c"}) {
      RecordOrFail(ApprovalData(id, 10, kSelected));
    }
    RecordOrFail(DisbursementData("a", 4, Day(2026, 1, 10)));
    RecordOrFail(DisbursementData("a", 6, Day(2026, 1, 20)));
    RecordOrFail(DisbursementData("b", 10, Day(2026, 3, 1)));
    RecordOrFail(DisbursementData("c", 3, Day(2026, 1, 5)));
  }

  v1::ComplianceView Compliance(absl::Time at, std::string reading = "") {
    v1::ComplianceView view;
    absl::Status status = state_.ComplianceToProto(at, reading, &view);
    EXPECT_TRUE(status.ok()) << status;
    return view;
  }

  static std::vector<std::string> Statuses(const v1::ComplianceView& view) {
    std::vector<std::string> out;
    for (const v1::ProjectCompliance& p : view.projects()) {
      out.push_back(absl::StrCat(p.project_id(), " ",
                                 v1::FundingStatus_Name(p.status()), " ",
                                 p.days()));
    }
    return out;
  }
};

TEST_F(ComplianceTest, EachApprovedProjectIsJudgedAgainstTheDeadline) {
  RecordDeal();
  const v1::ComplianceView view = Compliance(Day(2026, 3, 1));
  EXPECT_THAT(Statuses(view), ElementsAre("a FUNDING_STATUS_ON_TIME 0",
                                          "b FUNDING_STATUS_LATE 14",
                                          "c FUNDING_STATUS_OVERDUE 14"));
  EXPECT_EQ(view.projects_on_time(), 1u);
  EXPECT_EQ(view.projects_late(), 1u);
  EXPECT_EQ(view.projects_overdue(), 1u);
  EXPECT_EQ(view.projects_not_yet_due(), 0u);
  EXPECT_EQ(view.overdue_undisbursed().minor_units(), 7);
  const v1::ProjectCompliance& a = view.projects(0);
  EXPECT_EQ(Seconds(ToAbslTime(a.selected_time())), Seconds(kSelected));
  EXPECT_EQ(Seconds(ToAbslTime(a.funding_due_time())),
            Seconds(Day(2026, 2, 15)));
  EXPECT_EQ(Seconds(ToAbslTime(a.funded_time())), Seconds(Day(2026, 1, 20)));
  EXPECT_FALSE(view.projects(2).has_funded_time());
  EXPECT_EQ(view.terms().asserted_by(), "US");
}

TEST_F(ComplianceTest, BeforeTheDeadlineAProjectIsNotYetDue) {
  RecordDeal();
  const v1::ComplianceView view = Compliance(Day(2026, 2, 1));
  // Money effective later is not counted: "b" is funded only on March 1.
  EXPECT_THAT(Statuses(view), ElementsAre("a FUNDING_STATUS_ON_TIME 0",
                                          "b FUNDING_STATUS_NOT_YET_DUE 14",
                                          "c FUNDING_STATUS_NOT_YET_DUE 14"));
  EXPECT_FALSE(view.projects(1).has_funded_time());
  EXPECT_EQ(view.overdue_undisbursed().minor_units(), 0);
}

TEST_F(ComplianceTest, LateDaysRoundUpAndOverdueDaysDown) {
  RecordDeal();
  RecordOrFail(ProjectData("e", v1::SECTOR_ENERGY, "OH", 10, kProjectDay));
  RecordOrFail(ApprovalData("e", 10, kSelected));
  RecordOrFail(DisbursementData("e", 10, Day(2026, 2, 15) + absl::Hours(1)));
  const v1::ComplianceView view =
      Compliance(Day(2026, 2, 16) + absl::Hours(23));
  EXPECT_THAT(
      Statuses(view),
      ElementsAre("a FUNDING_STATUS_ON_TIME 0", "b FUNDING_STATUS_OVERDUE 1",
                  "c FUNDING_STATUS_OVERDUE 1", "e FUNDING_STATUS_LATE 1"));
}

TEST_F(ComplianceTest, EachPartysReadingIsKeptAndCanBeChosen) {
  RecordDeal();
  const v1::ComplianceView view = Compliance(Day(2026, 3, 1), "JP");
  EXPECT_EQ(view.terms().asserted_by(), "JP");
  for (const v1::ProjectCompliance& p : view.projects()) {
    EXPECT_EQ(p.status(), v1::FUNDING_STATUS_NO_DEADLINE) << p.project_id();
    EXPECT_FALSE(p.has_funding_due_time());
  }
  ASSERT_EQ(view.readings_size(), 2);
  EXPECT_EQ(view.readings(0).asserted_by(), "JP");
  EXPECT_EQ(view.readings(0).terms().profit_sharing(), "by share");
  EXPECT_EQ(view.readings(1).asserted_by(), "US");
  EXPECT_EQ(view.readings(1).terms().profit_sharing(), "90% to the US");

  v1::ComplianceView unknown;
  absl::Status status =
      state_.ComplianceToProto(Day(2026, 3, 1), "KR", &unknown);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "no terms of deal \"us-japan\" are asserted by \"KR\"");
}

TEST_F(ComplianceTest, ALaterReadingOfAPartyReplacesItsEarlierOne) {
  RecordDeal();
  RecordOrFail(Terms("US", 30, Day(2025, 10, 1)));
  const v1::ComplianceView view = Compliance(Day(2026, 3, 1));
  ASSERT_EQ(view.readings_size(), 2);
  EXPECT_EQ(view.terms().terms().funding_deadline_days(), 30);
  EXPECT_EQ(view.terms().sequence(), state_.last_sequence());
  // Due 2026-01-31: "a" was funded on the 20th, "b" a month late.
  EXPECT_THAT(Statuses(view), ElementsAre("a FUNDING_STATUS_ON_TIME 0",
                                          "b FUNDING_STATUS_LATE 29",
                                          "c FUNDING_STATUS_OVERDUE 29"));
  // Without a choice, a reading with a deadline wins over a later one
  // without.
  RecordOrFail(Terms("JP", 0, Day(2025, 11, 1)));
  EXPECT_EQ(Compliance(Day(2026, 3, 1)).terms().asserted_by(), "US");
}

TEST_F(ComplianceTest, WithoutTermsNothingHasADeadline) {
  RecordOrFail(DealData(1000, kDealDay, {{"autos", 1500}}));
  RecordOrFail(ProjectData("a", v1::SECTOR_ENERGY, "OH", 10, kProjectDay));
  RecordOrFail(ApprovalData("a", 10, kSelected));
  RecordOrFail(TariffData("autos", 2750, Day(2025, 4, 3)));
  const v1::ComplianceView view = Compliance(Day(2025, 9, 1));
  EXPECT_FALSE(view.has_terms());
  EXPECT_THAT(Statuses(view), ElementsAre("a FUNDING_STATUS_NO_DEADLINE 0"));
  ASSERT_EQ(view.cap_breaches_size(), 1);
  EXPECT_EQ(view.cap_breaches(0).rate_bps(), 2750);
}

TEST_F(ComplianceTest, TermsDoNotPrecedeTheDeal) {
  RecordOrFail(DealData(1000, kDealDay));
  ExpectRuleBroken(Record(Terms("US", 45, Day(2025, 7, 1))), "effective-order",
                   {"terms effective 2025-07-01T00:00:00Z precede the deal "
                    "announcement effective 2025-07-22T00:00:00Z"});
}

TEST_F(ComplianceTest, SnapshotsKeepTermsAndDisbursementTimes) {
  RecordDeal();
  pactlog::internal::DealSnapshot snapshot;
  state_.ToSnapshot(&snapshot);
  auto rebuilt = DealState::FromSnapshot(snapshot);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  v1::ComplianceView expected = Compliance(Day(2026, 3, 1));
  v1::ComplianceView actual;
  ASSERT_TRUE(rebuilt->ComplianceToProto(Day(2026, 3, 1), "", &actual).ok());
  EXPECT_TRUE(ProtoEquals(actual, expected.DebugString()));
}

}  // namespace
}  // namespace pactlog::domain
