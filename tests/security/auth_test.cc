// Authentication and authorization against an in-process pactlogd with a
// token file: every role against every event kind and every read, missing
// and bad credentials, the actor, request ids, the per-principal
// subscription limit, token reload, and the services that stay open.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pactlog/v1/admin.grpc.pb.h"
#include "tests/security/security_support.h"
#include "tests/service/wire/health_check.h"

namespace pactlog::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDeal[] = "us-japan";

// The JSON object of one log line; fails the test when it is not JSON.
google::protobuf::Struct ParseJson(const std::string& line) {
  google::protobuf::Struct object;
  auto status = google::protobuf::util::JsonStringToMessage(line, &object);
  EXPECT_TRUE(status.ok()) << "not a JSON object: " << line;
  return object;
}

std::string Field(const google::protobuf::Struct& object,
                  const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? "<absent>" : it->second.string_value();
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    principals_ = StandardPrincipals();
    for (const TestPrincipal& p : principals_) tokens_[p.name] = p.token;
    token_file_ = absl::StrCat(files_.path(), "/tokens");
    WriteFile(token_file_, TokenFileText(principals_));
    services::ServerOptions options;
    options.guard.token_file = token_file_;
    options.guard.log = log_.log();
    options.guard.max_subscriptions_per_principal = 2;
    server_ = SecureServer::Start(options, &clock_);
    ASSERT_NE(server_, nullptr);
    channel_ = server_->PlainChannel();
    ledger_ = v1::DealLedger::NewStub(channel_);
    query_ = v1::DealQuery::NewStub(channel_);
    stream_ = v1::EventStream::NewStub(channel_);
    // The deal and an approved project, so that every kind of event can be
    // appended next.
    ASSERT_TRUE(
        Append(
            "ada-admin",
            Request(kDeal,
                    {DealEvent("US-Japan", 550'000'000'000, Date(2025, 7, 22)),
                     ProjectEvent("base", v1::SECTOR_ENERGY, "TX",
                                  10'000'000'000, Date(2026, 1, 1)),
                     ApprovalEvent("base", 1'000'000'000, Date(2026, 1, 2))}))
            .ok());
  }

  uint64_t Head() { return server_->server().ledger().applied_sequence(); }

  grpc::Status Append(const std::string& principal,
                      const v1::AppendRequest& request,
                      v1::AppendResponse* response = nullptr,
                      const std::string& request_id = "") {
    v1::AppendResponse ignored;
    return ledger_->Append(AuthContext(tokens_[principal], request_id).get(),
                           request, response != nullptr ? response : &ignored);
  }

  grpc::Status GetDeal(const std::string& token) {
    v1::GetDealRequest request;
    request.set_deal_id(kDeal);
    v1::GetDealResponse response;
    return query_->GetDeal(AuthContext(token).get(), request, &response);
  }

  grpc::Status Read(const std::string& token) {
    v1::ReadRequest request;
    v1::ReadResponse response;
    return stream_->Read(AuthContext(token).get(), request, &response);
  }

  // The status of a subscription: OK once its first message (caught_up)
  // arrives, else how the stream ended.
  grpc::Status SubscribeOnce(const std::string& token) {
    auto context = AuthContext(token);
    v1::SubscribeRequest request;
    auto reader = stream_->Subscribe(context.get(), request);
    v1::SubscribeResponse message;
    if (reader->Read(&message)) {
      context->TryCancel();
      while (reader->Read(&message)) {
      }
      reader->Finish().ok();
      return grpc::Status::OK;
    }
    return reader->Finish();
  }

  // The stored event with sequence `sequence`.
  v1::Event EventAt(uint64_t sequence) {
    v1::ReadRequest request;
    request.set_after_sequence(sequence - 1);
    request.set_limit(1);
    v1::ReadResponse response;
    EXPECT_TRUE(
        stream_
            ->Read(AuthContext(tokens_["ada-admin"]).get(), request, &response)
            .ok());
    return response.events_size() == 1 ? response.events(0) : v1::Event();
  }

  TempDir files_;
  ManualClock clock_{Date(2026, 1, 5)};
  CapturedLog log_;
  std::vector<TestPrincipal> principals_;
  std::map<std::string, std::string> tokens_;
  std::string token_file_;
  std::unique_ptr<SecureServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DealLedger::Stub> ledger_;
  std::unique_ptr<v1::DealQuery::Stub> query_;
  std::unique_ptr<v1::EventStream::Stub> stream_;
};

struct KindCase {
  std::string kind;
  std::string role;  // the role that may append it
};

TEST_F(AuthTest, EveryRoleAgainstEveryEventKind) {
  const std::vector<KindCase> kinds = {{"announcement", "recorder"},
                                       {"approval", "approver"},
                                       {"disbursement", "treasury"},
                                       {"tariff_change", "trade"},
                                       {"amendment", "recorder"}};
  int project = 0;
  for (const TestPrincipal& principal : principals_) {
    if (principal.name == "rob-both") continue;  // two roles: see below
    for (const KindCase& kind : kinds) {
      SCOPED_TRACE(absl::StrCat(principal.name, " appends ", kind.kind));
      v1::EventData event;
      if (kind.kind == "announcement") {
        event = ProjectEvent(absl::StrCat("p", ++project), v1::SECTOR_ENERGY,
                             "OH", 1'000'000, Date(2026, 1, 3));
      } else if (kind.kind == "approval") {
        event = ApprovalEvent("base", 1'000, Date(2026, 1, 3));
      } else if (kind.kind == "disbursement") {
        event = DisbursementEvent("base", 1'000, Date(2026, 1, 3));
      } else if (kind.kind == "amendment") {
        // The project it withdraws, recorded by the admin.
        v1::EventData target =
            ProjectEvent(absl::StrCat("p", ++project), v1::SECTOR_ENERGY, "OH",
                         1'000'000, Date(2026, 1, 3));
        target.set_event_id(absl::StrCat("target-", project));
        ASSERT_TRUE(Append("ada-admin", Request(kDeal, {target})).ok());
        event = WithdrawEvent(target.event_id(), "the sponsor pulled out");
      } else {
        event = TariffEvent("autos", 1500, Date(2026, 1, 3));
      }
      const uint64_t before = Head();
      v1::AppendResponse response;
      grpc::Status status =
          Append(principal.name, Request(kDeal, {event}), &response);
      const bool allowed =
          principal.roles == kind.role || principal.roles == "admin";
      if (allowed) {
        ASSERT_TRUE(status.ok()) << status.error_message();
        EXPECT_EQ(Head(), before + 1);
        EXPECT_EQ(EventAt(response.sequences(0)).actor(), principal.name);
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        EXPECT_THAT(status.error_message(),
                    HasSubstr(absl::StrCat("needs role ", kind.role)));
        EXPECT_THAT(status.error_message(), HasSubstr(principal.name));
        EXPECT_EQ(Head(), before) << "a refused append wrote something";
      }
    }
  }
}

TEST_F(AuthTest, OnlyReadersAndAdminsQueryReadAndSubscribe) {
  for (const TestPrincipal& principal : principals_) {
    SCOPED_TRACE(principal.name);
    const bool allowed =
        principal.roles == "reader" || principal.roles == "admin";
    const grpc::StatusCode expected =
        allowed ? grpc::StatusCode::OK : grpc::StatusCode::PERMISSION_DENIED;
    grpc::Status get = GetDeal(principal.token);
    grpc::Status read = Read(principal.token);
    grpc::Status subscribe = SubscribeOnce(principal.token);
    EXPECT_EQ(get.error_code(), expected) << get.error_message();
    EXPECT_EQ(read.error_code(), expected) << read.error_message();
    EXPECT_EQ(subscribe.error_code(), expected) << subscribe.error_message();
    if (!allowed) {
      EXPECT_THAT(get.error_message(), HasSubstr("needs role reader"));
      EXPECT_THAT(read.error_message(), HasSubstr("needs role reader"));
      EXPECT_THAT(subscribe.error_message(), HasSubstr("needs role reader"));
    }
  }
}

TEST_F(AuthTest, ABatchNeedsTheRoleOfEveryKindInIt) {
  auto batch = [] {
    return Request(kDeal, {ProjectEvent("mixed", v1::SECTOR_ENERGY, "OH",
                                        1'000'000, Date(2026, 1, 3)),
                           ApprovalEvent("mixed", 1'000, Date(2026, 1, 4))});
  };
  const uint64_t before = Head();
  grpc::Status status = Append("rita-recorder", batch());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("needs role approver"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("recorder (to")));
  EXPECT_EQ(Head(), before);

  status = Append("rob-both", batch());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Head(), before + 2);
}

TEST_F(AuthTest, MissingOrBadCredentialsAreUnauthenticatedAndWriteNothing) {
  const uint64_t before = Head();
  auto request = Request(kDeal, {TariffEvent("autos", 1500, Date(2026, 1, 3))});
  std::vector<std::pair<std::string, std::string>> cases = {
      {"no metadata", ""},
      {"unknown token", "Bearer not-a-token"},
      {"token of another shape",
       absl::StrCat("Bearer ", tokens_["ada-admin"], "x")},
      {"other scheme", absl::StrCat("Basic ", tokens_["ada-admin"])},
      {"empty bearer", "Bearer "}};
  for (const auto& [name, authorization] : cases) {
    SCOPED_TRACE(name);
    auto context = Context();
    if (!authorization.empty()) {
      context->AddMetadata("authorization", authorization);
    }
    v1::AppendResponse response;
    grpc::Status status = ledger_->Append(context.get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << status.error_message();
    EXPECT_THAT(status.error_message(), Not(HasSubstr(tokens_["ada-admin"])))
        << "the error must not echo a token";
  }
  EXPECT_EQ(Head(), before);
  EXPECT_EQ(GetDeal("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Read("wrong").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(SubscribeOnce("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // The scheme is case-insensitive.
  auto context = Context();
  context->AddMetadata("authorization",
                       absl::StrCat("bearer ", tokens_["ada-admin"]));
  v1::AppendResponse response;
  EXPECT_TRUE(ledger_->Append(context.get(), request, &response).ok());
}

TEST_F(AuthTest, TheStoredActorIsThePrincipalNotTheClientsString) {
  v1::AppendRequest request =
      Request(kDeal, {TariffEvent("autos", 1200, Date(2026, 1, 3))});
  request.set_actor("somebody-else");
  v1::AppendResponse response;
  ASSERT_TRUE(Append("tom-trade", request, &response).ok());
  EXPECT_EQ(EventAt(response.sequences(0)).actor(), "tom-trade");

  // No actor at all is fine too: the server fills it in.
  request = Request(kDeal, {TariffEvent("autos", 1300, Date(2026, 1, 4))});
  request.clear_actor();
  ASSERT_TRUE(Append("tom-trade", request, &response).ok());
  EXPECT_EQ(EventAt(response.sequences(0)).actor(), "tom-trade");
}

TEST_F(AuthTest, RequestIdIsEchoedInMetadataErrorsAndTheLog) {
  // A client's id is kept.
  auto context = AuthContext(tokens_["rex-reader"], "client-id-42");
  v1::AppendResponse response;
  grpc::Status status = ledger_->Append(
      context.get(),
      Request(kDeal, {TariffEvent("autos", 1500, Date(2026, 1, 3))}),
      &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("[request_id=client-id-42]"));
  auto metadata = context->GetServerInitialMetadata();
  auto it = metadata.find("x-request-id");
  ASSERT_NE(it, metadata.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "client-id-42");

  // Without one, the server makes one and says which.
  context = AuthContext("");
  status = ledger_->Append(
      context.get(),
      Request(kDeal, {TariffEvent("autos", 1500, Date(2026, 1, 3))}),
      &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  metadata = context->GetServerInitialMetadata();
  it = metadata.find("x-request-id");
  ASSERT_NE(it, metadata.end());
  const std::string generated(it->second.data(), it->second.size());
  EXPECT_EQ(generated.size(), 32u);
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat("[request_id=", generated, "]")));

  // A successful call carries its id too.
  v1::GetDealRequest get;
  get.set_deal_id(kDeal);
  v1::GetDealResponse deal;
  context = AuthContext(tokens_["rex-reader"], "read-7");
  ASSERT_TRUE(query_->GetDeal(context.get(), get, &deal).ok());
  metadata = context->GetServerInitialMetadata();
  it = metadata.find("x-request-id");
  ASSERT_NE(it, metadata.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "read-7");

  // Each failure is one JSON line with who, what and which request.
  bool found_denied = false, found_unauthenticated = false;
  for (const std::string& line : log_.Lines()) {
    google::protobuf::Struct object = ParseJson(line);
    for (const char* key : {"time", "level", "message", "principal", "deal",
                            "code", "request_id"}) {
      EXPECT_NE(Field(object, key), "<absent>") << key << " in " << line;
    }
    if (Field(object, "request_id") == "client-id-42") {
      found_denied = true;
      EXPECT_EQ(Field(object, "code"), "PERMISSION_DENIED");
      EXPECT_EQ(Field(object, "principal"), "rex-reader");
      EXPECT_EQ(Field(object, "deal"), kDeal);
      EXPECT_EQ(Field(object, "level"), "warn");
    }
    if (Field(object, "request_id") == generated) {
      found_unauthenticated = true;
      EXPECT_EQ(Field(object, "code"), "UNAUTHENTICATED");
      EXPECT_EQ(Field(object, "principal"), "");
    }
    EXPECT_NE(Field(object, "request_id"), "read-7")
        << "successful calls are not logged";
  }
  EXPECT_TRUE(found_denied);
  EXPECT_TRUE(found_unauthenticated);
}

TEST_F(AuthTest, ANonPrintableOrHugeRequestIdIsReplaced) {
  auto context = AuthContext("", std::string(200, 'a'));
  v1::GetDealRequest get;
  get.set_deal_id(kDeal);
  v1::GetDealResponse deal;
  grpc::Status status = query_->GetDeal(context.get(), get, &deal);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto metadata = context->GetServerInitialMetadata();
  auto it = metadata.find("x-request-id");
  ASSERT_NE(it, metadata.end());
  EXPECT_EQ(it->second.size(), 32u);
}

TEST_F(AuthTest, SubscriptionsPerPrincipalAreLimited) {
  // Two open streams of rex-reader, each past its first message.
  struct Open {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader;
  };
  std::vector<Open> open;
  for (int i = 0; i < 2; ++i) {
    Open stream{AuthContext(tokens_["rex-reader"]), nullptr};
    stream.reader = stream_->Subscribe(stream.context.get(), {});
    v1::SubscribeResponse first;
    ASSERT_TRUE(stream.reader->Read(&first));
    open.push_back(std::move(stream));
  }
  EXPECT_EQ(server_->server().guard().subscriptions_of("rex-reader"), 2);

  grpc::Status third = SubscribeOnce(tokens_["rex-reader"]);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third.error_message(),
              HasSubstr("--max-subscriptions-per-principal) is 2"));
  // Another principal is not affected.
  EXPECT_TRUE(SubscribeOnce(tokens_["ada-admin"]).ok());

  // Closing one frees a slot (once the server has seen the stream end).
  open[0].context->TryCancel();
  v1::SubscribeResponse ignored;
  while (open[0].reader->Read(&ignored)) {
  }
  open[0].reader->Finish().ok();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  grpc::Status again;
  do {
    again = SubscribeOnce(tokens_["rex-reader"]);
  } while (!again.ok() && absl::Now() < deadline);
  EXPECT_TRUE(again.ok()) << again.error_message();

  open[1].context->TryCancel();
  while (open[1].reader->Read(&ignored)) {
  }
  open[1].reader->Finish().ok();
}

TEST_F(AuthTest, HealthStaysOpenWithoutCredentials) {
  HealthResponse response;
  grpc::Status status = CheckHealth(channel_, "", absl::Seconds(30), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), HealthResponse::SERVING);
}

TEST_F(AuthTest, ReloadedTokensTakeEffectAndABadFileKeepsTheOld) {
  const std::string newcomer = "fresh-token-for-nina";
  WriteFile(token_file_, absl::StrCat(TokenHash(newcomer), " nina reader\n",
                                      TokenHash(tokens_["ada-admin"]),
                                      " ada-admin admin\n"));
  ASSERT_TRUE(server_->server().ReloadTokens().ok());
  EXPECT_TRUE(GetDeal(newcomer).ok());
  EXPECT_EQ(GetDeal(tokens_["rex-reader"]).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  WriteFile(token_file_, "not a token line\n");
  absl::Status reloaded = server_->server().ReloadTokens();
  EXPECT_EQ(reloaded.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reloaded.message()), HasSubstr(":1:"));
  EXPECT_TRUE(GetDeal(newcomer).ok())
      << "a bad file must not lock everyone out";
}

TEST_F(AuthTest, TooManyEventsInOneAppendIsResourceExhausted) {
  std::vector<v1::EventData> events;
  for (int i = 0; i < 1001; ++i) {
    events.push_back(TariffEvent("autos", 1500, Date(2026, 1, 3)));
  }
  const uint64_t before = Head();
  grpc::Status status = Append("tom-trade", Request(kDeal, std::move(events)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("the limit is 1000"));
  EXPECT_EQ(Head(), before);
}

TEST_F(AuthTest, AdminOperationsNeedTheAdminRole) {
  auto admin = v1::Admin::NewStub(channel_);
  v1::BackupRequest request;
  request.set_directory(absl::StrCat(files_.path(), "/backup"));
  v1::BackupResponse response;
  grpc::Status status =
      admin->Backup(AuthContext("").get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  for (const TestPrincipal& principal : principals_) {
    if (principal.roles == "admin") continue;
    SCOPED_TRACE(principal.name);
    status =
        admin->Backup(AuthContext(principal.token).get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(), HasSubstr("needs role admin"));
  }
  EXPECT_FALSE(std::filesystem::exists(request.directory()));
  status = admin->Backup(AuthContext(tokens_["ada-admin"]).get(), request,
                         &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.sequence(), Head());
}

TEST(MessageLimitTest, ARequestOverTheConfiguredSizeIsRefused) {
  ManualClock clock(Date(2026, 1, 5));
  services::ServerOptions options;
  options.max_message_bytes = 16 * 1024;
  auto server = SecureServer::Start(options, &clock);
  ASSERT_NE(server, nullptr);
  auto ledger = v1::DealLedger::NewStub(server->PlainChannel());
  v1::AppendResponse response;
  ASSERT_TRUE(ledger
                  ->Append(Context().get(),
                           Request(kDeal, {DealEvent("D", 1'000'000,
                                                     Date(2025, 7, 22))}),
                           &response)
                  .ok());
  std::vector<v1::EventData> events;
  for (int i = 0; i < 40; ++i) {
    v1::EventData event = TariffEvent("autos", 1500, Date(2026, 1, 3));
    event.mutable_tariff_change()->set_reason(std::string(1000, 'r'));
    events.push_back(std::move(event));
  }
  grpc::Status status = ledger->Append(
      Context().get(), Request(kDeal, std::move(events)), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("16384"));
  EXPECT_EQ(server->server().ledger().applied_sequence(), 1u);
}

TEST(AuthOffTest, WithoutATokenFileEveryoneMayDoEverythingAsBefore) {
  ManualClock clock(Date(2026, 1, 5));
  auto server = SecureServer::Start({}, &clock);
  ASSERT_NE(server, nullptr);
  auto ledger = v1::DealLedger::NewStub(server->PlainChannel());
  v1::AppendRequest request =
      Request(kDeal, {DealEvent("D", 1'000'000, Date(2025, 7, 22))});
  request.set_actor("client-chosen");
  v1::AppendResponse response;
  ASSERT_TRUE(ledger->Append(Context().get(), request, &response).ok());
  auto stream = v1::EventStream::NewStub(server->PlainChannel());
  v1::ReadResponse read;
  ASSERT_TRUE(stream->Read(Context().get(), {}, &read).ok());
  ASSERT_EQ(read.events_size(), 1);
  EXPECT_EQ(read.events(0).actor(), "client-chosen");
}

}  // namespace
}  // namespace pactlog::testing
