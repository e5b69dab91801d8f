// The builders and money helpers, without a server.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  AllocationBasis,
  Event,
  EventKind,
  Firmness,
  FundingSource,
  FundingStatus,
  PactlogError,
  ProjectStatus,
  Sector,
  Status,
  announceAllocation,
  announceProject,
  announceProjectSite,
  announceTerms,
  approveProject,
  changeTariff,
  correct,
  describeEvent,
  disburse,
  eventKindOf,
  formatMoney,
  fundingStatusName,
  leadCompany,
  jpy,
  money,
  moneyMinor,
  percent,
  raiseFirmness,
  retract,
  revise,
  toEventKind,
  toProjectStatus,
  usd,
  withdraw,
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

describe("allocation, project-site and multi-category builders", () => {
  const common = { source: "fact sheet", firmness: "announced" as const };

  it("announce an allocation with a cap, lead companies and no sector", () => {
    const e = announceAllocation({
      ...common,
      allocationId: "mitsubishi",
      name: "Mitsubishi Electric systems",
      basis: "company",
      cap: usd(30_000_000_000n),
      scope: "power systems for AI data centers",
      leadCompanies: [leadCompany("Mitsubishi Electric", "JP"), { name: "Toshiba", country: "JP" }, "Hitachi"],
      eventId: "a1",
    });
    assert.equal(e.eventId, "a1");
    assert.deepEqual(e.announcement?.allocation, {
      allocationId: "mitsubishi",
      name: "Mitsubishi Electric systems",
      basis: AllocationBasis.ALLOCATION_BASIS_COMPANY,
      sector: Sector.SECTOR_UNSPECIFIED,
      cap: { currencyCode: "USD", minorUnits: 3_000_000_000_000n },
      scope: "power systems for AI data centers",
      leadCompanies: [
        { name: "Mitsubishi Electric", country: "JP" },
        { name: "Toshiba", country: "JP" },
        { name: "Hitachi", country: "" },
      ],
      parentAllocationId: "",
    });
    assert.equal(eventKindOf(e), "allocation-announcement");
  });

  it("announce an allocation without a cap, and an earmark inside it", () => {
    const top = announceAllocation({ ...common, allocationId: "energy", name: "Energy", basis: "sector", sector: "energy" });
    assert.equal(top.announcement?.allocation?.cap, undefined);
    assert.equal(top.announcement?.allocation?.basis, AllocationBasis.ALLOCATION_BASIS_SECTOR);
    assert.equal(top.announcement?.allocation?.sector, Sector.SECTOR_ENERGY);
    assert.deepEqual(top.announcement?.allocation?.leadCompanies, []);
    const earmark = announceAllocation({
      ...common,
      allocationId: "cooling",
      name: "Cooling",
      basis: AllocationBasis.ALLOCATION_BASIS_SECTOR,
      sector: "energy",
      cap: usd(20_000_000_000n),
      parentAllocationId: "energy",
    });
    assert.equal(earmark.announcement?.allocation?.parentAllocationId, "energy");
    assert.equal(earmark.announcement?.allocation?.cap?.minorUnits, 2_000_000_000_000n);
  });

  it("name the field of a bad basis or sector", () => {
    const base = { ...common, allocationId: "a", name: "n" };
    rejectsWith(() => announceAllocation({ ...base, basis: "country" as "sector" }), Status.INVALID_ARGUMENT, "basis");
    rejectsWith(
      () => announceAllocation({ ...base, basis: "sector", sector: "fishing" as "energy" }),
      Status.INVALID_ARGUMENT,
      "sector",
    );
  });

  it("announce a project without a site, drawing on an allocation, then its site", () => {
    const p = announceProject({
      ...common,
      projectId: "cooling-tx",
      name: "Cooling plant",
      sector: "energy",
      pledged: usd(5_000_000_000n),
      allocationId: "cooling",
    });
    assert.equal(p.announcement?.project?.usState, "");
    assert.equal(p.announcement?.project?.allocationId, "cooling");
    const plain = announceProject({ ...common, projectId: "p", name: "n", sector: "energy", usState: "OH", pledged: usd(1) });
    assert.equal(plain.announcement?.project?.allocationId, "");
    const site = announceProjectSite({ ...common, projectId: "cooling-tx", usState: "TX", effectiveTime: "2026-02-18T00:00:00Z" });
    assert.deepEqual(site.announcement, { projectSite: { projectId: "cooling-tx", usState: "TX" } });
    assert.equal(site.effectiveTime?.toISOString(), "2026-02-18T00:00:00.000Z");
    assert.equal(eventKindOf(site), "project-site");
  });

  it("change a tariff over several categories, in either form", () => {
    const base = { ...common, rateBps: 1500, legalInstrument: "Proclamation" };
    const listed = changeTariff({ ...base, productCategories: ["autos", "auto-parts"] });
    assert.equal(listed.tariffChange?.productCategory, "autos");
    assert.deepEqual(listed.tariffChange?.productCategories, ["auto-parts"]);
    const both = changeTariff({ ...base, productCategory: "autos", productCategories: ["auto-parts"] });
    assert.deepEqual(both.tariffChange, listed.tariffChange);
    const single = changeTariff({ ...base, productCategory: "autos" });
    assert.equal(single.tariffChange?.productCategory, "autos");
    assert.deepEqual(single.tariffChange?.productCategories, []);
    rejectsWith(() => changeTariff({ ...base }), Status.INVALID_ARGUMENT, "product_categories");
    rejectsWith(() => changeTariff({ ...base, productCategories: [] }), Status.INVALID_ARGUMENT, "product_categories");
    rejectsWith(
      () => changeTariff({ ...base, productCategory: "autos", productCategories: ["auto-parts", "autos"] }),
      Status.INVALID_ARGUMENT,
      "product_categories",
    );
  });

  it("describe the new events", () => {
    const event = (data: Event["data"]): Event =>
      Event.fromPartial({ sequence: 4n, dealId: "us-jp", dealVersion: 4n, data });
    const allocation = announceAllocation({
      ...common,
      allocationId: "mitsubishi",
      name: "Mitsubishi Electric",
      basis: "company",
      cap: usd(30_000_000_000n),
      leadCompanies: [leadCompany("Mitsubishi Electric", "JP")],
    });
    assert.equal(
      describeEvent(event(allocation)),
      '#4 us-jp v4 allocation-announcement mitsubishi "Mitsubishi Electric" company cap USD 30,000,000,000.00 led by Mitsubishi Electric (JP)',
    );
    const earmark = announceAllocation({ ...common, allocationId: "cooling", name: "Cooling", basis: "sector", sector: "energy", parentAllocationId: "energy" });
    assert.equal(describeEvent(event(earmark)), '#4 us-jp v4 allocation-announcement cooling "Cooling" sector energy no cap in energy');
    const site = announceProjectSite({ ...common, projectId: "cooling-tx", usState: "TX" });
    assert.equal(describeEvent(event(site)), "#4 us-jp v4 project-site cooling-tx in TX");
    const project = announceProject({ ...common, projectId: "cooling-tx", name: "Cooling", sector: "energy", pledged: usd(5n), allocationId: "cooling" });
    assert.equal(
      describeEvent(event(project)),
      '#4 us-jp v4 project-announcement cooling-tx "Cooling" energy (site not known) pledged USD 5.00 from cooling',
    );
    const tariff = changeTariff({ ...common, productCategories: ["autos", "auto-parts"], rateBps: 1500, legalInstrument: "EO 14345" });
    assert.equal(describeEvent(event(tariff)), "#4 us-jp v4 tariff-change autos, auto-parts 15% (EO 14345)");
  });
});

