// The demo record (demo/us-japan.jsonl) loads cleanly into a real pactlogd
// with pactctl, twice, and says what the reporting says.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pactlog/v1/query.pb.h"
#include "sdk/cpp/tests/pactlogd_process.h"
#include "sdk/pactctl/tests/pactctl_runner.h"

#ifndef PACTLOG_DEMO_FILE
#define PACTLOG_DEMO_FILE "demo/us-japan.jsonl"
#endif

namespace pactlog::testing {
namespace {

namespace v1 = ::pactlog::v1;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kBillionCents = 100'000'000'000;

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = PactlogdProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto dir = MakeTempDir("pactctl-demo-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    Result load = Pactl({"--json", "load", PACTLOG_DEMO_FILE});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    auto summary = Parse<google::protobuf::Struct>(load.out);
    ASSERT_EQ(summary.fields().at("events_recorded").number_value(), 27)
        << load.out;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Result Pactl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--address", server_->address()});
    return Pactctl(dir_, std::move(args)).Wait();
  }
  template <typename Message>
  Message Query(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    Result run = Pactl(std::move(args));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return Parse<Message>(run.out);
  }

  std::unique_ptr<PactlogdProcess> server_;
  std::string dir_;
};

TEST_F(DemoTest, JapanDealHasItsCeilingAndFirstBatch) {
  auto deal = Query<v1::GetDealResponse>({"deal", "us-japan-2025"});
  EXPECT_EQ(deal.deal().investor_country(), "JP");
  EXPECT_EQ(deal.deal().host_country(), "US");
  EXPECT_EQ(deal.deal().commitment_ceiling().minor_units(),
            550 * kBillionCents);
  // The first batch of February 2026: $33B + $2.1B + $0.6B, all approved,
  // nothing disbursed yet.
  EXPECT_EQ(deal.deal().totals().project_count(), 3u);
  EXPECT_EQ(deal.deal().totals().pledged().minor_units(), 3'570'000'000'000);
  EXPECT_EQ(deal.deal().totals().approved().minor_units(), 3'570'000'000'000);
  EXPECT_EQ(deal.deal().totals().disbursed().minor_units(), 0);
  ASSERT_EQ(deal.deal().by_us_state_size(), 3);
  EXPECT_EQ(deal.deal().by_us_state(0).us_state(), "GA");
  EXPECT_EQ(deal.deal().by_us_state(1).us_state(), "OH");
  EXPECT_EQ(deal.deal().by_us_state(2).us_state(), "TX");
  EXPECT_EQ(deal.deal().cap_breaches_size(), 0);
}

TEST_F(DemoTest, TariffInForceIsFifteenPercentAndWasAboveTheCapBefore) {
  auto now = Query<v1::GetTariffsResponse>({"tariffs", "us-japan-2025"});
  ASSERT_EQ(now.tariffs_size(), 2);
  for (const v1::TariffLine& line : now.tariffs()) {
    EXPECT_EQ(line.rate_bps(), 1500) << line.product_category();
    EXPECT_FALSE(line.breaches_cap());
  }
  // Between the framework and September 16, 2025 Japanese cars still paid
  // 27.5%: above the agreed 15% cap.
  auto before = Query<v1::GetTariffsResponse>(
      {"tariffs", "us-japan-2025", "--category", "autos", "--as-of-effective",
       "2025-09-01"});
  ASSERT_EQ(before.tariffs_size(), 1);
  EXPECT_EQ(before.tariffs(0).rate_bps(), 2750);
  EXPECT_TRUE(before.tariffs(0).breaches_cap());
  Result human = Pactl({"tariffs", "us-japan-2025"});
  EXPECT_THAT(human.out, HasSubstr("Executive Order 14345"));
}

TEST_F(DemoTest, ProjectsCarryTheirStatesAndSectors) {
  Result texas =
      Pactl({"--json", "projects", "us-japan-2025", "--state", "TX"});
  ASSERT_EQ(texas.exit_code, 0) << texas.err;
  auto items = JsonArray(texas.out);
  ASSERT_EQ(items.size(), 1u);
  auto project = Parse<v1::ProjectState>(items[0]);
  EXPECT_EQ(project.sector(), v1::SECTOR_OIL_AND_GAS);
  EXPECT_EQ(project.status(), v1::PROJECT_STATUS_APPROVED);
}

TEST_F(DemoTest, KoreaIsASecondDeal) {
  auto deal = Query<v1::GetDealResponse>({"deal", "us-korea-2025"});
  EXPECT_EQ(deal.deal().investor_country(), "KR");
  EXPECT_EQ(deal.deal().commitment_ceiling().minor_units(),
            350 * kBillionCents);
  auto october = Query<v1::GetTariffsResponse>(
      {"tariffs", "us-korea-2025", "--category", "autos", "--as-of-effective",
       "2025-10-01"});
  ASSERT_EQ(october.tariffs_size(), 1);
  EXPECT_EQ(october.tariffs(0).rate_bps(), 2500);
}

TEST_F(DemoTest, TheFactSheetAllocatesPartsOfTheJapanCeiling) {
  auto deal = Query<v1::GetDealResponse>({"deal", "us-japan-2025"});
  EXPECT_EQ(deal.deal().allocated().minor_units(), 320 * kBillionCents);
  EXPECT_EQ(deal.deal().unallocated().minor_units(), 230 * kBillionCents);
  EXPECT_EQ(deal.deal().allocated_share_bps(), 5818);
  std::map<std::string, v1::AllocationState> allocations;
  for (const v1::AllocationState& a : deal.deal().allocations()) {
    allocations[a.allocation_id()] = a;
  }
  ASSERT_EQ(allocations.size(), 7u);
  // Energy's amount is not reported: it holds its $20B cooling earmark and
  // the $33B Ohio gas plant that a correction moved into it.
  EXPECT_FALSE(allocations["energy"].has_cap());
  EXPECT_EQ(allocations["energy"].allocated().minor_units(),
            53 * kBillionCents);
  EXPECT_EQ(allocations["energy"].lead_companies(0).name(), "Westinghouse");
  EXPECT_EQ(allocations["cooling"].parent_allocation_id(), "energy");
  EXPECT_EQ(allocations["mitsubishi"].basis(), v1::ALLOCATION_BASIS_COMPANY);
  EXPECT_EQ(allocations["mitsubishi"].cap().minor_units(), 30 * kBillionCents);
  EXPECT_EQ(allocations["fact-sheet-sectors"].earmarked().minor_units(),
            128 * kBillionCents);

  Result human = Pactl({"allocations", "us-japan-2025"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out,
              HasSubstr("USD 320,000,000,000 allocated of the ceiling USD "
                        "550,000,000,000 (58.18%)"));
  EXPECT_THAT(human.out, HasSubstr("    cooling "));
  EXPECT_THAT(human.out, HasSubstr("Mitsubishi (JP)"));
}

TEST_F(DemoTest, TariffsBeforeTheDealAreAnswered) {
  // The framework takes effect on July 22, 2025; the rates it is judged
  // against were in force before.
  auto july = Query<v1::GetTariffsResponse>(
      {"tariffs", "us-japan-2025", "--as-of-effective", "2025-07-01"});
  ASSERT_EQ(july.tariffs_size(), 2);
  EXPECT_EQ(july.tariffs(0).product_category(), "all-goods");
  EXPECT_EQ(july.tariffs(0).rate_bps(), 1000);
  EXPECT_EQ(july.tariffs(1).rate_bps(), 2750);
  EXPECT_FALSE(july.tariffs(1).has_cap());
  EXPECT_FALSE(july.tariffs(1).breaches_cap());
  // The deal itself was not yet in force.
  Result deal =
      Pactl({"deal", "us-japan-2025", "--as-of-effective", "2025-07-01"});
  EXPECT_NE(deal.exit_code, 0);
}

TEST_F(DemoTest, ComplianceUsesTheUsReadingsFortyFiveDays) {
  auto response = Query<v1::GetComplianceResponse>(
      {"compliance", "us-japan-2025", "--as-of-effective", "2026-03-01"});
  const v1::ComplianceView& view = response.compliance();
  EXPECT_EQ(view.terms().asserted_by(), "US");
  EXPECT_EQ(view.terms().terms().funding_deadline_days(), 45);
  ASSERT_EQ(view.readings_size(), 2);
  EXPECT_EQ(view.readings(0).asserted_by(), "JP");
  EXPECT_NE(view.readings(0).terms().profit_sharing(),
            view.readings(1).terms().profit_sharing());
  // Selected on February 18, 2026: due on April 4; no disbursement is
  // reported.
  EXPECT_EQ(view.projects_not_yet_due(), 3u);
  auto may = Query<v1::GetComplianceResponse>(
      {"compliance", "us-japan-2025", "--as-of-effective", "2026-05-04"});
  EXPECT_EQ(may.compliance().projects_overdue(), 3u);
  EXPECT_EQ(may.compliance().projects(0).days(), 30);
  EXPECT_EQ(may.compliance().overdue_undisbursed().minor_units(),
            3'570'000'000'000);
}

constexpr char kOhio[] = "ohio-portsmouth-gas-power";
constexpr char kOhioAnnounced[] = "us-japan-2025/006-project-ohio";
constexpr char kOhioCorrected[] = "us-japan-2025/021-ohio-draws-on-energy";

TEST_F(DemoTest, LineageOfOhioShowsTheAnnouncementAndTheCorrection) {
  auto lineage = Query<v1::GetLineageResponse>(
      {"lineage", "us-japan-2025", "--project", kOhio});
  std::vector<std::string> ids;
  for (const v1::LineageEntry& entry : lineage.entries()) {
    ids.push_back(entry.event_id());
  }
  EXPECT_THAT(ids, ElementsAre(kOhioAnnounced, "us-japan-2025/009-approve-ohio",
                               kOhioCorrected));
  ASSERT_EQ(lineage.entries_size(), 3);
  EXPECT_EQ(lineage.entries(2).kind(), v1::EVENT_KIND_AMENDMENT);
  EXPECT_EQ(lineage.entries(2).target_event_id(), kOhioAnnounced);
  EXPECT_EQ(lineage.figures().pledged().minor_units(), 33 * kBillionCents);

  Result table = Pactl({"lineage", "us-japan-2025", "--project", kOhio});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out,
              ContainsRegex("us-japan-2025/006-project-ohio +announcement +"
                            "2026-02-18 .* pledged \\+USD 33,000,000,000 "));
  EXPECT_THAT(table.out, ContainsRegex("us-japan-2025/021-ohio-draws-on-energy "
                                       "+amendment .* corrects"));
}

TEST_F(DemoTest, BeforeTheCorrectionOhioDrewOnNoAllocation) {
  // The demo record's last request is the correction.
  auto lineage = Query<v1::GetLineageResponse>(
      {"lineage", "us-japan-2025", "--project", kOhio});
  ASSERT_EQ(lineage.entries_size(), 3);
  const uint64_t corrected = lineage.entries(2).sequence();
  EXPECT_EQ(corrected, lineage.log_sequence());

  Result before = Pactl({"project", "us-japan-2025", kOhio, "--as-of-sequence",
                         std::to_string(corrected - 1)});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_THAT(before.out, Not(HasSubstr("allocation")));
  EXPECT_THAT(before.out, Not(HasSubstr("head event")));
  auto json_before = Query<v1::GetProjectResponse>(
      {"project", "us-japan-2025", kOhio, "--as-of-sequence",
       std::to_string(corrected - 1)});
  EXPECT_EQ(json_before.project().allocation_id(), "");

  Result live = Pactl({"project", "us-japan-2025", kOhio});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  EXPECT_THAT(live.out, HasSubstr("\nallocation   energy\n"));
  EXPECT_THAT(live.out,
              HasSubstr("\nevent        us-japan-2025/006-project-ohio\n"
                        "head event   us-japan-2025/021-ohio-draws-on-"
                        "energy\n"));
  EXPECT_THAT(live.out, HasSubstr("\nrestates     us-japan-2025/005a-report-"
                                  "three-projects\n"));
}

TEST_F(DemoTest, TheDealCountsTheCorrectionAndTheRestatedReport) {
  Result deal = Pactl({"deal", "us-japan-2025"});
  ASSERT_EQ(deal.exit_code, 0) << deal.err;
  EXPECT_THAT(deal.out, ContainsRegex("\namendments +1\n"));
  EXPECT_THAT(deal.out, ContainsRegex("\nno longer counted +0 withdrawn, 0 "
                                      "retracted, 1 restated\n"));
  Result first =
      Pactl({"project", "us-japan-2025", "three-strategic-projects"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("superseded   restated by " +
                                   std::string(kOhioAnnounced)));
}

TEST_F(DemoTest, TailDescribesTheCorrectionAndTheRestatements) {
  Result tail = Pactl({"tail", "--deal", "us-japan-2025", "--kind", "amendment",
                       "--limit", "1"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  EXPECT_THAT(tail.out,
              HasSubstr("corrects us-japan-2025/006-project-ohio to project "
                        "announced: ohio-portsmouth-gas-power \"Portsmouth "
                        "Powered Land"));
  EXPECT_THAT(tail.out, HasSubstr("pledged USD 33,000,000,000 from energy"));
  EXPECT_THAT(tail.out, HasSubstr("; reason: recorded before the fact sheet"));
  // The deals load in parallel: find Ohio's announcement by its text.
  Result all = Pactl({"tail", "--deal", "us-japan-2025", "--limit", "22"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  std::string ohio;
  for (const std::string& line : Lines(all.out)) {
    if (line.find("  project announced: ohio-portsmouth-gas-power") !=
        std::string::npos) {
      ohio = line;
    }
  }
  EXPECT_THAT(ohio, HasSubstr("pledged USD 33,000,000,000; sponsors SB Energy "
                              "(SoftBank Group); restates "
                              "us-japan-2025/005a-report-three-projects  ["));
}

TEST_F(DemoTest, LoadingAgainRecordsNothing) {
  Result again = Pactl({"--json", "load", PACTLOG_DEMO_FILE});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto summary = Parse<google::protobuf::Struct>(again.out);
  EXPECT_EQ(summary.fields().at("events_recorded").number_value(), 0);
  EXPECT_EQ(summary.fields().at("events_deduplicated").number_value(), 27);
}

}  // namespace
}  // namespace pactlog::testing
