// CSV exports of the JSON API (RFC 4180: comma-separated, CRLF line ends,
// a field quoted when it holds a comma, quote or line break, quotes
// doubled). Text fields that a spreadsheet would take as a formula (they
// begin with = + - @ or a tab) are prefixed with an apostrophe.
//
// Money columns hold the amount in the currency's major unit as an exact
// decimal ("1234.56" for 123456 US cents; no rounding, no floating point)
// with the currency code in its own column.
//
//   projects.csv  one row per ProjectState of ListProjects, all pages
//   events.csv    one row per Event of Read, all pages; the kind's own
//                 fields as one JSON column ("details")
#ifndef PACTLOG_SERVICES_HTTP_CSV_H_
#define PACTLOG_SERVICES_HTTP_CSV_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pactlog::services::http {

// One export: its header line, the rows of one page of the RPC's response,
// and how to ask for the next page.
struct CsvExport {
  std::string_view header;  // with its CRLF
  // The rows of `page` (a response of the export's RPC).
  std::string (*rows)(const google::protobuf::Message& page);
  // Sets `request` up for the page after `page`; false when `page` was the
  // last.
  bool (*next)(const google::protobuf::Message& page,
               google::protobuf::Message* request);
};

// For ListProjectsResponse pages.
const CsvExport& ProjectsCsv();
// For ReadResponse pages.
const CsvExport& EventsCsv();

// `text` as one CSV field (rules above; `text_field` for the formula rule).
std::string CsvField(std::string_view text, bool text_field = true);

// `minor_units` of `currency_code` in major units, exactly: USD 123456 is
// "1234.56", JPY 500 is "500", KWD 1234 is "1.234".
std::string MajorUnits(int64_t minor_units, std::string_view currency_code);

}  // namespace pactlog::services::http

#endif  // PACTLOG_SERVICES_HTTP_CSV_H_
