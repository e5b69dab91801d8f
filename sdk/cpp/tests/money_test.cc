// Money from decimal text: exact, never rounded, overflow refused.
#include "pactlog/client/money.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace pactlog::client {
namespace {

using ::testing::HasSubstr;

int64_t Units(std::string_view currency, std::string_view amount) {
  absl::StatusOr<::pactlog::v1::Money> money = ParseMoney(currency, amount);
  EXPECT_TRUE(money.ok()) << amount << ": " << money.status();
  if (!money.ok()) return -1;
  EXPECT_EQ(money->currency_code(), currency);
  return money->minor_units();
}

absl::StatusCode Code(std::string_view currency, std::string_view amount) {
  return ParseMoney(currency, amount).status().code();
}

TEST(ParseMoneyTest, ScalesToTheMinorUnitExactly) {
  EXPECT_EQ(Units("USD", "12.50"), 1250);
  EXPECT_EQ(Units("USD", "12.5"), 1250);
  EXPECT_EQ(Units("USD", "0.1"), 10);
  EXPECT_EQ(Units("USD", "19.99"), 1999);
  EXPECT_EQ(Units("USD", "550_000_000_000"), 55'000'000'000'000);
  EXPECT_EQ(Units("USD", "1,000.01"), 100'001);
  EXPECT_EQ(Units("USD", "-3.07"), -307);
  EXPECT_EQ(Units("USD", "+3"), 300);
  EXPECT_EQ(Units("JPY", "5,000"), 5000);
  EXPECT_EQ(Units("KWD", "1.234"), 1234);
}

TEST(ParseMoneyTest, ReachesBothEndsOfInt64) {
  EXPECT_EQ(Units("JPY", "9223372036854775807"),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Units("JPY", "-9223372036854775808"),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Units("USD", "92233720368547758.07"),
            std::numeric_limits<int64_t>::max());
}

TEST(ParseMoneyTest, RefusesWhatDoesNotFit) {
  EXPECT_EQ(Code("JPY", "9223372036854775808"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("USD", "92233720368547758.08"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("USD", "92233720368547759"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ParseMoney("USD", "1e30").status().message(),
              HasSubstr("\"1e30\""));
}

TEST(ParseMoneyTest, NeverRounds) {
  absl::Status status = ParseMoney("USD", "0.001").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("never rounded"));
  EXPECT_EQ(Code("JPY", "1.5"), absl::StatusCode::kInvalidArgument);
}

TEST(ParseMoneyTest, RefusesMalformedText) {
  for (const char* text : {"", "-", ".5", "1.", "1..2", "1.2.3", "abc", "1_",
                           "_1", "1._5", "12 50", "0x10", "1,5.2,0"}) {
    EXPECT_EQ(Code("USD", text), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(ParseMoneyTest, RefusesBadAndUnknownCurrencies) {
  EXPECT_THAT(ParseMoney("usd", "1").status().message(),
              HasSubstr("three upper-case"));
  EXPECT_THAT(ParseMoney("XAU", "1").status().message(),
              HasSubstr("MoneyFromMinorUnits"));
}

TEST(MoneyFromMinorUnitsTest, TakesAnyCurrency) {
  ::pactlog::v1::Money money = MoneyFromMinorUnits("XAU", 7);
  EXPECT_EQ(money.currency_code(), "XAU");
  EXPECT_EQ(money.minor_units(), 7);
}

TEST(FormatMoneyTest, WritesTheMajorUnits) {
  EXPECT_EQ(FormatMoney(MoneyFromMinorUnits("USD", 1250)), "12.50 USD");
  EXPECT_EQ(FormatMoney(MoneyFromMinorUnits("USD", 5)), "0.05 USD");
  EXPECT_EQ(FormatMoney(MoneyFromMinorUnits("USD", -5)), "-0.05 USD");
  EXPECT_EQ(FormatMoney(MoneyFromMinorUnits("JPY", 5000)), "5000 JPY");
  EXPECT_EQ(FormatMoney(MoneyFromMinorUnits(
                "JPY", std::numeric_limits<int64_t>::min())),
            "-9223372036854775808 JPY");
  EXPECT_EQ(FormatMoney(MoneyFromMinorUnits("XAU", 7)), "7 minor units of XAU");
}

}  // namespace
}  // namespace pactlog::client
