// DealQuery against a real server: the US-Japan facts read back exactly,
// "as of" a sequence, a recorded time and an effective time, paging,
// filters and the error codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

using ::testing::HasSubstr;

class DealQueryServiceTest : public ServerTest {
 protected:
  v1::GetDealResponse GetDeal(const std::string& deal_id,
                              v1::ReadOptions options = {}) {
    v1::GetDealRequest request;
    request.set_deal_id(deal_id);
    *request.mutable_options() = options;
    v1::GetDealResponse response;
    grpc::Status status =
        server_->query().GetDeal(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  v1::GetTariffsResponse GetTariffs(const std::string& deal_id,
                                    v1::ReadOptions options = {}) {
    v1::GetTariffsRequest request;
    request.set_deal_id(deal_id);
    *request.mutable_options() = options;
    v1::GetTariffsResponse response;
    grpc::Status status =
        server_->query().GetTariffs(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  void MustAppend(const v1::AppendRequest& request,
                  v1::AppendResponse* response = nullptr) {
    grpc::Status status = Append(*server_, request, response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // The US-Japan framework as reported (DOMAIN.md), in dollars.
  void RecordUsJapan() {
    MustAppend(Request("us-japan",
                       {DealEvent("US-Japan Strategic Investment Framework",
                                  550'000'000'000, Date(2025, 7, 22)),
                        TariffEvent("all-goods", 2500, Date(2025, 4, 5)),
                        TariffEvent("all-goods", 1500, Date(2025, 9, 16))}));
    MustAppend(
        Request("us-japan",
                {ProjectEvent("mitsubishi-ai-dc", v1::SECTOR_AI_INFRASTRUCTURE,
                              "VA", 30'000'000'000, Date(2025, 10, 28)),
                 ProjectEvent("tdk-components", v1::SECTOR_ELECTRONICS, "NC",
                              25'000'000'000, Date(2025, 10, 28)),
                 ProjectEvent("fujikura-fiber", v1::SECTOR_ELECTRONICS, "SC",
                              20'000'000'000, Date(2025, 10, 28)),
                 ProjectEvent("westinghouse-ap1000", v1::SECTOR_ENERGY, "PA",
                              100'000'000'000, Date(2025, 10, 28))}));
    // Feb 18, 2026: the first batch, announced and approved.
    MustAppend(Request(
        "us-japan",
        {ProjectEvent("gulf-lng", v1::SECTOR_OIL_AND_GAS, "TX", 10'000'000'000,
                      Date(2026, 2, 18)),
         ProjectEvent("ohio-gas-power", v1::SECTOR_ENERGY, "OH", 5'000'000'000,
                      Date(2026, 2, 18)),
         ProjectEvent("georgia-minerals", v1::SECTOR_CRITICAL_MINERALS, "GA",
                      3'000'000'000, Date(2026, 2, 18)),
         ApprovalEvent("gulf-lng", 10'000'000'000, Date(2026, 2, 18)),
         ApprovalEvent("ohio-gas-power", 5'000'000'000, Date(2026, 2, 18)),
         ApprovalEvent("georgia-minerals", 3'000'000'000, Date(2026, 2, 18)),
         DisbursementEvent("gulf-lng", 2'000'000'000, Date(2026, 3, 2))}));
  }
};

TEST_F(DealQueryServiceTest, UsJapanFactsReadBackExactly) {
  RecordUsJapan();
  v1::GetDealResponse response = GetDeal("us-japan");
  const v1::DealState& deal = response.deal();
  EXPECT_EQ(response.log_sequence(), 14u);
  EXPECT_EQ(deal.version(), 14u);
  EXPECT_EQ(deal.investor_country(), "JP");
  EXPECT_EQ(deal.commitment_ceiling().minor_units(), 55'000'000'000'000);
  // Pledged: 30+25+20+100+10+5+3 = 193 billion dollars.
  EXPECT_EQ(deal.totals().pledged().minor_units(), 19'300'000'000'000);
  EXPECT_EQ(deal.totals().approved().minor_units(), 1'800'000'000'000);
  EXPECT_EQ(deal.totals().disbursed().minor_units(), 200'000'000'000);
  EXPECT_EQ(deal.totals().pledged().currency_code(), "USD");
  EXPECT_EQ(deal.headroom().minor_units(), 35'700'000'000'000);
  EXPECT_EQ(deal.totals().project_count(), 7u);
  EXPECT_EQ(deal.projects_announced(), 4u);
  EXPECT_EQ(deal.projects_approved(), 2u);
  EXPECT_EQ(deal.projects_funding(), 1u);

  std::map<int, int64_t> pledged_by_sector;
  for (const v1::SectorTotals& s : deal.by_sector()) {
    pledged_by_sector[s.sector()] = s.totals().pledged().minor_units();
  }
  EXPECT_EQ(pledged_by_sector[v1::SECTOR_ENERGY], 10'500'000'000'000);
  EXPECT_EQ(pledged_by_sector[v1::SECTOR_ELECTRONICS], 4'500'000'000'000);
  std::map<std::string, int64_t> disbursed_by_state;
  for (const v1::UsStateTotals& s : deal.by_us_state()) {
    disbursed_by_state[s.us_state()] = s.totals().disbursed().minor_units();
  }
  EXPECT_EQ(disbursed_by_state["TX"], 200'000'000'000);
  EXPECT_EQ(disbursed_by_state["OH"], 0);

  // 25% before the executive order, 15% since: within the 15% cap.
  v1::GetTariffsResponse tariffs = GetTariffs("us-japan");
  ASSERT_EQ(tariffs.tariffs_size(), 1);
  EXPECT_TRUE(tariffs.tariffs(0).in_force());
  EXPECT_EQ(tariffs.tariffs(0).rate_bps(), 1500);
  EXPECT_FALSE(tariffs.tariffs(0).breaches_cap());
  ASSERT_EQ(tariffs.tariffs(0).history_size(), 2);
  EXPECT_EQ(tariffs.tariffs(0).history(0).rate_bps(), 2500);
  EXPECT_TRUE(tariffs.tariffs(0).history(0).exceeds_cap());
  EXPECT_TRUE(deal.cap_breaches().empty());
}

TEST_F(DealQueryServiceTest, TariffAboveTheCapIsRecordedAndShownAsABreach) {
  RecordUsJapan();
  MustAppend(
      Request("us-japan", {TariffEvent("all-goods", 2500, Date(2026, 6, 1))}));
  v1::ReadOptions options;
  *options.mutable_as_of()->mutable_effective_time() = Time(Date(2026, 7, 1));
  v1::GetDealResponse response = GetDeal("us-japan", options);
  ASSERT_EQ(response.deal().cap_breaches_size(), 1);
  EXPECT_EQ(response.deal().cap_breaches(0).rate_bps(), 2500);
  EXPECT_EQ(response.deal().cap_breaches(0).cap_bps(), 1500);
  EXPECT_EQ(response.deal().cap_breaches(0).sequence(), 15u);
}

TEST_F(DealQueryServiceTest, AsOfSequenceAnswersThePastState) {
  RecordUsJapan();
  v1::ReadOptions options;
  options.mutable_as_of()->set_sequence(
      7);  // after the four fall-2025 projects
  v1::GetDealResponse response = GetDeal("us-japan", options);
  EXPECT_EQ(response.log_sequence(), 7u);
  EXPECT_EQ(response.deal().version(), 7u);
  EXPECT_EQ(response.deal().totals().pledged().minor_units(),
            17'500'000'000'000);
  EXPECT_EQ(response.deal().totals().approved().minor_units(), 0);
}

TEST_F(DealQueryServiceTest, AsOfRecordedTimeAnswersWhatTheRecordKnewThen) {
  MustAppend(Request(
      "us-japan", {DealEvent("US-Japan", 550'000'000'000, Date(2025, 7, 22))}));
  const absl::Time first_day = clock_.Now();
  clock_.Advance(absl::Hours(24));
  MustAppend(Request("us-japan",
                     {ProjectEvent("gulf-lng", v1::SECTOR_OIL_AND_GAS, "TX",
                                   10'000'000'000, Date(2025, 8, 1))}));
  v1::ReadOptions options;
  *options.mutable_as_of()->mutable_recorded_time() =
      Time(first_day + absl::Hours(1));
  EXPECT_EQ(
      GetDeal("us-japan", options).deal().totals().pledged().minor_units(), 0);
  *options.mutable_as_of()->mutable_recorded_time() = Time(clock_.Now());
  EXPECT_EQ(
      GetDeal("us-japan", options).deal().totals().pledged().minor_units(),
      1'000'000'000'000);
}

TEST_F(DealQueryServiceTest, AsOfEffectiveTimeAnswersWhatWasInForceThen) {
  RecordUsJapan();
  v1::ReadOptions options;
  *options.mutable_as_of()->mutable_effective_time() = Time(Date(2025, 6, 1));
  // Before the deal took effect there is no deal.
  v1::GetDealRequest request;
  request.set_deal_id("us-japan");
  *request.mutable_options() = options;
  v1::GetDealResponse response;
  EXPECT_EQ(server_->query()
                .GetDeal(Context().get(), request, &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  *options.mutable_as_of()->mutable_effective_time() = Time(Date(2025, 8, 1));
  v1::GetTariffsResponse tariffs = GetTariffs("us-japan", options);
  ASSERT_EQ(tariffs.tariffs_size(), 1);
  EXPECT_EQ(tariffs.tariffs(0).rate_bps(), 2500);
  EXPECT_TRUE(tariffs.tariffs(0).breaches_cap());
  EXPECT_EQ(tariffs.evaluated_at().seconds(),
            absl::ToUnixSeconds(Date(2025, 8, 1)));

  // Tariffs answer before the deal too: the rate it is judged against, with
  // no cap yet.
  *options.mutable_as_of()->mutable_effective_time() = Time(Date(2025, 6, 1));
  tariffs = GetTariffs("us-japan", options);
  ASSERT_EQ(tariffs.tariffs_size(), 1);
  EXPECT_EQ(tariffs.tariffs(0).rate_bps(), 2500);
  EXPECT_FALSE(tariffs.tariffs(0).has_cap());
  // The history holds what is in force later too.
  EXPECT_EQ(tariffs.tariffs(0).history_size(), 2);

  *options.mutable_as_of()->mutable_effective_time() = Time(Date(2026, 1, 1));
  v1::GetDealResponse before_batch = GetDeal("us-japan", options);
  EXPECT_EQ(before_batch.deal().totals().pledged().minor_units(),
            17'500'000'000'000);
  EXPECT_EQ(before_batch.deal().tariffs(0).rate_bps(), 1500);
}

TEST_F(DealQueryServiceTest, ComplianceJudgesTheFirstBatchAtTheAsOfTime) {
  RecordUsJapan();
  v1::EventData terms = EventAt(Date(2025, 9, 4));
  terms.mutable_provenance()->set_asserted_by("US");
  terms.mutable_announcement()->mutable_terms()->set_funding_deadline_days(45);
  MustAppend(Request("us-japan", {terms}));
  auto compliance = [&](absl::Time at, const std::string& reading,
                        v1::GetComplianceResponse* out) {
    v1::GetComplianceRequest request;
    request.set_deal_id("us-japan");
    request.set_reading(reading);
    *request.mutable_options()->mutable_as_of()->mutable_effective_time() =
        Time(at);
    return server_->query().GetCompliance(Context().get(), request, out);
  };
  // Selected on Feb 18, 2026: due on April 4. gulf-lng's USD 2B of March 2
  // is not all of its 10B.
  v1::GetComplianceResponse response;
  ASSERT_TRUE(compliance(Date(2026, 4, 14), "", &response).ok());
  EXPECT_EQ(response.compliance().projects_overdue(), 3u);
  EXPECT_EQ(response.compliance().overdue_undisbursed().minor_units(),
            1'600'000'000'000);
  EXPECT_EQ(response.compliance().projects(0).days(), 10);
  // As of March 1 the disbursement of March 2 is not in force yet.
  ASSERT_TRUE(compliance(Date(2026, 3, 1), "", &response).ok());
  EXPECT_EQ(response.compliance().projects_not_yet_due(), 3u);
  for (const v1::ProjectCompliance& project :
       response.compliance().projects()) {
    EXPECT_EQ(project.disbursed().minor_units(), 0) << project.project_id();
  }
  // Without as_of the deal is judged at the server's clock, as it is in
  // force then: money dated ahead is not there yet.
  v1::GetComplianceRequest now;
  now.set_deal_id("us-japan");
  clock_.Set(Date(2026, 3, 1));
  ASSERT_TRUE(
      server_->query().GetCompliance(Context().get(), now, &response).ok());
  EXPECT_EQ(response.compliance().evaluated_at().seconds(),
            absl::ToUnixSeconds(Date(2026, 3, 1)));
  EXPECT_EQ(response.compliance().projects_not_yet_due(), 3u);
  EXPECT_EQ(response.compliance().projects(1).disbursed().minor_units(), 0);
  clock_.Set(Date(2026, 4, 14));
  ASSERT_TRUE(
      server_->query().GetCompliance(Context().get(), now, &response).ok());
  EXPECT_EQ(response.compliance().overdue_undisbursed().minor_units(),
            1'600'000'000'000);
  EXPECT_EQ(compliance(Date(2026, 3, 1), std::string(129, 'x'), &response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status status = compliance(Date(2026, 3, 1), "JP", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr(
                  "no terms of deal \"us-japan\" are asserted by \"JP\""));
}

TEST_F(DealQueryServiceTest, BothClocksTogetherAnswerWhatWeKnewOnD1AboutD2) {
  MustAppend(Request("us-japan",
                     {DealEvent("US-Japan", 550'000'000'000, Date(2025, 7, 22)),
                      TariffEvent("all-goods", 2500, Date(2025, 4, 5))}));
  const absl::Time d1 = clock_.Now();
  clock_.Advance(absl::Hours(24 * 30));
  // Learned later: a rate that took effect before d1.
  MustAppend(
      Request("us-japan", {TariffEvent("all-goods", 1500, Date(2025, 8, 7))}));
  v1::ReadOptions options;
  *options.mutable_as_of()->mutable_recorded_time() = Time(d1);
  *options.mutable_as_of()->mutable_effective_time() = Time(Date(2025, 9, 1));
  EXPECT_EQ(GetTariffs("us-japan", options).tariffs(0).rate_bps(), 2500);
  options.mutable_as_of()->clear_recorded_time();
  EXPECT_EQ(GetTariffs("us-japan", options).tariffs(0).rate_bps(), 1500);
}

TEST_F(DealQueryServiceTest,
       MinSequenceGivesReadYourWritesAndBeyondTheLogIsOutOfRange) {
  v1::AppendResponse appended;
  MustAppend(Request("us-japan", {DealEvent("US-Japan", 550'000'000'000,
                                            Date(2025, 7, 22))}),
             &appended);
  v1::ReadOptions options;
  options.set_min_sequence(appended.sequences(0));
  EXPECT_GE(GetDeal("us-japan", options).log_sequence(), appended.sequences(0));

  v1::GetDealRequest request;
  request.set_deal_id("us-japan");
  request.mutable_options()->set_min_sequence(99);
  v1::GetDealResponse response;
  grpc::Status status =
      server_->query().GetDeal(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(status.error_message(), HasSubstr("99"));
}

TEST_F(DealQueryServiceTest, UnknownDealAndProjectAreNotFound) {
  RecordUsJapan();
  v1::GetDealRequest deal;
  deal.set_deal_id("us-korea");
  v1::GetDealResponse deal_response;
  grpc::Status status =
      server_->query().GetDeal(Context().get(), deal, &deal_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("us-korea"));

  v1::GetProjectRequest project;
  project.set_deal_id("us-japan");
  project.set_project_id("nope");
  v1::GetProjectResponse project_response;
  status =
      server_->query().GetProject(Context().get(), project, &project_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("nope"));
}

TEST_F(DealQueryServiceTest, MalformedQueryIsInvalidArgumentNamingTheField) {
  v1::GetDealRequest request;
  request.set_deal_id("Not A Slug");
  request.mutable_options()
      ->mutable_as_of()
      ->mutable_effective_time()
      ->set_nanos(-1);
  v1::GetDealResponse response;
  grpc::Status status =
      server_->query().GetDeal(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("deal_id"));
  EXPECT_THAT(status.error_message(),
              HasSubstr("options.as_of.effective_time"));
}

TEST_F(DealQueryServiceTest, GetProjectReportsStatusAndFunding) {
  RecordUsJapan();
  v1::GetProjectRequest request;
  request.set_deal_id("us-japan");
  request.set_project_id("gulf-lng");
  v1::GetProjectResponse response;
  ASSERT_TRUE(
      server_->query().GetProject(Context().get(), request, &response).ok());
  const v1::ProjectState& project = response.project();
  EXPECT_EQ(project.status(), v1::PROJECT_STATUS_FUNDING);
  EXPECT_EQ(project.us_state(), "TX");
  EXPECT_EQ(project.undisbursed().minor_units(), 800'000'000'000);
  ASSERT_EQ(project.disbursed_by_source_size(), 1);
  EXPECT_EQ(project.disbursed_by_source(0).funding_source(),
            v1::FUNDING_SOURCE_JBIC);
  ASSERT_EQ(project.approvals_size(), 1);
  EXPECT_EQ(project.approvals(0).approving_body(), "US Investment Committee");
}

TEST_F(DealQueryServiceTest, ListProjectsFiltersAndPages) {
  RecordUsJapan();
  v1::ListProjectsRequest request;
  request.set_deal_id("us-japan");
  request.set_sector(v1::SECTOR_ENERGY);
  v1::ListProjectsResponse response;
  ASSERT_TRUE(
      server_->query().ListProjects(Context().get(), request, &response).ok());
  ASSERT_EQ(response.projects_size(), 2);
  EXPECT_EQ(response.projects(0).project_id(), "ohio-gas-power");
  EXPECT_EQ(response.projects(1).project_id(), "westinghouse-ap1000");

  request.clear_sector();
  request.set_status(v1::PROJECT_STATUS_APPROVED);
  response.Clear();
  ASSERT_TRUE(
      server_->query().ListProjects(Context().get(), request, &response).ok());
  EXPECT_EQ(response.projects_size(), 2);

  request.clear_status();
  request.set_page_size(3);
  std::vector<std::string> ids;
  do {
    response.Clear();
    ASSERT_TRUE(server_->query()
                    .ListProjects(Context().get(), request, &response)
                    .ok());
    for (const auto& p : response.projects()) ids.push_back(p.project_id());
    request.set_page_token(response.next_page_token());
  } while (!response.next_page_token().empty());
  EXPECT_EQ(ids.size(), 7u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

TEST_F(DealQueryServiceTest, ListProjectsByAllocationCountsItsEarmarks) {
  RecordUsJapan();
  const v1::Money cooling_cap = Usd(20'000'000'000);
  v1::EventData chillers = ProjectEvent("chillers", v1::SECTOR_ENERGY, "",
                                        1'000'000'000, Date(2025, 11, 1));
  chillers.mutable_announcement()->mutable_project()->set_allocation_id(
      "cooling");
  v1::EventData grid = ProjectEvent("grid", v1::SECTOR_ENERGY, "PA",
                                    2'000'000'000, Date(2025, 11, 1));
  grid.mutable_announcement()->mutable_project()->set_allocation_id("energy");
  MustAppend(Request(
      "us-japan", {AllocationEvent("energy", v1::SECTOR_ENERGY, nullptr,
                                   Date(2025, 10, 28)),
                   AllocationEvent("cooling", v1::SECTOR_ENERGY, &cooling_cap,
                                   Date(2025, 10, 28), "energy"),
                   chillers, grid}));
  auto list = [&](const std::string& allocation,
                  v1::ListProjectsResponse* response) {
    v1::ListProjectsRequest request;
    request.set_deal_id("us-japan");
    request.set_allocation_id(allocation);
    return server_->query().ListProjects(Context().get(), request, response);
  };
  v1::ListProjectsResponse response;
  ASSERT_TRUE(list("energy", &response).ok());
  ASSERT_EQ(response.projects_size(), 2);
  EXPECT_EQ(response.projects(0).project_id(), "chillers");
  EXPECT_EQ(response.projects(0).us_state(), "");
  EXPECT_EQ(response.projects(1).project_id(), "grid");
  response.Clear();
  ASSERT_TRUE(list("cooling", &response).ok());
  ASSERT_EQ(response.projects_size(), 1);
  EXPECT_EQ(response.projects(0).allocation_id(), "cooling");

  grpc::Status status = list("hvdc", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr(
                  "allocation \"hvdc\" is not announced in deal \"us-japan\""));
  status = list("Not A Slug", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("allocation_id"));

  // The deal's answer: what is allocated, and the site not yet known.
  const v1::DealState deal = GetDeal("us-japan").deal();
  // The uncapped energy allocation holds its $20B earmark and the $2B grid
  // pledge drawing on it directly.
  EXPECT_EQ(deal.allocated().minor_units(), 2'200'000'000'000);
  EXPECT_EQ(deal.allocated_share_bps(), 400);  // 22 of 550
  ASSERT_GT(deal.by_us_state_size(), 0);
  EXPECT_EQ(deal.by_us_state(0).us_state(), "");
  EXPECT_EQ(deal.by_us_state(0).totals().pledged().minor_units(),
            100'000'000'000);
}

TEST_F(DealQueryServiceTest, ListDealsPagesInIdOrderAndHonoursAsOf) {
  for (int i = 0; i < 5; ++i) {
    MustAppend(Request(absl::StrCat("deal-", i),
                       {DealEvent("D", 1000, Date(2025, 7, 22))}));
  }
  v1::ListDealsRequest request;
  request.set_page_size(2);
  std::vector<std::string> ids;
  v1::ListDealsResponse response;
  do {
    response.Clear();
    ASSERT_TRUE(
        server_->query().ListDeals(Context().get(), request, &response).ok());
    for (const auto& d : response.deals()) ids.push_back(d.deal_id());
    request.set_page_token(response.next_page_token());
  } while (!response.next_page_token().empty());
  EXPECT_EQ(ids, (std::vector<std::string>{"deal-0", "deal-1", "deal-2",
                                           "deal-3", "deal-4"}));

  v1::ListDealsRequest as_of;
  as_of.mutable_options()->mutable_as_of()->set_sequence(2);
  response.Clear();
  ASSERT_TRUE(
      server_->query().ListDeals(Context().get(), as_of, &response).ok());
  EXPECT_EQ(response.deals_size(), 2);
  EXPECT_EQ(response.log_sequence(), 2u);
}

}  // namespace
}  // namespace pactlog::testing
