// Unit tests of the HTTP API's parts that need no server: the status
// mapping and error body, query parameters into request fields, path
// templates, CSV fields and money, the web root.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "domain/validation.h"
#include "pactlog/v1/query.pb.h"
#include "pactlog/v1/stream.pb.h"
#include "services/grpc_status.h"
#include "services/http/csv.h"
#include "services/http/http_status.h"
#include "services/http/request_fields.h"
#include "services/http/static_files.h"
#include "tests/service/test_support.h"

namespace pactlog::services::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HttpStatusTest, EveryCodeHasGooglesHttpStatus) {
  const std::pair<grpc::StatusCode, int> kTable[] = {
      {grpc::StatusCode::OK, 200},
      {grpc::StatusCode::CANCELLED, 499},
      {grpc::StatusCode::UNKNOWN, 500},
      {grpc::StatusCode::INVALID_ARGUMENT, 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
      {grpc::StatusCode::NOT_FOUND, 404},
      {grpc::StatusCode::ALREADY_EXISTS, 409},
      {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {grpc::StatusCode::FAILED_PRECONDITION, 400},
      {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::OUT_OF_RANGE, 400},
      {grpc::StatusCode::UNIMPLEMENTED, 501},
      {grpc::StatusCode::INTERNAL, 500},
      {grpc::StatusCode::UNAVAILABLE, 503},
      {grpc::StatusCode::DATA_LOSS, 500},
      {grpc::StatusCode::UNAUTHENTICATED, 401},
  };
  for (const auto& [code, http] : kTable) {
    EXPECT_EQ(HttpStatusFor(code), http) << "gRPC code " << code;
  }
}

TEST(HttpStatusTest, ErrorJsonCarriesCodeStatusMessageAndFieldViolations) {
  const grpc::Status status = ToGrpcStatus(domain::ViolationsToStatus(
      {{"as_of.sequence", "must be an integer, got \"x\""}}));
  const std::string json = ErrorJson(status);
  EXPECT_THAT(json, HasSubstr("\"code\":400"));
  EXPECT_THAT(json, HasSubstr("\"status\":\"INVALID_ARGUMENT\""));
  EXPECT_THAT(json,
              HasSubstr("\"message\":\"invalid request: as_of.sequence: must "
                        "be an integer, got \\\"x\\\"\""));
  EXPECT_THAT(
      json,
      HasSubstr("\"@type\":\"type.googleapis.com/google.rpc.BadRequest\""));
  EXPECT_THAT(json, HasSubstr("\"field\":\"as_of.sequence\""));
}

TEST(HttpStatusTest,
     ErrorJsonEscapesControlCharactersAndHasNoDetailsWithoutThem) {
  const std::string json =
      ErrorJson(grpc::Status(grpc::StatusCode::NOT_FOUND, "no\ndeal\x01"));
  EXPECT_THAT(json, HasSubstr("\"message\":\"no\\ndeal\\u0001\""));
  EXPECT_THAT(json, HasSubstr("\"code\":404"));
  EXPECT_THAT(json, HasSubstr("\"details\":[]"));
}

TEST(RequestFieldsTest, ParseQueryDecodesEscapesAndPlus) {
  auto params = ParseQuery("a=1&b=x%20y+z&&c&d=%2Fv1");
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(*params,
            (QueryParams{{"a", "1"}, {"b", "x y z"}, {"c", ""}, {"d", "/v1"}}));
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
  EXPECT_FALSE(ParseQuery("a=%2").ok());
}

TEST(RequestFieldsTest, PathTemplatesMatchSegmentBySegment) {
  QueryParams variables;
  EXPECT_TRUE(MatchPathTemplate("/v1/deals/{deal_id}/projects/{project_id}",
                                "/v1/deals/us-japan/projects/p%2F1",
                                &variables));
  EXPECT_EQ(variables,
            (QueryParams{{"deal_id", "us-japan"}, {"project_id", "p/1"}}));
  EXPECT_FALSE(
      MatchPathTemplate("/v1/deals/{deal_id}", "/v1/deals/", &variables));
  EXPECT_FALSE(
      MatchPathTemplate("/v1/deals/{deal_id}", "/v1/deals/a/b", &variables));
  EXPECT_FALSE(MatchPathTemplate("/v1/deals/{deal_id}/projects.csv",
                                 "/v1/deals/a/projects", &variables));
}

TEST(RequestFieldsTest, OptionsShorthandsTimestampsEnumsAndRepeatedFields) {
  v1::ListProjectsRequest request;
  ASSERT_TRUE(
      SetRequestFields({{"as_of.effective_time", "2025-09-04T00:00:00Z"},
                        {"min_sequence", "12"},
                        {"sector", "energy"},
                        {"pageSize", "5"},
                        {"status", "PROJECT_STATUS_APPROVED"}},
                       &request)
          .ok());
  EXPECT_EQ(request.options().as_of().effective_time().seconds(), 1756944000);
  EXPECT_EQ(request.options().min_sequence(), 12u);
  EXPECT_EQ(request.sector(), v1::SECTOR_ENERGY);
  EXPECT_EQ(request.page_size(), 5);
  EXPECT_EQ(request.status(), v1::PROJECT_STATUS_APPROVED);

  v1::SubscribeRequest subscribe;
  ASSERT_TRUE(SetRequestFields({{"filter.deal_ids", "a"},
                                {"filter.deal_ids", "b"},
                                {"filter.kinds", "tariff_change"},
                                {"from_end", "true"}},
                               &subscribe)
                  .ok());
  EXPECT_THAT(subscribe.filter().deal_ids(), ::testing::ElementsAre("a", "b"));
  ASSERT_EQ(subscribe.filter().kinds_size(), 1);
  EXPECT_EQ(subscribe.filter().kinds(0), v1::EVENT_KIND_TARIFF_CHANGE);
  EXPECT_TRUE(subscribe.from_end());
}

TEST(RequestFieldsTest, EveryBadParameterIsAViolationNamingItAndTheValue) {
  v1::GetDealRequest request;
  const absl::Status status =
      SetRequestFields({{"as_of.sequence", "-1"},
                        {"as_of.effective_time", "yesterday"},
                        {"colour", "red"},
                        {"min_sequence", "1"},
                        {"min_sequence", "2"}},
                       &request);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(status.message());
  EXPECT_THAT(message, HasSubstr("as_of.sequence: must be an integer in the "
                                 "range of uint64, got \"-1\""));
  EXPECT_THAT(message,
              HasSubstr("as_of.effective_time: must be an RFC 3339 time"));
  EXPECT_THAT(message, HasSubstr("\"yesterday\""));
  EXPECT_THAT(message, HasSubstr("colour: is not a parameter of "
                                 "pactlog.v1.GetDealRequest"));
  EXPECT_THAT(message, HasSubstr("min_sequence: is given more than once"));

  v1::ListProjectsRequest projects;
  const absl::Status bad_enum =
      SetRequestFields({{"sector", "unspecified"}}, &projects);
  EXPECT_THAT(std::string(bad_enum.message()),
              HasSubstr("sector: must name a value of pactlog.v1.Sector other "
                        "than SECTOR_UNSPECIFIED, got \"unspecified\""));
}

TEST(RequestFieldsTest, AlternativesOfAOneofCannotBothBeGiven) {
  v1::SubscribeRequest request;
  const absl::Status status = SetRequestFields(
      {{"after_sequence", "3"}, {"from_end", "true"}}, &request);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("from_end: cannot be given with after_sequence"));
  EXPECT_EQ(request.after_sequence(), 3u);
}

TEST(RequestFieldsTest, IgnoredParametersAreSkipped) {
  v1::GetDealRequest request;
  EXPECT_TRUE(
      SetRequestFields({{"access_token", "t"}}, &request, {"access_token"})
          .ok());
  EXPECT_FALSE(SetRequestFields({{"access_token", "t"}}, &request).ok());
}

TEST(CsvTest, FieldsAreQuotedAndFormulasDefused) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvField("=HYPERLINK(1)"), "'=HYPERLINK(1)");
  EXPECT_EQ(CsvField("-5", /*text_field=*/false), "-5");
}

