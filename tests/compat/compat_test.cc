// A log written by an earlier release opens and answers exactly as it did
// (tests/compat/README.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "tests/service/test_support.h"

#ifndef PACTLOG_COMPAT_DIR
#error "PACTLOG_COMPAT_DIR must name tests/compat"
#endif

namespace pactlog::testing {
namespace {

// Fields added to the answers after the release that wrote the log, by
// message: the old answers say nothing of them, everything else must match.
const std::set<std::pair<std::string, std::string>>& AddedSinceRelease() {
  static const auto* added = new std::set<std::pair<std::string, std::string>>{
      {"pactlog.v1.DealState", "projects_withdrawn"},
      {"pactlog.v1.DealState", "projects_retracted"},
      {"pactlog.v1.DealState", "projects_restated"},
      {"pactlog.v1.DealState", "amendment_count"},
      {"pactlog.v1.DealState", "event_id"},
      {"pactlog.v1.DealState", "head_event_id"},
      {"pactlog.v1.DealState", "firmness"},
      {"pactlog.v1.ProjectState", "event_id"},
      {"pactlog.v1.ProjectState", "head_event_id"},
      {"pactlog.v1.ProjectState", "firmness"},
      {"pactlog.v1.ApprovalRecord", "event_id"},
      {"pactlog.v1.ApprovalRecord", "head_event_id"},
      {"pactlog.v1.ApprovalRecord", "firmness"},
      {"pactlog.v1.TariffChangeRecord", "event_id"},
      {"pactlog.v1.TariffChangeRecord", "head_event_id"},
  };
  return *added;
}

void ClearAddedFields(google::protobuf::Message* message) {
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (AddedSinceRelease().contains(
            {message->GetDescriptor()->full_name(), field->name()})) {
      reflection->ClearField(message, field);
      continue;
    }
    if (field->cpp_type() !=
        google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
        ClearAddedFields(reflection->MutableRepeatedMessage(message, field, i));
      }
    } else {
      ClearAddedFields(reflection->MutableMessage(message, field));
    }
  }
}

std::string Text(const google::protobuf::Message& message) {
  std::unique_ptr<google::protobuf::Message> copy(message.New());
  copy->CopyFrom(message);
  ClearAddedFields(copy.get());
  std::string text;
  google::protobuf::TextFormat::PrintToString(*copy, &text);
  return text;
}

// One answer as a section of the text: a title, the call's code when it is
// not OK, and the message.
void AddSection(const std::string& title, const grpc::Status& status,
                const google::protobuf::Message& message, std::string* out) {
  absl::StrAppend(out, "# ", title);
  if (!status.ok()) absl::StrAppend(out, ": ", status.error_code());
  absl::StrAppend(out, "\n", Text(message));
}

// Everything the fixture's answers say, section by section.
std::string Answers(TestServer& server) {
  std::string out;
  v1::ReadRequest read;
  read.set_limit(1000);
  v1::ReadResponse events;
  grpc::Status status = server.stream().Read(Context().get(), read, &events);
  EXPECT_TRUE(status.ok()) << status.error_message();
  AddSection("Read after 0", status, events, &out);

  v1::ListDealsResponse deals;
  status = server.query().ListDeals(Context().get(), {}, &deals);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(deals.deals_size(), 2);
  for (const v1::DealState& deal : deals.deals()) {
    const std::string& id = deal.deal_id();
    v1::GetDealRequest get;
    get.set_deal_id(id);
    v1::GetDealResponse live;
    status = server.query().GetDeal(Context().get(), get, &live);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
    AddSection(absl::StrCat("GetDeal ", id), status, live, &out);

    // us-korea-2025 begins after sequence 6: NOT_FOUND is part of the answer.
    get.mutable_options()->mutable_as_of()->set_sequence(6);
    v1::GetDealResponse past;
    status = server.query().GetDeal(Context().get(), get, &past);
    AddSection(absl::StrCat("GetDeal ", id, " as of sequence 6"), status, past,
               &out);

    v1::ListProjectsRequest list;
    list.set_deal_id(id);
    v1::ListProjectsResponse projects;
    status = server.query().ListProjects(Context().get(), list, &projects);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
    AddSection(absl::StrCat("ListProjects ", id), status, projects, &out);

    v1::GetTariffsRequest tariffs_request;
    tariffs_request.set_deal_id(id);
    v1::GetTariffsResponse tariffs;
    status =
        server.query().GetTariffs(Context().get(), tariffs_request, &tariffs);
    EXPECT_TRUE(status.ok()) << id << ": " << status.error_message();
    AddSection(absl::StrCat("GetTariffs ", id), status, tariffs, &out);
  }
  return out;
}

TEST(CompatTest, ALogOfTheReleaseOf20261202AnswersAsItDid) {
  const std::string compat = PACTLOG_COMPAT_DIR;
  TempDir dir;
  const std::string copy = dir.path() + "/log";
  std::filesystem::copy(compat + "/log", copy,
                        std::filesystem::copy_options::recursive);
  // Tariffs in force are evaluated at the clock's time: a fixed one.
  ManualClock clock(
      absl::FromCivil(absl::CivilDay(2026, 12, 2), absl::UTCTimeZone()));
  std::unique_ptr<TestServer> server = TestServer::Start(copy, &clock);
  ASSERT_NE(server, nullptr);
  const std::string answers = Answers(*server);

  if (const char* write = std::getenv("PACTLOG_COMPAT_WRITE")) {
    std::ofstream(write, std::ios::binary) << answers;
    GTEST_SKIP() << "wrote the answers to " << write;
  }
  const std::string expected = ReadFile(compat + "/expected.txt");
  ASSERT_FALSE(expected.empty()) << "tests/compat/expected.txt is missing";
  if (answers != expected) {
    const std::string actual =
        (std::filesystem::temp_directory_path() / "pactlog-compat-actual.txt")
            .string();
    std::ofstream(actual, std::ios::binary) << answers;
    ADD_FAILURE() << "the old log answers differently; today's answers are in "
                  << actual << " (diff them with tests/compat/expected.txt)";
  }
}

}  // namespace
}  // namespace pactlog::testing
