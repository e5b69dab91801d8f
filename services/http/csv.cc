#include "services/http/csv.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pactlog/v1/query.pb.h"
#include "pactlog/v1/stream.pb.h"

namespace pactlog::services::http {
namespace {

using pactlog::v1::Event;
using pactlog::v1::ListProjectsRequest;
using pactlog::v1::ListProjectsResponse;
using pactlog::v1::Money;
using pactlog::v1::ProjectState;
using pactlog::v1::ReadRequest;
using pactlog::v1::ReadResponse;

// ISO 4217 currencies whose minor unit is not a hundredth.
int MinorUnitDigits(std::string_view code) {
  static constexpr std::string_view kNone[] = {
      "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
      "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
  static constexpr std::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD",
                                                "LYD", "OMR", "TND"};
  if (std::find(std::begin(kNone), std::end(kNone), code) != std::end(kNone)) {
    return 0;
  }
  if (std::find(std::begin(kThree), std::end(kThree), code) !=
      std::end(kThree)) {
    return 3;
  }
  return 2;
}

std::string Amount(const Money& money) {
  if (money.currency_code().empty()) return "";
  return MajorUnits(money.minor_units(), money.currency_code());
}

std::string Time(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return google::protobuf::util::TimeUtil::ToString(time);
}

template <typename Enum>
std::string EnumName(const google::protobuf::EnumDescriptor* type, Enum value) {
  const auto* named = type->FindValueByNumber(static_cast<int>(value));
  return named != nullptr ? named->name() : absl::StrCat(value);
}

constexpr std::string_view kProjectsHeader =
    "deal_id,project_id,name,sector,us_state,status,allocation_id,currency,"
    "pledged,approved,disbursed,unapproved,undisbursed,firmness,"
    "announced_effective_time,event_id\r\n";

std::string ProjectRows(const google::protobuf::Message& message) {
  const auto& page = static_cast<const ListProjectsResponse&>(message);
  std::string out;
  for (const ProjectState& p : page.projects()) {
    const std::string currency = !p.pledged().currency_code().empty()
                                     ? p.pledged().currency_code()
                                     : p.approved().currency_code();
    absl::StrAppend(
        &out,
        absl::StrJoin(
            {CsvField(p.deal_id()), CsvField(p.project_id()),
             CsvField(p.name()),
             EnumName(pactlog::v1::Sector_descriptor(), p.sector()),
             CsvField(p.us_state()),
             EnumName(pactlog::v1::ProjectStatus_descriptor(), p.status()),
             CsvField(p.allocation_id()), CsvField(currency),
             Amount(p.pledged()), Amount(p.approved()), Amount(p.disbursed()),
             Amount(p.unapproved()), Amount(p.undisbursed()),
             EnumName(pactlog::v1::Firmness_descriptor(), p.firmness()),
             Time(p.announced_effective_time()), CsvField(p.event_id())},
            ","),
        "\r\n");
  }
  return out;
}

bool NextProjects(const google::protobuf::Message& message,
                  google::protobuf::Message* request) {
  const auto& page = static_cast<const ListProjectsResponse&>(message);
  if (page.next_page_token().empty()) return false;
  auto* next = static_cast<ListProjectsRequest*>(request);
  next->set_page_token(page.next_page_token());
  // Every page as of the first one's position, so that the export is one
  // consistent state even while events are appended.
  if (next->options().as_of().sequence() == 0 &&
      !next->options().as_of().has_recorded_time()) {
    next->mutable_options()->mutable_as_of()->set_sequence(page.log_sequence());
  }
  return true;
}

constexpr std::string_view kEventsHeader =
    "sequence,event_id,deal_id,deal_version,kind,effective_time,"
    "recorded_time,actor,firmness,source,asserted_by,details\r\n";

std::string EventRows(const google::protobuf::Message& message) {
  const auto& page = static_cast<const ReadResponse&>(message);
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  for (const Event& e : page.events()) {
    const pactlog::v1::EventData& data = e.data();
    std::string kind;
    std::string details;
    const auto* oneof = data.GetDescriptor()->FindOneofByName("kind");
    if (const auto* field =
            data.GetReflection()->GetOneofFieldDescriptor(data, oneof)) {
      kind = field->name();
      (void)google::protobuf::util::MessageToJsonString(
          data.GetReflection()->GetMessage(data, field), &details, options);
    }
    absl::StrAppend(
        &out,
        absl::StrJoin({absl::StrCat(e.sequence()), CsvField(data.event_id()),
                       CsvField(e.deal_id()), absl::StrCat(e.deal_version()),
                       kind, Time(data.effective_time()),
                       Time(e.recorded_time()), CsvField(e.actor()),
                       EnumName(pactlog::v1::Firmness_descriptor(),
                                data.provenance().firmness()),
                       CsvField(data.provenance().source()),
                       CsvField(data.provenance().asserted_by()),
                       CsvField(details, /*text_field=*/false)},
                      ","),
        "\r\n");
  }
  return out;
}

bool NextEvents(const google::protobuf::Message& message,
                google::protobuf::Message* request) {
  const auto& page = static_cast<const ReadResponse&>(message);
  auto* next = static_cast<ReadRequest*>(request);
  // Until a page reaches the head of the log (or makes no progress).
  if (page.last_examined_sequence() <= next->after_sequence()) return false;
  if (page.last_examined_sequence() >= page.head_sequence()) return false;
  next->set_after_sequence(page.last_examined_sequence());
  return true;
}

}  // namespace

const CsvExport& ProjectsCsv() {
  static const CsvExport kExport{kProjectsHeader, &ProjectRows, &NextProjects};
  return kExport;
}

const CsvExport& EventsCsv() {
  static const CsvExport kExport{kEventsHeader, &EventRows, &NextEvents};
  return kExport;
}

std::string CsvField(std::string_view text, bool text_field) {
  std::string value;
  if (text_field && !text.empty() &&
      (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
       text[0] == '\t')) {
    value = "'";
  }
  value.append(text);
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string MajorUnits(int64_t minor_units, std::string_view currency_code) {
  const int digits = MinorUnitDigits(currency_code);
  // Unsigned, so that the most negative amount has a magnitude too.
  const bool negative = minor_units < 0;
  const uint64_t magnitude = negative ? ~static_cast<uint64_t>(minor_units) + 1
                                      : static_cast<uint64_t>(minor_units);
  std::string text = absl::StrCat(magnitude);
  if (digits > 0) {
    if (text.size() <= static_cast<size_t>(digits)) {
      text.insert(0, static_cast<size_t>(digits) + 1 - text.size(), '0');
    }
    text.insert(text.size() - static_cast<size_t>(digits), ".");
  }
  return negative ? absl::StrCat("-", text) : text;
}

}  // namespace pactlog::services::http
