// EventMatcher: a compiled pactlog.v1.EventFilter, shared by every reader of
// the log (EventStream.Read and Subscribe). Immutable after construction;
// thread-safe.
#ifndef PACTLOG_SERVICES_EVENT_FILTER_H_
#define PACTLOG_SERVICES_EVENT_FILTER_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "ledger/ledger.h"
#include "pactlog/v1/events.pb.h"
#include "pactlog/v1/stream.pb.h"

namespace pactlog::services {

class EventMatcher {
 public:
  // Requires a filter that passed domain::CheckEventFilter. `ledger`
  // resolves the sector of the project an approval or disbursement refers
  // to; not owned, must outlive the matcher.
  EventMatcher(const pactlog::v1::EventFilter& filter,
               const ledger::Ledger* ledger);

  // True when `event` passes the filter (see EventFilter in stream.proto).
  // Requires an event the ledger has applied.
  bool Matches(const pactlog::v1::Event& event) const;

 private:
  // True when the sector / product category part of the filter passes.
  bool MatchesSubject(const pactlog::v1::Event& event) const;

  const ledger::Ledger* const ledger_;
  absl::flat_hash_set<std::string> deal_ids_;
  absl::flat_hash_set<int> kinds_;
  absl::flat_hash_set<int> sectors_;
  absl::flat_hash_set<std::string> categories_;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_EVENT_FILTER_H_
