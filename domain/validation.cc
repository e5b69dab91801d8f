// Structural validation (domain/validation.h).
//
// One file although it is over ~500 lines: it is one table of field checks
// read top to bottom. First the primitives (Path, Quote, CheckLength,
// CheckEnum, CheckMoney, CheckTimestamp), then the check of each message
// built from them in the order of its proto fields, then the entry points
// the header declares; every check words its violations ("must be ..., got
// ...") through the same primitives. The only part that could stand apart,
// the ~60 lines of query checks (CheckReadOptions, CheckEventFilter,
// CheckPageSize), would take those primitives into a header of their own.
#include "domain/validation.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/limits.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "util/quote.h"
#include "util/timestamp.h"

namespace pactlog::domain {
namespace {

using ::pactlog::util::AsAbsl;
using ::pactlog::util::kMaxTimestampNanos;
using ::pactlog::util::kMaxTimestampSeconds;
using ::pactlog::util::kMinTimestampSeconds;
using ::pactlog::util::Quote;
using ::pactlog::v1::AllocationAnnouncement;
using ::pactlog::v1::Amendment;
using ::pactlog::v1::AppendRequest;
using ::pactlog::v1::Approval;
using ::pactlog::v1::DealAnnouncement;
using ::pactlog::v1::DealTerms;
using ::pactlog::v1::Disbursement;
using ::pactlog::v1::EventData;
using ::pactlog::v1::EventKind;
using ::pactlog::v1::Money;
using ::pactlog::v1::ProjectAnnouncement;
using ::pactlog::v1::ProjectSite;
using ::pactlog::v1::TariffChange;

// The postal codes of the 50 states, DC and the five inhabited territories.
constexpr std::string_view kUsStateCodes[] = {
    "AK", "AL", "AR", "AS", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA",
    "GU", "HI", "IA", "ID", "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME",
    "MI", "MN", "MO", "MP", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM",
    "NV", "NY", "OH", "OK", "OR", "PA", "PR", "RI", "SC", "SD", "TN", "TX",
    "UT", "VA", "VI", "VT", "WA", "WI", "WV", "WY"};

std::string Path(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  return absl::StrCat(AsAbsl(prefix), ".", AsAbsl(name));
}

std::string Indexed(std::string_view path, int index) {
  return absl::StrCat(AsAbsl(path), "[", index, "]");
}

void Add(std::vector<FieldViolation>* out, std::string field,
         std::string description) {
  out->push_back(FieldViolation{std::move(field), std::move(description)});
}

bool IsLowerOrDigit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool IsSlug(std::string_view value) {
  if (value.empty() || value.size() > kMaxSlugBytes) return false;
  if (!IsLowerOrDigit(value.front())) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return IsLowerOrDigit(c) || c == '.' || c == '_' || c == '-';
  });
}

bool IsUpperLetters(std::string_view value, std::size_t count) {
  return value.size() == count &&
         std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool IsEventId(std::string_view value) {
  return value.size() <= kMaxEventIdBytes &&
         std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x21 && c <= 0x7e; });
}

// Checks min..max bytes; `min` 0 allows the empty string.
void CheckLength(std::string_view field, std::string_view value,
                 std::size_t min, std::size_t max,
                 std::vector<FieldViolation>* out) {
  if (value.size() >= min && value.size() <= max) return;
  std::string got = value.empty() ? std::string("an empty string")
                                  : absl::StrCat(value.size(), " bytes");
  Add(out, std::string(field),
      absl::StrCat("must be ", min, "..", max, " bytes, got ", got));
}

// Rejects the zero value and numbers the enum does not define (proto3 enums
// are open: the wire can carry any int32).
template <typename Enum>
void CheckEnum(std::string_view field, int value, bool (*is_valid)(int),
               std::vector<FieldViolation>* out) {
  const google::protobuf::EnumDescriptor* descriptor =
      google::protobuf::GetEnumDescriptor<Enum>();
  if (!is_valid(value)) {
    Add(out, std::string(field),
        absl::StrCat("must be a known ", descriptor->name(), " value, got ",
                     value));
  } else if (value == 0) {
    Add(out, std::string(field),
        absl::StrCat("must be specified, got ",
                     descriptor->FindValueByNumber(0)->name()));
  }
}

