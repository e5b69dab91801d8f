// Amendments, restatements and lineage through the real server: the
// ledger resolves what an amendment names, queries as of a recorded time
// show the record before and after a correction, a restart replays them,
// GetLineage traces the figures, and subscribers filter them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::EventData Named(const std::string& id, v1::EventData data) {
  data.set_event_id(id);
  return data;
}

class AmendmentServiceTest : public ServerTest {
 protected:
  void MustAppend(const v1::AppendRequest& request) {
    v1::AppendResponse response;
    grpc::Status status = Append(*server_, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    clock_.Advance(absl::Hours(1));
  }

  // us-japan with project "diamonds" (USD 600M) approved for 600M ("a")
  // and disbursed 200M ("d").
  void RecordDeal() {
    // Recorded after the events take effect, as in the world.
    clock_.Set(Date(2026, 6, 1));
    MustAppend(Request(
        "us-japan",
        {Named("deal",
               DealEvent("US-Japan", 550'000'000'000, Date(2025, 7, 22))),
         Named("diamonds",
               ProjectEvent("diamonds", v1::SECTOR_CRITICAL_MINERALS, "GA",
                            600'000'000, Date(2026, 2, 18))),
         Named("a", ApprovalEvent("diamonds", 600'000'000, Date(2026, 2, 18))),
         Named("d",
               DisbursementEvent("diamonds", 200'000'000, Date(2026, 3, 1)))}));
  }

  v1::ProjectState Project(const std::string& id, const v1::AsOf& as_of = {}) {
    v1::GetProjectRequest request;
    request.set_deal_id("us-japan");
    request.set_project_id(id);
    *request.mutable_options()->mutable_as_of() = as_of;
    v1::GetProjectResponse response;
    grpc::Status status =
        server_->query().GetProject(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.project();
  }

  grpc::Status Lineage(const std::string& project_id,
                       const std::string& page_token, int page_size,
                       v1::GetLineageResponse* response,
                       const v1::AsOf& as_of = {}) {
    v1::GetLineageRequest request;
    request.set_deal_id("us-japan");
    request.set_project_id(project_id);
    request.set_page_token(page_token);
    request.set_page_size(page_size);
    *request.mutable_options()->mutable_as_of() = as_of;
    return server_->query().GetLineage(Context().get(), request, response);
  }
};

TEST_F(AmendmentServiceTest,
       AsOfARecordedTimeShowsTheFigureBeforeAndAfterItsCorrection) {
  RecordDeal();
  // After the deal was recorded, before the correction was.
  const absl::Time before = clock_.Now() - absl::Minutes(30);
  MustAppend(Request(
      "us-japan",
      {Named("fix", CorrectEvent("a", ApprovalEvent("diamonds", 500'000'000,
                                                    Date(2026, 2, 18))))}));
  const absl::Time after = clock_.Now();

  EXPECT_EQ(Project("diamonds").approved().minor_units(), 50'000'000'000);
  v1::AsOf then;
  *then.mutable_recorded_time() = Time(before);
  EXPECT_EQ(Project("diamonds", then).approved().minor_units(), 60'000'000'000);
  EXPECT_EQ(Project("diamonds", then).approvals(0).head_event_id(), "a");
  v1::AsOf now;
  *now.mutable_recorded_time() = Time(after);
  EXPECT_EQ(Project("diamonds", now).approved().minor_units(), 50'000'000'000);
  EXPECT_EQ(Project("diamonds", now).approvals(0).head_event_id(), "fix");
  // The correction takes effect when the approval did: as of an effective
  // time after it, the corrected figure was in force.
  v1::AsOf in_force;
  *in_force.mutable_effective_time() = Time(Date(2026, 2, 20));
  EXPECT_EQ(Project("diamonds", in_force).approved().minor_units(),
            50'000'000'000);

  // The stored amendment carries what it named, as the server resolved it.
  v1::ReadRequest read;
  read.set_after_sequence(4);
  v1::ReadResponse events;
  ASSERT_TRUE(server_->stream().Read(Context().get(), read, &events).ok());
  ASSERT_EQ(events.events_size(), 1);
  const v1::Event& stored = events.events(0);
  ASSERT_EQ(stored.references_size(), 1);
  EXPECT_EQ(stored.references(0).event_id(), "a");
  EXPECT_EQ(stored.references(0).sequence(), 3u);
  EXPECT_EQ(stored.references(0).origin().approval().amount().minor_units(),
            60'000'000'000);
  EXPECT_EQ(stored.data().effective_time().seconds(),
            absl::ToUnixSeconds(Date(2026, 2, 18)));
}

TEST_F(AmendmentServiceTest, ARevisionIsInForceFromItsOwnEffectiveTime) {
  RecordDeal();
  v1::EventData revise = ReviseEvent("a", Usd(400'000'000));
  *revise.mutable_effective_time() = Time(Date(2026, 5, 1));
  ASSERT_TRUE(Append(*server_, Request("us-japan", {revise})).ok());
  v1::AsOf april;
  *april.mutable_effective_time() = Time(Date(2026, 4, 1));
  EXPECT_EQ(Project("diamonds", april).approved().minor_units(),
            60'000'000'000);
  EXPECT_EQ(Project("diamonds").approved().minor_units(), 40'000'000'000);
}

TEST_F(AmendmentServiceTest, ReferencesAreCheckedBeforeAnythingIsRecorded) {
  RecordDeal();
  MustAppend(
      Request("us-korea", {Named("korea", DealEvent("US-Korea", 350'000'000'000,
                                                    Date(2025, 11, 14)))}));
  v1::AppendResponse response;
  grpc::Status status = Append(
      *server_, Request("us-japan", {ReviseEvent("nope", Usd(1))}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(),
              HasSubstr("events[0].amendment.target_event_id: event \"nope\" "
                        "is not recorded"));
  status = Append(*server_,
                  Request("us-japan", {RetractEvent("korea", "wrong deal")}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              HasSubstr("rule amend-same-deal: events[0].amendment."
                        "target_event_id names event \"korea\" of deal "
                        "\"us-korea\""));
  v1::EventData restating = ProjectEvent("ga-2", v1::SECTOR_CRITICAL_MINERALS,
                                         "GA", 1'000'000, Date(2026, 3, 1));
  restating.add_restates("missing");
  status = Append(*server_, Request("us-japan", {restating}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("events[0].restates[0]"));
  // A stale name is refused with the one to use, and nothing was recorded.
  MustAppend(
      Request("us-japan", {Named("r1", ReviseEvent("a", Usd(500'000'000)))}));
  status = Append(*server_, Request("us-japan", {ReviseEvent("a", Usd(1))}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              HasSubstr("rule amend-standing-event: event \"a\" no longer "
                        "stands: event \"r1\""));
  EXPECT_EQ(Project("diamonds").approved().minor_units(), 50'000'000'000);
}

TEST_F(AmendmentServiceTest, AnAmendmentMayNameAnEarlierEventOfItsRequest) {
  clock_.Set(Date(2026, 6, 1));
  // A figure is as firm as the source of its latest value.
  v1::EventData reported_revision = ReviseEvent("p", Usd(2'000'000));
  reported_revision.mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
  MustAppend(Request(
      "us-japan",
      {Named("deal", DealEvent("US-Japan", 550'000'000'000, Date(2025, 7, 22))),
       Named("p", ProjectEvent("p", v1::SECTOR_ENERGY, "OH", 1'000'000,
                               Date(2026, 1, 1))),
       Named("up", reported_revision),
       RaiseFirmnessEvent("up", v1::FIRMNESS_CONFIRMED)}));
  const v1::ProjectState project = Project("p");
  EXPECT_EQ(project.pledged().minor_units(), 200'000'000);
  EXPECT_EQ(project.firmness(), v1::FIRMNESS_CONFIRMED);
}

TEST_F(AmendmentServiceTest, ARestartReplaysAmendmentsAndRestatements) {
  RecordDeal();
  v1::EventData report =
      Named("report", ProjectEvent("three", v1::SECTOR_OTHER, "",
                                   55'000'000'000, Date(2026, 2, 11)));
  report.mutable_provenance()->set_firmness(v1::FIRMNESS_REPORTED);
  MustAppend(Request("us-japan", {report}));
  v1::EventData announced = ProjectEvent("ohio", v1::SECTOR_ENERGY, "OH",
                                         33'000'000'000, Date(2026, 2, 18));
  announced.add_restates("report");
  MustAppend(Request(
      "us-japan",
      {announced,
       Named("c", CorrectEvent("d", DisbursementEvent("diamonds", 150'000'000,
                                                      Date(2026, 3, 1))))}));
  v1::GetDealRequest get;
  get.set_deal_id("us-japan");
  v1::GetDealResponse live;
  ASSERT_TRUE(server_->query().GetDeal(Context().get(), get, &live).ok());
  EXPECT_EQ(live.deal().totals().pledged().minor_units(),
            60'000'000'000 + 3'300'000'000'000);
  EXPECT_EQ(live.deal().projects_restated(), 1u);
  EXPECT_EQ(live.deal().totals().disbursed().minor_units(), 15'000'000'000);

  Restart();
  v1::GetDealResponse replayed;
  ASSERT_TRUE(server_->query().GetDeal(Context().get(), get, &replayed).ok());
  replayed.mutable_deal()->clear_tariffs_evaluated_at();
  live.mutable_deal()->clear_tariffs_evaluated_at();
  EXPECT_EQ(replayed.deal().DebugString(), live.deal().DebugString());
  EXPECT_EQ(Project("three").status(), v1::PROJECT_STATUS_RESTATED);
  // The heads survived the restart.
  EXPECT_EQ(
      Append(*server_, Request("us-japan", {RetractEvent("d", "superseded")}))
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(AmendmentServiceTest, LineagePagesThroughTheEventsBehindAProject) {
  RecordDeal();
  MustAppend(
      Request("us-japan", {Named("r1", ReviseEvent("a", Usd(500'000'000)))}));
  MustAppend(
      Request("us-japan", {TariffEvent("autos", 1500, Date(2025, 9, 16))}));
  std::vector<std::string> ids;
  std::string token;
  int64_t approved = 0;
  for (int page = 0; page < 10; ++page) {
    v1::GetLineageResponse response;
    grpc::Status status = Lineage("diamonds", token, 2, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.figures().approved().minor_units(), 50'000'000'000);
    EXPECT_EQ(response.figures().pledged().minor_units(), 60'000'000'000);
    for (const v1::LineageEntry& entry : response.entries()) {
      ids.push_back(entry.event_id());
      approved += entry.change().approved().minor_units();
    }
    token = response.next_page_token();
    if (token.empty()) break;
  }
  EXPECT_THAT(ids, ElementsAre("diamonds", "a", "d", "r1"));
  EXPECT_EQ(approved, 50'000'000'000);

  // As of before the revision was recorded, it is not there.
  v1::AsOf before;
  before.set_sequence(4);
  v1::GetLineageResponse past;
  ASSERT_TRUE(Lineage("diamonds", "", 100, &past, before).ok());
  EXPECT_EQ(past.entries_size(), 3);
  EXPECT_EQ(past.figures().approved().minor_units(), 60'000'000'000);
  EXPECT_EQ(past.log_sequence(), 4u);
}

TEST_F(AmendmentServiceTest, LineageRefusesBadRequestsByName) {
  RecordDeal();
  v1::GetLineageResponse response;
  grpc::Status status = Lineage("nope", "", 10, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(),
              HasSubstr("project \"nope\" is not announced in deal "
                        "\"us-japan\""));
  status = Lineage("diamonds", "x", 10, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  v1::GetLineageRequest both;
  both.set_deal_id("us-japan");
  both.set_project_id("diamonds");
  both.set_allocation_id("energy");
  status = server_->query().GetLineage(Context().get(), both, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("allocation_id"));
  v1::GetLineageRequest deal;
  deal.set_deal_id("us-japan");
  ASSERT_TRUE(
      server_->query().GetLineage(Context().get(), deal, &response).ok());
  EXPECT_EQ(response.figures().pledged().minor_units(), 60'000'000'000);
  EXPECT_EQ(response.entries_size(), 4);
}

TEST_F(AmendmentServiceTest, SubscribersFilterAmendmentsByKindAndSubject) {
  RecordDeal();
  MustAppend(
      Request("us-japan", {TariffEvent("autos", 2750, Date(2025, 4, 3)),
                           Named("r1", ReviseEvent("a", Usd(500'000'000)))}));
  v1::ReadRequest read;
  read.mutable_filter()->add_kinds(v1::EVENT_KIND_AMENDMENT);
  v1::ReadResponse events;
  ASSERT_TRUE(server_->stream().Read(Context().get(), read, &events).ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).data().event_id(), "r1");
  // An amendment is about its target's project, of its sector.
  v1::ReadRequest minerals;
  minerals.mutable_filter()->add_sectors(v1::SECTOR_CRITICAL_MINERALS);
  ASSERT_TRUE(server_->stream().Read(Context().get(), minerals, &events).ok());
  std::vector<std::string> ids;
  for (const v1::Event& event : events.events()) {
    ids.push_back(event.data().event_id());
  }
  EXPECT_THAT(ids, ElementsAre("diamonds", "a", "d", "r1"));
}

}  // namespace
}  // namespace pactlog::testing
