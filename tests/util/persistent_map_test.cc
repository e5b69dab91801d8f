#include "util/persistent_map.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pactlog::util {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

using Map = PersistentMap<int, std::string>;

std::map<int, std::string> ToStd(const Map& map) {
  std::map<int, std::string> out;
  for (const auto& [key, value] : map) out.emplace(key, value);
  return out;
}

TEST(PersistentMapTest, ReadsLikeAnOrderedMap) {
  Map map;
  EXPECT_TRUE(map.empty());
  map[3] = "c";
  map[1] = "a";
  *map.TryEmplace(2).first = "b";
  EXPECT_FALSE(map.TryEmplace(2).second);
  EXPECT_EQ(map.size(), 3u);
  EXPECT_THAT(ToStd(map),
              ElementsAre(Pair(1, "a"), Pair(2, "b"), Pair(3, "c")));
  EXPECT_EQ(map.at(2), "b");
  EXPECT_THROW(map.at(4), std::out_of_range);
  EXPECT_EQ(map.find(4), map.end());
  EXPECT_EQ(map.find(3)->second, "c");
  EXPECT_EQ(map.lower_bound(2)->first, 2);
  EXPECT_EQ(map.upper_bound(2)->first, 3);
  EXPECT_EQ(map.upper_bound(3), map.end());
  EXPECT_EQ(map.Floor(0), nullptr);
  EXPECT_EQ(map.Floor(5)->first, 3);
  EXPECT_EQ(map.count(1), 1u);
  EXPECT_EQ(map.FindMutable(7), nullptr);
  EXPECT_TRUE(map.Erase(2));
  EXPECT_FALSE(map.Erase(2));
  EXPECT_THAT(ToStd(map), ElementsAre(Pair(1, "a"), Pair(3, "c")));
}

TEST(PersistentMapTest, ChangingACopyLeavesTheOriginal) {
  Map original;
  for (int i = 0; i < 100; ++i) original[i] = "v" + std::to_string(i);
  const std::map<int, std::string> before = ToStd(original);

  Map copy(original);
  *copy.FindMutable(50) = "changed";
  copy.Erase(10);
  copy[1000] = "new";
  EXPECT_EQ(ToStd(original), before);
  EXPECT_EQ(copy.at(50), "changed");
  EXPECT_FALSE(copy.contains(10));
  EXPECT_EQ(copy.size(), 100u);

  // And the other way round: the original changes only its own copies.
  *original.FindMutable(20) = "mine";
  EXPECT_EQ(copy.at(20), "v20");
  Map assigned;
  assigned = copy;
  assigned[20] = "assigned";
  EXPECT_EQ(copy.at(20), "v20");
}

// Random changes to a chain of copies, each checked against std::map, with
// every earlier version checked to be unchanged at the end.
TEST(PersistentMapTest, RandomChangesMatchStdMapAndKeepEveryVersion) {
  std::mt19937 gen(20261203);
  std::vector<std::pair<Map, std::map<int, std::string>>> versions;
  Map map;
  std::map<int, std::string> model;
  for (int round = 0; round < 200; ++round) {
    versions.emplace_back(map, model);
    for (int step = 0; step < 50; ++step) {
      const int key = static_cast<int>(gen() % 300);
      switch (gen() % 4) {
        case 0:
        case 1: {
          const std::string value = std::to_string(gen());
          map[key] = value;
          model[key] = value;
          break;
        }
        case 2:
          EXPECT_EQ(map.Erase(key), model.erase(key) == 1);
          break;
        case 3:
          if (std::string* value = map.FindMutable(key)) {
            *value += "+";
            model[key] += "+";
          } else {
            EXPECT_FALSE(model.contains(key));
          }
          break;
      }
    }
    ASSERT_EQ(ToStd(map), model) << "round " << round;
    ASSERT_EQ(map.size(), model.size());
    const int probe = static_cast<int>(gen() % 300);
    auto bound = model.upper_bound(probe);
    auto it = map.upper_bound(probe);
    ASSERT_EQ(it == map.end(), bound == model.end());
    if (bound != model.end()) {
      EXPECT_EQ(it->first, bound->first);
    }
  }
  for (const auto& [version, expected] : versions) {
    EXPECT_EQ(ToStd(version), expected);
  }
}

// Copies read on other threads while the writer changes its own copy:
// the sharing is what TSan checks here.
TEST(PersistentMapTest, CopiesAreReadableWhileAnotherCopyChanges) {
  Map live;
  for (int i = 0; i < 1000; ++i) live[i] = std::to_string(i);
  const Map published(live);
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&published] {
      for (int round = 0; round < 20; ++round) {
        Map mine(published);
        size_t count = 0;
        for (const auto& [key, value] : mine) {
          EXPECT_EQ(value, std::to_string(key));
          ++count;
        }
        EXPECT_EQ(count, 1000u);
      }
    });
  }
  for (int i = 0; i < 1000; ++i) live[i] = "changed";
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(published.at(999), "999");
  EXPECT_EQ(live.at(999), "changed");
}

}  // namespace
}  // namespace pactlog::util