void CheckRate(std::string_view field, int32_t rate_bps,
               std::vector<FieldViolation>* out) {
  if (rate_bps >= 0 && rate_bps <= kMaxRateBps) return;
  Add(out, std::string(field),
      absl::StrCat("must be 0..", kMaxRateBps, " basis points, got ",
                   rate_bps));
}

void CheckCountry(std::string_view field, std::string_view code,
                  std::vector<FieldViolation>* out) {
  if (IsUpperLetters(code, 2)) return;
  Add(out, std::string(field),
      absl::StrCat("must be two upper-case letters (ISO 3166-1 alpha-2), got ",
                   Quote(code)));
}

// A repeated field of `count` items of `what`, at most `max`.
void CheckCount(std::string_view field, int count, std::size_t max,
                std::string_view what, std::vector<FieldViolation>* out) {
  if (static_cast<std::size_t>(count) <= max) return;
  Add(out, std::string(field),
      absl::StrCat("must hold at most ", max, " ", AsAbsl(what), ", got ",
                   count));
}

void CheckUsState(std::string_view field, std::string_view code,
                  std::vector<FieldViolation>* out) {
  if (IsUsStateCode(code)) return;
  Add(out, std::string(field),
      absl::StrCat("must be the postal code of a US state, DC or territory "
                   "(e.g. \"TX\"), got ",
                   Quote(code)));
}

// The single currency of a request: the first valid currency code seen, and
// where it was seen.
struct RequestCurrency {
  std::string code;
  std::string field;
};

void CheckMoney(std::string_view field, bool present, const Money& money,
                RequestCurrency* currency, std::vector<FieldViolation>* out) {
  if (!present) {
    Add(out, std::string(field), "is required");
    return;
  }
  std::string code_field = Path(field, "currency_code");
  const std::string& code = money.currency_code();
  if (!IsUpperLetters(code, 3)) {
    Add(out, code_field,
        absl::StrCat("must be three upper-case letters (ISO 4217), got ",
                     Quote(code)));
  } else if (currency->code.empty()) {
    currency->code = code;
    currency->field = code_field;
  } else if (code != currency->code) {
    Add(out, code_field,
        absl::StrCat(
            "must be ", Quote(currency->code), " like ", currency->field,
            " (every amount of a request in one currency), got ", Quote(code)));
  }
  if (money.minor_units() <= 0) {
    Add(out, Path(field, "minor_units"),
        absl::StrCat("must be > 0, got ", money.minor_units()));
  }
}

std::string FormatSeconds(int64_t seconds, int32_t nanos) {
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
    return absl::StrCat("seconds ", seconds);
  }
  return absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E*SZ",
      absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos),
      absl::UTCTimeZone());
}

int64_t YearStartSeconds(int year) {
  return absl::ToUnixSeconds(absl::FromCivil(
      absl::CivilSecond(year, 1, 1, 0, 0, 0), absl::UTCTimeZone()));
}

// Nanos in range and, when `min_seconds`..`max_seconds` are exceeded, a
// violation naming the range `range`.
void CheckTimestamp(std::string_view field,
                    const google::protobuf::Timestamp& ts, int64_t min_seconds,
                    int64_t max_seconds_exclusive, std::string_view range,
                    std::vector<FieldViolation>* out) {
  if (ts.nanos() < 0 || ts.nanos() > kMaxTimestampNanos) {
    Add(out, Path(field, "nanos"),
        absl::StrCat("must be 0..", kMaxTimestampNanos, ", got ", ts.nanos()));
    return;
  }
  if (ts.seconds() < min_seconds || ts.seconds() >= max_seconds_exclusive) {
    Add(out, std::string(field),
        absl::StrCat("must lie in ", AsAbsl(range), ", got ",
                     FormatSeconds(ts.seconds(), ts.nanos())));
  }
}

void CheckEffectiveTime(std::string_view field,
                        const google::protobuf::Timestamp& ts,
                        std::vector<FieldViolation>* out) {
  static const int64_t min_seconds = YearStartSeconds(kMinEffectiveYear);
  static const int64_t max_seconds = YearStartSeconds(kMaxEffectiveYear);
  CheckTimestamp(field, ts, min_seconds, max_seconds,
                 absl::StrCat("[", kMinEffectiveYear, "-01-01, ",
                              kMaxEffectiveYear, "-01-01)"),
                 out);
}

