// Human-readable rendering for pactctl: exact money, rates, times, enum
// names, one-line event descriptions and plain-text tables. Pure functions.
#ifndef PACTLOG_SDK_PACTCTL_FORMAT_H_
#define PACTLOG_SDK_PACTCTL_FORMAT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "pactlog/v1/events.pb.h"

namespace pactlog::pactctl {

namespace v1 = ::pactlog::v1;

// "USD 550,000,000,000" (minor units shown only when not zero:
// "USD 1,234.50"); "-" for an unset amount. The minor unit has 0 digits for
// JPY and KRW, 3 for BHD, IQD, JOD, KWD, LYD, OMR and TND, else 2.
std::string FormatMoney(const v1::Money& money);
// A change of an amount, signed: "+USD 1,000", "-USD 2,500.50"; "-" unset.
std::string FormatMoneyChange(const v1::Money& change);
// 1500 -> "15%", 2750 -> "27.5%", 5 -> "0.05%".
std::string FormatRate(int32_t bps);
// "2025-07-22" at midnight UTC, else "2025-08-07T04:01:00Z" (whole
// seconds); "-" unset.
std::string FormatTime(const google::protobuf::Timestamp& time);
absl::Time ToTime(const google::protobuf::Timestamp& time);

// An enum value's name without its type prefix, in lower case with '-':
// SECTOR_OIL_AND_GAS -> "oil-and-gas".
std::string EnumName(const google::protobuf::EnumDescriptor* type, int value);
// The reverse, in any case, with or without the prefix, with '-' or ' '
// for '_': "oil-and-gas", "oil_and_gas", "OIL_AND_GAS" and the full
// "SECTOR_OIL_AND_GAS" all name SECTOR_OIL_AND_GAS. The C++ SDK's parsers
// (pactlog/client/events.h) read Firmness, Sector, FundingSource and
// AllocationBasis; the other enums follow the same rules. The UNSPECIFIED
// value is no answer. INVALID_ARGUMENT listing the valid names as EnumName
// spells them, for `what` (e.g. "--sector").
[[nodiscard]] absl::StatusOr<int> ParseEnum(
    const google::protobuf::EnumDescriptor* type, absl::string_view text,
    absl::string_view what);

// RFC 3339 ("2025-09-16T04:01:00Z", any offset) or a date ("2025-09-16",
// midnight UTC). INVALID_ARGUMENT naming `what` and the value.
[[nodiscard]] absl::StatusOr<absl::Time> ParseTime(absl::string_view text,
                                                   absl::string_view what);

// "Westinghouse (US), GE": the names, each with its country when known;
// empty for none.
std::string FormatLeadCompanies(
    const google::protobuf::RepeatedPtrField<v1::LeadCompany>& leads);

// "deal announced: ...", "tariff change: autos 15% (...)", "revises
// us-japan-2025/006-project-ohio to USD 30,000,000,000", "corrects ... to
// project announced: ...", one line; "; restates ID, ..." at the end of an
// announcement that restates earlier reports.
std::string DescribeEvent(const v1::EventData& data);

// A text table: a header row and rows, columns padded to their widest
// cell; columns marked numeric are right-aligned.
class Table {
 public:
  explicit Table(std::vector<std::string> headers,
                 std::vector<bool> numeric = {});
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  std::string ToString() const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> numeric_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace pactlog::pactctl

#endif  // PACTLOG_SDK_PACTCTL_FORMAT_H_
