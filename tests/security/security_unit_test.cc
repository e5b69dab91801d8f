// The parts of services/security that need no server: the token file, the
// roles, the secure-by-default rule and the JSON log lines.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/security/json_log.h"
#include "services/security/roles.h"
#include "services/security/token_table.h"
#include "services/security/transport.h"
#include "tests/security/security_support.h"

namespace pactlog::services::security {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// SHA-256("abc"), FIPS 180-2 appendix B.1.
constexpr char kAbcHash[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Sha256Test, MatchesTheStandardVectorAndSha256sum) {
  Sha256Digest digest = Sha256("abc");
  std::string hex;
  for (uint8_t byte : digest)
    absl::StrAppend(&hex, absl::Hex(byte, absl::kZeroPad2));
  EXPECT_EQ(hex, kAbcHash);
  EXPECT_EQ(testing::TokenHash("abc"), kAbcHash);
}

TEST(TokenTableTest, FindsTokensByHashAndCertificatesByCommonName) {
  auto table =
      TokenTable::Parse(absl::StrCat("# operators\n\n", kAbcHash,
                                     "  alice\trecorder,approver\n"
                                     "cert:CN=ingest ingest-svc reader\n"),
                        "tokens");
  ASSERT_TRUE(table.ok()) << table.status();
  const Identity* alice = table->FindToken("abc");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->principal, "alice");
  EXPECT_EQ(alice->roles, (RoleSet{Role::kRecorder, Role::kApprover}));
  EXPECT_EQ(table->FindToken("abd"), nullptr);
  EXPECT_EQ(table->FindToken(kAbcHash), nullptr) << "the hash is no token";
  const Identity* ingest = table->FindCertificate("ingest");
  ASSERT_NE(ingest, nullptr);
  EXPECT_EQ(ingest->principal, "ingest-svc");
  EXPECT_EQ(table->FindCertificate("other"), nullptr);
  EXPECT_EQ(table->tokens(), 1);
  EXPECT_EQ(table->certificates(), 1);
}

TEST(TokenTableTest, UpperCaseHexIsAccepted) {
  std::string upper = kAbcHash;
  for (char& c : upper) c = static_cast<char>(toupper(c));
  auto table = TokenTable::Parse(absl::StrCat(upper, " a reader\n"), "t");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_NE(table->FindToken("abc"), nullptr);
}

struct BadFile {
  std::string text;
  std::string expected;  // in the message
};

TEST(TokenTableTest, MalformedFilesAreRefusedWithTheLine) {
  const std::string hash = kAbcHash;
  const std::vector<BadFile> cases = {
      {"", "no token or certificate entry"},
      {"# only a comment\n", "no token or certificate entry"},
      {absl::StrCat(hash, " alice\n"), "tokens:1: expected 3 fields"},
      {absl::StrCat("\n", hash, " alice reader extra\n"),
       "tokens:2: expected 3 fields"},
      {"abc alice reader\n", "64 hex digits"},
      {absl::StrCat(hash.substr(1), "g alice reader\n"), "64 hex digits"},
      {absl::StrCat(hash, " alice writer\n"), "unknown role \"writer\""},
      {absl::StrCat(hash, " alice ,\n"), "no role given"},
      {absl::StrCat(hash, " alice reader\n", hash, " bob reader\n"),
       "tokens:2: this token hash is already given to \"alice\""},
      {"cert:CN= svc reader\n", "tokens:1: empty certificate common name"},
      {"cert:CN=a svc reader extra\n", "expected 3 fields"},
      {"cert:CN=a x reader\ncert:CN=a y reader\n", "CN=a is listed twice"},
      {absl::StrCat(hash, " ", std::string(129, 'p'), " reader\n"),
       "longer than 128"},
  };
  for (const BadFile& bad : cases) {
    SCOPED_TRACE(bad.text);
    auto table = TokenTable::Parse(bad.text, "tokens");
    ASSERT_FALSE(table.ok());
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(table.status().message()), HasSubstr(bad.expected));
  }
}

TEST(TokenTableTest, AMissingFileIsNotFound) {
  auto table = TokenTable::Load("/nonexistent/pactlog-tokens");
  EXPECT_EQ(table.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(table.status().message()),
              HasSubstr("/nonexistent/pactlog-tokens"));
}