void CheckDealAnnouncement(std::string_view field, const DealAnnouncement& deal,
                           RequestCurrency* currency,
                           std::vector<FieldViolation>* out) {
  CheckLength(Path(field, "title"), deal.title(), 1, kMaxTitleBytes, out);
  CheckCountry(Path(field, "investor_country"), deal.investor_country(), out);
  CheckCountry(Path(field, "host_country"), deal.host_country(), out);
  if (IsUpperLetters(deal.host_country(), 2) &&
      deal.host_country() == deal.investor_country()) {
    Add(out, Path(field, "host_country"),
        absl::StrCat("must differ from investor_country, both are ",
                     Quote(deal.host_country())));
  }
  CheckMoney(Path(field, "commitment_ceiling"), deal.has_commitment_ceiling(),
             deal.commitment_ceiling(), currency, out);

  std::string caps_field = Path(field, "tariff_caps");
  CheckCount(caps_field, deal.tariff_caps_size(), kMaxTariffCaps, "caps", out);
  std::map<std::string_view, int> first_index;
  for (int i = 0; i < deal.tariff_caps_size(); ++i) {
    const auto& cap = deal.tariff_caps(i);
    std::string cap_field = Indexed(caps_field, i);
    std::string category_field = Path(cap_field, "product_category");
    CheckSlug(category_field, cap.product_category(), out);
    auto [it, inserted] = first_index.emplace(cap.product_category(), i);
    if (!inserted) {
      Add(out, category_field,
          absl::StrCat("duplicates ", Indexed(caps_field, it->second),
                       ".product_category ", Quote(cap.product_category()),
                       " (one cap per category)"));
    }
    CheckRate(Path(cap_field, "max_rate_bps"), cap.max_rate_bps(), out);
  }
}

void CheckProjectAnnouncement(std::string_view field,
                              const ProjectAnnouncement& project,
                              RequestCurrency* currency,
                              std::vector<FieldViolation>* out) {
  CheckSlug(Path(field, "project_id"), project.project_id(), out);
  CheckLength(Path(field, "name"), project.name(), 1, kMaxNameBytes, out);
  CheckEnum<pactlog::v1::Sector>(Path(field, "sector"), project.sector(),
                                 &pactlog::v1::Sector_IsValid, out);
  if (!project.us_state().empty()) {
    CheckUsState(Path(field, "us_state"), project.us_state(), out);
  }
  std::string sponsors_field = Path(field, "sponsors");
  CheckCount(sponsors_field, project.sponsors_size(), kMaxSponsors, "sponsors",
             out);
  for (int i = 0; i < project.sponsors_size(); ++i) {
    CheckLength(Indexed(sponsors_field, i), project.sponsors(i), 1,
                kMaxSponsorBytes, out);
  }
  CheckMoney(Path(field, "pledged"), project.has_pledged(), project.pledged(),
             currency, out);
  if (!project.allocation_id().empty()) {
    CheckSlug(Path(field, "allocation_id"), project.allocation_id(), out);
  }
}

