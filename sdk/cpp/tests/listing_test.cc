// Listing: pages fetched one at a time, only when the caller gets there.
#include "pactlog/client/listing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace pactlog::client {
namespace {

using ::testing::ElementsAre;

// Pages keyed by the token that asks for them; records the tokens asked.
struct FakePages {
  struct Page {
    std::vector<int> items;
    std::string next;
  };
  std::map<std::string, Page> pages;
  std::vector<std::string> asked;
  std::string failing_token = "-";

  Listing<int> Make() {
    return Listing<int>([this](const std::string& token,
                               std::vector<int>* items, std::string* next) {
      asked.push_back(token);
      if (token == failing_token) return absl::UnavailableError("down");
      *items = pages[token].items;
      *next = pages[token].next;
      return absl::OkStatus();
    });
  }
};

TEST(ListingTest, FetchesTheNextPageOnlyWhenReached) {
  FakePages fake;
  fake.pages = {{"", {{1, 2}, "a"}}, {"a", {{3}, "b"}}, {"b", {{4}, ""}}};
  Listing<int> listing = fake.Make();
  EXPECT_TRUE(fake.asked.empty());
  ASSERT_TRUE(listing.Next());
  EXPECT_EQ(listing.value(), 1);
  ASSERT_TRUE(listing.Next());
  EXPECT_EQ(listing.value(), 2);
  EXPECT_THAT(fake.asked, ElementsAre(""));
  ASSERT_TRUE(listing.Next());
  EXPECT_EQ(listing.value(), 3);
  EXPECT_THAT(fake.asked, ElementsAre("", "a"));
  ASSERT_TRUE(listing.Next());
  EXPECT_EQ(listing.value(), 4);
  EXPECT_FALSE(listing.Next());
  EXPECT_FALSE(listing.Next());
  EXPECT_TRUE(listing.status().ok());
  EXPECT_EQ(listing.pages(), 3);
  EXPECT_THAT(fake.asked, ElementsAre("", "a", "b"));
}

TEST(ListingTest, SkipsEmptyPagesThatHaveANextToken) {
  FakePages fake;
  fake.pages = {{"", {{}, "a"}}, {"a", {{7}, ""}}};
  Listing<int> listing = fake.Make();
  ASSERT_TRUE(listing.Next());
  EXPECT_EQ(listing.value(), 7);
  EXPECT_FALSE(listing.Next());
}

TEST(ListingTest, AnEmptyListingHasNoItems) {
  FakePages fake;
  Listing<int> listing = fake.Make();
  EXPECT_FALSE(listing.Next());
  EXPECT_TRUE(listing.status().ok());
  EXPECT_EQ(listing.pages(), 1);
}

TEST(ListingTest, AnErrorEndsTheListingAndIsKept) {
  FakePages fake;
  fake.pages = {{"", {{1}, "a"}}};
  fake.failing_token = "a";
  Listing<int> listing = fake.Make();
  ASSERT_TRUE(listing.Next());
  EXPECT_FALSE(listing.Next());
  EXPECT_EQ(listing.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(listing.Next());
  EXPECT_THAT(fake.asked, ElementsAre("", "a"));
}

}  // namespace
}  // namespace pactlog::client