describe("asserted-by and deal-terms builders", () => {
  const common = { source: "fact sheet", firmness: "announced" as const };

  it("set asserted_by on any event's provenance, empty when not said", () => {
    assert.equal(approveProject({ ...common, projectId: "p", amount: usd(1), approvingBody: "b" }).provenance?.assertedBy, "");
    const us = { ...common, assertedBy: "US" };
    const events = [
      announceProject({ ...us, projectId: "p", name: "n", sector: "energy", pledged: usd(1) }),
      announceProjectSite({ ...us, projectId: "p", usState: "TX" }),
      announceAllocation({ ...us, allocationId: "a", name: "n", basis: "sector" }),
      approveProject({ ...us, projectId: "p", amount: usd(1), approvingBody: "b" }),
      disburse({ ...us, projectId: "p", amount: usd(1), fundingSource: "jbic" }),
      changeTariff({ ...us, productCategory: "autos", rateBps: 1500, legalInstrument: "EO" }),
      announceTerms(us),
    ];
    for (const e of events) {
      assert.deepEqual(e.provenance, { source: "fact sheet", firmness: 2, assertedBy: "US" });
    }
  });

  it("announce a party's terms with every field", () => {
    const e = announceTerms({
      ...common,
      assertedBy: "US",
      eventId: "terms-us",
      effectiveTime: "2025-09-04T00:00:00Z",
      projectSelector: "US investment committee",
      finalDecision: "the President",
      fundingChannels: ["jbic", FundingSource.FUNDING_SOURCE_NEXI],
      fundingDeadlineDays: 45,
      enforcementClause: "the US may raise tariffs",
      profitSharing: "90% to the US after recovery",
      otherCommitments: ["defense spending"],
      oversight: "Department of Commerce",
    });
    assert.equal(e.eventId, "terms-us");
    assert.equal(e.effectiveTime?.toISOString(), "2025-09-04T00:00:00.000Z");
    assert.equal(e.provenance?.assertedBy, "US");
    assert.deepEqual(e.announcement?.terms, {
      projectSelector: "US investment committee",
      finalDecision: "the President",
      fundingChannels: [FundingSource.FUNDING_SOURCE_JBIC, FundingSource.FUNDING_SOURCE_NEXI],
      fundingDeadlineDays: 45,
      enforcementClause: "the US may raise tariffs",
      profitSharing: "90% to the US after recovery",
      otherCommitments: ["defense spending"],
      oversight: "Department of Commerce",
    });
  });

  it("announce terms with nothing but a party", () => {
    const e = announceTerms({ ...common, assertedBy: "JP" });
    assert.equal(e.announcement?.terms?.fundingDeadlineDays, 0);
    assert.deepEqual(e.announcement?.terms?.fundingChannels, []);
    assert.deepEqual(e.announcement?.terms?.otherCommitments, []);
  });

  it("name the field of bad terms", () => {
    rejectsWith(() => announceTerms({ ...common, fundingChannels: ["swift" as "jbic"] }), Status.INVALID_ARGUMENT, "funding_channels");
    rejectsWith(() => announceTerms({ ...common, fundingChannels: ["jbic", "nexi", "jbic"] }), Status.INVALID_ARGUMENT, "funding_channels");
    rejectsWith(() => announceTerms({ ...common, fundingDeadlineDays: -1 }), Status.INVALID_ARGUMENT, "funding_deadline_days");
    rejectsWith(() => announceTerms({ ...common, fundingDeadlineDays: 1.5 }), Status.INVALID_ARGUMENT, "funding_deadline_days");
  });

  it("describe terms events", () => {
    const event = (data: Event["data"]): Event =>
      Event.fromPartial({ sequence: 2n, dealId: "us-jp", dealVersion: 2n, data });
    const us = announceTerms({
      ...common,
      assertedBy: "US",
      fundingChannels: ["jbic", "nexi"],
      fundingDeadlineDays: 45,
      enforcementClause: "the US may raise tariffs",
      profitSharing: "90% to the US after recovery",
    });
    assert.equal(
      describeEvent(event(us)),
      "#2 us-jp v2 deal-terms as read by US: fund within 45 days; via jbic, nexi; enforcement: the US may raise tariffs; profits: 90% to the US after recovery",
    );
    assert.equal(eventKindOf(us), "deal-terms");
    const unsaid = announceTerms({ ...common, otherCommitments: ["defense spending", "reviews"] });
    assert.equal(describeEvent(event(unsaid)), "#2 us-jp v2 deal-terms as read by (not said): no funding deadline; also: defense spending; reviews");
  });

  it("name funding statuses", () => {
    assert.equal(fundingStatusName(FundingStatus.FUNDING_STATUS_NOT_YET_DUE), "not-yet-due");
    assert.equal(fundingStatusName(FundingStatus.FUNDING_STATUS_OVERDUE), "overdue");
    assert.equal(fundingStatusName(FundingStatus.FUNDING_STATUS_UNSPECIFIED), "unspecified");
  });
});