void CheckAllocationAnnouncement(std::string_view field,
                                 const AllocationAnnouncement& allocation,
                                 RequestCurrency* currency,
                                 std::vector<FieldViolation>* out) {
  CheckSlug(Path(field, "allocation_id"), allocation.allocation_id(), out);
  CheckLength(Path(field, "name"), allocation.name(), 1, kMaxNameBytes, out);
  CheckEnum<pactlog::v1::AllocationBasis>(
      Path(field, "basis"), allocation.basis(),
      &pactlog::v1::AllocationBasis_IsValid, out);
  // SECTOR_UNSPECIFIED is allowed here: an allocation may span sectors.
  if (!pactlog::v1::Sector_IsValid(allocation.sector())) {
    Add(out, Path(field, "sector"),
        absl::StrCat("must be a known Sector value, got ",
                     allocation.sector()));
  }
  if (allocation.has_cap()) {
    CheckMoney(Path(field, "cap"), true, allocation.cap(), currency, out);
  }
  CheckLength(Path(field, "scope"), allocation.scope(), 0, kMaxReasonBytes,
              out);
  std::string leads_field = Path(field, "lead_companies");
  CheckCount(leads_field, allocation.lead_companies_size(), kMaxSponsors,
             "companies", out);
  for (int i = 0; i < allocation.lead_companies_size(); ++i) {
    const auto& lead = allocation.lead_companies(i);
    std::string lead_field = Indexed(leads_field, i);
    CheckLength(Path(lead_field, "name"), lead.name(), 1, kMaxSponsorBytes,
                out);
    if (!lead.country().empty()) {
      CheckCountry(Path(lead_field, "country"), lead.country(), out);
    }
  }
  if (!allocation.parent_allocation_id().empty()) {
    std::string parent_field = Path(field, "parent_allocation_id");
    CheckSlug(parent_field, allocation.parent_allocation_id(), out);
    if (allocation.parent_allocation_id() == allocation.allocation_id()) {
      Add(out, parent_field,
          absl::StrCat("must differ from allocation_id, both are ",
                       Quote(allocation.allocation_id())));
    }
  }
}

void CheckDealTerms(std::string_view field, const DealTerms& terms,
                    std::vector<FieldViolation>* out) {
  CheckLength(Path(field, "project_selector"), terms.project_selector(), 0,
              kMaxTermBytes, out);
  CheckLength(Path(field, "final_decision"), terms.final_decision(), 0,
              kMaxTermBytes, out);
  std::string channels_field = Path(field, "funding_channels");
  CheckCount(channels_field, terms.funding_channels_size(), kMaxFundingChannels,
             "channels", out);
  std::map<int, int> first_index;
  for (int i = 0; i < terms.funding_channels_size(); ++i) {
    std::string channel_field = Indexed(channels_field, i);
    CheckEnum<pactlog::v1::FundingSource>(
        channel_field, terms.funding_channels(i),
        &pactlog::v1::FundingSource_IsValid, out);
    auto [it, inserted] = first_index.emplace(terms.funding_channels(i), i);
    if (!inserted) {
      Add(out, channel_field,
          absl::StrCat("duplicates ", Indexed(channels_field, it->second),
                       " (each channel once)"));
    }
  }
  if (terms.funding_deadline_days() < 0 ||
      terms.funding_deadline_days() > kMaxFundingDeadlineDays) {
    Add(out, Path(field, "funding_deadline_days"),
        absl::StrCat("must be 0..", kMaxFundingDeadlineDays,
                     " (0: no deadline), got ", terms.funding_deadline_days()));
  }
  CheckLength(Path(field, "enforcement_clause"), terms.enforcement_clause(), 0,
              kMaxReasonBytes, out);
  CheckLength(Path(field, "profit_sharing"), terms.profit_sharing(), 0,
              kMaxReasonBytes, out);
  std::string commitments_field = Path(field, "other_commitments");
  CheckCount(commitments_field, terms.other_commitments_size(), kMaxCommitments,
             "commitments", out);
  for (int i = 0; i < terms.other_commitments_size(); ++i) {
    CheckLength(Indexed(commitments_field, i), terms.other_commitments(i), 1,
                kMaxReasonBytes, out);
  }
  CheckLength(Path(field, "oversight"), terms.oversight(), 0, kMaxTermBytes,
              out);
}

void CheckProjectSite(std::string_view field, const ProjectSite& site,
                      std::vector<FieldViolation>* out) {
  CheckSlug(Path(field, "project_id"), site.project_id(), out);
  CheckUsState(Path(field, "us_state"), site.us_state(), out);
}

void CheckApproval(std::string_view field, const Approval& approval,
                   RequestCurrency* currency,
                   std::vector<FieldViolation>* out) {
  CheckSlug(Path(field, "project_id"), approval.project_id(), out);
  CheckMoney(Path(field, "amount"), approval.has_amount(), approval.amount(),
             currency, out);
  CheckLength(Path(field, "approving_body"), approval.approving_body(), 1,
              kMaxBodyBytes, out);
}

