// pactctl, the binary, against a real pactlogd: every subcommand, its JSON
// output parsed back, its exit codes and error messages.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pactlog/v1/admin.pb.h"
#include "pactlog/v1/ledger.pb.h"
#include "pactlog/v1/query.pb.h"
#include "pactlog/v1/stream.pb.h"
#include "sdk/cpp/tests/pactlogd_process.h"
#include "sdk/cpp/tests/test_certs.h"
#include "sdk/pactctl/tests/pactctl_runner.h"

namespace pactlog::testing {
namespace {

namespace v1 = ::pactlog::v1;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kJapanDeal[] = R"([
  {"event_id": "jp.deal", "effective_time": "2025-07-22T00:00:00Z",
   "provenance": {"source": "https://example.org/eo", "firmness": "FIRMNESS_CONFIRMED"},
   "announcement": {"deal": {"title": "US-Japan framework", "investor_country": "JP",
     "host_country": "US",
     "commitment_ceiling": {"currency_code": "USD", "minor_units": "55000000000000"},
     "tariff_caps": [{"product_category": "all-goods", "max_rate_bps": 1500}]}}},
  {"event_id": "jp.autos.1", "effective_time": "2025-04-03T04:01:00Z",
   "provenance": {"source": "https://example.org/p", "firmness": "FIRMNESS_REPORTED"},
   "tariff_change": {"product_category": "autos", "rate_bps": 2750,
     "legal_instrument": "Proclamation 10908"}},
  {"event_id": "jp.autos.2", "effective_time": "2025-09-16T04:01:00Z",
   "provenance": {"source": "https://example.org/eo", "firmness": "FIRMNESS_CONFIRMED"},
   "tariff_change": {"product_category": "autos", "rate_bps": 1500,
     "legal_instrument": "Executive Order 14345"}}
])";

constexpr char kProjects[] = R"([
  {"event_id": "jp.p.ohio", "effective_time": "2026-02-17T00:00:00Z",
   "provenance": {"source": "https://example.org/c", "firmness": "FIRMNESS_OFFICIALLY_ANNOUNCED"},
   "announcement": {"project": {"project_id": "ohio-power", "name": "Ohio gas power plant",
     "sector": "SECTOR_ENERGY", "us_state": "OH", "sponsors": ["SB Energy"],
     "pledged": {"currency_code": "USD", "minor_units": "3300000000000"}}}},
  {"event_id": "jp.p.texas", "effective_time": "2026-02-17T00:00:00Z",
   "provenance": {"source": "https://example.org/c", "firmness": "FIRMNESS_OFFICIALLY_ANNOUNCED"},
   "announcement": {"project": {"project_id": "texas-crude", "name": "Texas crude terminal",
     "sector": "SECTOR_OIL_AND_GAS", "us_state": "TX",
     "pledged": {"currency_code": "USD", "minor_units": "210000000000"}}}},
  {"event_id": "jp.a.ohio", "effective_time": "2026-02-17T00:00:00Z",
   "provenance": {"source": "https://example.org/c", "firmness": "FIRMNESS_OFFICIALLY_ANNOUNCED"},
   "approval": {"project_id": "ohio-power", "approving_body": "US Investment Committee",
     "amount": {"currency_code": "USD", "minor_units": "3300000000000"}}}
])";

constexpr char kAllocations[] = R"([
  {"event_id": "jp.al.energy", "effective_time": "2025-10-28T00:00:00Z",
   "provenance": {"source": "https://example.org/fs", "firmness": "FIRMNESS_REPORTED"},
   "announcement": {"allocation": {"allocation_id": "energy", "name": "Energy",
     "basis": "ALLOCATION_BASIS_SECTOR", "sector": "SECTOR_ENERGY",
     "lead_companies": [{"name": "Westinghouse", "country": "US"}]}}},
  {"event_id": "jp.al.cooling", "effective_time": "2025-10-28T00:00:00Z",
   "provenance": {"source": "https://example.org/fs", "firmness": "FIRMNESS_REPORTED"},
   "announcement": {"allocation": {"allocation_id": "cooling", "name": "Cooling",
     "basis": "ALLOCATION_BASIS_SECTOR", "sector": "SECTOR_ENERGY",
     "cap": {"currency_code": "USD", "minor_units": "2000000000000"},
     "parent_allocation_id": "energy", "scope": "cooling infrastructure"}}},
  {"event_id": "jp.p.chillers", "effective_time": "2026-02-17T00:00:00Z",
   "provenance": {"source": "https://example.org/c", "firmness": "FIRMNESS_OFFICIALLY_ANNOUNCED"},
   "announcement": {"project": {"project_id": "chillers", "name": "Grid chillers",
     "sector": "SECTOR_ENERGY", "allocation_id": "cooling",
     "pledged": {"currency_code": "USD", "minor_units": "500000000000"}}}},
  {"event_id": "jp.autos.parts", "effective_time": "2025-10-01T04:01:00Z",
   "provenance": {"source": "https://example.org/eo", "firmness": "FIRMNESS_CONFIRMED"},
   "tariff_change": {"product_categories": ["auto-parts", "trucks"], "rate_bps": 1500,
     "legal_instrument": "Executive Order 14345 annex"}}
])";

// Sequences 7..11 after kJapanDeal and kProjects: a revision of Ohio's
// approval, Texas withdrawn, Ohio's report confirmed, and an allocation
// announced then retracted.
constexpr char kAmendments[] = R"([
  {"event_id": "jp.r.ohio", "effective_time": "2026-03-01T00:00:00Z",
   "provenance": {"source": "https://example.org/r", "firmness": "FIRMNESS_OFFICIALLY_ANNOUNCED"},
   "amendment": {"target_event_id": "jp.a.ohio",
     "revised_amount": {"currency_code": "USD", "minor_units": "3000000000000"}}},
  {"event_id": "jp.w.texas", "effective_time": "2026-03-02T00:00:00Z",
   "provenance": {"source": "https://example.org/w", "firmness": "FIRMNESS_OFFICIALLY_ANNOUNCED"},
   "amendment": {"target_event_id": "jp.p.texas", "reason": "sponsor pulled out",
     "withdrawal": {}}},
  {"event_id": "jp.f.ohio",
   "provenance": {"source": "https://example.org/f", "firmness": "FIRMNESS_CONFIRMED"},
   "amendment": {"target_event_id": "jp.p.ohio",
     "raised_firmness": "FIRMNESS_CONFIRMED"}},
  {"event_id": "jp.al.tdk", "effective_time": "2025-10-28T00:00:00Z",
   "provenance": {"source": "https://example.org/fs", "firmness": "FIRMNESS_REPORTED"},
   "announcement": {"allocation": {"allocation_id": "tdk", "name": "TDK",
     "basis": "ALLOCATION_BASIS_COMPANY", "sector": "SECTOR_ELECTRONICS",
     "cap": {"currency_code": "USD", "minor_units": "2500000000000"},
     "lead_companies": [{"name": "TDK", "country": "JP"}]}}},
  {"event_id": "jp.x.tdk",
   "provenance": {"source": "https://example.org/x", "firmness": "FIRMNESS_CONFIRMED"},
   "amendment": {"target_event_id": "jp.al.tdk", "reason": "misreported",
     "retraction": {}}}
])";

class PactctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = PactlogdProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto dir = MakeTempDir("pactctl-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  Result Pactl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--address", server_->address()});
    return Pactctl(dir_, std::move(args), input).Wait();
  }
  void AppendJapan() {
    Result deal = Pactl({"append", "us-japan", "--events", kJapanDeal});
    ASSERT_EQ(deal.exit_code, 0) << deal.err;
    Result projects = Pactl({"append", "us-japan", "--events", "-"}, kProjects);
    ASSERT_EQ(projects.exit_code, 0) << projects.err;
  }
  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::unique_ptr<PactlogdProcess> server_;
  std::string dir_;
};

