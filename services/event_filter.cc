#include "services/event_filter.h"

#include "domain/validation.h"

namespace pactlog::services {

namespace v1 = ::pactlog::v1;

EventMatcher::EventMatcher(const v1::EventFilter& filter,
                           const ledger::Ledger* ledger)
    : ledger_(ledger),
      deal_ids_(filter.deal_ids().begin(), filter.deal_ids().end()),
      kinds_(filter.kinds().begin(), filter.kinds().end()),
      sectors_(filter.sectors().begin(), filter.sectors().end()),
      categories_(filter.product_categories().begin(),
                  filter.product_categories().end()) {}

bool EventMatcher::Matches(const v1::Event& event) const {
  if (!deal_ids_.empty() && !deal_ids_.contains(event.deal_id())) return false;
  if (!kinds_.empty() && !kinds_.contains(domain::KindOf(event.data()))) {
    return false;
  }
  return MatchesSubject(event);
}

bool EventMatcher::MatchesSubject(const v1::Event& event) const {
  if (sectors_.empty() && categories_.empty()) return true;
  const v1::EventData& data = event.data();
  if (data.has_tariff_change()) {
    return categories_.contains(data.tariff_change().product_category());
  }
  if (sectors_.empty()) return false;
  if (data.has_announcement()) {
    return data.announcement().has_project() &&
           sectors_.contains(data.announcement().project().sector());
  }
  const std::string& project_id = data.has_approval()
                                      ? data.approval().project_id()
                                      : data.disbursement().project_id();
  std::shared_ptr<const domain::DealState> deal = ledger_->Deal(event.deal_id());
  if (deal == nullptr) return false;
  auto project = deal->projects().find(project_id);
  return project != deal->projects().end() &&
         sectors_.contains(project->second.announcement.sector());
}

}  // namespace pactlog::services
