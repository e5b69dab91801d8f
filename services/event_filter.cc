#include "services/event_filter.h"

#include "domain/validation.h"

namespace pactlog::services {

EventMatcher::EventMatcher(const pactlog::v1::EventFilter& filter)
    : deal_ids_(filter.deal_ids().begin(), filter.deal_ids().end()),
      kinds_(filter.kinds().begin(), filter.kinds().end()) {}

bool EventMatcher::Matches(const pactlog::v1::Event& event) const {
  if (!deal_ids_.empty() && !deal_ids_.contains(event.deal_id())) return false;
  if (!kinds_.empty() && !kinds_.contains(domain::KindOf(event.data()))) {
    return false;
  }
  return true;
}

}  // namespace pactlog::services
