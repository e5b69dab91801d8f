// DealState's amendments (revisions, withdrawals, firmness changes,
// retractions, corrections), restatements, and the lineage of figures.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "domain/deal_state.h"
#include "domain/lineage.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/events.h"
#include "tests/domain/deal_state_fixture.h"

namespace pactlog::domain {
namespace {

using events::CorrectEvent;
using events::RaiseFirmnessEvent;
using events::RetractEvent;
using events::ReviseEvent;
using events::WithdrawEvent;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

EventData Named(const std::string& id, EventData data) {
  data.set_event_id(id);
  return data;
}

v1::Money Usd(int64_t minor_units) { return events::Money(minor_units); }

class AmendmentsTest : public DealStateTest {
 protected:
  // Deal (ceiling 1000), project "p" pledged 800, approval "a" of 600,
  // disbursement "d" of 200 (JBIC).
  void RecordFundedProject() {
    RecordOrFail(Named("deal", DealData(1000, kDealDay)));
    RecordOrFail(Named(
        "p", ProjectData("p", v1::SECTOR_ENERGY, "OH", 800, kProjectDay)));
    RecordOrFail(Named("a", ApprovalData("p", 600, Day(2026, 1, 5))));
    RecordOrFail(Named("d", DisbursementData("p", 200, Day(2026, 1, 6))));
  }

  v1::DealState Deal() const { return DealProto(Day(2026, 6, 1)); }

