// Server-generated event ids: version-7 UUIDs that sort by the time they
// were made, so the event_ids index takes them near its end.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/batch.h"

namespace pactlog::ledger {
namespace {

TEST(NewEventIdTest, IsAVersion7UuidCarryingTheTimeInMilliseconds) {
  absl::BitGen gen;
  const absl::Time now = absl::FromUnixMillis(1'753'142'400'123);  // 2025-07-22
  const std::string id = NewEventId(now, gen);
  EXPECT_THAT(id,
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-"
                                      "[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_EQ(id.substr(0, 13), "01982f6e-147b");
}

TEST(NewEventIdTest, LaterMillisecondsSortAfterEarlierOnesAndIdsDiffer) {
  absl::BitGen gen;
  const absl::Time start = absl::FromUnixMillis(1'753'142'400'000);
  std::vector<std::string> ids;
  std::set<std::string> distinct;
  for (int ms = 0; ms < 200; ++ms) {
    for (int i = 0; i < 50; ++i) {  // many in one millisecond
      ids.push_back(NewEventId(start + absl::Milliseconds(ms), gen));
      distinct.insert(ids.back());
    }
  }
  EXPECT_EQ(distinct.size(), ids.size());
  for (size_t i = 50; i < ids.size(); ++i) {
    // Every id sorts after all ids of earlier milliseconds.
    const size_t first_of_ms = i - i % 50;
    EXPECT_LT(*std::max_element(ids.begin() + first_of_ms - 50,
                                ids.begin() + first_of_ms),
              ids[i]);
  }
}

}  // namespace
}  // namespace pactlog::ledger
