#include "sdk/pactctl/format.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "pactlog/client/events.h"

namespace pactlog::pactctl {

namespace {

int MinorDigits(absl::string_view currency) {
  static constexpr absl::string_view kZero[] = {"JPY", "KRW"};
  static constexpr absl::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD",
                                                 "LYD", "OMR", "TND"};
  for (absl::string_view code : kZero) {
    if (code == currency) return 0;
  }
  for (absl::string_view code : kThree) {
    if (code == currency) return 3;
  }
  return 2;
}

std::string GroupThousands(uint64_t value) {
  std::string digits = absl::StrCat(value);
  std::string out;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count > 0 && count % 3 == 0) out.push_back(',');
    out.push_back(*it);
    ++count;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// The type's common prefix: "SECTOR_" for Sector, "EVENT_KIND_" for
// EventKind (the name of the zero value without "UNSPECIFIED").
std::string EnumPrefix(const google::protobuf::EnumDescriptor* type) {
  std::string zero = type->value(0)->name();
  absl::string_view prefix = zero;
  if (absl::ConsumeSuffix(&prefix, "UNSPECIFIED")) return std::string(prefix);
  return "";
}

// As the SDK's parsers read a name: any case, '-' or ' ' for '_'.
std::string Normalize(absl::string_view text) {
  std::string out = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  std::replace(out.begin(), out.end(), '-', '_');
  std::replace(out.begin(), out.end(), ' ', '_');
  return out;
}

template <typename Enum>
absl::StatusOr<int> AsNumber(absl::StatusOr<Enum> parsed) {
  if (!parsed.ok()) return parsed.status();
  return static_cast<int>(*parsed);
}

// `text` parsed by the C++ SDK's parser of `type` (events.h); nullopt for
// an enum it has none for.
std::optional<absl::StatusOr<int>> ParseWithSdk(
    const google::protobuf::EnumDescriptor* type, absl::string_view text) {
  const std::string_view name(text.data(), text.size());
  if (type == v1::Firmness_descriptor()) {
    return AsNumber(client::ParseFirmness(name));
  }
  if (type == v1::Sector_descriptor()) {
    return AsNumber(client::ParseSector(name));
  }
  if (type == v1::FundingSource_descriptor()) {
    return AsNumber(client::ParseFundingSource(name));
  }
  if (type == v1::AllocationBasis_descriptor()) {
    return AsNumber(client::ParseAllocationBasis(name));
  }
  return std::nullopt;
}

}  // namespace

std::string FormatMoney(const v1::Money& money) {
  if (money.currency_code().empty() && money.minor_units() == 0) return "-";
  int digits = MinorDigits(money.currency_code());
  int64_t units = money.minor_units();
  bool negative = units < 0;
  uint64_t magnitude = negative ? static_cast<uint64_t>(-(units + 1)) + 1
                                : static_cast<uint64_t>(units);
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string text = GroupThousands(magnitude / scale);
  uint64_t fraction = magnitude % scale;
  if (fraction != 0) {
    std::string minor = absl::StrCat(fraction);
    text += "." + std::string(digits - minor.size(), '0') + minor;
  }
  return absl::StrCat(money.currency_code(), " ", negative ? "-" : "", text);
}

std::string FormatRate(int32_t bps) {
  std::string text = absl::StrCat(bps / 100);
  int fraction = bps % 100;
  if (fraction != 0) {
    text += fraction % 10 == 0
                ? absl::StrCat(".", fraction / 10)
                : absl::StrCat(".", fraction / 10, fraction % 10);
  }
  return text + "%";
}

absl::Time ToTime(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) +
         absl::Nanoseconds(time.nanos());
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  absl::Time t = ToTime(time);
  if (time.nanos() == 0 && time.seconds() % 86400 == 0) {
    return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
  }
  // Whole seconds: enough for a reader; --json keeps the exact time.
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string EnumName(const google::protobuf::EnumDescriptor* type, int value) {
  const google::protobuf::EnumValueDescriptor* found =
      type->FindValueByNumber(value);
  if (found == nullptr) return absl::StrCat(value);
  absl::string_view name = found->name();
  std::string prefix = EnumPrefix(type);
  absl::ConsumePrefix(&name, prefix);
  std::string out = absl::AsciiStrToLower(name);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

absl::StatusOr<int> ParseEnum(const google::protobuf::EnumDescriptor* type,
                              absl::string_view text, absl::string_view what) {
  // The SDK's parsers where it has one, so that pactctl takes exactly the
  // spellings every SDK takes; the same rules for the other enums.
  if (std::optional<absl::StatusOr<int>> parsed = ParseWithSdk(type, text)) {
    if (parsed->ok()) return **parsed;
  } else {
    std::string wanted = Normalize(text);
    std::string prefix = EnumPrefix(type);
    for (int i = 0; i < type->value_count(); ++i) {
      const google::protobuf::EnumValueDescriptor* value = type->value(i);
      if (value->number() == 0) continue;  // UNSPECIFIED
      absl::string_view short_name = value->name();
      absl::ConsumePrefix(&short_name, prefix);
      if (wanted == value->name() || wanted == short_name) {
        return value->number();
      }
    }
  }
  std::vector<std::string> valid;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() == 0) continue;
    valid.push_back(EnumName(type, type->value(i)->number()));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": unknown value \"", text,
                   "\"; valid: ", absl::StrJoin(valid, ", ")));
}

