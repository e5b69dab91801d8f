#include "tests/service/test_support.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "domain/deal_state.h"

namespace pactlog::testing {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "pactlog-test-XXXXXX").string();
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::unique_ptr<TestServer> TestServer::Start(
    const std::string& data_dir, util::Clock* clock,
    services::SubscriptionHubOptions subscriptions) {
  services::ServerOptions options;
  options.data_dir = data_dir;
  options.clock = clock;
  options.subscriptions = subscriptions;
  return Start(std::move(options));
}

std::unique_ptr<TestServer> TestServer::Start(services::ServerOptions options) {
  if (options.listen_address.empty() ||
      options.listen_address == services::ServerOptions().listen_address) {
    options.listen_address = "127.0.0.1:0";
  }
  auto started = services::PactlogServer::Start(options);
  if (!started.ok()) {
    ADD_FAILURE() << "server did not start: " << started.status();
    return nullptr;
  }
  auto test_server = std::unique_ptr<TestServer>(new TestServer());
  test_server->server_ = std::move(*started);
  if (absl::Status recovered = test_server->server_->Recover();
      !recovered.ok()) {
    ADD_FAILURE() << "replay failed: " << recovered;
    return nullptr;
  }
  test_server->channel_ = grpc::CreateChannel(
      test_server->address(), grpc::InsecureChannelCredentials());
  test_server->ledger_ = v1::DealLedger::NewStub(test_server->channel_);
  test_server->query_ = v1::DealQuery::NewStub(test_server->channel_);
  test_server->stream_ = v1::EventStream::NewStub(test_server->channel_);
  return test_server;
}

TestServer::~TestServer() {
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(5));
}

std::string TestServer::address() const {
  return absl::StrCat("127.0.0.1:", server_->port());
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  return context;
}

std::unique_ptr<grpc::ClientContext> StreamContext() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(240));
  return context;
}

v1::Money Usd(int64_t dollars) {
  v1::Money money;
  money.set_currency_code("USD");
  money.set_minor_units(dollars * 100);
  return money;
}

google::protobuf::Timestamp Time(absl::Time t) {
  google::protobuf::Timestamp ts;
  domain::ToProtoTime(t, &ts);
  return ts;
}

absl::Time Date(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

namespace {

v1::EventData Base(absl::Time effective) {
  v1::EventData data;
  *data.mutable_effective_time() = Time(effective);
  data.mutable_provenance()->set_source("https://example.org/fact-sheet");
  data.mutable_provenance()->set_firmness(v1::FIRMNESS_OFFICIALLY_ANNOUNCED);
  return data;
}

}  // namespace

v1::EventData DealEvent(const std::string& title, int64_t ceiling_dollars,
                        absl::Time effective, int32_t cap_bps) {
  v1::EventData data = Base(effective);
  v1::DealAnnouncement* deal = data.mutable_announcement()->mutable_deal();
  deal->set_title(title);
  deal->set_investor_country("JP");
  deal->set_host_country("US");
  *deal->mutable_commitment_ceiling() = Usd(ceiling_dollars);
  v1::TariffCap* cap = deal->add_tariff_caps();
  cap->set_product_category("all-goods");
  cap->set_max_rate_bps(cap_bps);
  return data;
}

v1::EventData ProjectEvent(const std::string& project_id, v1::Sector sector,
                           const std::string& us_state, int64_t pledged_dollars,
                           absl::Time effective) {
  v1::EventData data = Base(effective);
  v1::ProjectAnnouncement* project =
      data.mutable_announcement()->mutable_project();
  project->set_project_id(project_id);
  project->set_name(absl::StrCat("Project ", project_id));
  project->set_sector(sector);
  project->set_us_state(us_state);
  project->add_sponsors("Sponsor Co.");
  *project->mutable_pledged() = Usd(pledged_dollars);
  return data;
}

v1::EventData ApprovalEvent(const std::string& project_id,
                            int64_t amount_dollars, absl::Time effective) {
  v1::EventData data = Base(effective);
  v1::Approval* approval = data.mutable_approval();
  approval->set_project_id(project_id);
  *approval->mutable_amount() = Usd(amount_dollars);
  approval->set_approving_body("US Investment Committee");
  return data;
}

v1::EventData DisbursementEvent(const std::string& project_id,
                                int64_t amount_dollars, absl::Time effective) {
  v1::EventData data = Base(effective);
  v1::Disbursement* disbursement = data.mutable_disbursement();
  disbursement->set_project_id(project_id);
  *disbursement->mutable_amount() = Usd(amount_dollars);
  disbursement->set_funding_source(v1::FUNDING_SOURCE_JBIC);
  disbursement->set_tranche("T1");
  return data;
}

v1::EventData TariffEvent(const std::string& category, int32_t rate_bps,
                          absl::Time effective) {
  v1::EventData data = Base(effective);
  v1::TariffChange* change = data.mutable_tariff_change();
  change->set_product_category(category);
  change->set_rate_bps(rate_bps);
  change->set_legal_instrument("Executive Order");
  change->set_reason("framework terms");
  return data;
}

v1::AppendRequest Request(const std::string& deal_id,
                          std::vector<v1::EventData> events) {
  v1::AppendRequest request;
  request.set_deal_id(deal_id);
  request.set_actor("test");
  for (v1::EventData& event : events) {
    *request.add_events() = std::move(event);
  }
  return request;
}

grpc::Status Append(TestServer& server, const v1::AppendRequest& request,
                    v1::AppendResponse* response) {
  v1::AppendResponse ignored;
  return server.ledger().Append(Context().get(), request,
                                response != nullptr ? response : &ignored);
}

}  // namespace pactlog::testing