void CheckDisbursement(std::string_view field, const Disbursement& disbursement,
                       RequestCurrency* currency,
                       std::vector<FieldViolation>* out) {
  CheckSlug(Path(field, "project_id"), disbursement.project_id(), out);
  CheckMoney(Path(field, "amount"), disbursement.has_amount(),
             disbursement.amount(), currency, out);
  CheckEnum<pactlog::v1::FundingSource>(
      Path(field, "funding_source"), disbursement.funding_source(),
      &pactlog::v1::FundingSource_IsValid, out);
  CheckLength(Path(field, "tranche"), disbursement.tranche(), 0,
              kMaxTrancheBytes, out);
}

void CheckTariffChange(std::string_view field, const TariffChange& change,
                       std::vector<FieldViolation>* out) {
  const std::string category_field = Path(field, "product_category");
  const std::string categories_field = Path(field, "product_categories");
  std::map<std::string_view, std::string> first_field;
  if (!change.product_category().empty() ||
      change.product_categories().empty()) {
    CheckSlug(category_field, change.product_category(), out);
    first_field.emplace(change.product_category(), category_field);
  }
  CheckCount(categories_field, change.product_categories_size(), kMaxTariffCaps,
             "categories", out);
  for (int i = 0; i < change.product_categories_size(); ++i) {
    const std::string& category = change.product_categories(i);
    std::string item_field = Indexed(categories_field, i);
    CheckSlug(item_field, category, out);
    auto [it, inserted] = first_field.emplace(category, item_field);
    if (!inserted) {
      Add(out, item_field,
          absl::StrCat("duplicates ", it->second, " ", Quote(category),
                       " (each category once)"));
    }
  }
  CheckRate(Path(field, "rate_bps"), change.rate_bps(), out);
  CheckLength(Path(field, "legal_instrument"), change.legal_instrument(), 1,
              kMaxInstrumentBytes, out);
  CheckLength(Path(field, "reason"), change.reason(), 0, kMaxReasonBytes, out);
}

void CheckAnnouncement(std::string_view announcement_field,
                       const pactlog::v1::Announcement& announcement,
                       RequestCurrency* currency,
                       std::vector<FieldViolation>* out) {
  if (announcement.has_deal()) {
    CheckDealAnnouncement(Path(announcement_field, "deal"), announcement.deal(),
                          currency, out);
  } else if (announcement.has_project()) {
    CheckProjectAnnouncement(Path(announcement_field, "project"),
                             announcement.project(), currency, out);
  } else if (announcement.has_allocation()) {
    CheckAllocationAnnouncement(Path(announcement_field, "allocation"),
                                announcement.allocation(), currency, out);
  } else if (announcement.has_project_site()) {
    CheckProjectSite(Path(announcement_field, "project_site"),
                     announcement.project_site(), out);
  } else if (announcement.has_terms()) {
    CheckDealTerms(Path(announcement_field, "terms"), announcement.terms(),
                   out);
  } else {
    Add(out, Path(announcement_field, "subject"),
        "must set one of deal, project, allocation, project_site, terms");
  }
}

void CheckEventIdField(std::string_view field, std::string_view id,
                       std::vector<FieldViolation>* out) {
  if (IsEventId(id)) return;
  Add(out, std::string(field),
      absl::StrCat("must be 1..", kMaxEventIdBytes,
                   " printable ASCII bytes (0x21..0x7e), got ", Quote(id)));
}