TEST_F(PactctlTest, HealthIsServing) {
  Result human = Pactl({"health"});
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("SERVING"));
  Result json = Pactl({"--json", "health"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_THAT(json.out, HasSubstr("\"status\":\"SERVING\""));
}

TEST_F(PactctlTest, VerifyChecksTheChainFromAPinnedHash) {
  Result deal = Pactl({"append", "us-japan", "--events", kJapanDeal});
  ASSERT_EQ(deal.exit_code, 0) << deal.err;
  // An auditor pins the chain head they were shown at sequence 3, printed
  // in hex as --trusted-hash takes it.
  Result shown = Pactl({"--json", "deal", "us-japan"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const std::string pinned = Parse<google::protobuf::Struct>(shown.out)
                                 .fields()
                                 .at("chain_head")
                                 .string_value();
  ASSERT_THAT(pinned, ::testing::MatchesRegex("[0-9a-f]{64}"));
  Result table = Pactl({"deal", "us-japan"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, ContainsRegex(absl::StrCat("\nchain head +", pinned,
                                                    " \\(at sequence 3\\)\n")));
  // The event's own hash, in tail's JSON, is the same hex.
  Result third =
      Pactl({"--json-lines", "tail", "--after", "2", "--limit", "1"});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(Parse<google::protobuf::Struct>(third.out)
                .fields()
                .at("hash")
                .string_value(),
            pinned);
  Result projects = Pactl({"append", "us-japan", "--events", "-"}, kProjects);
  ASSERT_EQ(projects.exit_code, 0) << projects.err;

  Result all = Pactl({"verify"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("chain intact after sequence 0 through "
                                 "sequence 6"));
  Result from_pin =
      Pactl({"--json", "verify", "--after", "3", "--trusted-hash", pinned});
  EXPECT_EQ(from_pin.exit_code, 0) << from_pin.err;
  auto response = Parse<google::protobuf::Struct>(from_pin.out).fields();
  EXPECT_EQ(response.at("verified_through").string_value(), "6");
  EXPECT_EQ(response.at("first_broken_sequence").string_value(), "0");
  // The head hash, in hex as the deal's chain head at sequence 6.
  Result head = Pactl({"--json", "deal", "us-japan"});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_EQ(response.at("head_hash").string_value(),
            Parse<google::protobuf::Struct>(head.out)
                .fields()
                .at("chain_head")
                .string_value());

  // A pin that does not match what the log holds: broken there, exit 4.
  std::string wrong = pinned;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  Result mismatch = Pactl({"verify", "--after", "3", "--trusted-hash", wrong});
  EXPECT_EQ(mismatch.exit_code, 4) << mismatch.out << mismatch.err;
  EXPECT_THAT(mismatch.out, HasSubstr("BROKEN at sequence 3"));
  EXPECT_THAT(mismatch.out, HasSubstr(wrong));

  Result malformed = Pactl({"verify", "--trusted-hash", "abc"});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_THAT(malformed.err, HasSubstr("--trusted-hash"));
}

TEST_F(PactctlTest, BackupWritesACopyThatServesTheSameState) {
  AppendJapan();
  const std::string copy = dir_ + "/backup-1";
  Result backup = Pactl({"--json", "backup", copy});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  auto response = Parse<v1::BackupResponse>(backup.out);
  EXPECT_EQ(response.sequence(), 6u);
  EXPECT_EQ(response.directory(), copy);
  EXPECT_GT(response.bytes(), 0u);
  // Never overwrites: the same directory again is refused.
  Result again = Pactl({"backup", copy});
  EXPECT_EQ(again.exit_code, 1);
  Result relative = Pactl({"backup", "relative/dir"});
  EXPECT_EQ(relative.exit_code, 2);
  EXPECT_THAT(relative.err, HasSubstr("absolute"));

  // A server on the copy answers as the original did.
  Result original = Pactl({"--json", "deal", "us-japan"});
  ASSERT_EQ(original.exit_code, 0) << original.err;
  PactlogdOptions on_copy;
  on_copy.data_dir = copy;
  auto restored = PactlogdProcess::Start(on_copy);
  ASSERT_TRUE(restored.ok()) << restored.status();
  Result from_copy = Pactctl(dir_, {"--address", (*restored)->address(),
                                    "--json", "deal", "us-japan"})
                         .Wait();
  ASSERT_EQ(from_copy.exit_code, 0) << from_copy.err;
  // Equal but for when each server evaluated the tariffs (now).
  auto expected = Parse<v1::GetDealResponse>(original.out);
  auto actual = Parse<v1::GetDealResponse>(from_copy.out);
  expected.mutable_deal()->clear_tariffs_evaluated_at();
  actual.mutable_deal()->clear_tariffs_evaluated_at();
  EXPECT_EQ(actual.SerializeAsString(), expected.SerializeAsString())
      << from_copy.out;
}

TEST_F(PactctlTest, UnreachableServerExitsThree) {
  ASSERT_TRUE(server_->Stop().ok());
  Result health = Pactl({"health"});
  EXPECT_EQ(health.exit_code, 3);
  EXPECT_THAT(health.err, HasSubstr("UNAVAILABLE"));
  Result deal = Pactl({"--timeout", "2", "deal", "us-japan"});
  EXPECT_EQ(deal.exit_code, 3);
}

TEST_F(PactctlTest, AddressComesFromTheEnvironment) {
  Result run = Pactctl(dir_, {"health"}, "",
                       {absl::StrCat("PACTLOG_ADDRESS=", server_->address())})
                   .Wait();
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr(server_->address()));
}

TEST_F(PactctlTest, AppendReportsSequencesAndDeduplicates) {
  Result first =
      Pactl({"--json", "append", "us-japan", "--events", kJapanDeal});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto response = Parse<v1::AppendResponse>(first.out);
  EXPECT_THAT(response.sequences(), ::testing::ElementsAre(1, 2, 3));
  EXPECT_FALSE(response.deduplicated());
  Result again = Pactl({"append", "us-japan", "--events", kJapanDeal});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("already recorded 3 events"));
  Result from_stdin = Pactl({"append", "us-japan", "--events", "-"}, kProjects);
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_THAT(from_stdin.out, HasSubstr("recorded 3 events in us-japan: "
                                        "sequences 4..6, deal version 6"));
}

TEST_F(PactctlTest, MalformedJsonExitsTwoNamingTheProblem) {
  Result broken = Pactl({"append", "us-japan", "--events", "[{\"event_id\": "});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.err, HasSubstr("not valid pactlog.v1.EventData JSON"));
  Result bad_enum = Pactl(
      {"append", "us-japan", "--events",
       R"([{"provenance": {"source": "x", "firmness": "FIRMNESS_ROUGHLY"}}])"});
  EXPECT_EQ(bad_enum.exit_code, 2);
  EXPECT_THAT(bad_enum.err, HasSubstr("FIRMNESS_ROUGHLY"));
  Result unknown_field =
      Pactl({"append", "us-japan", "--events", R"({"event_idd": "x"})"});
  EXPECT_EQ(unknown_field.exit_code, 2);
  EXPECT_THAT(unknown_field.err, HasSubstr("event_idd"));
  Result not_json = Pactl({"append", "us-japan", "--events", "hello"});
  EXPECT_EQ(not_json.exit_code, 2);
  // Nothing reached the server.
  Result deals = Pactl({"--json", "deals"});
  EXPECT_EQ(deals.out, "[]\n");
}

TEST_F(PactctlTest, ServerRejectionsExitOneWithCodeAndMessage) {
  Result invalid = Pactl({"append", "us-japan", "--events",
                          R"([{"event_id": "x", "tariff_change": {}}])"});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_THAT(invalid.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(invalid.err, HasSubstr("events[0].provenance"));

  AppendJapan();
  Result conflict =
      Pactl({"append", "us-japan", "--expect-version", "2", "--events",
             R"([{"event_id": "late", "effective_time": "2025-10-01T00:00:00Z",
                             "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"},
                             "tariff_change": {"product_category": "autos", "rate_bps": 1500,
                               "legal_instrument": "EO"}}])"});
  EXPECT_EQ(conflict.exit_code, 1);
  EXPECT_THAT(conflict.err, HasSubstr("ABORTED"));
  Result missing = Pactl({"deal", "no-such-deal"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
}

TEST_F(PactctlTest, FieldViolationsFollowTheErrorOneALine) {
  // A rate over 100% and no legal instrument.
  constexpr char kTwoBadFields[] = R"([
    {"event_id": "bad", "effective_time": "2025-09-16T00:00:00Z",
     "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"},
     "tariff_change": {"product_category": "autos", "rate_bps": 200000,
       "legal_instrument": ""}}
  ])";
  Result invalid = Pactl({"append", "us-japan", "--events", kTwoBadFields});
  EXPECT_EQ(invalid.exit_code, 1);
  std::vector<std::string> lines = Lines(invalid.err);
  ASSERT_EQ(lines.size(), 3u) << invalid.err;
  EXPECT_THAT(lines[0], ::testing::StartsWith("pactctl: INVALID_ARGUMENT: "));
  EXPECT_THAT(lines[1],
              ::testing::StartsWith("  events[0].tariff_change.rate_bps: "));
  EXPECT_THAT(lines[1], HasSubstr("200000"));
  EXPECT_THAT(lines[2], ::testing::StartsWith(
                            "  events[0].tariff_change.legal_instrument: "));

  Result missing = Pactl({"deal", "no-such-deal"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(Lines(missing.err).size(), 1u) << missing.err;
}

TEST_F(PactctlTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Pactl({}).exit_code, 2);
  EXPECT_EQ(Pactl({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Pactl({"deal"}).exit_code, 2);  // DEAL missing
  Result bad_time =
      Pactl({"deal", "us-japan", "--as-of-effective", "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_THAT(bad_time.err, HasSubstr("--as-of-effective"));
  Result bad_sector = Pactl({"projects", "us-japan", "--sector", "farming"});
  EXPECT_EQ(bad_sector.exit_code, 2);
  EXPECT_THAT(bad_sector.err, HasSubstr("oil-and-gas"));  // lists valid ones
  Result help = Pactl({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("Exit codes"));
}

TEST_F(PactctlTest, DealShowsStateNowAndAsOf) {
  AppendJapan();
  Result human = Pactl({"deal", "us-japan"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("ceiling"));
  EXPECT_THAT(human.out, HasSubstr("USD 550,000,000,000"));
  EXPECT_THAT(human.out, HasSubstr("USD 35,100,000,000"));  // pledged
  EXPECT_THAT(human.out, HasSubstr("oil-and-gas"));

  Result json = Pactl({"--json", "deal", "us-japan"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  ASSERT_EQ(Lines(json.out).size(), 1u);
  auto deal = Parse<v1::GetDealResponse>(json.out);
  EXPECT_EQ(deal.deal().commitment_ceiling().minor_units(), 55'000'000'000'000);
  EXPECT_EQ(deal.deal().totals().project_count(), 2u);
  EXPECT_EQ(deal.log_sequence(), 6u);

  Result early = Pactl({"--json", "deal", "us-japan", "--as-of-sequence", "3"});
  ASSERT_EQ(early.exit_code, 0) << early.err;
  EXPECT_EQ(
      Parse<v1::GetDealResponse>(early.out).deal().totals().project_count(),
      0u);
  Result september =
      Pactl({"--json", "deal", "us-japan", "--as-of-effective", "2025-09-01"});
  ASSERT_EQ(september.exit_code, 0) << september.err;
  auto then = Parse<v1::GetDealResponse>(september.out);
  ASSERT_EQ(then.deal().cap_breaches_size(), 1);
  EXPECT_EQ(then.deal().cap_breaches(0).product_category(), "autos");
  Result ahead = Pactl({"deal", "us-japan", "--at-least-sequence", "99"});
  EXPECT_EQ(ahead.exit_code, 1);
  EXPECT_THAT(ahead.err, HasSubstr("OUT_OF_RANGE"));
}

TEST_F(PactctlTest, DealsPrintsOneJsonArrayOrOneObjectPerLine) {
  AppendJapan();
  Result korea = Pactl(
      {"append", "us-korea", "--events",
       R"({"event_id": "kr.deal", "effective_time": "2025-07-30T00:00:00Z",
           "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"},
           "announcement": {"deal": {"title": "US-Korea", "investor_country": "KR",
             "host_country": "US",
             "commitment_ceiling": {"currency_code": "USD", "minor_units": "35000000000000"}}}})"});
  ASSERT_EQ(korea.exit_code, 0) << korea.err;
  // --json: one document, a JSON array of every deal.
  Result json = Pactl({"--json", "deals"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto items = JsonArray(json.out);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(Parse<v1::DealState>(items[0]).deal_id(), "us-japan");
  EXPECT_EQ(Parse<v1::DealState>(items[1]).commitment_ceiling().minor_units(),
            35'000'000'000'000);
  // --json-lines: one deal a line, as they are fetched.
  Result lines_run = Pactl({"--json-lines", "deals", "--as-of-sequence", "7"});
  ASSERT_EQ(lines_run.exit_code, 0) << lines_run.err;
  auto lines = Lines(lines_run.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Parse<v1::DealState>(lines[0]).deal_id(), "us-japan");
  EXPECT_EQ(Parse<v1::DealState>(lines[1]).deal_id(), "us-korea");
  EXPECT_EQ(Pactl({"--json", "--json-lines", "deals"}).exit_code, 2);
  Result human = Pactl({"deals"});
  ASSERT_EQ(human.exit_code, 0);
  EXPECT_THAT(human.out, HasSubstr("KR->US"));
  EXPECT_THAT(human.out, HasSubstr("USD 350,000,000,000"));
}

TEST_F(PactctlTest, ProjectsFilterAndProjectShowsOne) {
  AppendJapan();
  Result energy =
      Pactl({"--json", "projects", "us-japan", "--sector", "energy"});
  ASSERT_EQ(energy.exit_code, 0) << energy.err;
  auto items = JsonArray(energy.out);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(Parse<v1::ProjectState>(items[0]).project_id(), "ohio-power");
  Result texas = Pactl({"projects", "us-japan", "--state", "TX"});
  ASSERT_EQ(texas.exit_code, 0);
  EXPECT_THAT(texas.out, HasSubstr("texas-crude"));
  EXPECT_THAT(texas.out, Not(HasSubstr("ohio-power")));
  Result approved =
      Pactl({"--json-lines", "projects", "us-japan", "--status", "approved"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_EQ(Lines(approved.out).size(), 1u);
  Result none = Pactl({"--json", "projects", "us-japan", "--state", "AK"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "[]\n");
  Result one = Pactl({"project", "us-japan", "ohio-power"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_THAT(one.out, HasSubstr("US Investment Committee"));
  Result json = Pactl({"--json", "project", "us-japan", "texas-crude"});
  EXPECT_EQ(Parse<v1::GetProjectResponse>(json.out).project().us_state(), "TX");
}

TEST_F(PactctlTest, TariffsShowRateInForceAndHistory) {
  AppendJapan();
  Result now = Pactl({"tariffs", "us-japan"});
  ASSERT_EQ(now.exit_code, 0) << now.err;
  EXPECT_THAT(now.out, HasSubstr("Executive Order 14345"));
  EXPECT_THAT(now.out, HasSubstr("27.5%"));  // in the history
  Result then = Pactl({"--json", "tariffs", "us-japan", "--category", "autos",
                       "--as-of-effective", "2025-09-01T00:00:00Z"});
  ASSERT_EQ(then.exit_code, 0) << then.err;
  auto tariffs = Parse<v1::GetTariffsResponse>(then.out);
  ASSERT_EQ(tariffs.tariffs_size(), 1);
  EXPECT_EQ(tariffs.tariffs(0).rate_bps(), 2750);
  EXPECT_TRUE(tariffs.tariffs(0).breaches_cap());
}

TEST_F(PactctlTest, AllocationsShowCapsEarmarksAndTheirProjects) {
  AppendJapan();
  Result empty = Pactl({"allocations", "us-japan"});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "no allocations recorded for us-japan\n");
  Result append = Pactl({"append", "us-japan", "--events", "-"}, kAllocations);
  ASSERT_EQ(append.exit_code, 0) << append.err;

  Result view = Pactl({"allocations", "us-japan"});
  ASSERT_EQ(view.exit_code, 0) << view.err;
  EXPECT_THAT(view.out,
              HasSubstr("us-japan: USD 20,000,000,000 allocated of the ceiling "
                        "USD 550,000,000,000 (3.63%), USD 530,000,000,000 "
                        "unallocated\n"));
  // The earmark is indented under its parent and shows what is left.
  EXPECT_THAT(view.out,
              HasSubstr("\n  cooling   sector  energy  USD 20,000,000,000"));
  EXPECT_THAT(view.out, HasSubstr("USD 15,000,000,000  -\n"));
  EXPECT_THAT(view.out, HasSubstr("Westinghouse (US)"));
  EXPECT_THAT(view.out, HasSubstr("cooling: cooling infrastructure"));
  Result json = Pactl({"--json", "allocations", "us-japan"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto items = JsonArray(json.out);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(
      Parse<v1::AllocationState>(items[0]).totals().pledged().minor_units(),
      500000000000);
  EXPECT_EQ(
      Lines(Pactl({"--json-lines", "allocations", "us-japan"}).out).size(), 2u);

  Result drawing = Pactl({"projects", "us-japan", "--allocation", "energy"});
  ASSERT_EQ(drawing.exit_code, 0) << drawing.err;
  EXPECT_THAT(drawing.out, HasSubstr("chillers"));
  EXPECT_THAT(drawing.out, Not(HasSubstr("ohio-power")));
  Result project = Pactl({"project", "us-japan", "chillers"});
  EXPECT_THAT(project.out, HasSubstr("US state     (not known)"));
  EXPECT_THAT(project.out, HasSubstr("allocation   cooling"));
  Result deal = Pactl({"deal", "us-japan"});
  EXPECT_THAT(deal.out, HasSubstr("(not known)"));
  EXPECT_THAT(deal.out, HasSubstr("allocated     USD 20,000,000,000 (3.63% of "
                                  "the ceiling, 2 allocations)"));

  Result tariffs = Pactl({"--json", "tariffs", "us-japan"});
  auto response = Parse<v1::GetTariffsResponse>(tariffs.out);
  std::vector<std::string> categories;
  for (const v1::TariffLine& line : response.tariffs()) {
    categories.push_back(line.product_category());
  }
  EXPECT_THAT(categories, ::testing::ElementsAre("all-goods", "auto-parts",
                                                 "autos", "trucks"));
  Result tail = Pactl({"tail", "--deal", "us-japan", "--limit", "10"});
  EXPECT_THAT(tail.out, HasSubstr("tariff change: auto-parts, trucks 15%"));
  EXPECT_THAT(tail.out,
              HasSubstr("allocation announced: cooling \"Cooling\" (sector, "
                        "energy) capped at USD 20,000,000,000, inside energy"));
}

TEST_F(PactctlTest, RulesOfAllocationsAreExplained) {
  AppendJapan();
  ASSERT_EQ(
      Pactl({"append", "us-japan", "--events", "-"}, kAllocations).exit_code,
      0);
  Result over = Pactl(
      {"append", "us-japan", "--events",
       R"([{"provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"},
    "effective_time": "2026-02-18T00:00:00Z",
    "announcement": {"project": {"project_id": "pumps", "name": "Pumps",
      "sector": "SECTOR_ENERGY", "allocation_id": "cooling",
      "pledged": {"currency_code": "USD", "minor_units": "1500000000001"}}}}])"});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_THAT(over.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(over.err, HasSubstr("rule pledge-within-allocation: allocation "
                                  "\"cooling\" would hold 2000000000001 USD"));
}

TEST_F(PactctlTest, ComplianceJudgesSelectedProjectsByEachReading) {
  AppendJapan();
  Result terms = Pactl({"append", "us-japan", "--events", R"([
    {"effective_time": "2025-09-04T00:00:00Z",
     "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED", "asserted_by": "US"},
     "announcement": {"terms": {"funding_deadline_days": 45,
       "funding_channels": ["FUNDING_SOURCE_JBIC"],
       "enforcement_clause": "the US may raise tariffs"}}},
    {"effective_time": "2025-09-04T00:00:00Z",
     "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED", "asserted_by": "JP"},
     "announcement": {"terms": {"profit_sharing": "by share"}}}])"});
  ASSERT_EQ(terms.exit_code, 0) << terms.err;
  // ohio-power was approved on 2026-02-17: due 2026-04-03.
  Result april =
      Pactl({"compliance", "us-japan", "--as-of-effective", "2026-04-13"});
  ASSERT_EQ(april.exit_code, 0) << april.err;
  EXPECT_THAT(april.out,
              HasSubstr("deadline: 45 days after selection, as US reads the "
                        "terms (#7)\n"));
  EXPECT_THAT(april.out, HasSubstr("projects: 0 on time, 0 late, 1 overdue, 0 "
                                   "not yet due; overdue and undisbursed USD "
                                   "33,000,000,000\n"));
  EXPECT_THAT(april.out,
              HasSubstr("ohio-power  2026-02-17  2026-04-03  USD "
                        "33,000,000,000      USD 0  -       overdue    10"));
  EXPECT_THAT(april.out, HasSubstr("as JP reads them (#8, reported)"));
  EXPECT_THAT(april.out, HasSubstr("  enforcement       the US may raise "));
  Result march = Pactl(
      {"--json", "compliance", "us-japan", "--as-of-effective", "2026-03-01"});
  ASSERT_EQ(march.exit_code, 0) << march.err;
  auto view = Parse<v1::GetComplianceResponse>(march.out).compliance();
  ASSERT_EQ(view.projects_size(), 1);
  EXPECT_EQ(view.projects(0).status(), v1::FUNDING_STATUS_NOT_YET_DUE);
  EXPECT_EQ(view.projects(0).days(), 33);
  Result jp = Pactl({"--json", "compliance", "us-japan", "--reading", "JP"});
  EXPECT_EQ(Parse<v1::GetComplianceResponse>(jp.out)
                .compliance()
                .projects(0)
                .status(),
            v1::FUNDING_STATUS_NO_DEADLINE);
  Result kr = Pactl({"compliance", "us-japan", "--reading", "KR"});
  EXPECT_EQ(kr.exit_code, 1);
  EXPECT_THAT(kr.err, HasSubstr("NOT_FOUND: no terms of deal \"us-japan\" "
                                "are asserted by \"KR\""));
}

TEST_F(PactctlTest, AmendmentsShowInTheViewsAndTheTail) {
  AppendJapan();
  Result amend = Pactl({"append", "us-japan", "--events", "-"}, kAmendments);
  ASSERT_EQ(amend.exit_code, 0) << amend.err;

  Result ohio = Pactl({"project", "us-japan", "ohio-power"});
  ASSERT_EQ(ohio.exit_code, 0) << ohio.err;
  EXPECT_THAT(ohio.out, HasSubstr("\nevent        jp.p.ohio\n"));
  EXPECT_THAT(ohio.out, HasSubstr("\nhead event   jp.f.ohio\n"));
  EXPECT_THAT(ohio.out, HasSubstr("\nfirmness     confirmed\n"));
  EXPECT_THAT(ohio.out, Not(HasSubstr("superseded")));
  // The approval, revised: which event backs it and which stands now.
  EXPECT_THAT(ohio.out, ContainsRegex("EVENT +HEAD +FIRMNESS"));
  EXPECT_THAT(
      ohio.out,
      ContainsRegex("USD 30,000,000,000 +jp\\.a\\.ohio +jp\\.r\\.ohio"));

  Result texas = Pactl({"project", "us-japan", "texas-crude"});
  ASSERT_EQ(texas.exit_code, 0) << texas.err;
  EXPECT_THAT(texas.out, HasSubstr("status       withdrawn"));
  EXPECT_THAT(texas.out, HasSubstr("superseded   withdrawn by jp.w.texas (#8, "
                                   "2026-03-02): sponsor pulled out\n"));
  EXPECT_THAT(texas.out, HasSubstr("\nhead event   jp.w.texas\n"));

  Result deal = Pactl({"deal", "us-japan"});
  ASSERT_EQ(deal.exit_code, 0) << deal.err;
  EXPECT_THAT(deal.out,
              ContainsRegex("no longer counted +1 withdrawn, 0 retracted, 0 "
                            "restated\n"));
  EXPECT_THAT(deal.out, ContainsRegex("\namendments +4\n"));

  Result allocations = Pactl({"allocations", "us-japan"});
  ASSERT_EQ(allocations.exit_code, 0) << allocations.err;
  EXPECT_THAT(allocations.out, HasSubstr("\ntdk (retracted) "));
  EXPECT_THAT(allocations.out,
              HasSubstr("no longer counted\n  tdk: retracted by jp.x.tdk (#11, "
                        "2025-10-28): misreported\n"));

  Result tail = Pactl({"tail", "--after", "6", "--limit", "5"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  auto lines = Lines(tail.out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_THAT(lines[0], HasSubstr("revises jp.a.ohio to USD 30,000,000,000"));
  EXPECT_THAT(lines[1], HasSubstr("withdraws jp.p.texas: sponsor pulled out"));
  EXPECT_THAT(lines[2], HasSubstr("raises firmness of jp.p.ohio to confirmed"));
  EXPECT_THAT(lines[4], HasSubstr("retracts jp.al.tdk: misreported"));
}

TEST_F(PactctlTest, LineageTracesAProjectThroughItsAmendments) {
  AppendJapan();
  Result amend = Pactl({"append", "us-japan", "--events", "-"}, kAmendments);
  ASSERT_EQ(amend.exit_code, 0) << amend.err;

  Result table = Pactl({"lineage", "us-japan", "--project", "ohio-power"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out,
              HasSubstr("lineage of project us-japan/ohio-power (log at 11)\n"
                        "figures: pledged USD 33,000,000,000, approved USD "
                        "30,000,000,000\n"));
  EXPECT_THAT(table.out,
              ContainsRegex("SEQ +EVENT +KIND +EFFECTIVE +RECORDED"));
  EXPECT_THAT(table.out,
              ContainsRegex("\n +7 +jp\\.r\\.ohio +amendment +2026-03-01 .*"
                            "approved -USD 3,000,000,000 +revises"));
  EXPECT_THAT(table.out, Not(HasSubstr("jp.w.texas")));

  Result json =
      Pactl({"--json", "lineage", "us-japan", "--project", "ohio-power"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto whole = Parse<v1::GetLineageResponse>(json.out);
  std::vector<std::string> ids;
  for (const v1::LineageEntry& entry : whole.entries()) {
    ids.push_back(entry.event_id());
  }
  EXPECT_THAT(ids,
              ElementsAre("jp.p.ohio", "jp.a.ohio", "jp.r.ohio", "jp.f.ohio"));
  EXPECT_EQ(whole.figures().approved().minor_units(), 3'000'000'000'000);
  // One entry a call: every page, the same answer.
  Result paged = Pactl({"--json", "lineage", "us-japan", "--project",
                        "ohio-power", "--page-size", "1"});
  ASSERT_EQ(paged.exit_code, 0) << paged.err;
  EXPECT_EQ(paged.out, json.out);

  // Before the revision: the approval as first recorded.
  auto before = Parse<v1::GetLineageResponse>(
      Pactl({"--json", "lineage", "us-japan", "--project", "ohio-power",
             "--as-of-sequence", "6"})
          .out);
  EXPECT_EQ(before.entries_size(), 2);
  EXPECT_EQ(before.figures().approved().minor_units(), 3'300'000'000'000);

  Result missing = Pactl({"lineage", "us-japan", "--project", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  Result both = Pactl(
      {"lineage", "us-japan", "--project", "ohio-power", "--allocation", "x"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("excludes"));
}

TEST_F(PactctlTest, TailPrintsEventsInOrderAndFilters) {
  AppendJapan();
  Result all = Pactl({"--json-lines", "tail", "--limit", "6"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  auto lines = Lines(all.out);
  ASSERT_EQ(lines.size(), 6u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(Parse<v1::Event>(lines[i]).sequence(), i + 1);
  }
  Result tariffs = Pactl({"--json", "tail", "--kind", "tariff-change",
                          "--after", "2", "--limit", "1"});
  ASSERT_EQ(tariffs.exit_code, 0) << tariffs.err;
  auto items = JsonArray(tariffs.out);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(Parse<v1::Event>(items[0]).sequence(), 3u);
  Result human = Pactl({"tail", "--sector", "oil-and-gas", "--limit", "1"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_THAT(human.out, HasSubstr("#5  us-japan v5"));
  EXPECT_THAT(human.out, HasSubstr("texas-crude"));
}

// Waits (polling the file it writes, with a deadline) until a running tail
// says it has caught up.
bool WaitCaughtUp(Pactctl& tail) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (tail.err().find("caught up") != std::string::npos) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

TEST_F(PactctlTest, TailFollowsLiveFromTheEnd) {
  AppendJapan();
  Pactctl tail(dir_, {"--address", server_->address(), "tail", "--from-end",
                      "--limit", "1"});
  ASSERT_TRUE(WaitCaughtUp(tail)) << tail.err();
  Result korea = Pactl(
      {"append", "us-korea", "--events",
       R"({"event_id": "kr.deal", "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"},
           "announcement": {"deal": {"title": "US-Korea", "investor_country": "KR",
             "host_country": "US",
             "commitment_ceiling": {"currency_code": "USD", "minor_units": "35000000000000"}}}})"});
  ASSERT_EQ(korea.exit_code, 0) << korea.err;
  Result run = tail.Wait();
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("#7  us-korea v1"));
  EXPECT_THAT(run.out, HasSubstr("deal announced: \"US-Korea\""));
}

TEST_F(PactctlTest, CtrlCStopsTailCleanly) {
  Pactctl tail(dir_, {"--address", server_->address(), "tail"});
  ASSERT_TRUE(WaitCaughtUp(tail)) << tail.err();
  tail.Signal(SIGINT);
  Result run = tail.Wait();
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

constexpr char kLoadLines[] =
    R"({"deal_id": "us-japan", "actor": "loader", "events": [{"event_id": "l.deal", "effective_time": "2025-07-22T00:00:00Z", "provenance": {"source": "s", "firmness": "FIRMNESS_CONFIRMED"}, "announcement": {"deal": {"title": "US-Japan", "investor_country": "JP", "host_country": "US", "commitment_ceiling": {"currency_code": "USD", "minor_units": "55000000000000"}, "tariff_caps": [{"product_category": "all-goods", "max_rate_bps": 1500}]}}}]}

{"deal_id": "us-japan", "events": [{"event_id": "l.t1", "effective_time": "2025-08-07T04:01:00Z", "provenance": {"source": "s", "firmness": "FIRMNESS_CONFIRMED"}, "tariff_change": {"product_category": "all-goods", "rate_bps": 1500, "legal_instrument": "EO 14345"}}, {"event_id": "l.t2", "effective_time": "2025-09-16T04:01:00Z", "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"}, "tariff_change": {"product_category": "autos", "rate_bps": 1500, "legal_instrument": "EO 14345"}}]}
)";

TEST_F(PactctlTest, LoadTwiceRecordsNothingTheSecondTime) {
  std::string path = WriteFile("deal.jsonl", kLoadLines);
  Result first = Pactl({"--json", "load", path});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto summary = Parse<google::protobuf::Struct>(first.out);
  EXPECT_EQ(summary.fields().at("requests").number_value(), 2);
  EXPECT_EQ(summary.fields().at("events_recorded").number_value(), 3);
  EXPECT_EQ(summary.fields().at("events_deduplicated").number_value(), 0);
  Result second = Pactl({"--json", "load", path});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  summary = Parse<google::protobuf::Struct>(second.out);
  EXPECT_EQ(summary.fields().at("events_recorded").number_value(), 0);
  EXPECT_EQ(summary.fields().at("events_deduplicated").number_value(), 3);
  Result human = Pactl({"load", path});
  EXPECT_THAT(human.out, HasSubstr("3 events: 0 recorded, 3 already recorded"));
  Result read = Pactl({"--json", "tail", "--limit", "3"});
  auto items = JsonArray(read.out);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(Parse<v1::Event>(items[0]).actor(), "loader");
}

TEST_F(PactctlTest, LoadChecksTheWholeFileFirst) {
  std::string bad = WriteFile(
      "bad.jsonl",
      absl::StrCat(kLoadLines, "{\"deal_id\": \"x\", \"events\": [{]}\n"));
  Result run = Pactl({"load", bad});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("bad.jsonl:4:"));
  Result deals = Pactl({"--json", "deals"});
  EXPECT_EQ(deals.out, "[]\n");  // nothing was recorded
  std::string no_id = WriteFile(
      "no-id.jsonl",
      R"({"deal_id": "x", "events": [{"provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"}}]})");
  Result missing_id = Pactl({"load", no_id});
  EXPECT_EQ(missing_id.exit_code, 2);
  EXPECT_THAT(missing_id.err, HasSubstr("no-id.jsonl:1: events[0].event_id"));
  EXPECT_EQ(Pactl({"load", dir_ + "/nope.jsonl"}).exit_code, 2);
}

TEST_F(PactctlTest, LoadStopsAtARejectedLineNamingIt) {
  std::string path = WriteFile(
      "rejected.jsonl",
      absl::StrCat(
          kLoadLines,
          R"({"deal_id": "us-japan", "events": [{"event_id": "l.approve", "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"}, "approval": {"project_id": "nothing", "approving_body": "X", "amount": {"currency_code": "USD", "minor_units": "1"}}}]})",
          "\n"));
  Result run = Pactl({"load", path});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("rejected.jsonl:4: "));
  EXPECT_THAT(run.out, HasSubstr("stopped loading"));
}

// Appends go side by side across deals but one after another within a
// deal: each deal's events are recorded in file order.
TEST_F(PactctlTest, ParallelLoadKeepsEachDealsOrder) {
  std::string lines;
  for (const char* deal : {"deal-a", "deal-b"}) {
    lines += absl::StrCat(
        R"({"deal_id": ")", deal, R"(", "events": [{"event_id": ")", deal,
        R"(/0", "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"}, "announcement": {"deal": {"title": "t", "investor_country": "JP", "host_country": "US", "commitment_ceiling": {"currency_code": "USD", "minor_units": "100"}}}}]})",
        "\n");
  }
  for (int i = 1; i <= 40; ++i) {
    for (const char* deal : {"deal-a", "deal-b"}) {
      lines += absl::StrCat(
          R"({"deal_id": ")", deal, R"(", "events": [{"event_id": ")", deal,
          "/", i,
          R"(", "effective_time": "2025-08-01T00:00:00Z", "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"}, "tariff_change": {"product_category": "autos", "rate_bps": )",
          1000 + i, R"(, "legal_instrument": "EO"}}]})", "\n");
    }
  }
  std::string path = WriteFile("two-deals.jsonl", lines);
  Result load = Pactl({"load", "--parallel", "8", path});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_THAT(load.out, HasSubstr("82 recorded"));
  for (const char* deal : {"deal-a", "deal-b"}) {
    Result tail = Pactl({"--json", "tail", "--deal", deal, "--limit", "41"});
    ASSERT_EQ(tail.exit_code, 0) << tail.err;
    auto events = JsonArray(tail.out);
    ASSERT_EQ(events.size(), 41u);
    for (int i = 0; i <= 40; ++i) {
      auto event = Parse<v1::Event>(events[i]);
      EXPECT_EQ(event.data().event_id(), absl::StrCat(deal, "/", i));
      EXPECT_EQ(event.deal_version(), static_cast<uint64_t>(i + 1));
    }
  }
  EXPECT_EQ(Pactl({"load", "--parallel", "0", path}).exit_code, 2);
}

// With one request in flight the whole file is recorded in file order,
// across deals too.
TEST_F(PactctlTest, LoadWithOneInFlightKeepsFileOrder) {
  std::string lines;
  std::vector<std::string> ids;
  for (const char* deal : {"deal-a", "deal-b"}) {
    lines += absl::StrCat(
        R"({"deal_id": ")", deal, R"(", "events": [{"event_id": ")", deal,
        R"(/0", "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"}, "announcement": {"deal": {"title": "t", "investor_country": "JP", "host_country": "US", "commitment_ceiling": {"currency_code": "USD", "minor_units": "100"}}}}]})",
        "\n");
    ids.push_back(absl::StrCat(deal, "/0"));
  }
  for (int i = 1; i <= 10; ++i) {
    for (const char* deal : {"deal-b", "deal-a"}) {
      lines += absl::StrCat(
          R"({"deal_id": ")", deal, R"(", "events": [{"event_id": ")", deal,
          "/", i,
          R"(", "provenance": {"source": "s", "firmness": "FIRMNESS_REPORTED"}, "tariff_change": {"product_category": "autos", "rate_bps": 1000, "legal_instrument": "EO"}}]})",
          "\n");
      ids.push_back(absl::StrCat(deal, "/", i));
    }
  }
  std::string path = WriteFile("ordered.jsonl", lines);
  Result load = Pactl({"load", "--parallel", "1", path});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  Result tail = Pactl({"--json-lines", "tail", "--limit", "22"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  auto events = Lines(tail.out);
  ASSERT_EQ(events.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(Parse<v1::Event>(events[i]).data().event_id(), ids[i]);
  }
}

TEST_F(PactctlTest, TailJsonIsOneArrayAndNeedsABound) {
  AppendJapan();
  // Unbounded, --json would print nothing until Ctrl-C: refused.
  Result unbounded = Pactl({"--json", "tail"});
  EXPECT_EQ(unbounded.exit_code, 2);
  EXPECT_THAT(unbounded.err, HasSubstr("--json-lines"));
  EXPECT_EQ(unbounded.out, "");
  Result lines = Pactl({"--json-lines", "tail", "--limit", "2"});
  ASSERT_EQ(lines.exit_code, 0) << lines.err;
  EXPECT_EQ(Lines(lines.out).size(), 2u);
  Result array = Pactl({"--json", "tail", "--until-caught-up"});
  ASSERT_EQ(array.exit_code, 0) << array.err;
  EXPECT_EQ(JsonArray(array.out).size(), 6u);
}

TEST_F(PactctlTest, TailUntilCaughtUpPrintsTheHistoryAndExits) {
  AppendJapan();
  Result history = Pactl({"tail", "--until-caught-up"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  auto lines = Lines(history.out);
  ASSERT_EQ(lines.size(), 6u) << history.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_THAT(lines[i], ::testing::StartsWith(absl::StrCat("#", i + 1, " ")));
  }
  Result tariffs =
      Pactl({"--json", "tail", "--until-caught-up", "--kind", "tariff-change"});
  ASSERT_EQ(tariffs.exit_code, 0) << tariffs.err;
  auto items = JsonArray(tariffs.out);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(Parse<v1::Event>(items[0]).sequence(), 2u);
  EXPECT_EQ(Parse<v1::Event>(items[1]).sequence(), 3u);
  // --limit still applies.
  Result limited = Pactl({"tail", "--until-caught-up", "--limit", "4"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(Lines(limited.out).size(), 4u);
  // A history with nothing to show ends at once, as does one from the end.
  Result nothing = Pactl({"tail", "--until-caught-up", "--deal", "nobody"});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_EQ(nothing.out, "");
  Result from_end =
      Pactl({"--json", "tail", "--from-end", "--until-caught-up"});
  EXPECT_EQ(from_end.exit_code, 0) << from_end.err;
  EXPECT_EQ(from_end.out, "[]\n");
}

TEST_F(PactctlTest, TailTimeoutStopsAfterThatLong) {
  AppendJapan();
  const absl::Time start = absl::Now();
  Result run = Pactl({"tail", "--timeout", "0.5"});
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(500));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Lines(run.out).size(), 6u);
  EXPECT_THAT(run.err, HasSubstr("caught up at sequence 6"));
  Result json = Pactl({"--json", "tail", "--timeout", "0.5", "--after", "4"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(JsonArray(json.out).size(), 2u);
  // The top-level --timeout (of each call) is another option.
  Result both = Pactl({"--timeout", "5", "tail", "--timeout", "0.2"});
  EXPECT_EQ(both.exit_code, 0) << both.err;
  EXPECT_EQ(Pactl({"tail", "--timeout", "0"}).exit_code, 2);

  // A server that never answers: the timeout ends it as unavailable.
  ASSERT_TRUE(server_->Stop().ok());
  Result unreachable = Pactl({"--json", "tail", "--timeout", "0.5"});
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.err;
  EXPECT_THAT(unreachable.err, HasSubstr("UNAVAILABLE"));
  EXPECT_EQ(unreachable.out, "");
}

// The example in `append --help` is a working command: run as printed.
TEST_F(PactctlTest, AppendHelpExampleRecordsATariffChange) {
  Result help = Pactl({"append", "--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  std::string example;
  for (const std::string& line : Lines(help.out)) {
    if (absl::StartsWith(line, "  pactctl append ")) example = line;
  }
  ASSERT_FALSE(example.empty()) << help.out;
  // "  pactctl append DEAL --events 'JSON'"
  const size_t open = example.find(" --events '");
  ASSERT_NE(open, std::string::npos) << example;
  ASSERT_TRUE(absl::EndsWith(example, "'")) << example;
  const std::string deal = example.substr(17, open - 17);
  const size_t json_start = open + std::string(" --events '").size();
  const std::string json =
      example.substr(json_start, example.size() - 1 - json_start);
  ASSERT_EQ(json.find('\''), std::string::npos) << json;

  Result announce = Pactl({"append", deal, "--events", kJapanDeal});
  ASSERT_EQ(announce.exit_code, 0) << announce.err;
  Result run = Pactl({"append", deal, "--events", json});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("recorded 1 event in " + deal));
  Result recorded =
      Pactl({"--json", "tail", "--after", "3", "--until-caught-up"});
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  auto items = JsonArray(recorded.out);
  ASSERT_EQ(items.size(), 1u);
  auto event = Parse<v1::Event>(items[0]);
  EXPECT_EQ(event.deal_id(), deal);
  ASSERT_TRUE(event.data().has_tariff_change());
  EXPECT_EQ(event.data().tariff_change().rate_bps(), 1500);
  EXPECT_EQ(event.data().provenance().firmness(), v1::FIRMNESS_CONFIRMED);
}

TEST_F(PactctlTest, EnumsAreTakenInEverySpelling) {
  // Lower case, short, with '-' or '_', in JSON and in flags.
  Result deal = Pactl({"append", "us-japan", "--events", R"({
    "event_id": "e.deal", "effective_time": "2025-07-22T00:00:00Z",
    "provenance": {"source": "s", "firmness": "officially-announced"},
    "announcement": {"deal": {"title": "t", "investor_country": "JP",
      "host_country": "US",
      "commitment_ceiling": {"currency_code": "USD", "minor_units": "100000"}}}})"});
  ASSERT_EQ(deal.exit_code, 0) << deal.err;
  Result projects = Pactl({"append", "us-japan", "--events", R"([
    {"event_id": "e.alloc", "provenance": {"source": "s", "firmness": "Reported"},
     "announcement": {"allocation": {"allocation_id": "oil", "name": "Oil",
       "basis": "sector", "sector": "oil_and_gas"}}},
    {"event_id": "e.p", "provenance": {"source": "s", "firmness": "FIRMNESS_CONFIRMED"},
     "announcement": {"project": {"project_id": "p", "name": "P",
       "sector": "oil-and-gas", "us_state": "TX",
       "pledged": {"currency_code": "USD", "minor_units": "100"}}}},
    {"event_id": "e.approve", "provenance": {"source": "s"},
     "approval": {"project_id": "p", "approving_body": "B",
       "amount": {"currency_code": "USD", "minor_units": "100"}}},
    {"event_id": "e.money", "provenance": {"source": "s"},
     "disbursement": {"project_id": "p", "funding_source": "jbic",
       "amount": {"currency_code": "USD", "minor_units": "10"}}}])",
                           "--firmness", "confirmed"});
  ASSERT_EQ(projects.exit_code, 0) << projects.err;
  Result events = Pactl({"--json", "tail", "--until-caught-up"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  auto items = JsonArray(events.out);
  ASSERT_EQ(items.size(), 5u);
  std::vector<v1::Firmness> firmness;
  for (const std::string& item : items) {
    firmness.push_back(Parse<v1::Event>(item).data().provenance().firmness());
  }
  // The last two named none: --firmness.
  EXPECT_THAT(firmness,
              ElementsAre(v1::FIRMNESS_OFFICIALLY_ANNOUNCED,
                          v1::FIRMNESS_REPORTED, v1::FIRMNESS_CONFIRMED,
                          v1::FIRMNESS_CONFIRMED, v1::FIRMNESS_CONFIRMED));
  auto allocation =
      Parse<v1::Event>(items[1]).data().announcement().allocation();
  EXPECT_EQ(allocation.basis(), v1::ALLOCATION_BASIS_SECTOR);
  EXPECT_EQ(allocation.sector(), v1::SECTOR_OIL_AND_GAS);
  EXPECT_EQ(Parse<v1::Event>(items[4]).data().disbursement().funding_source(),
            v1::FUNDING_SOURCE_JBIC);

  // Without --firmness, an event that names none is reported.
  Result plain = Pactl({"append", "us-japan", "--events", R"({
    "event_id": "e.t", "effective_time": "2025-08-01T00:00:00Z",
    "provenance": {"source": "s"},
    "tariff_change": {"product_category": "autos", "rate_bps": 1500,
      "legal_instrument": "EO"}})"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  Result last = Pactl({"--json", "tail", "--after", "5", "--until-caught-up"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  auto tariff = JsonArray(last.out);
  ASSERT_EQ(tariff.size(), 1u);
  EXPECT_EQ(Parse<v1::Event>(tariff[0]).data().provenance().firmness(),
            v1::FIRMNESS_REPORTED);

  for (const char* spelling :
       {"oil-and-gas", "OIL_AND_GAS", "SECTOR_OIL_AND_GAS", "Oil And Gas"}) {
    Result texas =
        Pactl({"--json", "projects", "us-japan", "--sector", spelling});
    ASSERT_EQ(texas.exit_code, 0) << spelling << ": " << texas.err;
    EXPECT_EQ(JsonArray(texas.out).size(), 1u) << spelling;
  }
  Result kind = Pactl({"--json", "tail", "--until-caught-up", "--kind",
                       "EVENT_KIND_TARIFF_CHANGE"});
  ASSERT_EQ(kind.exit_code, 0) << kind.err;
  EXPECT_EQ(JsonArray(kind.out).size(), 1u);
  Result bad = Pactl({"append", "us-japan", "--firmness", "sure", "--events",
                      R"({"provenance": {"source": "s"}})"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--firmness: unknown value \"sure\""));
  EXPECT_THAT(bad.err, HasSubstr("officially-announced"));

  // A load file too.
  std::string path = WriteFile(
      "lower.jsonl",
      R"({"deal_id": "us-japan", "events": [{"event_id": "e.load", "effective_time": "2025-08-02T00:00:00Z", "provenance": {"source": "s"}, "tariff_change": {"product_category": "autos", "rate_bps": 1000, "legal_instrument": "EO"}}, {"event_id": "e.load2", "provenance": {"source": "s", "firmness": "confirmed"}, "amendment": {"target_event_id": "e.load", "raised_firmness": "confirmed"}}]})"
      "\n");
  Result load = Pactl({"load", path});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  Result loaded =
      Pactl({"--json", "tail", "--after", "6", "--until-caught-up"});
  auto load_items = JsonArray(loaded.out);
  ASSERT_EQ(load_items.size(), 2u);
  EXPECT_EQ(Parse<v1::Event>(load_items[0]).data().provenance().firmness(),
            v1::FIRMNESS_REPORTED);
  EXPECT_EQ(
      Parse<v1::Event>(load_items[1]).data().amendment().raised_firmness(),
      v1::FIRMNESS_CONFIRMED);
}

// The actor of an append: --actor, else PACTLOG_ACTOR, else <user>@<host>.
TEST_F(PactctlTest, ActorComesFromTheFlagThenTheEnvironmentThenUserAtHost) {
  const std::string announce = R"({"event_id": "a.deal",
    "provenance": {"source": "s"},
    "announcement": {"deal": {"title": "t", "investor_country": "JP",
      "host_country": "US",
      "commitment_ceiling": {"currency_code": "USD", "minor_units": "100"}}}})";
  auto tariff = [](int i) {
    return absl::StrCat(
        R"({"event_id": "a.)", i,
        R"(", "provenance": {"source": "s"}, "tariff_change": {"product_category": "autos", "rate_bps": 1000, "legal_instrument": "EO"}})");
  };
  const std::string address = server_->address();
  auto append = [&](std::vector<std::string> args,
                    std::vector<std::string> env) {
    args.insert(args.begin(), {"--address", address});
    Result run = Pactctl(dir_, args, "", env).Wait();
    EXPECT_EQ(run.exit_code, 0) << run.err;
  };
  append({"append", "d", "--events", announce}, {"PACTLOG_ACTOR=alice"});
  append({"append", "d", "--actor", "bob", "--events", tariff(1)},
         {"PACTLOG_ACTOR=alice"});
  append({"append", "d", "--events", tariff(2)}, {"PACTLOG_ACTOR="});
  Result events = Pactl({"--json", "tail", "--until-caught-up"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  auto items = JsonArray(events.out);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(Parse<v1::Event>(items[0]).actor(), "alice");
  EXPECT_EQ(Parse<v1::Event>(items[1]).actor(), "bob");
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  const std::string actor = Parse<v1::Event>(items[2]).actor();
  EXPECT_THAT(actor, ::testing::EndsWith(absl::StrCat("@", host)));
  if (const char* user = std::getenv("USER"); user != nullptr && *user != 0) {
    EXPECT_EQ(actor, absl::StrCat(user, "@", host));
  }
}

TEST_F(PactctlTest, AddressFlagWinsOverTheEnvironment) {
  Result run = Pactctl(dir_, {"--address", server_->address(), "health"}, "",
                       {"PACTLOG_ADDRESS=127.0.0.1:1"})
                   .Wait();
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr(server_->address()));
}

// Completes `words` (the last is the one being completed) with the bash
// script at `script`, as bash would; COMPREPLY, one word a line.
std::vector<std::string> BashComplete(const std::string& dir,
                                      const std::string& script,
                                      const std::vector<std::string>& words) {
  std::string array;
  for (const std::string& word : words)
    absl::StrAppend(&array, " '", word, "'");
  const std::string program =
      absl::StrCat("source '", script, "' && COMP_WORDS=(", array,
                   ") && COMP_CWORD=", words.size() - 1,
                   " && _pactctl && printf '%s\\n' \"${COMPREPLY[@]}\"");
  Result run = Pactctl::Program(dir, {"/bin/bash", "-c", program}).Wait();
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  return Lines(run.out);
}

TEST_F(PactctlTest, BashCompletionCompletesSubcommandsOptionsAndValues) {
  Result script = Pactl({"completion", "bash"});
  ASSERT_EQ(script.exit_code, 0) << script.err;
  const std::string path = WriteFile("pactctl.bash", script.out);
  Result syntax = Pactctl::Program(dir_, {"/bin/bash", "-n", path}).Wait();
  ASSERT_EQ(syntax.exit_code, 0) << syntax.err;

  using ::testing::Contains;
  using ::testing::UnorderedElementsAre;
  EXPECT_THAT(BashComplete(dir_, path, {"pactctl", ""}),
              ::testing::IsSupersetOf(
                  {"append", "deal", "deals", "tail", "verify", "completion"}));
  EXPECT_THAT(BashComplete(dir_, path, {"pactctl", "de"}),
              UnorderedElementsAre("deal", "deals"));
  // Past a top-level option and its value.
  EXPECT_THAT(BashComplete(dir_, path, {"pactctl", "--address", "h:1", "dea"}),
              UnorderedElementsAre("deal", "deals"));
  EXPECT_THAT(BashComplete(dir_, path, {"pactctl", "--json", "tai"}),
              ElementsAre("tail"));
  // A subcommand's options, and the top level's, which it takes too.
  auto tail_options = BashComplete(dir_, path, {"pactctl", "tail", "--"});
  EXPECT_THAT(tail_options, Contains("--until-caught-up"));
  EXPECT_THAT(tail_options, Contains("--timeout"));
  EXPECT_THAT(tail_options, Contains("--json-lines"));
  EXPECT_THAT(tail_options, Not(Contains("--events")));
  // Enum values, as pactctl prints them.
  EXPECT_THAT(
      BashComplete(dir_, path, {"pactctl", "projects", "d", "--sector", "oi"}),
      ElementsAre("oil-and-gas"));
  EXPECT_THAT(
      BashComplete(dir_, path, {"pactctl", "append", "d", "--firmness", "="}),
      Contains("reported"));
  EXPECT_THAT(
      BashComplete(dir_, path, {"pactctl", "tail", "--kind", "=", "tariff"}),
      ElementsAre("tariff-change"));
  EXPECT_THAT(BashComplete(dir_, path, {"pactctl", "completion", ""}),
              UnorderedElementsAre("bash", "zsh"));
  // Files where a file is wanted.
  WriteFile("requests.jsonl", "");
  EXPECT_THAT(
      BashComplete(dir_, path, {"pactctl", "load", dir_ + "/requests.js"}),
      ElementsAre(dir_ + "/requests.jsonl"));
}

TEST_F(PactctlTest, ZshCompletionIsValidZsh) {
  Result script = Pactl({"completion", "zsh"});
  ASSERT_EQ(script.exit_code, 0) << script.err;
  EXPECT_THAT(script.out, ::testing::StartsWith("#compdef pactctl\n"));
  EXPECT_THAT(script.out, HasSubstr("'deals:every deal, by id'"));
  EXPECT_THAT(script.out, HasSubstr("--sector[only this sector, e.g. "
                                    "energy]:sector:(energy"));
  EXPECT_EQ(Pactl({"completion", "fish"}).exit_code, 2);
  if (!std::filesystem::exists("/usr/bin/zsh") &&
      !std::filesystem::exists("/bin/zsh")) {
    GTEST_SKIP() << "zsh is not installed; checked the script's text only";
  }
  const std::string path = WriteFile("_pactctl", script.out);
  const std::string zsh =
      std::filesystem::exists("/usr/bin/zsh") ? "/usr/bin/zsh" : "/bin/zsh";
  Result syntax = Pactctl::Program(dir_, {zsh, "-n", path}).Wait();
  EXPECT_EQ(syntax.exit_code, 0) << syntax.err;
  // Loaded after compinit, it registers itself for pactctl.
  Result loaded = Pactctl::Program(
                      dir_, {zsh, "-f", "-c",
                             absl::StrCat("autoload -U compinit && compinit "
                                          "-u -D && source '",
                                          path, "' && print $_comps[pactctl]")})
                      .Wait();
  EXPECT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_EQ(loaded.out, "_pactctl\n");
}

// Against a pactlogd that serves TLS and requires tokens: the TLS flags and
// the token (flag or PACTLOG_TOKEN) reach it; without a token the server's
// UNAUTHENTICATED comes back with exit code 1.
TEST_F(PactctlTest, TalksTlsWithATokenToASecuredServer) {
  auto certs = MakeTestCerts(dir_);
  if (absl::IsFailedPrecondition(certs.status())) {
    GTEST_SKIP() << certs.status();
  }
  ASSERT_TRUE(certs.ok()) << certs.status();
  auto digest = Sha256Hex("pactctl-test-token");
  ASSERT_TRUE(digest.ok());
  std::ofstream(dir_ + "/tokens") << *digest << " ops admin\n";
  PactlogdOptions options;
  options.extra_args = {"--tls-cert",    certs->cert_path, "--tls-key",
                        certs->key_path, "--token-file",   dir_ + "/tokens"};
  options.health_client.tls.emplace();
  options.health_client.tls->root_certs_pem = certs->cert_pem;
  options.health_client.tls->server_name_override = "localhost";
  auto secured = PactlogdProcess::Start(options);
  ASSERT_TRUE(secured.ok()) << secured.status();
  std::vector<std::string> tls = {"--address",         (*secured)->address(),
                                  "--tls-ca",          certs->cert_path,
                                  "--tls-server-name", "localhost"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), tls.begin(), tls.end());
    return args;
  };

  Result appended =
      Pactctl(dir_, with({"--token", "pactctl-test-token", "append", "us-japan",
                          "--events", kJapanDeal}))
          .Wait();
  ASSERT_EQ(appended.exit_code, 0) << appended.err;
  Result from_env =
      Pactctl(dir_, with({"--json-lines", "tail", "--limit", "1"}), "",
              {"PACTLOG_TOKEN=pactctl-test-token"})
          .Wait();
  ASSERT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_EQ(Parse<v1::Event>(from_env.out).actor(), "ops");
  Result anonymous = Pactctl(dir_, with({"deal", "us-japan"})).Wait();
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_THAT(anonymous.err, HasSubstr("UNAUTHENTICATED"));
  Result plaintext =
      Pactctl(dir_, {"--address", (*secured)->address(), "--timeout", "2",
                     "--token", "pactctl-test-token", "deal", "us-japan"})
          .Wait();
  EXPECT_EQ(plaintext.exit_code, 3);
  Result no_ca = Pactctl(dir_, {"--address", (*secured)->address(), "--tls-ca",
                                dir_ + "/missing.pem", "health"})
                     .Wait();
  EXPECT_EQ(no_ca.exit_code, 2);
  EXPECT_THAT(no_ca.err, HasSubstr("--tls-ca"));

  // PACTLOG_TLS_CA stands for --tls-ca, which wins over it.
  const std::vector<std::string> named = {"--address",
                                          (*secured)->address(),
                                          "--tls-server-name",
                                          "localhost",
                                          "--token",
                                          "pactctl-test-token",
                                          "deal",
                                          "us-japan"};
  Result env_ca =
      Pactctl(dir_, named, "", {"PACTLOG_TLS_CA=" + certs->cert_path}).Wait();
  EXPECT_EQ(env_ca.exit_code, 0) << env_ca.err;
  Result env_missing =
      Pactctl(dir_, named, "", {"PACTLOG_TLS_CA=" + dir_ + "/missing.pem"})
          .Wait();
  EXPECT_EQ(env_missing.exit_code, 2);
  EXPECT_THAT(env_missing.err, HasSubstr("PACTLOG_TLS_CA"));
  std::vector<std::string> flag_wins = named;
  flag_wins.insert(flag_wins.begin(), {"--tls-ca", certs->cert_path});
  Result flag_ca =
      Pactctl(dir_, flag_wins, "", {"PACTLOG_TLS_CA=" + dir_ + "/missing.pem"})
          .Wait();
  EXPECT_EQ(flag_ca.exit_code, 0) << flag_ca.err;
  // An empty variable counts as unset: plaintext, which this server refuses.
  Result env_empty =
      Pactctl(dir_,
              {"--address", (*secured)->address(), "--timeout", "2", "--token",
               "pactctl-test-token", "deal", "us-japan"},
              "", {"PACTLOG_TLS_CA="})
          .Wait();
  EXPECT_EQ(env_empty.exit_code, 3) << env_empty.err;
}

}  // namespace
}  // namespace pactlog::testing
