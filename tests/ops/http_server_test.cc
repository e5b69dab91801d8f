// The metrics HTTP endpoint: address parsing, /metrics, /healthz, errors.
#include "services/metrics/http_server.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "tests/ops/ops_support.h"

namespace pactlog::metrics {
namespace {

using ::pactlog::testing::FreePort;
using ::pactlog::testing::HttpGet;

TEST(ParseHostPortTest, AcceptsHostsPortsAndBracketedIpv6) {
  auto parsed = ParseHostPort("0.0.0.0:9464");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "0.0.0.0");
  EXPECT_EQ(parsed->port, 9464);
  parsed = ParseHostPort("[::1]:0");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "::1");
  EXPECT_EQ(parsed->port, 0);
  parsed = ParseHostPort("localhost:65535");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "localhost");
}

TEST(ParseHostPortTest, RejectsMalformedAddressesNamingThem) {
  for (const char* bad : {"9464", "host:", "host:port", "host:65536", "host:-1",
                          ":9464", "[]:9464"}) {
    auto parsed = ParseHostPort(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(bad), std::string::npos)
        << parsed.status();
  }
}

TEST(MetricsHttpServerTest, ServesRegistryAndHealth) {
  Registry registry;
  registry.AddCounter("requests_total", "Requests.")
      .WithLabels({})
      .Increment(7);
  std::atomic<bool> healthy{false};
  auto server = MetricsHttpServer::Start("127.0.0.1:0", &registry,
                                         [&] { return healthy.load(); });
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  ASSERT_GT(port, 0);

  auto metrics = HttpGet(port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, std::string(Registry::kContentType));
  EXPECT_EQ(metrics.body,
            "# HELP requests_total Requests.\n"
            "# TYPE requests_total counter\n"
            "requests_total 7\n");

  auto health = HttpGet(port, "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.body, "NOT_SERVING\n");
  healthy = true;
  health = HttpGet(port, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "SERVING\n");

  EXPECT_EQ(HttpGet(port, "/").status, 404);
  EXPECT_EQ(HttpGet(port, "/metrics/extra").status, 404);

  (*server)->Stop();
  (*server)->Stop();                               // idempotent
  EXPECT_EQ(HttpGet(port, "/metrics").status, 0);  // nobody listens
}

TEST(MetricsHttpServerTest, PortInUseIsUnavailable) {
  Registry registry;
  auto first =
      MetricsHttpServer::Start("127.0.0.1:0", &registry, [] { return true; });
  ASSERT_TRUE(first.ok()) << first.status();
  auto second =
      MetricsHttpServer::Start(absl::StrCat("127.0.0.1:", (*first)->port()),
                               &registry, [] { return true; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(MetricsHttpServerTest, MalformedAddressIsInvalidArgument) {
  Registry registry;
  auto server =
      MetricsHttpServer::Start("no-port", &registry, [] { return true; });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MetricsHttpServerTest, StopsRightAfterStart) {
  Registry registry;
  for (int i = 0; i < 20; ++i) {
    auto server = MetricsHttpServer::Start(
        absl::StrCat("127.0.0.1:", FreePort()), &registry, [] { return true; });
    ASSERT_TRUE(server.ok()) << server.status();
  }  // each destructor stops at once, whether the loop has started or not
}

}  // namespace
}  // namespace pactlog::metrics
