#include "services/event_filter.h"

#include "domain/validation.h"
#include "util/quote.h"

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
  if (data.has_amendment()) {
    // An amendment is about what its target is about (its original event).
    if (event.references_size() == 0) return false;
    v1::Event origin;
    origin.set_deal_id(event.deal_id());
    *origin.mutable_data() = event.references(0).origin();
    return MatchesSubject(origin);
  }
  if (data.has_tariff_change()) {
    for (std::string_view category :
         domain::CategoriesOf(data.tariff_change())) {
      if (categories_.contains(util::AsAbsl(category))) return true;
    }
    return false;
  }
  if (sectors_.empty()) return false;
  std::string_view project_id;
  if (data.has_announcement()) {
    const v1::Announcement& announcement = data.announcement();
    switch (announcement.subject_case()) {
      case v1::Announcement::kProject:
        return sectors_.contains(announcement.project().sector());
      case v1::Announcement::kAllocation:
        return sectors_.contains(announcement.allocation().sector());
      case v1::Announcement::kProjectSite:
        project_id = announcement.project_site().project_id();
        break;
      default:
        return false;
    }
  } else {
    project_id = data.has_approval() ? data.approval().project_id()
                                     : data.disbursement().project_id();
  }
  std::shared_ptr<const domain::DealState> deal =
      ledger_->Deal(event.deal_id());
  if (deal == nullptr) return false;
  const domain::Project* project = deal->projects().Find(project_id);
  return project != nullptr &&
         sectors_.contains(project->announcement.sector());
}

}  // namespace pactlog::services
