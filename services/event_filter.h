// EventMatcher: a compiled pactlog.v1.EventFilter, shared by every reader of
// the log (EventStream.Read and subscriptions). Immutable after
// construction; thread-safe.
#ifndef PACTLOG_SERVICES_EVENT_FILTER_H_
#define PACTLOG_SERVICES_EVENT_FILTER_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "pactlog/v1/events.pb.h"
#include "pactlog/v1/stream.pb.h"

namespace pactlog::services {

class EventMatcher {
 public:
  // Requires a filter that passed domain::CheckEventFilter.
  explicit EventMatcher(const pactlog::v1::EventFilter& filter);

  // True when `event` passes every non-empty part of the filter.
  bool Matches(const pactlog::v1::Event& event) const;

 private:
  absl::flat_hash_set<std::string> deal_ids_;
  absl::flat_hash_set<int> kinds_;
};

}  // namespace pactlog::services

#endif  // PACTLOG_SERVICES_EVENT_FILTER_H_
