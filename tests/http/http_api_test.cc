// The HTTP/JSON API against a real PactlogServer (services/http/api.h):
// every route, as-of parameters, errors, CSV, Server-Sent Events with
// resume, authentication over HTTP and TLS. The client is cpp-httplib's.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "pactlog/v1/query.pb.h"
#include "pactlog/v1/stream.pb.h"
#include "tests/security/security_support.h"
#include "tests/service/test_support.h"

namespace pactlog::testing {
namespace {

using ::testing::HasSubstr;

// `json` (a response body) as a `T`; fails the test when it is not one.
template <typename T>
T Parse(const std::string& json) {
  T message;
  const auto status =
      google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status << " in " << json;
  return message;
}

template <typename T>
void ExpectSame(const T& http, const T& grpc) {
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(http, grpc)) << difference;
}

// The events of a Server-Sent Events stream, read on a thread of its own.
class SseReader {
 public:
  struct Message {
    std::string event;
    std::string id;
    std::string data;
  };

  SseReader(int port, std::string target, httplib::Headers headers = {})
      : thread_([this, port, target = std::move(target),
                 headers = std::move(headers)] {
          httplib::Client client("127.0.0.1", port);
          client.set_read_timeout(30, 0);
          auto result = client.Get(
              target.c_str(), headers,
              [this](const httplib::Response& response) {
                absl::MutexLock lock(&mu_);
                status_ = response.status;
                content_type_ = response.get_header_value("Content-Type");
                return true;
              },
              [this](const char* data, size_t size) {
                return Take(std::string(data, size));
              });
          absl::MutexLock lock(&mu_);
          ended_ = true;
          if (result) body_error_ = result->body;
        }) {}

  ~SseReader() {
    Stop();
    thread_.join();
  }

  // Makes the reader hang up at the next bytes it receives.
  void Stop() {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }

  // The next message whose event is not "progress"; fails the test after
  // 30 s.
  Message Next() {
    absl::MutexLock lock(&mu_);
    auto ready = [this] {
      mu_.AssertHeld();
      while (!messages_.empty() && messages_.front().event == "progress") {
        messages_.pop_front();
      }
      return !messages_.empty() || ended_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(30)) ||
        messages_.empty()) {
      ADD_FAILURE() << "no Server-Sent Event (status " << status_ << ")";
      return {};
    }
    Message message = std::move(messages_.front());
    messages_.pop_front();
    return message;
  }

  int status() {
    absl::MutexLock lock(&mu_);
    auto answered = [this] {
      mu_.AssertHeld();
      return status_ != 0 || ended_;
    };
    mu_.Await(absl::Condition(&answered));
    return status_;
  }
  std::string content_type() {
    absl::MutexLock lock(&mu_);
    return content_type_;
  }

 private:
  bool Take(const std::string& bytes) {
    absl::MutexLock lock(&mu_);
    if (stop_) return false;
    pending_ += bytes;
    size_t end;
    while ((end = pending_.find("\n\n")) != std::string::npos) {
      Message message;
      for (absl::string_view line :
           absl::StrSplit(pending_.substr(0, end), '\n')) {
        if (absl::ConsumePrefix(&line, "event: "))
          message.event = std::string(line);
        if (absl::ConsumePrefix(&line, "id: ")) message.id = std::string(line);
        if (absl::ConsumePrefix(&line, "data: "))
          message.data = std::string(line);
      }
      pending_.erase(0, end + 2);
      if (!message.event.empty()) messages_.push_back(std::move(message));
    }
    return true;
  }

