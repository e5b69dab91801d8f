// Structural validation: everything about a request that can be checked
// without knowing any deal's state. Pure functions; thread-safe.
//
// State-dependent rules (life order, over-commitment) live in DealState.
#ifndef PACTLOG_DOMAIN_VALIDATION_H_
#define PACTLOG_DOMAIN_VALIDATION_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "pactlog/v1/events.pb.h"
#include "pactlog/v1/ledger.pb.h"
#include "pactlog/v1/query.pb.h"
#include "pactlog/v1/stream.pb.h"

namespace pactlog::domain {

// One problem with one field of a request.
struct FieldViolation {
  // Path of the field as in the proto, e.g. "events[2].approval.amount".
  std::string field;
  // What is wrong, naming the offending value, e.g.
  // "must be > 0, got -5".
  std::string description;

  bool operator==(const FieldViolation&) const = default;
};

// Every violation in an AppendRequest, in field order; empty when valid.
// Checks: deal_id is a slug; actor 1..kMaxActorBytes; 1..kMaxEventsPerAppend
// events (the count violation is reported too, see ValidateAppendRequest);
// per event: event_id empty or 1..kMaxEventIdBytes printable ASCII
// (0x21..0x7e), no event id repeated within the request; effective_time,
// when set, valid and within [kMinEffectiveYear, kMaxEffectiveYear);
// provenance set with source 1..kMaxSourceBytes and firmness specified;
// exactly one kind set, and within the kind: slugs, string lengths, enums
// specified (an allocation's sector may be unspecified: it spans sectors),
// money with a 3-upper-case-letter currency and minor_units > 0 (an
// allocation's cap may be absent), rates 0..kMaxRateBps, US state a known
// postal code (a project's may be empty: its site is not known yet),
// country codes two upper-case letters, tariff cap categories unique, a
// tariff change's categories at least one and unique, an earmark's parent
// not itself, every amount of the request in one currency.
std::vector<FieldViolation> AppendRequestViolations(
    const pactlog::v1::AppendRequest& request);

// OK, or:
//   RESOURCE_EXHAUSTED  more than kMaxEventsPerAppend events (message names
//                       the limit and the count);
//   INVALID_ARGUMENT    the violations joined as "field: description; ...".
[[nodiscard]] absl::Status ValidateAppendRequest(
    const pactlog::v1::AppendRequest& request);

// Joins violations into one INVALID_ARGUMENT status (OK when empty):
// "invalid request: field: description; ...". The status also carries the
// violations as data, a serialized google.rpc.BadRequest payload under
// kBadRequestTypeUrl, which services/grpc_status.h sends as the call's
// error details.
[[nodiscard]] absl::Status ViolationsToStatus(
    const std::vector<FieldViolation>& violations);
// The payload type of that google.rpc.BadRequest (Any's type URL).
inline constexpr char kBadRequestTypeUrl[] =
    "type.googleapis.com/google.rpc.BadRequest";

// Violations of a slug (deal, project, product category id) named `field`.
void CheckSlug(std::string_view field, std::string_view value,
               std::vector<FieldViolation>* out);

// Violations of query options: timestamps valid when set.
void CheckReadOptions(std::string_view field,
                      const pactlog::v1::ReadOptions& options,
                      std::vector<FieldViolation>* out);

// Violations of a stream filter: deal ids and product categories are
// slugs, kinds and sectors specified and known.
void CheckEventFilter(std::string_view field,
                      const pactlog::v1::EventFilter& filter,
                      std::vector<FieldViolation>* out);

// Violations of a page size (0 means default; else 1..kMaxPageSize).
void CheckPageSize(std::string_view field, int page_size,
                   std::vector<FieldViolation>* out);

// True for a US state, DC or territory postal code ("TX", "DC", "PR").
bool IsUsStateCode(std::string_view code);

// The kind of an event; EVENT_KIND_UNSPECIFIED when none is set.
pactlog::v1::EventKind KindOf(const pactlog::v1::EventData& data);
// The kind of a correction's replacement; EVENT_KIND_UNSPECIFIED when none.
pactlog::v1::EventKind KindOf(const pactlog::v1::Correction& correction);

// The product categories a tariff change sets: product_category when not
// empty, then product_categories. Views into `change`.
std::vector<std::string_view> CategoriesOf(
    const pactlog::v1::TariffChange& change);

// True when `proposed` (from a request for `deal_id`) is a retry of
// `stored`: same deal, and the same data, where an effective_time absent
// from `proposed` matches any stored effective time.
bool IsRetryOf(std::string_view deal_id, const pactlog::v1::EventData& proposed,
               const pactlog::v1::Event& stored);

}  // namespace pactlog::domain

#endif  // PACTLOG_DOMAIN_VALIDATION_H_
