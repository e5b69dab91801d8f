// Helpers the files implementing DealState (domain/deal_state.h) share:
// deal_state.cc (the fold and its rules), deal_state_proto.cc (rendering to
// pactlog.v1 messages) and deal_state_snapshot.cc (snapshots). Not part of
// domain's interface; nothing else includes this header. Pure functions;
// thread-safe.
#ifndef PACTLOG_DOMAIN_DEAL_STATE_INTERNAL_H_
#define PACTLOG_DOMAIN_DEAL_STATE_INTERNAL_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "domain/deal_state.h"
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

}  // namespace pactlog::domain::internal

namespace pactlog::domain {
// One reading of the terms as a pactlog.v1 message (deal_state_proto.cc).
void TermsToProto(const TermsEntry& entry, pactlog::v1::TermsReading* out);
}  // namespace pactlog::domain

#endif  // PACTLOG_DOMAIN_DEAL_STATE_INTERNAL_H_
