#include "pactlog/client/money.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pactlog::client {

namespace {

// Debian's Abseil has its own string_view, which std::string_view does not
// convert to implicitly.
absl::string_view View(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

struct Currency {
  std::string_view code;
  int digits;
};

// ISO-4217 minor-unit digits of common currencies; the same table as the
// other SDKs'.
constexpr Currency kCurrencies[] = {
    {"AED", 2}, {"AUD", 2}, {"BHD", 3}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2},
    {"CLP", 0}, {"CNY", 2}, {"CZK", 2}, {"DKK", 2}, {"EUR", 2}, {"GBP", 2},
    {"HKD", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"ISK", 0}, {"JOD", 3},
    {"JPY", 0}, {"KRW", 0}, {"KWD", 3}, {"MXN", 2}, {"MYR", 2}, {"NOK", 2},
    {"NZD", 2}, {"OMR", 3}, {"PHP", 2}, {"PLN", 2}, {"SAR", 2}, {"SEK", 2},
    {"SGD", 2}, {"THB", 2}, {"TND", 3}, {"TRY", 2}, {"TWD", 2}, {"USD", 2},
    {"VND", 0}, {"ZAR", 2},
};

bool IsCurrencyCode(std::string_view code) {
  if (code.size() != 3) return false;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

absl::Status NotANumber(std::string_view amount, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "amount \"", View(amount), "\" is not a decimal number: ", View(why)));
}

}  // namespace

std::optional<int> CurrencyDigits(std::string_view currency_code) {
  for (const Currency& currency : kCurrencies) {
    if (currency.code == currency_code) return currency.digits;
  }
  return std::nullopt;
}

absl::StatusOr<::pactlog::v1::Money> ParseMoney(std::string_view currency_code,
                                                std::string_view amount) {
  if (!IsCurrencyCode(currency_code)) {
    return absl::InvalidArgumentError(
        absl::StrCat("currency_code \"", View(currency_code),
                     "\" is not three upper-case ISO-4217 letters"));
  }
  const std::optional<int> digits = CurrencyDigits(currency_code);
  if (!digits.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the minor-unit digits of ", View(currency_code),
        " are unknown here; give its amount with MoneyFromMinorUnits"));
  }
  absl::string_view text = absl::StripAsciiWhitespace(View(amount));
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  // Accumulated as a negative number, whose range includes INT64_MIN.
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  int64_t value = 0;
  int integer_digits = 0;
  int decimals = -1;  // -1: no '.' yet
  char previous = '\0';
  for (char c : text) {
    if (c == '_' || c == ',') {
      if (decimals >= 0 || previous < '0' || previous > '9') {
        return NotANumber(amount, "a group separator must follow a digit");
      }
    } else if (c == '.') {
      if (decimals >= 0) return NotANumber(amount, "two '.'");
      if (integer_digits == 0) {
        return NotANumber(amount, "no digit before the '.'");
      }
      decimals = 0;
    } else if (c >= '0' && c <= '9') {
      if (decimals >= 0 && ++decimals > *digits) {
        return absl::InvalidArgumentError(
            absl::StrCat("amount \"", View(amount),
                         "\" has more decimals than ", View(currency_code),
                         " has (", *digits, "); amounts are never rounded"));
      }
      if (decimals < 0) ++integer_digits;
      if (value < (kMin + (c - '0')) / 10) {
        return absl::InvalidArgumentError(
            absl::StrCat("amount \"", View(amount), "\" ", View(currency_code),
                         " does not fit in 64 bits of minor units"));
      }
      value = value * 10 - (c - '0');
    } else {
      return NotANumber(
          amount, absl::StrCat("unexpected '", absl::string_view(&c, 1), "'"));
    }
    previous = c;
  }
  if (integer_digits == 0) return NotANumber(amount, "no digits");
  if (previous == '.' || previous == '_' || previous == ',') {
    return NotANumber(amount, "it ends in a separator");
  }
  for (int i = decimals < 0 ? 0 : decimals; i < *digits; ++i) {
    if (value < kMin / 10) {
      return absl::InvalidArgumentError(
          absl::StrCat("amount \"", View(amount), "\" ", View(currency_code),
                       " does not fit in 64 bits of minor units"));
    }
    value *= 10;
  }
  if (!negative && value == kMin) {
    return absl::InvalidArgumentError(
        absl::StrCat("amount \"", View(amount), "\" ", View(currency_code),
                     " does not fit in 64 bits of minor units"));
  }
  return MoneyFromMinorUnits(currency_code, negative ? value : -value);
}

::pactlog::v1::Money MoneyFromMinorUnits(std::string_view currency_code,
                                         int64_t minor_units) {
  ::pactlog::v1::Money money;
  money.set_currency_code(std::string(currency_code));
  money.set_minor_units(minor_units);
  return money;
}

std::string FormatMoney(const ::pactlog::v1::Money& money) {
  const std::optional<int> digits = CurrencyDigits(money.currency_code());
  if (!digits.has_value()) {
    return absl::StrCat(money.minor_units(), " minor units of ",
                        money.currency_code());
  }
  const int64_t units = money.minor_units();
  // The magnitude as unsigned, which holds -INT64_MIN.
  const uint64_t magnitude = units < 0 ? ~static_cast<uint64_t>(units) + 1
                                       : static_cast<uint64_t>(units);
  std::string text = absl::StrCat(magnitude);
  if (*digits > 0) {
    if (text.size() <= static_cast<size_t>(*digits)) {
      text.insert(0, static_cast<size_t>(*digits) + 1 - text.size(), '0');
    }
    text.insert(text.size() - static_cast<size_t>(*digits), ".");
  }
  return absl::StrCat(units < 0 ? "-" : "", text, " ", money.currency_code());
}

}  // namespace pactlog::client