void CheckAmendment(std::string_view field, const Amendment& amendment,
                    RequestCurrency* currency,
                    std::vector<FieldViolation>* out) {
  CheckEventIdField(Path(field, "target_event_id"), amendment.target_event_id(),
                    out);
  const bool needs_reason =
      amendment.has_withdrawal() || amendment.has_retraction();
  CheckLength(Path(field, "reason"), amendment.reason(), needs_reason ? 1 : 0,
              kMaxReasonBytes, out);
  switch (amendment.change_case()) {
    case Amendment::kRevisedAmount:
      CheckMoney(Path(field, "revised_amount"), true,
                 amendment.revised_amount(), currency, out);
      break;
    case Amendment::kRaisedFirmness:
      CheckEnum<pactlog::v1::Firmness>(Path(field, "raised_firmness"),
                                       amendment.raised_firmness(),
                                       &pactlog::v1::Firmness_IsValid, out);
      break;
    case Amendment::kCorrection: {
      const std::string correction_field = Path(field, "correction");
      const pactlog::v1::Correction& correction = amendment.correction();
      switch (correction.replacement_case()) {
        case pactlog::v1::Correction::kAnnouncement:
          CheckAnnouncement(Path(correction_field, "announcement"),
                            correction.announcement(), currency, out);
          break;
        case pactlog::v1::Correction::kApproval:
          CheckApproval(Path(correction_field, "approval"),
                        correction.approval(), currency, out);
          break;
        case pactlog::v1::Correction::kDisbursement:
          CheckDisbursement(Path(correction_field, "disbursement"),
                            correction.disbursement(), currency, out);
          break;
        case pactlog::v1::Correction::kTariffChange:
          CheckTariffChange(Path(correction_field, "tariff_change"),
                            correction.tariff_change(), out);
          break;
        case pactlog::v1::Correction::REPLACEMENT_NOT_SET:
          Add(out, Path(correction_field, "replacement"),
              "must set one of announcement, approval, disbursement, "
              "tariff_change");
          break;
      }
      break;
    }
    case Amendment::kWithdrawal:
    case Amendment::kRetraction:
      break;
    case Amendment::CHANGE_NOT_SET:
      Add(out, Path(field, "change"),
          "must set one of revised_amount, withdrawal, raised_firmness, "
          "retraction, correction");
      break;
  }
}

void CheckRestates(std::string_view field, const EventData& data,
                   std::vector<FieldViolation>* out) {
  if (data.restates().empty()) return;
  const std::string restates_field = Path(field, "restates");
  const bool restatable =
      data.has_announcement() && (data.announcement().has_project() ||
                                  data.announcement().has_allocation());
  if (!restatable) {
    Add(out, restates_field,
        "only a project or allocation announcement restates earlier reports");
    return;
  }
  CheckCount(restates_field, data.restates_size(), kMaxRestates, "event ids",
             out);
  std::set<std::string_view> seen;
  for (int i = 0; i < data.restates_size(); ++i) {
    const std::string& id = data.restates(i);
    const std::string item = Indexed(restates_field, i);
    CheckEventIdField(item, id, out);
    if (!seen.insert(id).second) {
      Add(out, item, absl::StrCat("repeats ", Quote(id)));
    } else if (id == data.event_id()) {
      Add(out, item, absl::StrCat("names the event itself ", Quote(id)));
    }
  }
}

void CheckEventData(std::string_view field, const EventData& data,
                    std::map<std::string_view, std::string>* event_ids,
                    RequestCurrency* currency,
                    std::vector<FieldViolation>* out) {
  if (!data.event_id().empty()) {
    std::string id_field = Path(field, "event_id");
    if (!IsEventId(data.event_id())) {
      Add(out, id_field,
          absl::StrCat("must be empty or 1..", kMaxEventIdBytes,
                       " printable ASCII bytes (0x21..0x7e), got ",
                       Quote(data.event_id())));
    }
    auto [it, inserted] = event_ids->emplace(data.event_id(), id_field);
    if (!inserted) {
      Add(out, id_field,
          absl::StrCat("duplicates ", it->second, " ", Quote(data.event_id()),
                       " (event ids are unique)"));
    }
  }
  if (data.has_effective_time()) {
    CheckEffectiveTime(Path(field, "effective_time"), data.effective_time(),
                       out);
  }
  std::string provenance_field = Path(field, "provenance");
  if (!data.has_provenance()) {
    Add(out, provenance_field, "is required");
  } else {
    CheckLength(Path(provenance_field, "source"), data.provenance().source(), 1,
                kMaxSourceBytes, out);
    CheckEnum<pactlog::v1::Firmness>(Path(provenance_field, "firmness"),
                                     data.provenance().firmness(),
                                     &pactlog::v1::Firmness_IsValid, out);
    CheckLength(Path(provenance_field, "asserted_by"),
                data.provenance().asserted_by(), 0, kMaxAssertedByBytes, out);
  }
  CheckRestates(field, data, out);
  switch (data.kind_case()) {
    case EventData::kAnnouncement:
      CheckAnnouncement(Path(field, "announcement"), data.announcement(),
                        currency, out);
      break;
    case EventData::kApproval:
      CheckApproval(Path(field, "approval"), data.approval(), currency, out);
      break;
    case EventData::kDisbursement:
      CheckDisbursement(Path(field, "disbursement"), data.disbursement(),
                        currency, out);
      break;
    case EventData::kTariffChange:
      CheckTariffChange(Path(field, "tariff_change"), data.tariff_change(),
                        out);
      break;
    case EventData::kAmendment:
      CheckAmendment(Path(field, "amendment"), data.amendment(), currency, out);
      break;
    case EventData::KIND_NOT_SET:
      Add(out, Path(field, "kind"),
          "must set one of announcement, approval, disbursement, "
          "tariff_change, amendment");
      break;
  }
}

}  // namespace

