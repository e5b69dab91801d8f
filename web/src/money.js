// Exact money and rates. The API gives amounts as pactlog.v1.Money with
// int64 minor units printed as strings; they stay BigInt here and are
// formatted digit by digit, so a total is never rounded through a float.
// Only chart geometry (bar lengths, colour shades) turns them into Numbers.

const LOCALE = 'en-US';
const grouping = new Intl.NumberFormat(LOCALE, { useGrouping: true });

// The minor units of a Money message; 0 for an absent one (the API leaves
// out e.g. an allocation's cap that the source did not give).
export function minorUnits(money) {
  return money ? BigInt(money.minorUnits ?? '0') : 0n;
}

// Digits of the currency's minor unit (2 for USD, 0 for JPY), as the
// browser's ISO-4217 data knows them.
const digitsByCurrency = new Map();
export function minorDigits(currency) {
  if (!digitsByCurrency.has(currency)) {
    let digits = 2;
    try {
      digits = new Intl.NumberFormat(LOCALE, { style: 'currency', currency })
        .resolvedOptions().maximumFractionDigits;
    } catch {
      // An unknown code: keep two digits, the common case.
    }
    digitsByCurrency.set(currency, digits);
  }
  return digitsByCurrency.get(currency);
}

// "USD 550,000,000,000.00" for 55000000000000n minor units of USD.
export function formatMoney(minor, currency) {
  const digits = minorDigits(currency);
  const scale = 10n ** BigInt(digits);
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  const major = grouping.format(abs / scale);
  const fraction = digits > 0 ? '.' + (abs % scale).toString().padStart(digits, '0') : '';
  return `${currency} ${sign}${major}${fraction}`;
}

// `part` as basis points of `whole` (rounded down), for bar lengths and
// shares; 0 when `whole` is 0.
export function shareBps(part, whole) {
  return whole > 0n ? Number((part * 10000n) / whole) : 0;
}

// "15%" / "27.5%" for a rate in basis points (1500, 2750): exact.
export function formatBps(bps) {
  const whole = Math.trunc(bps / 100);
  const rest = Math.abs(bps % 100);
  if (rest === 0) return `${whole}%`;
  return `${whole}.${String(rest).padStart(2, '0').replace(/0$/, '')}%`;
}

// Major units as a Number: for chart axes and bar lengths only.
export function chartNumber(minor, currency) {
  return Number(minor) / 10 ** minorDigits(currency);
}

// "$550B"-style short figure for chart axes (approximate by design).
const compact = new Intl.NumberFormat(LOCALE, { notation: 'compact', maximumFractionDigits: 1 });
export function formatCompact(major, currency) {
  return `${currency} ${compact.format(major)}`;
}