  absl::Mutex mu_;
  std::deque<Message> messages_ ABSL_GUARDED_BY(mu_);
  std::string pending_ ABSL_GUARDED_BY(mu_);
  int status_ ABSL_GUARDED_BY(mu_) = 0;
  std::string content_type_ ABSL_GUARDED_BY(mu_);
  std::string body_error_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(web_.path() + "/index.html", "<!doctype html><title>t</title>");
    services::ServerOptions options;
    options.data_dir = dir_.path();
    options.clock = &clock_;
    options.http_listen_address = "127.0.0.1:0";
    options.web_root = web_.path();
    server_ = TestServer::Start(options);
    ASSERT_NE(server_, nullptr);
    port_ = server_->server().http_port();
    ASSERT_NE(port_, 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(30, 0);

    const absl::Time t0 = Date(2025, 7, 22);
    v1::Money cap = Usd(100'000'000'000);
    ASSERT_TRUE(
        Append(*server_,
               Request("us-japan",
                       {DealEvent("US-Japan", 550'000'000'000, t0),
                        AllocationEvent("energy", v1::SECTOR_ENERGY, &cap, t0),
                        ProjectEvent("plant", v1::SECTOR_ENERGY, "OH",
                                     20'000'000'000, Date(2025, 9, 1))}))
            .ok());
    clock_.Advance(absl::Hours(24));
    ASSERT_TRUE(Append(*server_,
                       Request("us-japan",
                               {ApprovalEvent("plant", 5'000'000'000,
                                              Date(2025, 10, 1)),
                                TariffEvent("autos", 1500, Date(2025, 9, 16))}))
                    .ok());
    ASSERT_TRUE(Append(*server_, Request("us-korea",
                                         {DealEvent("US-Korea", 350'000'000'000,
                                                    Date(2025, 7, 30))}))
                    .ok());
  }

  httplib::Result Get(const std::string& target,
                      const httplib::Headers& headers = {}) {
    return client_->Get(target.c_str(), headers);
  }

  v1::GetDealResponse GrpcDeal(const std::string& deal,
                               uint64_t as_of_sequence = 0) {
    v1::GetDealRequest request;
    request.set_deal_id(deal);
    request.mutable_options()->mutable_as_of()->set_sequence(as_of_sequence);
    v1::GetDealResponse response;
    EXPECT_TRUE(
        server_->query().GetDeal(Context().get(), request, &response).ok());
    return response;
  }

  TempDir dir_;
  TempDir web_;
  ManualClock clock_{
      absl::FromCivil(absl::CivilDay(2026, 1, 5), absl::UTCTimeZone())};
  std::unique_ptr<TestServer> server_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpApiTest, GetDealIsTheGrpcAnswerInProtobufJson) {
  auto result = Get("/v1/deals/us-japan");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_FALSE(result->get_header_value("x-request-id").empty());
  ExpectSame(Parse<v1::GetDealResponse>(result->body), GrpcDeal("us-japan"));
  // lowerCamelCase names, 64-bit integers as strings, defaults printed.
  EXPECT_THAT(result->body,
              HasSubstr("\"commitmentCeiling\":{\"currencyCode\":"
                        "\"USD\",\"minorUnits\":\"55000000000000\"}"));
  EXPECT_THAT(result->body, HasSubstr("\"headroom\""));
}

TEST_F(HttpApiTest, EveryRouteAnswersWithItsResponse) {
  struct Case {
    std::string target;
    std::function<void(const std::string&)> check;
  };
  const std::vector<Case> cases = {
      {"/v1/deals",
       [](const std::string& body) {
         EXPECT_EQ(Parse<v1::ListDealsResponse>(body).deals_size(), 2);
       }},
      {"/v1/deals/us-japan/projects",
       [](const std::string& body) {
         auto r = Parse<v1::ListProjectsResponse>(body);
         ASSERT_EQ(r.projects_size(), 1);
         EXPECT_EQ(r.projects(0).approved().minor_units(), 500'000'000'000);
       }},
      {"/v1/deals/us-japan/projects?sector=semiconductors",
       [](const std::string& body) {
         EXPECT_EQ(Parse<v1::ListProjectsResponse>(body).projects_size(), 0);
       }},
      {"/v1/deals/us-japan/projects/plant",
       [](const std::string& body) {
         EXPECT_EQ(Parse<v1::GetProjectResponse>(body).project().us_state(),
                   "OH");
       }},
      {"/v1/deals/us-japan/allocations",
       [](const std::string& body) {
         EXPECT_THAT(body, HasSubstr("\"allocationId\":\"energy\""));
         EXPECT_THAT(body, HasSubstr("\"logSequence\":\"6\""));
       }},
      {"/v1/deals/us-japan/tariffs",
       [](const std::string& body) {
         auto r = Parse<v1::GetTariffsResponse>(body);
         EXPECT_GE(r.tariffs_size(), 1);
       }},
      {"/v1/deals/us-japan/compliance",
       [](const std::string& body) {
         EXPECT_EQ(
             Parse<v1::GetComplianceResponse>(body).compliance().deal_id(),
             "us-japan");
       }},
      {"/v1/deals/us-japan/lineage?project_id=plant",
       [](const std::string& body) {
         EXPECT_GE(Parse<v1::GetLineageResponse>(body).entries_size(), 2);
       }},
      {"/v1/deals/us-japan/events",
       [](const std::string& body) {
         auto r = Parse<v1::ReadResponse>(body);
         EXPECT_EQ(r.events_size(), 5);
         for (const auto& e : r.events()) EXPECT_EQ(e.deal_id(), "us-japan");
       }},
      {"/v1/events?after_sequence=5",
       [](const std::string& body) {
         auto r = Parse<v1::ReadResponse>(body);
         ASSERT_EQ(r.events_size(), 1);
         EXPECT_EQ(r.events(0).deal_id(), "us-korea");
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    auto result = Get(c.target);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200) << result->body;
    c.check(result->body);
  }
}

TEST_F(HttpApiTest, AsOfParametersGiveThePastStateAsGrpcDoes) {
  // After the first append only: pledged, nothing approved.
  auto by_sequence = Get("/v1/deals/us-japan?as_of.sequence=3");
  ASSERT_TRUE(by_sequence);
  ASSERT_EQ(by_sequence->status, 200) << by_sequence->body;
  const auto past = Parse<v1::GetDealResponse>(by_sequence->body);
  ExpectSame(past, GrpcDeal("us-japan", 3));
  EXPECT_EQ(past.deal().totals().approved().minor_units(), 0);
  EXPECT_NE(GrpcDeal("us-japan").deal().totals().approved().minor_units(), 0);

  // Effective before the approval, and recorded before the second append:
  // the same state, asked two other ways.
  for (const std::string target :
       {"/v1/deals/us-japan?as_of.effective_time=2025-09-30T00:00:00Z",
        "/v1/deals/us-japan?options.asOf.recordedTime=2026-01-05T12:00:00Z",
        "/v1/deals/us-japan?asOf.effectiveTime=2025-09-30T00%3A00%3A00Z"}) {
    SCOPED_TRACE(target);
    auto result = Get(target);
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
    const auto deal = Parse<v1::GetDealResponse>(result->body);
    EXPECT_EQ(deal.deal().totals().approved().minor_units(), 0);
    EXPECT_EQ(deal.deal().totals().pledged().minor_units(), 2'000'000'000'000);
  }
  auto ahead = Get("/v1/deals/us-japan?min_sequence=1000");
  ASSERT_TRUE(ahead);
  EXPECT_NE(ahead->status, 200);
  EXPECT_THAT(ahead->body, HasSubstr("min_sequence"));
}

TEST_F(HttpApiTest, BadParametersAre400NamingTheField) {
  struct Case {
    std::string target;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"/v1/deals/us-japan?as_of.sequence=abc", "as_of.sequence"},
           {"/v1/deals/us-japan?as_of.effective_time=2025-13-01",
            "as_of.effective_time"},
           {"/v1/deals/us-japan?colour=red", "colour"},
           {"/v1/deals/us-japan/projects?sector=lumber", "sector"},
           {"/v1/deals/us-japan/projects?page_size=-3", "page_size"},
           {"/v1/deals/Not%20A%20Slug", "deal_id"},
           {"/v1/deals/us-japan?as_of.sequence=%zz", "%-escape"}}) {
    SCOPED_TRACE(c.target);
    auto result = Get(c.target);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400) << result->body;
    EXPECT_THAT(result->body, HasSubstr("\"status\":\"INVALID_ARGUMENT\""));
    EXPECT_THAT(result->body, HasSubstr(c.field));
  }
  auto violations = Get("/v1/deals/us-japan?as_of.sequence=abc");
  ASSERT_TRUE(violations);
  EXPECT_THAT(violations->body,
              HasSubstr("\"fieldViolations\":[{\"field\":\"as_of.sequence\""));
}

TEST_F(HttpApiTest, UnknownThingsAre404AndWritesAre405) {
  auto deal = Get("/v1/deals/nope");
  ASSERT_TRUE(deal);
  EXPECT_EQ(deal->status, 404);
  EXPECT_THAT(deal->body, HasSubstr("\"status\":\"NOT_FOUND\""));
  EXPECT_THAT(deal->body, HasSubstr("request_id="));
  auto route = Get("/v1/nothing/here");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->status, 404);
  EXPECT_THAT(route->body, HasSubstr("no route for GET"));
  auto post = client_->Post("/v1/deals", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET");
  // Nothing was written.
  auto read = Get("/v1/events");
  ASSERT_TRUE(read);
  EXPECT_EQ(Parse<v1::ReadResponse>(read->body).events_size(), 6);
}

TEST_F(HttpApiTest, TheRequestIdGoesThroughAndComesBack) {
  auto result = Get("/v1/deals/nope", {{"x-request-id", "trace-42"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->get_header_value("x-request-id"), "trace-42");
  EXPECT_THAT(result->body, HasSubstr("[request_id=trace-42]"));
}

TEST_F(HttpApiTest, ThePageAndHealthAreServed) {
  auto page = Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "<!doctype html><title>t</title>");
  EXPECT_THAT(page->get_header_value("Content-Security-Policy"),
              HasSubstr("default-src 'self'"));
  auto missing = Get("/missing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto health = Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "SERVING\n");
}

TEST_F(HttpApiTest, CsvExportsPageThroughEverything) {
  std::vector<v1::EventData> projects;
  for (int i = 0; i < 5; ++i) {
    projects.push_back(ProjectEvent(absl::StrCat("p", i), v1::SECTOR_ENERGY,
                                    "TX", 1'000 + i, Date(2025, 9, 2)));
  }
  ASSERT_TRUE(Append(*server_, Request("us-japan", projects)).ok());

  auto csv = Get("/v1/deals/us-japan/projects.csv?page_size=2");
  ASSERT_TRUE(csv);
  ASSERT_EQ(csv->status, 200) << csv->body;
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_THAT(csv->get_header_value("Content-Disposition"),
              HasSubstr("us-japan-projects.csv"));
  std::vector<std::string> lines =
      absl::StrSplit(csv->body, "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 7u) << csv->body;  // header + 6 projects, 3 pages
  EXPECT_THAT(lines[0], HasSubstr("deal_id,project_id,name,sector"));
  // The fixture's plant: pledged USD 20B, approved 5B, disbursed nothing.
  EXPECT_THAT(csv->body,
              HasSubstr("plant,Project plant,SECTOR_ENERGY,OH,"
                        "PROJECT_STATUS_APPROVED,,USD,20000000000.00,"
                        "5000000000.00,0.00,"));
  EXPECT_THAT(csv->body, HasSubstr("p4,Project p4,SECTOR_ENERGY,TX,"));

  auto events = Get("/v1/deals/us-japan/events.csv?limit=2");
  ASSERT_TRUE(events);
  ASSERT_EQ(events->status, 200) << events->body;
  lines = absl::StrSplit(events->body, "\r\n", absl::SkipEmpty());
  // header + the fixture's 5 us-japan events + the 5 projects, 6 pages
  ASSERT_EQ(lines.size(), 11u) << events->body;
  EXPECT_THAT(lines[1], HasSubstr(",announcement,2025-07-22T00:00:00Z,"));
  EXPECT_THAT(events->body, HasSubstr(",tariff_change,"));

  auto bad = Get("/v1/deals/NOPE!/projects.csv");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(HttpApiTest,
       ServerSentEventsCatchUpFollowLiveAndResumeWithoutGapOrDuplicate) {
  std::vector<uint64_t> seen;
  std::string last_id;
  {
    SseReader reader(port_,
                     "/v1/events:stream?filter.deal_ids=us-japan&"
                     "heartbeat_interval_ms=100");
    EXPECT_EQ(reader.status(), 200);
    EXPECT_EQ(reader.content_type(), "text/event-stream; charset=utf-8");
    for (;;) {
      SseReader::Message m = reader.Next();
      if (m.event == "caught_up") break;
      ASSERT_EQ(m.event, "event") << m.data;
      const auto event = Parse<v1::Event>(m.data);
      EXPECT_EQ(m.id, absl::StrCat(event.sequence()));
      seen.push_back(event.sequence());
      last_id = m.id;
    }
    EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
    // Live.
    ASSERT_TRUE(Append(*server_,
                       Request("us-japan",
                               {TariffEvent("autos", 1200, Date(2025, 11, 1))}))
                    .ok());
    SseReader::Message live = reader.Next();
    ASSERT_EQ(live.event, "event");
    seen.push_back(Parse<v1::Event>(live.data).sequence());
    last_id = live.id;
    reader.Stop();
  }
  // While nobody listens: one for the deal, one for another deal.
  ASSERT_TRUE(
      Append(*server_, Request("us-japan",
                               {TariffEvent("autos", 1000, Date(2025, 12, 1))}))
          .ok());
  ASSERT_TRUE(Append(*server_,
                     Request("us-korea",
                             {TariffEvent("autos", 1500, Date(2025, 11, 14))}))
                  .ok());
  SseReader resumed(port_,
                    "/v1/events:stream?filter.deal_ids=us-japan&"
                    "heartbeat_interval_ms=100",
                    {{"Last-Event-ID", last_id}});
  for (;;) {
    SseReader::Message m = resumed.Next();
    if (m.event == "caught_up" || m.event.empty()) break;
    seen.push_back(Parse<v1::Event>(m.data).sequence());
  }
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4, 5, 7, 8}));
}

TEST_F(HttpApiTest, AStreamThatCannotStartIsAnErrorAnswer) {
  auto bad = Get("/v1/events:stream?heartbeat_interval_ms=5");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("heartbeat_interval_ms"));
  auto resume = Get("/v1/events:stream", {{"Last-Event-ID", "x"}});
  ASSERT_TRUE(resume);
  EXPECT_EQ(resume->status, 400);
  EXPECT_THAT(resume->body, HasSubstr("Last-Event-ID"));
}

TEST(HttpExposureTest, ANonLoopbackHttpAddressNeedsTlsAndTokens) {
  TempDir dir;
  services::ServerOptions options;
  options.data_dir = dir.path();
  options.listen_address = "127.0.0.1:0";
  options.http_listen_address = "0.0.0.0:0";
  auto server = services::PactlogServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("0.0.0.0:0"));
}

TEST(HttpExposureTest, AMissingWebRootIsRefusedAtStart) {
  TempDir dir;
  services::ServerOptions options;
  options.data_dir = dir.path();
  options.listen_address = "127.0.0.1:0";
  options.http_listen_address = "127.0.0.1:0";
  options.web_root = dir.path() + "/no-such-dir";
  auto server = services::PactlogServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kNotFound);
}

// Tokens and TLS exactly as on the gRPC port.
class HttpSecurityTest : public ::testing::Test {
 protected:
  void StartServer(bool tls) {
    principals_ = StandardPrincipals();
    WriteFile(files_.path() + "/tokens", TokenFileText(principals_));
    services::ServerOptions options;
    options.guard.token_file = files_.path() + "/tokens";
    options.guard.log = log_.log();
    options.http_listen_address = "127.0.0.1:0";
    if (tls) {
      options.transport.cert_file = pki_.server().cert;
      options.transport.key_file = pki_.server().key;
    }
    server_ = SecureServer::Start(options, &clock_);
    ASSERT_NE(server_, nullptr);
    port_ = server_->server().http_port();
  }
  std::string Token(const std::string& name) {
    for (const TestPrincipal& p : principals_) {
      if (p.name == name) return p.token;
    }
    return "";
  }

  TempDir files_;
  TempDir pki_dir_;
  Pki pki_{pki_dir_.path()};
  CapturedLog log_;
  ManualClock clock_{absl::FromUnixSeconds(1767571200)};
  std::vector<TestPrincipal> principals_;
  std::unique_ptr<SecureServer> server_;
  int port_ = 0;
};

TEST_F(HttpSecurityTest, ReadersGetInOthersAreRefusedWithTheRightStatus) {
  StartServer(/*tls=*/false);
  httplib::Client client("127.0.0.1", port_);
  auto none = client.Get("/v1/deals");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_THAT(none->body, HasSubstr("\"status\":\"UNAUTHENTICATED\""));
  auto wrong = client.Get("/v1/deals", {{"Authorization", "Bearer nope"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto recorder = client.Get(
      "/v1/deals", {{"Authorization", "Bearer " + Token("rita-recorder")}});
  ASSERT_TRUE(recorder);
  EXPECT_EQ(recorder->status, 403);
  EXPECT_THAT(recorder->body, HasSubstr("\"status\":\"PERMISSION_DENIED\""));
  auto reader = client.Get(
      "/v1/deals", {{"Authorization", "Bearer " + Token("rex-reader")}});
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->status, 200) << reader->body;
  // EventSource cannot send headers: the token as a query parameter.
  // (A short heartbeat: Stop() takes effect at the next bytes.)
  SseReader stream(port_,
                   "/v1/events:stream?heartbeat_interval_ms=100&"
                   "access_token=" +
                       Token("rex-reader"));
  EXPECT_EQ(stream.status(), 200);
  EXPECT_EQ(stream.Next().event, "caught_up");
  stream.Stop();
  auto no_stream = client.Get("/v1/events:stream");
  ASSERT_TRUE(no_stream);
  EXPECT_EQ(no_stream->status, 401);
}

TEST_F(HttpSecurityTest, TlsWithTheGrpcPortsCertificate) {
  StartServer(/*tls=*/true);
  httplib::SSLClient tls("127.0.0.1", port_);
  tls.set_ca_cert_path(pki_.ca().c_str());
  tls.enable_server_certificate_verification(true);
  auto ok = tls.Get("/v1/deals",
                    {{"Authorization", "Bearer " + Token("rex-reader")}});
  ASSERT_TRUE(ok) << httplib::to_string(ok.error());
  EXPECT_EQ(ok->status, 200);
  httplib::Client plain("127.0.0.1", port_);
  plain.set_read_timeout(10, 0);
  auto refused = plain.Get("/v1/deals");
  EXPECT_TRUE(!refused || refused->status != 200);
}

}  // namespace
}  // namespace pactlog::testing