std::vector<FieldViolation> AppendRequestViolations(
    const AppendRequest& request) {
  std::vector<FieldViolation> out;
  CheckSlug("deal_id", request.deal_id(), &out);
  CheckLength("actor", request.actor(), 1, kMaxActorBytes, &out);
  if (request.events_size() == 0) {
    Add(&out, "events", "at least one event is required");
  } else if (request.events_size() > kMaxEventsPerAppend) {
    Add(&out, "events",
        absl::StrCat("must hold at most ", kMaxEventsPerAppend, " events, got ",
                     request.events_size()));
  }
  std::map<std::string_view, std::string> event_ids;
  RequestCurrency currency;
  for (int i = 0; i < request.events_size(); ++i) {
    CheckEventData(Indexed("events", i), request.events(i), &event_ids,
                   &currency, &out);
  }
  return out;
}

absl::Status ValidateAppendRequest(const AppendRequest& request) {
  if (request.events_size() > kMaxEventsPerAppend) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many events in one request: ", request.events_size(),
                     ", the limit is ", kMaxEventsPerAppend));
  }
  return ViolationsToStatus(AppendRequestViolations(request));
}

absl::Status ViolationsToStatus(const std::vector<FieldViolation>& violations) {
  if (violations.empty()) return absl::OkStatus();
  absl::Status status = absl::InvalidArgumentError(absl::StrCat(
      "invalid request: ",
      absl::StrJoin(violations, "; ",
                    [](std::string* out, const FieldViolation& v) {
                      absl::StrAppend(out, v.field, ": ", v.description);
                    })));
  google::rpc::BadRequest details;
  for (const FieldViolation& violation : violations) {
    google::rpc::BadRequest::FieldViolation* out =
        details.add_field_violations();
    out->set_field(violation.field);
    out->set_description(violation.description);
  }
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(details.SerializeAsString()));
  return status;
}

void CheckSlug(std::string_view field, std::string_view value,
               std::vector<FieldViolation>* out) {
  if (IsSlug(value)) return;
  Add(out, std::string(field),
      absl::StrCat("must be a slug of 1..", kMaxSlugBytes,
                   " [a-z0-9._-] starting with a letter or digit, got ",
                   Quote(value)));
}

void CheckReadOptions(std::string_view field,
                      const pactlog::v1::ReadOptions& options,
                      std::vector<FieldViolation>* out) {
  if (!options.has_as_of()) return;
  std::string as_of_field = Path(field, "as_of");
  // "At least N" and "as of M < N" cannot both hold.
  if (options.as_of().sequence() != 0 &&
      options.min_sequence() > options.as_of().sequence()) {
    Add(out, Path(field, "min_sequence"),
        absl::StrCat("must be <= ", Path(as_of_field, "sequence"), " (",
                     options.as_of().sequence(), ") when both are set, got ",
                     options.min_sequence()));
  }
  constexpr std::string_view kRange =
      "[0001-01-01T00:00:00Z, 9999-12-31T23:59:59.999999999Z]";
  if (options.as_of().has_recorded_time()) {
    CheckTimestamp(Path(as_of_field, "recorded_time"),
                   options.as_of().recorded_time(), kMinTimestampSeconds,
                   kMaxTimestampSeconds + 1, kRange, out);
  }
  if (options.as_of().has_effective_time()) {
    CheckTimestamp(Path(as_of_field, "effective_time"),
                   options.as_of().effective_time(), kMinTimestampSeconds,
                   kMaxTimestampSeconds + 1, kRange, out);
  }
}

