// The builders and money helpers, without a server.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  PactlogError,
  Sector,
  Status,
  announceProject,
  formatMoney,
  jpy,
  money,
  moneyMinor,
  percent,
  usd,
} from "@pactlog/client";

function rejectsWith(fn: () => unknown, code: Status, field: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PactlogError, `not a PactlogError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.details, new RegExp(field.replace(/[.[\]]/g, "\\$&")));
    return true;
  });
}

describe("money", () => {
  it("converts major units exactly", () => {
    assert.deepEqual(usd(550_000_000_000n), { currencyCode: "USD", minorUnits: 55_000_000_000_000n });
    assert.deepEqual(usd("12.5"), { currencyCode: "USD", minorUnits: 1250n });
    assert.deepEqual(usd("1_000.05"), { currencyCode: "USD", minorUnits: 100_005n });
    assert.deepEqual(usd(19.99), { currencyCode: "USD", minorUnits: 1999n });
    assert.deepEqual(jpy(1_000_000), { currencyCode: "JPY", minorUnits: 1_000_000n });
    assert.deepEqual(money("KWD", "1.234"), { currencyCode: "KWD", minorUnits: 1234n });
    // Beyond 2^53, exact through bigint and strings.
    assert.equal(usd("90071992547409.93").minorUnits, 9_007_199_254_740_993n);
  });

  it("refuses what it cannot represent exactly", () => {
    rejectsWith(() => usd("0.001"), Status.INVALID_ARGUMENT, "amount");
    rejectsWith(() => jpy("1.5"), Status.INVALID_ARGUMENT, "amount");
    rejectsWith(() => usd(0.1 + 0.2), Status.INVALID_ARGUMENT, "amount");
    rejectsWith(() => usd(2 ** 60), Status.INVALID_ARGUMENT, "amount");
    rejectsWith(() => usd("12,50"), Status.INVALID_ARGUMENT, "amount");
    rejectsWith(() => money("usd", 1), Status.INVALID_ARGUMENT, "currency_code");
    rejectsWith(() => money("XAU", 1), Status.INVALID_ARGUMENT, "currency_code");
    rejectsWith(() => moneyMinor("USD", 1.5), Status.INVALID_ARGUMENT, "minor_units");
    rejectsWith(() => moneyMinor("USD", 2n ** 63n), Status.INVALID_ARGUMENT, "minor_units");
  });

  it("formats with the currency's decimals", () => {
    assert.equal(formatMoney(usd(550_000_000_000n)), "USD 550,000,000,000.00");
    assert.equal(formatMoney(usd("0.05")), "USD 0.05");
    assert.equal(formatMoney(jpy(1234567)), "JPY 1,234,567");
    assert.equal(formatMoney(moneyMinor("USD", -150)), "USD -1.50");
    assert.equal(formatMoney(moneyMinor("XAU", 7)), "XAU 7 (minor units)");
  });

  it("turns percentages into basis points", () => {
    assert.equal(percent(15), 1500);
    assert.equal(percent(27.5), 2750);
    assert.equal(percent(0.01), 1);
    rejectsWith(() => percent(0.001), Status.INVALID_ARGUMENT, "rate");
  });
});

describe("event builders", () => {
  it("fill the proto message", () => {
    const e = announceProject({
      projectId: "tx-lng",
      name: "Gulf LNG",
      sector: "oil-and-gas",
      usState: "TX",
      pledged: usd(1),
      effectiveTime: "2026-02-18T00:00:00Z",
      source: "fact sheet",
      firmness: "confirmed",
    });
    assert.equal(e.eventId, "");
    assert.equal(e.effectiveTime?.toISOString(), "2026-02-18T00:00:00.000Z");
    assert.equal(e.provenance?.firmness, 3);
    assert.equal(e.announcement?.project?.sector, Sector.SECTOR_OIL_AND_GAS);
    assert.deepEqual(e.announcement?.project?.sponsors, []);
  });

  it("name the field of a bad value", () => {
    const base = { projectId: "p", name: "n", usState: "TX", pledged: usd(1), source: "s" };
    rejectsWith(
      () => announceProject({ ...base, sector: "mining" as "energy", firmness: "confirmed" }),
      Status.INVALID_ARGUMENT,
      "sector",
    );
    rejectsWith(
      () => announceProject({ ...base, sector: "energy", firmness: "rumour" as "reported" }),
      Status.INVALID_ARGUMENT,
      "provenance.firmness",
    );
    rejectsWith(
      () => announceProject({ ...base, sector: "energy", firmness: "reported", effectiveTime: "soon" }),
      Status.INVALID_ARGUMENT,
      "effective_time",
    );
  });
});
