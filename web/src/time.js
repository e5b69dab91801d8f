// Timestamps as the API prints google.protobuf.Timestamp: RFC 3339 in UTC
// with 0, 3, 6 or 9 fractional digits ("2025-07-22T00:00:00Z",
// "2026-02-18T09:12:01.123456789Z"). Comparisons are exact (BigInt
// nanoseconds): two events recorded within a millisecond still order.

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

// Nanoseconds since the epoch.
export function timestampNanos(text) {
  const match = RFC3339.exec(text);
  if (!match) throw new Error(`not an RFC 3339 time: ${text}`);
  const [, seconds, fraction = '', zone] = match;
  const millis = Date.parse(`${seconds}${zone}`);
  return BigInt(millis) * 1000000n + BigInt(fraction.padEnd(9, '0'));
}

// Milliseconds since the epoch, for chart axes only.
export function chartMillis(text) {
  return Date.parse(text);
}

// "2025-07-22 00:00 UTC"; seconds and fractions only when there are any.
export function formatTime(text) {
  if (!text) return '';
  const match = RFC3339.exec(text);
  if (!match || match[3] !== 'Z') return text;
  const [date, clock] = match[1].split('T');
  const shown = clock.endsWith(':00') && !match[2] ? clock.slice(0, 5) : clock;
  return `${date} ${shown}${match[2] ? '.' + match[2] : ''} UTC`;
}

// The value of an <input type="datetime-local"> (read as UTC) for a time:
// minutes, seconds or milliseconds, whichever are needed.
export function toInputValue(text) {
  const nanos = timestampNanos(text);
  const iso = new Date(Number(nanos / 1000000n)).toISOString(); // ...T10:11:12.345Z
  // The browser's own normalized spelling, the shortest one: no zero
  // seconds, no trailing zeros in the fraction ("...:50.4", not ":50.400").
  if (iso.endsWith(':00.000Z')) return iso.slice(0, 16);
  return iso.slice(0, 23).replace(/\.?0+$/, '');
}

// The RFC 3339 time of a datetime-local value read as UTC.
export function fromInputValue(value) {
  return value.length === 16 ? `${value}:00Z` : `${value}Z`;
}