TEST(RolesTest, EachKindNeedsItsRoleAndAdminHasAll) {
  pactlog::v1::AppendRequest request;
  request.add_events()->mutable_announcement();
  EXPECT_EQ(RolesToAppend(request), RoleSet{Role::kRecorder});
  request.add_events()->mutable_approval();
  request.add_events()->mutable_disbursement();
  request.add_events()->mutable_tariff_change();
  request.add_events();  // no kind: validation's business
  const RoleSet all_writers{Role::kRecorder, Role::kApprover, Role::kTreasury,
                            Role::kTrade};
  EXPECT_EQ(RolesToAppend(request), all_writers);

  // An amendment is the recorder's; a correction also needs the role that
  // appends its replacement.
  pactlog::v1::AppendRequest amend;
  amend.add_events()->mutable_amendment()->mutable_retraction();
  EXPECT_EQ(RolesToAppend(amend), RoleSet{Role::kRecorder});
  amend.add_events()
      ->mutable_amendment()
      ->mutable_correction()
      ->mutable_disbursement();
  EXPECT_EQ(RolesToAppend(amend), (RoleSet{Role::kRecorder, Role::kTreasury}));

  EXPECT_TRUE(RoleSet{Role::kAdmin}.Missing(all_writers).empty());
  EXPECT_TRUE(RoleSet{Role::kAdmin}.Missing(kReaderRoles).empty());
  EXPECT_EQ(RoleSet{Role::kRecorder}.Missing(all_writers),
            (RoleSet{Role::kApprover, Role::kTreasury, Role::kTrade}));
  EXPECT_EQ(RoleSet{Role::kReader}.Missing(kAdminRoles).ToString(), "admin");
  EXPECT_EQ(
      RoleSet{Role::kTrade}.Missing(all_writers).ToStringWithDuties(),
      "recorder (to append announcements and amendments), approver (to append "
      "approvals), treasury (to append disbursements)");
  for (Role role : kAllRoles) {
    auto parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, role);
  }
}

TEST(TransportTest, LoopbackAddresses) {
  for (const char* address :
       {"127.0.0.1:50051", "127.1.2.3:0", "localhost:50051", "LOCALHOST:1",
        "[::1]:50051", "unix:/tmp/pactlog.sock", "ipv4:127.0.0.1:5"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address :
       {"0.0.0.0:50051", "[::]:50051", ":50051", "10.0.0.5:50051",
        "pactlog.example.org:443", "192.168.1.1:1", "[2001:db8::1]:50051",
        "128.0.0.1:1"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

TEST(TransportTest, NonLoopbackNeedsTlsAndAuthOrInsecure) {
  EXPECT_TRUE(CheckExposure("127.0.0.1:1", false, false, false).ok());
  EXPECT_TRUE(CheckExposure("0.0.0.0:1", true, true, false).ok());
  EXPECT_TRUE(CheckExposure("0.0.0.0:1", false, false, true).ok());

  absl::Status neither = CheckExposure("0.0.0.0:1", false, false, false);
  EXPECT_EQ(neither.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(neither.message()), HasSubstr("--insecure"));
  EXPECT_THAT(std::string(neither.message()), HasSubstr("--tls-cert"));
  EXPECT_THAT(std::string(neither.message()), HasSubstr("--token-file"));

  absl::Status no_auth = CheckExposure("[::]:1", true, false, false);
  EXPECT_EQ(no_auth.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(no_auth.message()), HasSubstr("--token-file"));
  EXPECT_THAT(std::string(no_auth.message()), Not(HasSubstr("--tls-cert")));
}

TEST(JsonLogTest, EveryLineIsOneJsonObjectWithTheStandardKeys) {
  std::ostringstream out;
  JsonLog log(&out);
  LogEntry entry;
  entry.level = "warn";
  entry.message =
      "quote \" backslash \\ newline \n tab \t bell \x07 \xff end é";
  entry.principal = "alice";
  entry.deal = "us-japan";
  entry.code = "PERMISSION_DENIED";
  entry.request_id = "r-1";
  entry.extra = {{"method", "DealLedger.Append"}};
  log.Write(entry);
  log.Info("pactlogd: serving; log at sequence 7");
  const std::string text = out.str();
  std::vector<std::string> lines =
      absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << text;

  google::protobuf::Struct first;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(lines[0], &first).ok())
      << lines[0];
  const auto& f = first.fields();
  EXPECT_EQ(f.at("level").string_value(), "warn");
  EXPECT_EQ(
      f.at("message").string_value(),
      "quote \" backslash \\ newline \n tab \t bell \x07 \xef\xbf\xbd end é");
  EXPECT_EQ(f.at("principal").string_value(), "alice");
  EXPECT_EQ(f.at("deal").string_value(), "us-japan");
  EXPECT_EQ(f.at("code").string_value(), "PERMISSION_DENIED");
  EXPECT_EQ(f.at("request_id").string_value(), "r-1");
  EXPECT_EQ(f.at("method").string_value(), "DealLedger.Append");
  EXPECT_THAT(f.at("time").string_value(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"));

  google::protobuf::Struct second;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(lines[1], &second).ok());
  EXPECT_EQ(second.fields().at("level").string_value(), "info");
  EXPECT_EQ(second.fields().at("message").string_value(),
            "pactlogd: serving; log at sequence 7");
  EXPECT_EQ(second.fields().at("request_id").string_value(), "");
}

}  // namespace
}  // namespace pactlog::services::security
