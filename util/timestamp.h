// Conversions between google.protobuf.Timestamp and absl::Time, and the
// range of times a Timestamp may hold.
//
// google.protobuf.Timestamp is valid from 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z with nanos in [0, 999999999]. Validation
// refuses a request's timestamp outside that range; ToProtoTime clamps to it,
// so that absl::InfiniteFuture() and friends stay representable in a stored
// event or an answer.
#ifndef PACTLOG_UTIL_TIMESTAMP_H_
#define PACTLOG_UTIL_TIMESTAMP_H_

#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <cstdint>

#include "absl/time/time.h"

namespace pactlog::util {

inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;
inline constexpr int32_t kMaxTimestampNanos = 999999999;

inline absl::Time ToAbslTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// Writes `t`, clamped to the valid range, into `out`.
inline void ToProtoTime(absl::Time t, google::protobuf::Timestamp* out) {
  const absl::Time min = absl::FromUnixSeconds(kMinTimestampSeconds);
  const absl::Time max = absl::FromUnixSeconds(kMaxTimestampSeconds) +
                         absl::Nanoseconds(kMaxTimestampNanos);
  t = std::clamp(t, min, max);
  // ToUnixSeconds rounds towards the past, so the remainder is in [0, 1s).
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) /
                                      absl::Nanoseconds(1)));
}

// The same as a value.
inline google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  google::protobuf::Timestamp ts;
  ToProtoTime(t, &ts);
  return ts;
}

}  // namespace pactlog::util

#endif  // PACTLOG_UTIL_TIMESTAMP_H_