describe("amendment builders and restates", () => {
  const common = { source: "committee minutes", firmness: "confirmed" as const };
  const event = (data: Event["data"]): Event => Event.fromPartial({ sequence: 9n, dealId: "us-jp", dealVersion: 9n, data });

  it("revise an amount", () => {
    const e = revise({
      ...common,
      targetEventId: "approval-1",
      amount: usd(800_000n),
      reason: "committee cut it",
      assertedBy: "US",
      eventId: "rev-1",
      effectiveTime: "2026-03-01T00:00:00Z",
    });
    assert.deepEqual(e, {
      eventId: "rev-1",
      effectiveTime: new Date("2026-03-01T00:00:00Z"),
      provenance: { source: "committee minutes", firmness: Firmness.FIRMNESS_CONFIRMED, assertedBy: "US" },
      restates: [],
      amendment: {
        targetEventId: "approval-1",
        reason: "committee cut it",
        revisedAmount: { currencyCode: "USD", minorUnits: 80_000_000n },
      },
    });
    const plain = revise({ ...common, targetEventId: "p-1", amount: usd(1n) });
    assert.equal(plain.amendment?.reason, "");
    assert.equal(plain.effectiveTime, undefined);
    assert.equal(eventKindOf(plain), "revision");
    assert.equal(describeEvent(event(e)), "#9 us-jp v9 revision of approval-1 to USD 800,000.00: committee cut it");
    rejectsWith(() => revise({ ...common, targetEventId: "", amount: usd(1n) }), Status.INVALID_ARGUMENT, "amendment.target_event_id");
  });

  it("withdraw and retract, with a reason", () => {
    const w = withdraw({ ...common, targetEventId: "project-1", reason: "sponsor pulled out", effectiveTime: "2026-03-01T00:00:00Z" });
    assert.deepEqual(w.amendment, { targetEventId: "project-1", reason: "sponsor pulled out", withdrawal: {} });
    assert.equal(w.effectiveTime?.toISOString(), "2026-03-01T00:00:00.000Z");
    assert.equal(eventKindOf(w), "withdrawal");
    const r = retract({ source: "press", firmness: "reported", assertedBy: "JP", targetEventId: "project-2", reason: "never announced" });
    assert.deepEqual(r, {
      eventId: "",
      effectiveTime: undefined,
      provenance: { source: "press", firmness: Firmness.FIRMNESS_REPORTED, assertedBy: "JP" },
      restates: [],
      amendment: { targetEventId: "project-2", reason: "never announced", retraction: {} },
    });
    assert.equal(eventKindOf(r), "retraction");
    assert.equal(describeEvent(event(r)), "#9 us-jp v9 retraction of project-2: never announced");
    rejectsWith(() => withdraw({ ...common, targetEventId: "project-1", reason: "" }), Status.INVALID_ARGUMENT, "amendment.reason");
    rejectsWith(() => retract({ ...common, targetEventId: "project-1", reason: "" }), Status.INVALID_ARGUMENT, "amendment.reason");
  });

  it("raise firmness, the event's own firmness defaulting to the raised one", () => {
    const f = raiseFirmness({ source: "signed agreement", targetEventId: "project-1", raisedFirmness: "confirmed", reason: "signed" });
    assert.deepEqual(f.amendment, { targetEventId: "project-1", reason: "signed", raisedFirmness: Firmness.FIRMNESS_CONFIRMED });
    assert.equal(f.provenance?.firmness, Firmness.FIRMNESS_CONFIRMED);
    assert.equal(f.effectiveTime, undefined);
    const own = raiseFirmness({ source: "press", firmness: "reported", targetEventId: "p", raisedFirmness: Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED });
    assert.equal(own.amendment?.raisedFirmness, Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED);
    assert.equal(own.provenance?.firmness, Firmness.FIRMNESS_REPORTED);
    assert.equal(eventKindOf(own), "firmness-raise");
    assert.equal(describeEvent(event(f)), "#9 us-jp v9 firmness-raise of project-1 to confirmed: signed");
    rejectsWith(
      () => raiseFirmness({ source: "s", targetEventId: "p", raisedFirmness: "rumoured" as "confirmed" }),
      Status.INVALID_ARGUMENT,
      "amendment.raised_firmness",
    );
  });

  it("correct an event with a replacement from the builders", () => {
    const replacement = disburse({ source: "JBIC release", firmness: "confirmed", assertedBy: "JP", projectId: "p", amount: usd(5n), fundingSource: "jbic", tranche: "T1" });
    const c = correct({ targetEventId: "disbursement-1", replacement, reason: "it was $5, not $50", eventId: "fix-1" });
    assert.deepEqual(c, {
      eventId: "fix-1",
      effectiveTime: undefined,
      provenance: { source: "JBIC release", firmness: Firmness.FIRMNESS_CONFIRMED, assertedBy: "JP" },
      restates: [],
      amendment: {
        targetEventId: "disbursement-1",
        reason: "it was $5, not $50",
        correction: {
          disbursement: { projectId: "p", amount: { currencyCode: "USD", minorUnits: 500n }, fundingSource: FundingSource.FUNDING_SOURCE_JBIC, tranche: "T1" },
        },
      },
    });
    assert.equal(eventKindOf(c), "correction");
    assert.equal(describeEvent(event(c)), "#9 us-jp v9 correction of disbursement-1 to disbursement p USD 5.00 from jbic (T1): it was $5, not $50");
    const own = correct({ targetEventId: "d", replacement, source: "ledger", firmness: "reported", assertedBy: "" });
    assert.deepEqual(own.provenance, { source: "ledger", firmness: Firmness.FIRMNESS_REPORTED, assertedBy: "" });
    for (const [r, kind] of [
      [announceProject({ ...common, projectId: "p", name: "n", sector: "energy", pledged: usd(9n) }), "announcement"],
      [approveProject({ ...common, projectId: "p", amount: usd(9n), approvingBody: "b" }), "approval"],
      [changeTariff({ ...common, productCategory: "autos", rateBps: 1500, legalInstrument: "EO" }), "tariffChange"],
    ] as const) {
      const fixed = correct({ targetEventId: "t", replacement: r });
      assert.deepEqual(Object.keys(fixed.amendment?.correction ?? {}), [kind]);
      assert.deepEqual(fixed.amendment?.correction?.[kind], r[kind]);
    }
  });

  it("refuse a replacement that cannot be one", () => {
    const approval = { ...common, projectId: "p", amount: usd(1n), approvingBody: "b" };
    rejectsWith(() => correct({ targetEventId: "t", replacement: approveProject({ ...approval, eventId: "x" }) }), Status.INVALID_ARGUMENT, "amendment.correction");
    rejectsWith(
      () => correct({ targetEventId: "t", replacement: approveProject({ ...approval, effectiveTime: "2026-01-01T00:00:00Z" }) }),
      Status.INVALID_ARGUMENT,
      "amendment.correction",
    );
    rejectsWith(
      () => correct({ targetEventId: "t", replacement: withdraw({ ...common, targetEventId: "p", reason: "r" }) }),
      Status.INVALID_ARGUMENT,
      "amendment.correction",
    );
    rejectsWith(
      () => correct({ targetEventId: "t", replacement: announceProject({ ...common, projectId: "p", name: "n", sector: "energy", pledged: usd(1n), restates: ["old"] }) }),
      Status.INVALID_ARGUMENT,
      "amendment.correction",
    );
    rejectsWith(() => correct({ targetEventId: "", replacement: approveProject(approval) }), Status.INVALID_ARGUMENT, "amendment.target_event_id");
  });

  it("pass restates on project and allocation announcements", () => {
    const p = announceProject({ ...common, projectId: "p2", name: "n", sector: "energy", pledged: usd(1n), restates: ["p1-announced", "p0-announced"] });
    assert.deepEqual(p.restates, ["p1-announced", "p0-announced"]);
    const a = announceAllocation({ ...common, allocationId: "a2", name: "n", basis: "sector", restates: ["a1-announced"] });
    assert.deepEqual(a.restates, ["a1-announced"]);
    assert.deepEqual(announceProject({ ...common, projectId: "p", name: "n", sector: "energy", pledged: usd(1n) }).restates, []);
    assert.deepEqual(approveProject({ ...common, projectId: "p", amount: usd(1n), approvingBody: "b" }).restates, []);
    assert.equal(
      describeEvent(event(p)),
      '#9 us-jp v9 project-announcement p2 "n" energy (site not known) pledged USD 1.00 restating p1-announced, p0-announced',
    );
  });

  it("name the new kinds and statuses", () => {
    assert.equal(toEventKind("amendment"), EventKind.EVENT_KIND_AMENDMENT);
    assert.equal(toProjectStatus("withdrawn"), ProjectStatus.PROJECT_STATUS_WITHDRAWN);
    assert.equal(toProjectStatus("retracted"), ProjectStatus.PROJECT_STATUS_RETRACTED);
    assert.equal(toProjectStatus("restated"), ProjectStatus.PROJECT_STATUS_RESTATED);
  });
});
