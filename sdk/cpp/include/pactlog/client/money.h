// Exact amounts of money for events: pactlog.v1.Money holds an integer
// number of the currency's minor unit (cents for USD), so an amount given
// as text is converted without rounding and never through a double.
//
//   absl::StatusOr<v1::Money> ceiling = ParseMoney("USD", "550_000_000_000");
//   v1::Money fee = MoneyFromMinorUnits("USD", 1999);  // $19.99
//
// Pure functions; thread-safe.
#ifndef PACTLOG_CLIENT_MONEY_H_
#define PACTLOG_CLIENT_MONEY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pactlog/v1/events.pb.h"

namespace pactlog::client {

// The digits of the minor unit of an ISO-4217 currency this SDK knows (2
// for USD and EUR, 0 for JPY and KRW, 3 for KWD...); nullopt for any other
// currency, whose amounts MoneyFromMinorUnits takes.
std::optional<int> CurrencyDigits(std::string_view currency_code);

// `amount` in major units of `currency_code`: an optional '-', digits
// (which '_' or ',' may group), and at most CurrencyDigits() decimals after
// a '.': ParseMoney("USD", "12.50") is 1250 cents, ParseMoney("JPY",
// "5,000") 5000 yen. Errors: INVALID_ARGUMENT for a currency that is not
// three upper-case letters or whose digits are unknown, text that is not
// such a number, more decimals than the currency has (never rounded), or an
// amount beyond 64 bits of minor units; the message names the value.
[[nodiscard]] absl::StatusOr<::pactlog::v1::Money> ParseMoney(
    std::string_view currency_code, std::string_view amount);

// `minor_units` of `currency_code`, as stored; no check (the server checks
// the currency).
::pactlog::v1::Money MoneyFromMinorUnits(std::string_view currency_code,
                                         int64_t minor_units);

// "12.50 USD", "-5000 JPY"; minor units and the code for a currency whose
// digits are unknown ("1999 minor units of XAU").
std::string FormatMoney(const ::pactlog::v1::Money& money);

}  // namespace pactlog::client

#endif  // PACTLOG_CLIENT_MONEY_H_
