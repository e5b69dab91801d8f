// The server as a whole: health before and after replay, reflection,
// restart, and a data directory already in use.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "grpc_wire/reflection.pb.h"
#include "tests/service/test_support.h"
#include "tests/service/wire/health_check.h"

namespace pactlog::testing {
namespace {

HealthResponse::ServingStatus Health(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  HealthResponse response;
  grpc::Status status =
      CheckHealth(channel, service, absl::Seconds(30), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.status();
}

class ServerLifeTest : public ServerTest {};

TEST_F(ServerLifeTest, HealthIsServingAfterReplay) {
  EXPECT_EQ(Health(server_->channel(), ""), HealthResponse::SERVING);
  EXPECT_EQ(Health(server_->channel(), "pactlog.v1.DealLedger"),
            HealthResponse::SERVING);
}

TEST(ServerStartTest, BeforeReplayHealthIsNotServingAndCallsAreUnavailable) {
  TempDir dir;
  services::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir.path();
  auto server = services::PactlogServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  EXPECT_EQ(Health(channel, ""), HealthResponse::NOT_SERVING);
  auto ledger = v1::DealLedger::NewStub(channel);
  v1::AppendResponse response;
  grpc::Status status = ledger->Append(
      Context().get(),
      Request("us-japan", {DealEvent("D", 1, Date(2025, 7, 22))}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE((*server)->Recover().ok());
  EXPECT_EQ(Health(channel, ""), HealthResponse::SERVING);
  (*server)->Shutdown();
}

// A blocking client of the reflection stream over gRPC's generic stub.
class ReflectionClient {
 public:
  explicit ReflectionClient(std::shared_ptr<grpc::Channel> channel)
      : stub_(std::move(channel)), context_(Context()) {
    call_ = stub_.PrepareCall(
        context_.get(),
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq_);
    call_->StartCall(Tag());
    EXPECT_TRUE(Wait());
  }
  ~ReflectionClient() {
    call_->WritesDone(Tag());
    Wait();
    grpc::Status status;
    call_->Finish(&status, Tag());
    Wait();
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }
  bool Exchange(
      const pactlog::testwire::reflection::ServerReflectionRequest& request,
      pactlog::testwire::reflection::ServerReflectionResponse* response) {
    std::string bytes = request.SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer out(&slice, 1);
    call_->Write(out, Tag());
    if (!Wait()) return false;
    grpc::ByteBuffer in;
    call_->Read(&in, Tag());
    if (!Wait()) return false;
    std::vector<grpc::Slice> slices;
    if (!in.Dump(&slices).ok()) return false;
    std::string received;
    for (const grpc::Slice& s : slices) {
      received.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    return response->ParseFromString(received);
  }

 private:
  void* Tag() { return reinterpret_cast<void*>(++next_tag_); }
  bool Wait() {
    void* tag = nullptr;
    bool ok = false;
    return cq_.Next(&tag, &ok) && ok;
  }

  grpc::GenericStub stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  intptr_t next_tag_ = 0;
};

TEST_F(ServerLifeTest, ReflectionListsThePactlogServices) {
  ReflectionClient client(server_->channel());
  pactlog::testwire::reflection::ServerReflectionRequest request;
  request.set_list_services("");
  pactlog::testwire::reflection::ServerReflectionResponse response;
  ASSERT_TRUE(client.Exchange(request, &response));
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf({"pactlog.v1.DealLedger",
                                              "pactlog.v1.DealQuery",
                                              "pactlog.v1.EventStream"}));
  // The descriptors are served too, so generic tools can call the API.
  request.set_file_containing_symbol("pactlog.v1.DealLedger");
  ASSERT_TRUE(client.Exchange(request, &response));
  EXPECT_GT(response.file_descriptor_response().file_descriptor_proto_size(),
            0);
}

TEST_F(ServerLifeTest, StateAfterRestartEqualsStateBefore) {
  ASSERT_TRUE(
      Append(
          *server_,
          Request(
              "us-japan",
              {DealEvent("US-Japan", 550'000'000'000, Date(2025, 7, 22)),
               ProjectEvent("gulf-lng", v1::SECTOR_OIL_AND_GAS, "TX",
                            10'000'000'000, Date(2026, 2, 18)),
               ApprovalEvent("gulf-lng", 4'000'000'000, Date(2026, 2, 18)),
               DisbursementEvent("gulf-lng", 1'000'000'000, Date(2026, 3, 1)),
               TariffEvent("all-goods", 1500, Date(2025, 9, 16))}))
          .ok());
  ASSERT_TRUE(Append(*server_,
                     Request("us-korea", {DealEvent("US-Korea", 350'000'000'000,
                                                    Date(2025, 7, 30))}))
                  .ok());
  auto snapshot = [&] {
    v1::ListDealsRequest request;
    request.mutable_options()
        ->mutable_as_of()
        ->mutable_effective_time()
        ->set_seconds(absl::ToUnixSeconds(Date(2026, 6, 1)));
    v1::ListDealsResponse response;
    EXPECT_TRUE(
        server_->query().ListDeals(Context().get(), request, &response).ok());
    return response.SerializeAsString();
  };
  const std::string before = snapshot();
  Restart();
  EXPECT_EQ(snapshot(), before);
  // The writer goes on from where the log ended.
  v1::AppendResponse next;
  ASSERT_TRUE(Append(*server_,
                     Request("us-korea",
                             {TariffEvent("autos", 1500, Date(2025, 11, 1))}),
                     &next)
                  .ok());
  EXPECT_EQ(next.sequences(0), 7u);
  EXPECT_EQ(next.deal_version(), 2u);
}

TEST_F(ServerLifeTest, SecondServerOnTheSameDataDirIsRefused) {
  services::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir_.path();
  auto second = services::PactlogServer::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pactlog::testing
