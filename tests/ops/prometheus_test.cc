// End to end with real processes: pactlogd (the binary) with
// --metrics-listen, scraped by a real Prometheus every 2 s; events
// appended over gRPC come back through Prometheus' HTTP query API.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "tests/ops/ops_support.h"

#ifndef PACTLOGD_DEFAULT
#define PACTLOGD_DEFAULT "build/release/services/pactlogd"
#endif

namespace pactlog::testing {
namespace {

std::string Binary(const char* env, const char* fallback) {
  const char* value = std::getenv(env);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// The value of an instant query's single sample, or nullopt when the
// result is empty (not scraped yet) or the query failed.
std::optional<double> QueryPrometheus(int port, const std::string& query) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  auto response = client.Get("/api/v1/query", httplib::Params{{"query", query}},
                             httplib::Headers{});
  if (!response || response->status != 200) return std::nullopt;
  const nlohmann::json body = nlohmann::json::parse(response->body, nullptr,
                                                    /*allow_exceptions=*/false);
  if (body.is_discarded() || body.value("status", "") != "success") {
    return std::nullopt;
  }
  const nlohmann::json& result = body["data"]["result"];
  if (!result.is_array() || result.size() != 1) return std::nullopt;
  // "value": [ <unix time>, "<number as text>" ]
  const nlohmann::json& value = result[0]["value"];
  if (!value.is_array() || value.size() != 2 || !value[1].is_string()) {
    return std::nullopt;
  }
  return std::stod(value[1].get<std::string>());
}

TEST(PrometheusTest, PrometheusScrapesPactlogSeries) {
  const std::string pactlogd = Binary("PACTLOGD", PACTLOGD_DEFAULT);
  const std::string prometheus = Binary("PROMETHEUS", "/usr/bin/prometheus");
  ASSERT_TRUE(std::filesystem::exists(pactlogd)) << pactlogd;
  ASSERT_TRUE(std::filesystem::exists(prometheus))
      << prometheus << " is missing: apt-get install prometheus";
  TempDir dir;

  const int grpc_port = FreePort();
  const int metrics_port = FreePort();
  const int prometheus_port = FreePort();
  const std::string address = absl::StrCat("127.0.0.1:", grpc_port);
  auto server = ChildProcess::Spawn(
      {pactlogd, "--listen", address, "--data-dir", dir.path() + "/data",
       "--metrics-listen", absl::StrCat("127.0.0.1:", metrics_port)},
      dir.path() + "/pactlogd.log");
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(
      PollUntil([&] { return IsServing(address) || !server->Running(); },
                absl::Seconds(60)))
      << server->Log();
  ASSERT_TRUE(server->Running()) << server->Log();

  const std::string config = dir.path() + "/prometheus.yml";
  std::ofstream(config) << "global:\n"
                           "  scrape_interval: 2s\n"
                           // Prometheus refuses a timeout above the interval.
                           "  scrape_timeout: 2s\n"
                           "scrape_configs:\n"
                           "  - job_name: pactlog\n"
                           "    static_configs:\n"
                           "      - targets: ['127.0.0.1:"
                        << metrics_port << "']\n";
  auto scraper = ChildProcess::Spawn(
      {prometheus, "--config.file=" + config,
       "--storage.tsdb.path=" + dir.path() + "/tsdb",
       absl::StrCat("--web.listen-address=127.0.0.1:", prometheus_port),
       "--log.level=warn"},
      dir.path() + "/prometheus.log");
  ASSERT_NE(scraper, nullptr);
  ASSERT_TRUE(PollUntil(
      [&] {
        return HttpGet(prometheus_port, "/-/ready").status == 200 ||
               !scraper->Running();
      },
      absl::Seconds(60)))
      << scraper->Log();
  ASSERT_TRUE(scraper->Running()) << scraper->Log();

  // Appends of every kind, one rejected request.
  auto stub = v1::DealLedger::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  const absl::Time day = Date(2025, 9, 1);
  std::vector<v1::AppendRequest> requests = {
      Request("us-japan", {DealEvent("US-Japan", 550'000'000'000, day)}),
      Request("us-japan",
              {ProjectEvent("ap1000", v1::SECTOR_ENERGY, "GA", 1'000'000, day),
               ApprovalEvent("ap1000", 500'000, day),
               DisbursementEvent("ap1000", 100'000, day)})};
  for (int i = 0; i < 20; ++i) {
    requests.push_back(
        Request("us-japan", {TariffEvent("all-goods", 1500 + i, day)}));
  }
  int events = 0;
  for (const v1::AppendRequest& request : requests) {
    v1::AppendResponse response;
    grpc::Status status = stub->Append(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    events += request.events_size();
  }
  v1::AppendResponse ignored;
  EXPECT_EQ(stub->Append(Context().get(), Request("us-japan", {}), &ignored)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // Read back through Prometheus, waiting for a scrape after the appends.
  std::optional<double> appended;
  ASSERT_TRUE(PollUntil(
      [&] {
        appended = QueryPrometheus(
            prometheus_port,
            "sum(pactlog_events_appended_total{job=\"pactlog\"})");
        return appended == events;
      },
      absl::Seconds(60)))
      << "Prometheus has " << appended.value_or(-1) << " events, want "
      << events << "\n"
      << scraper->Log();
  // Every later query polls too: one late scrape on a loaded machine makes
  // up 0 and marks the series stale until the next scrape succeeds. The
  // values cannot change any more, so a wrong one fails after the deadline.
  auto expect_eventually = [&](const std::string& query, double want) {
    std::optional<double> got;
    EXPECT_TRUE(PollUntil(
        [&] {
          got = QueryPrometheus(prometheus_port, query);
          return got == want;
        },
        absl::Seconds(60)))
        << query << " is " << (got ? absl::StrCat(*got) : "empty") << ", want "
        << want << "\n"
        << scraper->Log();
  };
  expect_eventually("up{job=\"pactlog\"}", 1);
  expect_eventually("pactlog_events_appended_total{kind=\"tariff_change\"}",
                    20);
  expect_eventually("pactlog_log_last_sequence{job=\"pactlog\"}", events);
  expect_eventually(
      "sum(pactlog_grpc_requests_total{method=\"Append\",code!=\"OK\"})", 1);
  // A histogram Prometheus can take a quantile of. No bound on the latency
  // itself: the machine may be loaded.
  std::optional<double> p99;
  EXPECT_TRUE(PollUntil(
      [&] {
        p99 = QueryPrometheus(prometheus_port,
                              "histogram_quantile(0.99, sum by (le) "
                              "(pactlog_append_duration_seconds_bucket))");
        return p99.has_value() && std::isfinite(*p99) && *p99 > 0;
      },
      absl::Seconds(60)))
      << "p99 is " << (p99 ? absl::StrCat(*p99) : "empty") << "\n"
      << scraper->Log();

  // Generous graces: a loaded machine may take a while to shut down cleanly.
  EXPECT_EQ(scraper->Stop(absl::Seconds(60)), 0) << scraper->Log();
  const int status = server->Stop(absl::Seconds(60));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server->Log();
}

}  // namespace
}  // namespace pactlog::testing
