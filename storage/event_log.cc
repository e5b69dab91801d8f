#include "storage/event_log.h"

#include <string>

#include "google/protobuf/timestamp.pb.h"
#include "util/status_macros.h"

namespace pactlog::storage {

absl::Status EventLog::ScanEncoded(uint64_t after_sequence,
                                   const EncodedEventVisitor& visitor) const {
  std::string encoded;
  return Scan(after_sequence, [&](const pactlog::v1::Event& event) {
    encoded.clear();
    event.AppendToString(&encoded);
    return visitor(event, encoded);
  });
}

absl::StatusOr<uint64_t> LastSequenceRecordedBefore(const EventLog& log,
                                                    uint64_t head,
                                                    absl::Time time) {
  uint64_t lo = 1, hi = head + 1;  // the first sequence recorded >= time
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    ASSIGN_OR_RETURN(const pactlog::v1::Event event, log.Get(mid));
    const google::protobuf::Timestamp& recorded = event.recorded_time();
    const absl::Time recorded_time = absl::FromUnixSeconds(recorded.seconds()) +
                                     absl::Nanoseconds(recorded.nanos());
    if (recorded_time < time) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo - 1;
}

}  // namespace pactlog::storage
