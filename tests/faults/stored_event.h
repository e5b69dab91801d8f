// A stored event as the log holds it, for the fault tests that write the
// log directly: deal "deal-a", recorded and effective times derived from
// the sequence, confirmed provenance. The caller sets the kind.
#ifndef PACTLOG_TESTS_FAULTS_STORED_EVENT_H_
#define PACTLOG_TESTS_FAULTS_STORED_EVENT_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "pactlog/v1/events.pb.h"

namespace pactlog::testing {

inline pactlog::v1::Event StoredEvent(uint64_t sequence, uint64_t deal_version,
                                      const std::string& source) {
  pactlog::v1::Event event;
  event.set_sequence(sequence);
  event.set_deal_id("deal-a");
  event.set_deal_version(deal_version);
  event.mutable_recorded_time()->set_seconds(1'750'000'000 + sequence);
  event.set_actor("fault-test");
  pactlog::v1::EventData* data = event.mutable_data();
  data->set_event_id(absl::StrCat("evt-", sequence, "-v", deal_version));
  data->mutable_effective_time()->set_seconds(1'740'000'000);
  data->mutable_provenance()->set_source(source);
  data->mutable_provenance()->set_firmness(pactlog::v1::FIRMNESS_CONFIRMED);
  return event;
}

}  // namespace pactlog::testing

#endif  // PACTLOG_TESTS_FAULTS_STORED_EVENT_H_
