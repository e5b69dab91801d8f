// Helpers the files implementing DealState (domain/deal_state.h) share:
// deal_state.cc (the fold and its rules), deal_state_proto.cc (rendering to
// pactlog.v1 messages) and deal_state_snapshot.cc (snapshots). Not part of
// domain's interface; nothing else includes this header. Pure functions;
// thread-safe.
#ifndef PACTLOG_DOMAIN_DEAL_STATE_INTERNAL_H_
#define PACTLOG_DOMAIN_DEAL_STATE_INTERNAL_H_

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/deal_state.h"
#include "domain/error_info.h"
#include "util/quote.h"

namespace pactlog::domain::internal {

using ::pactlog::util::Quote;

// Apply() takes any event without failing, so its sums saturate instead of
// overflowing; the sums of a log that passed CheckRules never saturate.
inline int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max()
               : std::numeric_limits<int64_t>::min();
}

// Money of `minor_units` in `currency`.
inline void SetMoney(std::string_view currency, int64_t minor_units,
                     pactlog::v1::Money* out) {
  out->set_currency_code(std::string(currency));
  out->set_minor_units(minor_units);
}

// Adds `delta` to `*sum`, saturating.
inline void AddAmounts(const Amounts& delta, Amounts* sum) {
  sum->pledged = SaturatingAdd(sum->pledged, delta.pledged);
  sum->approved = SaturatingAdd(sum->approved, delta.approved);
  sum->disbursed = SaturatingAdd(sum->disbursed, delta.disbursed);
  sum->project_count += delta.project_count;
}

// Shared by the rules in deal_state.cc and deal_state_amend.cc.
std::string FormatTimeUtc(absl::Time t);
// FAILED_PRECONDITION "rule `rule`: `details`", with an ErrorInfo
// (domain/error_info.h) of reason RULE_BROKEN whose metadata holds the
// rule, the details and `numbers`.
absl::Status RuleBroken(std::string_view rule, std::string_view details,
                        std::initializer_list<NamedNumber> numbers = {});
// `current + amount` into `*sum`, or FAILED_PRECONDITION rule
// amount-overflow naming `what` and both numbers.
absl::Status CheckedSum(std::string_view what, int64_t current, int64_t amount,
                        std::string_view currency, int64_t* sum);
// Rule deal-currency: `money` is in the deal's currency.
absl::Status CheckCurrency(std::string_view what,
                           const pactlog::v1::Money& money,
                           std::string_view deal_id,
                           std::string_view deal_currency);
// The sum of `project`'s approvals effective at or before `at`.
int64_t ApprovedBy(const Project& project, absl::Time at);
// "withdrawn", "retracted", "restated".
std::string_view SupersessionVerb(pactlog::v1::SupersessionKind kind);
// Rules project-standing and allocation-standing: nothing new for what no
// longer counts.
absl::Status CheckStanding(const Project& project);
absl::Status CheckStanding(const Allocation& allocation);

}  // namespace pactlog::domain::internal

namespace pactlog::domain {
// One reading of the terms as a pactlog.v1 message (deal_state_proto.cc).
void TermsToProto(const TermsEntry& entry, pactlog::v1::TermsReading* out);
}  // namespace pactlog::domain

#endif  // PACTLOG_DOMAIN_DEAL_STATE_INTERNAL_H_