  // The figures of `project_id` (empty: the deal) traced over the log,
  // checked to be the sum of the entries' changes.
  std::vector<v1::LineageEntry> Lineage(const std::string& project_id) {
    LineageTracer tracer(project_id, "", 0, 1000);
    for (const v1::Event& event : log_) tracer.Add(event);
    v1::Figures figures;
    tracer.FiguresToProto(tracer.figures(), &figures);
    int64_t pledged = 0, approved = 0, disbursed = 0;
    for (const v1::LineageEntry& entry : tracer.entries()) {
      pledged += entry.change().pledged().minor_units();
      approved += entry.change().approved().minor_units();
      disbursed += entry.change().disbursed().minor_units();
    }
    EXPECT_EQ(pledged, figures.pledged().minor_units());
    EXPECT_EQ(approved, figures.approved().minor_units());
    EXPECT_EQ(disbursed, figures.disbursed().minor_units());
    return tracer.entries();
  }
};

TEST_F(AmendmentsTest, RevisingAnApprovalChangesEveryTotalAndTheHead) {
  RecordFundedProject();
  RecordOrFail(Named("r1", ReviseEvent("a", Usd(450))));

  const v1::ProjectState project = ProjectProto("p");
  EXPECT_EQ(project.approved().minor_units(), 450);
  ASSERT_EQ(project.approvals_size(), 1);
  EXPECT_EQ(project.approvals(0).amount().minor_units(), 450);
  EXPECT_EQ(project.approvals(0).event_id(), "a");
  EXPECT_EQ(project.approvals(0).head_event_id(), "r1");
  const v1::DealState deal = Deal();
  EXPECT_EQ(deal.totals().approved().minor_units(), 450);
  EXPECT_EQ(deal.by_sector(0).totals().approved().minor_units(), 450);
  EXPECT_EQ(deal.by_us_state(0).totals().approved().minor_units(), 450);
  EXPECT_EQ(deal.amendment_count(), 1u);
}

TEST_F(AmendmentsTest, ACutBelowWhatIsDisbursedIsRefused) {
  RecordFundedProject();
  ExpectRuleBroken(Record(ReviseEvent("a", Usd(150))),
                   "disbursement-within-approval",
                   {"would be 150", "below the 200 disbursed"});
  EXPECT_EQ(ProjectProto("p").approved().minor_units(), 600);
}

TEST_F(AmendmentsTest, APledgeRevisionKeepsTheCeilingAndTheApprovals) {
  RecordFundedProject();
  ExpectRuleBroken(Record(ReviseEvent("p", Usd(1001))), "pledge-within-ceiling",
                   {"1001", "ceiling 1000"});
  ExpectRuleBroken(Record(ReviseEvent("p", Usd(599))), "approval-within-pledge",
                   {"would be 599", "below the 600 approved"});
  RecordOrFail(ReviseEvent("p", Usd(1000)));
  EXPECT_EQ(Deal().totals().pledged().minor_units(), 1000);
  EXPECT_EQ(Deal().headroom().minor_units(), 0);
}

TEST_F(AmendmentsTest, AnAmendmentMustNameTheEventThatStandsNow) {
  RecordFundedProject();
  RecordOrFail(Named("r1", ReviseEvent("a", Usd(500))));
  ExpectRuleBroken(Record(ReviseEvent("a", Usd(400))), "amend-standing-event",
                   {"\"a\" no longer stands", "name \"r1\""});
  RecordOrFail(Named("r2", ReviseEvent("r1", Usd(400))));
  EXPECT_EQ(ProjectProto("p").approved().minor_units(), 400);
  EXPECT_EQ(ProjectProto("p").approvals(0).head_event_id(), "r2");
}

TEST_F(AmendmentsTest, ARevisionTakesEffectNotBeforeItsTarget) {
  RecordFundedProject();
  EventData early = ReviseEvent("a", Usd(500));
  *early.mutable_effective_time() = events::Time(Day(2026, 1, 4));
  ExpectRuleBroken(Record(early), "effective-order",
                   {"precedes its target effective 2026-01-05"});
}

TEST_F(AmendmentsTest, AWithdrawalFreesThePledgeAndItsApprovals) {
  RecordOrFail(Named("deal", DealData(1000, kDealDay)));
  RecordOrFail(
      Named("p", ProjectData("p", v1::SECTOR_ENERGY, "OH", 800, kProjectDay)));
  RecordOrFail(
      Named("q", ProjectData("q", v1::SECTOR_METALS, "TX", 100, kProjectDay)));
  RecordOrFail(Named("a", ApprovalData("p", 600, Day(2026, 1, 5))));
  EventData withdraw = Named("w", WithdrawEvent("p", "sponsor pulled out"));
  *withdraw.mutable_effective_time() = events::Time(Day(2026, 2, 1));
  RecordOrFail(withdraw);

  const v1::ProjectState project = ProjectProto("p");
  EXPECT_EQ(project.status(), v1::PROJECT_STATUS_WITHDRAWN);
  EXPECT_EQ(project.supersession().kind(), v1::SUPERSESSION_KIND_WITHDRAWN);
  EXPECT_EQ(project.supersession().by_event_id(), "w");
  EXPECT_EQ(project.supersession().reason(), "sponsor pulled out");
  EXPECT_EQ(project.pledged().minor_units(), 800);  // as it stood
  const v1::DealState deal = Deal();
  EXPECT_EQ(deal.totals().pledged().minor_units(), 100);
  EXPECT_EQ(deal.totals().approved().minor_units(), 0);
  EXPECT_EQ(deal.totals().project_count(), 1u);
  EXPECT_EQ(deal.projects_withdrawn(), 1u);
  EXPECT_EQ(deal.headroom().minor_units(), 900);
  // The energy sector and Ohio had only "p".
  ASSERT_EQ(deal.by_sector_size(), 1);
  EXPECT_EQ(deal.by_sector(0).sector(), v1::SECTOR_METALS);
  ASSERT_EQ(deal.by_us_state_size(), 1);
  EXPECT_EQ(deal.by_us_state(0).us_state(), "TX");

  ExpectRuleBroken(Record(ApprovalData("p", 10, Day(2026, 3, 1))),
                   "project-standing", {"withdrawn by event \"w\""});
  ExpectRuleBroken(Record(ReviseEvent("w", Usd(700))), "amend-standing-event",
                   {"no longer counts"});
}

TEST_F(AmendmentsTest, AProjectWithMoneyDisbursedCannotBeWithdrawn) {
  RecordFundedProject();
  ExpectRuleBroken(Record(WithdrawEvent("p", "cancelled")),
                   "withdraw-undisbursed", {"has 200 USD"});
  EXPECT_EQ(ProjectProto("p").status(), v1::PROJECT_STATUS_FUNDING);
}

TEST_F(AmendmentsTest, ARetractionRemovesTheEffectAndKeepsDependentsWhole) {
  RecordFundedProject();
  ExpectRuleBroken(Record(RetractEvent("p", "no such project")),
                   "retract-dependents", {"600 USD"});
  ExpectRuleBroken(Record(RetractEvent("a", "no such approval")),
                   "disbursement-within-approval", {"below the 200 disbursed"});
  RecordOrFail(RetractEvent("d", "the money never moved"));
  RecordOrFail(RetractEvent("a", "no such approval"));
  const v1::ProjectState project = ProjectProto("p");
  EXPECT_EQ(project.disbursed().minor_units(), 0);
  EXPECT_THAT(project.disbursed_by_source(), IsEmpty());
  EXPECT_THAT(project.approvals(), IsEmpty());
  EXPECT_EQ(project.status(), v1::PROJECT_STATUS_ANNOUNCED);
  RecordOrFail(Named("x", RetractEvent("p", "the report was false")));
  EXPECT_EQ(ProjectProto("p").status(), v1::PROJECT_STATUS_RETRACTED);
  EXPECT_EQ(Deal().totals().pledged().minor_units(), 0);
  EXPECT_EQ(Deal().projects_retracted(), 1u);
}

TEST_F(AmendmentsTest, ACorrectionReplacesItsTargetsEffect) {
  RecordFundedProject();
  EventData right =
      DisbursementData("p", 150, Day(2026, 1, 6), v1::FUNDING_SOURCE_NEXI);
  RecordOrFail(Named("c", CorrectEvent("d", right)));
  const v1::ProjectState project = ProjectProto("p");
  EXPECT_EQ(project.disbursed().minor_units(), 150);
  ASSERT_EQ(project.disbursed_by_source_size(), 1);
  EXPECT_EQ(project.disbursed_by_source(0).funding_source(),
            v1::FUNDING_SOURCE_NEXI);
  EXPECT_EQ(Deal().totals().disbursed().minor_units(), 150);
  // The correction took effect when the disbursement did.
  EXPECT_EQ(ToAbslTime(log_.back().data().effective_time()), Day(2026, 1, 6));

  ExpectRuleBroken(
      Record(CorrectEvent("c", DisbursementData("q", 10, Day(2026, 1, 6)))),
      "correction-same-subject", {"project \"q\" is not project \"p\""});
  ExpectRuleBroken(Record(CorrectEvent("c", ApprovalData("p", 10, kDealDay))),
                   "correction-same-subject",
                   {"a disbursement with an approval"});
  EventData later = CorrectEvent("c", right);
  *later.mutable_effective_time() = events::Time(Day(2026, 2, 1));
  ExpectRuleBroken(Record(later), "correction-effective-time",
                   {"2026-01-06", "not 2026-02-01"});
}

TEST_F(AmendmentsTest, CorrectingAProjectMovesItInTheBreakdowns) {
  RecordFundedProject();
  RecordOrFail(CorrectEvent("p", ProjectData("p", v1::SECTOR_SEMICONDUCTORS,
                                             "AZ", 700, kProjectDay)));
  const v1::DealState deal = Deal();
  ASSERT_EQ(deal.by_sector_size(), 1);
  EXPECT_EQ(deal.by_sector(0).sector(), v1::SECTOR_SEMICONDUCTORS);
  EXPECT_EQ(deal.by_sector(0).totals().pledged().minor_units(), 700);
  EXPECT_EQ(deal.by_sector(0).totals().approved().minor_units(), 600);
  ASSERT_EQ(deal.by_us_state_size(), 1);
  EXPECT_EQ(deal.by_us_state(0).us_state(), "AZ");
  EXPECT_EQ(deal.totals().project_count(), 1u);
}

TEST_F(AmendmentsTest, FirmnessIsOnlyRaised) {
  RecordFundedProject();
  RecordOrFail(Named("f", RaiseFirmnessEvent("p", v1::FIRMNESS_CONFIRMED)));
  EXPECT_EQ(ProjectProto("p").firmness(), v1::FIRMNESS_CONFIRMED);
  EXPECT_EQ(ProjectProto("p").head_event_id(), "f");
  ExpectRuleBroken(Record(RaiseFirmnessEvent("f", v1::FIRMNESS_REPORTED)),
                   "firmness-raise-only", {"already FIRMNESS_CONFIRMED"});
  RecordOrFail(RaiseFirmnessEvent("deal", v1::FIRMNESS_CONFIRMED));
  EXPECT_EQ(Deal().firmness(), v1::FIRMNESS_CONFIRMED);
  // The figures are untouched.
  EXPECT_EQ(ProjectProto("p").pledged().minor_units(), 800);
  EXPECT_EQ(ProjectProto("p").approved().minor_units(), 600);
}

TEST_F(AmendmentsTest, TheDealAndTermsAreNotCorrectedOrRetracted) {
  RecordFundedProject();
  ExpectRuleBroken(Record(RetractEvent("deal", "no")), "amendable",
                   {"cannot be retracted"});
  ExpectRuleBroken(Record(ReviseEvent("d", Usd(1))), "amendable",
                   {"only a pledge, an allocation's cap or an approval"});
  ExpectRuleBroken(Record(WithdrawEvent("a", "no")), "amendable",
                   {"only a project is withdrawn"});
}

TEST_F(AmendmentsTest, ARestatementCountsTheSameMoneyOnce) {
  RecordOrFail(Named("deal", DealData(1000, kDealDay)));
  // "$550 for three projects", reported a week before they are announced.
  EventData report = Named(
      "report",
      ProjectData("three-projects", v1::SECTOR_OTHER, "", 550, kProjectDay));
  report.mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
  RecordOrFail(report);
  // The three at 200 each would exceed the ceiling next to the report.
  ExpectRuleBroken(
      Record(ProjectData("x", v1::SECTOR_ENERGY, "OH", 500, kProjectDay)),
      "pledge-within-ceiling", {"1050"});
  for (const std::string id : {"x", "y", "z"}) {
    EventData project =
        Named(id, ProjectData(id, v1::SECTOR_ENERGY, "OH", 200, kProjectDay));
    project.add_restates("report");
    RecordOrFail(project);
  }
  const v1::ProjectState restated = ProjectProto("three-projects");
  EXPECT_EQ(restated.status(), v1::PROJECT_STATUS_RESTATED);
  EXPECT_EQ(restated.supersession().by_event_id(), "x");
  EXPECT_THAT(ProjectProto("y").restates(), ElementsAre("report"));
  const v1::DealState deal = Deal();
  EXPECT_EQ(deal.totals().pledged().minor_units(), 600);
  EXPECT_EQ(deal.totals().project_count(), 3u);
  EXPECT_EQ(deal.projects_restated(), 1u);
}

TEST_F(AmendmentsTest, AProjectWithApprovalsIsNotRestated) {
  RecordFundedProject();
  EventData project =
      ProjectData("q", v1::SECTOR_ENERGY, "OH", 100, kProjectDay);
  project.add_restates("p");
  ExpectRuleBroken(Record(project), "restate-dependents", {"600 USD"});
  EventData approval = ApprovalData("p", 1, Day(2026, 1, 7));
  approval.add_restates("a");  // an approval restates nothing
  EXPECT_EQ(state_.CheckRules(Next(approval)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(AmendmentsTest, ATariffCorrectionKeepsItsPlaceInTheHistory) {
  RecordOrFail(Named("deal", DealData(1000, kDealDay)));
  RecordOrFail(Named("t1", TariffData("autos", 2750, Day(2025, 4, 3))));
  RecordOrFail(Named("t2", TariffData("autos", 1500, Day(2025, 9, 16))));
  RecordOrFail(CorrectEvent("t1", TariffData("autos", 2500, Day(2025, 4, 3))));
  std::vector<v1::TariffLine> lines;
  ASSERT_TRUE(
      state_.TariffsToProto(Day(2025, 5, 1), "autos", true, &lines).ok());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rate_bps(), 2500);
  ASSERT_EQ(lines[0].history_size(), 2);
  EXPECT_EQ(lines[0].history(0).rate_bps(), 2500);
  EXPECT_EQ(lines[0].history(0).event_id(), "t1");
  EXPECT_NE(lines[0].history(0).head_event_id(), "t1");
  RecordOrFail(RetractEvent("t2", "never signed"));
  ASSERT_TRUE(
      state_.TariffsToProto(Day(2026, 1, 1), "autos", true, &lines).ok());
  EXPECT_EQ(lines[0].rate_bps(), 2500);
  EXPECT_EQ(lines[0].history_size(), 1);
}

TEST_F(AmendmentsTest, AnAllocationCapRevisionKeepsWhatItHolds) {
  RecordOrFail(Named("deal", DealData(1000, kDealDay)));
  const v1::Money cap = Usd(500);
  RecordOrFail(
      Named("energy", events::AllocationEvent("energy", v1::SECTOR_ENERGY, &cap,
                                              kProjectDay, "", "")));
  EventData project =
      ProjectData("p", v1::SECTOR_ENERGY, "OH", 300, kProjectDay);
  project.mutable_announcement()->mutable_project()->set_allocation_id(
      "energy");
  RecordOrFail(project);
  ExpectRuleBroken(Record(ReviseEvent("energy", Usd(299))),
                   "pledge-within-allocation", {"below the 300"});
  ExpectRuleBroken(Record(ReviseEvent("energy", Usd(1001))),
                   "allocation-within-ceiling", {"1001"});
  RecordOrFail(ReviseEvent("energy", Usd(800)));
  EXPECT_EQ(Deal().allocated().minor_units(), 800);
  EXPECT_EQ(Deal().allocations(0).remaining().minor_units(), 500);
}

TEST_F(AmendmentsTest, SnapshotsKeepAmendmentsAndTheirHeads) {
  RecordFundedProject();
  RecordOrFail(Named("r1", ReviseEvent("a", Usd(500))));
  RecordOrFail(RaiseFirmnessEvent("p", v1::FIRMNESS_CONFIRMED));
  pactlog::internal::DealSnapshot snapshot;
  state_.ToSnapshot(&snapshot);
  absl::StatusOr<DealState> restored = DealState::FromSnapshot(snapshot);
  ASSERT_TRUE(restored.ok()) << restored.status();
  v1::DealState before, after;
  state_.ToProto(Day(2026, 6, 1), &before);
  restored->ToProto(Day(2026, 6, 1), &after);
  EXPECT_TRUE(ProtoEquals(after, before.DebugString()));
  // Where a lineage of the project may start, kept as well.
  ASSERT_GT(state_.projects().at("p").announced_sequence, 0u);
  EXPECT_EQ(restored->projects().at("p").announced_sequence,
            state_.projects().at("p").announced_sequence);
  state_ = *std::move(restored);
  ExpectRuleBroken(Record(ReviseEvent("a", Usd(400))), "amend-standing-event",
                   {"name \"r1\""});
  RecordOrFail(ReviseEvent("r1", Usd(400)));
  EXPECT_EQ(ProjectProto("p").approved().minor_units(), 400);
}

TEST_F(AmendmentsTest, AFoldWithoutTheTargetSkipsTheAmendment) {
  RecordFundedProject();
  RecordOrFail(ReviseEvent("a", Usd(500)));
  // The deal and the revision alone, as a subset of the log folds them.
  DealState subset;
  subset.Apply(log_.front());
  subset.Apply(log_.back());
  v1::DealState proto;
  subset.ToProto(Day(2026, 6, 1), &proto);
  EXPECT_EQ(proto.totals().approved().minor_units(), 0);
  EXPECT_EQ(proto.amendment_count(), 1u);
}

TEST_F(AmendmentsTest, LineageTracesEveryFigureToItsEvents) {
  RecordFundedProject();
  RecordOrFail(Named("r1", ReviseEvent("a", Usd(500))));
  RecordOrFail(Named(
      "c1", CorrectEvent("d", DisbursementData("p", 100, Day(2026, 1, 6)))));
  RecordOrFail(TariffData("autos", 1500, Day(2026, 1, 1)));  // not p's

  const std::vector<v1::LineageEntry> entries = Lineage("p");
  std::vector<std::string> ids;
  for (const v1::LineageEntry& entry : entries) ids.push_back(entry.event_id());
  EXPECT_THAT(ids, ElementsAre("p", "a", "d", "r1", "c1"));
  EXPECT_EQ(entries[3].change().approved().minor_units(), -100);
  EXPECT_EQ(entries[3].target_event_id(), "a");
  EXPECT_THAT(entries[3].summary(), HasSubstr("revises event \"a\" to 500"));
  EXPECT_EQ(entries[4].change().disbursed().minor_units(), -100);
  EXPECT_EQ(entries[4].kind(), v1::EVENT_KIND_AMENDMENT);
  // The deal's totals rest on the same events and the deal announcement.
  EXPECT_EQ(Lineage("").size(), 6u);
}

}  // namespace
}  // namespace pactlog::domain