absl::StatusOr<absl::Time> ParseTime(absl::string_view text,
                                     absl::string_view what) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) {
    return time;
  }
  absl::CivilDay day;
  if (text.size() == 10 && absl::ParseCivilTime(text, &day)) {
    return absl::FromCivil(day, absl::UTCTimeZone());
  }
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": \"", text,
      "\" is not an RFC 3339 time (2025-09-16T04:01:00Z) or a date "
      "(2025-09-16)"));
}

std::string FormatLeadCompanies(
    const google::protobuf::RepeatedPtrField<v1::LeadCompany>& leads) {
  std::vector<std::string> names;
  for (const v1::LeadCompany& lead : leads) {
    names.push_back(lead.country().empty()
                        ? lead.name()
                        : absl::StrCat(lead.name(), " (", lead.country(), ")"));
  }
  return absl::StrJoin(names, ", ");
}

std::string FormatMoneyChange(const v1::Money& change) {
  std::string text = FormatMoney(change);
  if (text == "-") return text;
  // FormatMoney puts the sign after the currency: "USD -1,000".
  if (absl::StrContains(text, " -")) {
    return "-" + absl::StrReplaceAll(text, {{" -", " "}});
  }
  return "+" + text;
}

namespace {

// "revises us-japan-2025/006 to USD 30,000,000,000; reason: ..." for an
// amendment, with the replacement of a correction described as an event.
std::string DescribeAmendment(const v1::Amendment& amendment) {
  const std::string& target = amendment.target_event_id();
  const std::string because =
      amendment.reason().empty() ? "" : "; reason: " + amendment.reason();
  switch (amendment.change_case()) {
    case v1::Amendment::kRevisedAmount:
      return absl::StrCat("revises ", target, " to ",
                          FormatMoney(amendment.revised_amount()), because);
    case v1::Amendment::kWithdrawal:
      return absl::StrCat("withdraws ", target,
                          amendment.reason().empty() ? "" : ": ",
                          amendment.reason());
    case v1::Amendment::kRaisedFirmness:
      return absl::StrCat(
          "raises firmness of ", target, " to ",
          EnumName(v1::Firmness_descriptor(), amendment.raised_firmness()),
          because);
    case v1::Amendment::kRetraction:
      return absl::StrCat("retracts ", target,
                          amendment.reason().empty() ? "" : ": ",
                          amendment.reason());
    case v1::Amendment::kCorrection: {
      const v1::Correction& correction = amendment.correction();
      v1::EventData replacement;
      switch (correction.replacement_case()) {
        case v1::Correction::kAnnouncement:
          *replacement.mutable_announcement() = correction.announcement();
          break;
        case v1::Correction::kApproval:
          *replacement.mutable_approval() = correction.approval();
          break;
        case v1::Correction::kDisbursement:
          *replacement.mutable_disbursement() = correction.disbursement();
          break;
        case v1::Correction::kTariffChange:
          *replacement.mutable_tariff_change() = correction.tariff_change();
          break;
        case v1::Correction::REPLACEMENT_NOT_SET:
          return absl::StrCat("corrects ", target, because);
      }
      return absl::StrCat("corrects ", target, " to ",
                          DescribeEvent(replacement), because);
    }
    case v1::Amendment::CHANGE_NOT_SET:
      break;
  }
  return absl::StrCat("amends ", target, because);
}

// What `data` says, without what it restates.
std::string DescribeKind(const v1::EventData& data) {
  switch (data.kind_case()) {
    case v1::EventData::kAnnouncement: {
      const v1::Announcement& announcement = data.announcement();
      if (announcement.has_deal()) {
        const v1::DealAnnouncement& deal = announcement.deal();
        std::vector<std::string> caps;
        for (const v1::TariffCap& cap : deal.tariff_caps()) {
          caps.push_back(absl::StrCat(cap.product_category(),
                                      " <= ", FormatRate(cap.max_rate_bps())));
        }
        return absl::StrCat(
            "deal announced: \"", deal.title(), "\", ", deal.investor_country(),
            " invests in ", deal.host_country(), " up to ",
            FormatMoney(deal.commitment_ceiling()),
            caps.empty() ? "" : "; caps ", absl::StrJoin(caps, ", "));
      }
      if (announcement.has_allocation()) {
        const v1::AllocationAnnouncement& allocation =
            announcement.allocation();
        const std::string leads =
            FormatLeadCompanies(allocation.lead_companies());
        return absl::StrCat(
            "allocation announced: ", allocation.allocation_id(), " \"",
            allocation.name(), "\" (",
            EnumName(v1::AllocationBasis_descriptor(), allocation.basis()),
            allocation.sector() == v1::SECTOR_UNSPECIFIED
                ? ""
                : absl::StrCat(", ", EnumName(v1::Sector_descriptor(),
                                              allocation.sector())),
            ") ",
            allocation.has_cap()
                ? absl::StrCat("capped at ", FormatMoney(allocation.cap()))
                : "without a reported amount",
            allocation.parent_allocation_id().empty() ? "" : ", inside ",
            allocation.parent_allocation_id(), leads.empty() ? "" : "; led by ",
            leads);
      }
      if (announcement.has_terms()) {
        const v1::DealTerms& terms = announcement.terms();
        return absl::StrCat("terms as ",
                            data.provenance().asserted_by().empty()
                                ? "(not said)"
                                : data.provenance().asserted_by(),
                            " reads them",
                            terms.funding_deadline_days() > 0
                                ? absl::StrCat(": funding within ",
                                               terms.funding_deadline_days(),
                                               " days of selection")
                                : "");
      }
      if (announcement.has_project_site()) {
        return absl::StrCat(
            "project site: ", announcement.project_site().project_id(), " in ",
            announcement.project_site().us_state());
      }
      const v1::ProjectAnnouncement& project = announcement.project();
      return absl::StrCat(
          "project announced: ", project.project_id(), " \"", project.name(),
          "\" (", EnumName(v1::Sector_descriptor(), project.sector()), ", ",
          project.us_state().empty() ? "site not known" : project.us_state(),
          ") pledged ", FormatMoney(project.pledged()),
          project.allocation_id().empty() ? "" : " from ",
          project.allocation_id(),
          project.sponsors().empty() ? "" : "; sponsors ",
          absl::StrJoin(project.sponsors(), ", "));
    }
    case v1::EventData::kApproval:
      return absl::StrCat("approval: ", data.approval().project_id(), " ",
                          FormatMoney(data.approval().amount()), " by ",
                          data.approval().approving_body());
    case v1::EventData::kDisbursement:
      return absl::StrCat(
          "disbursement: ", data.disbursement().project_id(), " ",
          FormatMoney(data.disbursement().amount()), " from ",
          EnumName(v1::FundingSource_descriptor(),
                   data.disbursement().funding_source()),
          data.disbursement().tranche().empty() ? "" : " tranche ",
          data.disbursement().tranche());
    case v1::EventData::kTariffChange: {
      const v1::TariffChange& change = data.tariff_change();
      std::vector<std::string> categories;
      if (!change.product_category().empty()) {
        categories.push_back(change.product_category());
      }
      for (const std::string& category : change.product_categories()) {
        categories.push_back(category);
      }
      return absl::StrCat("tariff change: ", absl::StrJoin(categories, ", "),
                          " ", FormatRate(change.rate_bps()), " (",
                          change.legal_instrument(), ")");
    }
    case v1::EventData::kAmendment:
      return DescribeAmendment(data.amendment());
    case v1::EventData::KIND_NOT_SET:
      break;
  }
  return "event of no kind";
}

}  // namespace

std::string DescribeEvent(const v1::EventData& data) {
  std::string text = DescribeKind(data);
  if (!data.restates().empty()) {
    absl::StrAppend(&text, "; restates ", absl::StrJoin(data.restates(), ", "));
  }
  return text;
}

Table::Table(std::vector<std::string> headers, std::vector<bool> numeric)
    : headers_(std::move(headers)), numeric_(std::move(numeric)) {
  numeric_.resize(headers_.size(), false);
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::ToString() const {
  std::vector<size_t> widths(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = headers_[c].size();
    for (const auto& row : rows_)
      widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  auto append_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      std::string pad(widths[c] - cells[c].size(), ' ');
      if (c > 0) line += "  ";
      line += numeric_[c] ? pad + cells[c] : cells[c] + pad;
    }
    // No trailing blanks.
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  };
  append_row(headers_);
  for (const auto& row : rows_) append_row(row);
  return out;
}

}  // namespace pactlog::pactctl