TEST(CsvTest, MoneyIsAnExactDecimalInTheCurrencysMajorUnit) {
  EXPECT_EQ(MajorUnits(55000000000000, "USD"), "550000000000.00");
  EXPECT_EQ(MajorUnits(5, "USD"), "0.05");
  EXPECT_EQ(MajorUnits(-123456, "USD"), "-1234.56");
  EXPECT_EQ(MajorUnits(500, "JPY"), "500");
  EXPECT_EQ(MajorUnits(1234, "KWD"), "1.234");
  EXPECT_EQ(MajorUnits(INT64_MIN, "USD"), "-92233720368547758.08");
}

TEST(CsvTest, ProjectRowsAndPagingKeepThePositionOfTheFirstPage) {
  v1::ListProjectsResponse page;
  v1::ProjectState* p = page.add_projects();
  p->set_deal_id("d");
  p->set_project_id("p1");
  p->set_name("Plant, phase 1");
  p->set_sector(v1::SECTOR_ENERGY);
  p->set_us_state("OH");
  p->mutable_pledged()->set_currency_code("USD");
  p->mutable_pledged()->set_minor_units(123456);
  page.set_next_page_token("next");
  page.set_log_sequence(42);
  const std::string rows = ProjectsCsv().rows(page);
  EXPECT_THAT(rows, HasSubstr("d,p1,\"Plant, phase 1\",SECTOR_ENERGY,OH,"));
  EXPECT_THAT(rows, HasSubstr(",USD,1234.56,"));
  EXPECT_EQ(rows.substr(rows.size() - 2), "\r\n");

  v1::ListProjectsRequest request;
  ASSERT_TRUE(ProjectsCsv().next(page, &request));
  EXPECT_EQ(request.page_token(), "next");
  EXPECT_EQ(request.options().as_of().sequence(), 42u);
  page.clear_next_page_token();
  EXPECT_FALSE(ProjectsCsv().next(page, &request));
}

