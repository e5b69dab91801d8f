// sdk/BEHAVIOUR.md's firmness rule, without a server: every event builder
// records "reported" (the weakest claim) unless told otherwise, and enum
// values are accepted in any spelling (reported, REPORTED,
// FIRMNESS_REPORTED; the same for the other enums).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  DEFAULT_FIRMNESS,
  EventData,
  EventKind,
  Firmness,
  FirmnessName,
  FundingSource,
  PactlogError,
  ProjectStatus,
  Sector,
  Status,
  announceAllocation,
  announceDeal,
  announceProject,
  announceProjectSite,
  announceTerms,
  approveProject,
  changeTariff,
  correct,
  disburse,
  raiseFirmness,
  retract,
  revise,
  toEventKind,
  toFirmness,
  toFundingSource,
  toProjectStatus,
  toSector,
  usd,
  withdraw,
} from "@pactlog/client";

const source = "press report";

/** Every builder, given its required fields and no firmness. */
const BUILT: Record<string, () => EventData> = {
  announceDeal: () =>
    announceDeal({ title: "t", investorCountry: "JP", hostCountry: "US", ceiling: usd(1), source }),
  announceProject: () => announceProject({ projectId: "p", name: "n", sector: "energy", pledged: usd(1), source }),
  announceProjectSite: () => announceProjectSite({ projectId: "p", usState: "TX", source }),
  announceAllocation: () => announceAllocation({ allocationId: "a", name: "n", basis: "sector", source }),
  announceTerms: () => announceTerms({ source }),
  approveProject: () => approveProject({ projectId: "p", amount: usd(1), approvingBody: "committee", source }),
  disburse: () => disburse({ projectId: "p", amount: usd(1), fundingSource: "jbic", source }),
  changeTariff: () => changeTariff({ productCategory: "autos", rateBps: 1500, legalInstrument: "EO", source }),
  revise: () => revise({ targetEventId: "e", amount: usd(2), source }),
  withdraw: () => withdraw({ targetEventId: "e", reason: "pulled out", source }),
  retract: () => retract({ targetEventId: "e", reason: "false", source }),
  correct: () =>
    correct({ targetEventId: "e", reason: "typo", replacement: disburse({ projectId: "p", amount: usd(1), fundingSource: "nexi", source }) }),
};

describe("firmness", () => {
  it("defaults to reported in every event builder", () => {
    assert.equal(DEFAULT_FIRMNESS, Firmness.FIRMNESS_REPORTED);
    for (const [name, build] of Object.entries(BUILT)) {
      assert.equal(build().provenance?.firmness, Firmness.FIRMNESS_REPORTED, name);
    }
    // A firmness raise names the raised one; its own defaults to that.
    assert.equal(raiseFirmness({ targetEventId: "e", raisedFirmness: "confirmed", source }).provenance?.firmness, Firmness.FIRMNESS_CONFIRMED);
  });

  it("is raised only when the caller says so", () => {
    const e = announceProject({ projectId: "p", name: "n", sector: "energy", pledged: usd(1), source, firmness: "confirmed" });
    assert.equal(e.provenance?.firmness, Firmness.FIRMNESS_CONFIRMED);
    const c = changeTariff({ productCategory: "autos", rateBps: 1, legalInstrument: "EO", source, firmness: Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED });
    assert.equal(c.provenance?.firmness, Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED);
  });

  it("accepts any spelling", () => {
    const spellings: [FirmnessName, Firmness][] = [
      ["reported", Firmness.FIRMNESS_REPORTED],
      ["REPORTED", Firmness.FIRMNESS_REPORTED],
      ["FIRMNESS_REPORTED", Firmness.FIRMNESS_REPORTED],
      ["announced", Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED],
      ["officially-announced", Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED],
      ["OFFICIALLY_ANNOUNCED", Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED],
      ["FIRMNESS_OFFICIALLY_ANNOUNCED", Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED],
      ["confirmed", Firmness.FIRMNESS_CONFIRMED],
      ["CONFIRMED", Firmness.FIRMNESS_CONFIRMED],
      ["FIRMNESS_CONFIRMED", Firmness.FIRMNESS_CONFIRMED],
    ];
    for (const [name, value] of spellings) {
      assert.equal(toFirmness(name), value, name);
      const e = announceProjectSite({ projectId: "p", usState: "TX", source, firmness: name });
      assert.equal(e.provenance?.firmness, value, name);
    }
    // The other enums too.
    assert.equal(toSector("oil-and-gas"), Sector.SECTOR_OIL_AND_GAS);
    assert.equal(toSector("OIL_AND_GAS"), Sector.SECTOR_OIL_AND_GAS);
    assert.equal(toSector("SECTOR_OIL_AND_GAS"), Sector.SECTOR_OIL_AND_GAS);
    assert.equal(toSector("ai-infrastructure"), Sector.SECTOR_AI_INFRASTRUCTURE);
    assert.equal(toFundingSource("FUNDING_SOURCE_JBIC"), FundingSource.FUNDING_SOURCE_JBIC);
    assert.equal(toEventKind("TARIFF_CHANGE"), EventKind.EVENT_KIND_TARIFF_CHANGE);
    assert.equal(toProjectStatus("PROJECT_STATUS_FULLY_DISBURSED"), ProjectStatus.PROJECT_STATUS_FULLY_DISBURSED);
    assert.equal(toProjectStatus("fully-disbursed"), ProjectStatus.PROJECT_STATUS_FULLY_DISBURSED);
  });

  it("refuses an unknown one naming the field and the value", () => {
    for (const bad of ["rumour", "FIRMNESS_UNSPECIFIED", "UNSPECIFIED", "", "FIRMNESS_"]) {
      assert.throws(
        () => announceProjectSite({ projectId: "p", usState: "TX", source, firmness: bad as FirmnessName }),
        (e: unknown) =>
          e instanceof PactlogError &&
          e.code === Status.INVALID_ARGUMENT &&
          e.details.startsWith("provenance.firmness: ") &&
          e.details.includes(JSON.stringify(bad)),
        bad,
      );
    }
  });
});