void CheckEventFilter(std::string_view field,
                      const pactlog::v1::EventFilter& filter,
                      std::vector<FieldViolation>* out) {
  std::string deal_ids_field = Path(field, "deal_ids");
  for (int i = 0; i < filter.deal_ids_size(); ++i) {
    CheckSlug(Indexed(deal_ids_field, i), filter.deal_ids(i), out);
  }
  std::string kinds_field = Path(field, "kinds");
  for (int i = 0; i < filter.kinds_size(); ++i) {
    CheckEnum<EventKind>(Indexed(kinds_field, i), filter.kinds(i),
                         &pactlog::v1::EventKind_IsValid, out);
  }
  std::string sectors_field = Path(field, "sectors");
  for (int i = 0; i < filter.sectors_size(); ++i) {
    CheckEnum<pactlog::v1::Sector>(Indexed(sectors_field, i), filter.sectors(i),
                                   &pactlog::v1::Sector_IsValid, out);
  }
  std::string categories_field = Path(field, "product_categories");
  for (int i = 0; i < filter.product_categories_size(); ++i) {
    CheckSlug(Indexed(categories_field, i), filter.product_categories(i), out);
  }
}

void CheckPageSize(std::string_view field, int page_size,
                   std::vector<FieldViolation>* out) {
  if (page_size >= 0 && page_size <= kMaxPageSize) return;
  Add(out, std::string(field),
      absl::StrCat("must be 1..", kMaxPageSize, " (or 0 for the default ",
                   kDefaultPageSize, "), got ", page_size));
}

bool IsUsStateCode(std::string_view code) {
  return std::binary_search(std::begin(kUsStateCodes), std::end(kUsStateCodes),
                            code);
}

EventKind KindOf(const EventData& data) {
  switch (data.kind_case()) {
    case EventData::kAnnouncement:
      return pactlog::v1::EVENT_KIND_ANNOUNCEMENT;
    case EventData::kApproval:
      return pactlog::v1::EVENT_KIND_APPROVAL;
    case EventData::kDisbursement:
      return pactlog::v1::EVENT_KIND_DISBURSEMENT;
    case EventData::kTariffChange:
      return pactlog::v1::EVENT_KIND_TARIFF_CHANGE;
    case EventData::kAmendment:
      return pactlog::v1::EVENT_KIND_AMENDMENT;
    case EventData::KIND_NOT_SET:
      break;
  }
  return pactlog::v1::EVENT_KIND_UNSPECIFIED;
}

EventKind KindOf(const pactlog::v1::Correction& correction) {
  using pactlog::v1::Correction;
  switch (correction.replacement_case()) {
    case Correction::kAnnouncement:
      return pactlog::v1::EVENT_KIND_ANNOUNCEMENT;
    case Correction::kApproval:
      return pactlog::v1::EVENT_KIND_APPROVAL;
    case Correction::kDisbursement:
      return pactlog::v1::EVENT_KIND_DISBURSEMENT;
    case Correction::kTariffChange:
      return pactlog::v1::EVENT_KIND_TARIFF_CHANGE;
    case Correction::REPLACEMENT_NOT_SET:
      break;
  }
  return pactlog::v1::EVENT_KIND_UNSPECIFIED;
}

std::vector<std::string_view> CategoriesOf(const TariffChange& change) {
  std::vector<std::string_view> categories;
  categories.reserve(1 + change.product_categories_size());
  if (!change.product_category().empty()) {
    categories.push_back(change.product_category());
  }
  for (const std::string& category : change.product_categories()) {
    categories.push_back(category);
  }
  return categories;
}

bool IsRetryOf(std::string_view deal_id, const EventData& proposed,
               const pactlog::v1::Event& stored) {
  if (stored.deal_id() != deal_id) return false;
  EventData normalized = proposed;
  // The caller found `stored` by this event id; a server-generated id is
  // absent from the retry.
  normalized.set_event_id(stored.data().event_id());
  if (!normalized.has_effective_time() && stored.data().has_effective_time()) {
    *normalized.mutable_effective_time() = stored.data().effective_time();
  }
  return google::protobuf::util::MessageDifferencer::Equals(normalized,
                                                            stored.data());
}

}  // namespace pactlog::domain