TEST(CsvTest, EventPagesGoOnUntilTheHead) {
  v1::ReadResponse page;
  page.set_last_examined_sequence(10);
  page.set_head_sequence(20);
  v1::ReadRequest request;
  ASSERT_TRUE(EventsCsv().next(page, &request));
  EXPECT_EQ(request.after_sequence(), 10u);
  page.set_last_examined_sequence(20);
  EXPECT_FALSE(EventsCsv().next(page, &request));
}

TEST(StaticFilesTest, ServesTheRootsFilesAndNothingElse) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/assets");
  testing::WriteFile(dir.path() + "/index.html", "<!doctype html>");
  testing::WriteFile(dir.path() + "/assets/app-1234.js", "console.log(1)");
  auto files = StaticFiles::Load(dir.path());
  ASSERT_TRUE(files.ok()) << files.status();
  const StaticFiles::File* index = files->Find("/");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->body, "<!doctype html>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  const StaticFiles::File* script = files->Find("/assets/app-1234.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  EXPECT_THAT(script->headers,
              ::testing::Contains(::testing::Pair(
                  "Cache-Control", "public, max-age=31536000, immutable")));
  EXPECT_EQ(files->Find("/assets/../index.html"), nullptr);
  EXPECT_EQ(files->Find("/assets"), nullptr);
  EXPECT_EQ(files->Find("/missing.js"), nullptr);
}

TEST(StaticFilesTest, ARootWithoutIndexIsNotFound) {
  testing::TempDir dir;
  EXPECT_EQ(StaticFiles::Load(dir.path()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(StaticFiles::Load(dir.path() + "/nope").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace pactlog::services::http
