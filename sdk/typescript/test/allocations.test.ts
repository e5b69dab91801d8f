// Allocations, earmarks, project sites and multi-category tariff changes,
// recorded through the builders and read back from a real pactlogd.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  AllocationBasis,
  AppendResult,
  PactlogClient,
  PactlogError,
  Sector,
  Status,
  announceAllocation,
  announceProject,
  announceProjectSite,
  changeTariff,
  leadCompany,
  usd,
} from "@pactlog/client";

import { EXECUTIVE_ORDER, FACT_SHEET, dealAnnouncement, tariff, uniqueDealId } from "./fixtures";
import { PactlogServer } from "./server";

const B = 1_000_000_000n; // dollars in a billion
const official = { source: FACT_SHEET, firmness: "announced" as const };

async function rejection(p: Promise<unknown>): Promise<PactlogError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PactlogError, `expected a PactlogError, got ${String(e)}`);
    return e;
  }
  assert.fail("the call succeeded");
}

// The US-Japan deal (ceiling $550B, effective 2025-07-22) with:
//   energy      a sector allocation without a cap, holding its earmark
//   cooling     an earmark inside energy, capped at $20B
//   mitsubishi  a company allocation capped at $30B
//   cooling-tx  a $5B project drawing on cooling, announced without a site,
//               then sited in TX
//   grid-oh     a $1B energy project drawing on no allocation
// and a 25% all-goods rate in force from 2025-04-01, before the deal.
async function recordAllocations(client: PactlogClient, dealId: string): Promise<AppendResult> {
  return client.append(
    dealId,
    [
      dealAnnouncement("2025-07-22T00:00:00Z"),
      tariff(2500, "2025-04-01T00:00:00Z"),
      announceAllocation({
        ...official,
        allocationId: "energy",
        name: "Energy infrastructure",
        basis: "sector",
        sector: "energy",
        scope: "generation, grid and the plants' systems",
        effectiveTime: "2025-09-04T00:00:00Z",
      }),
      announceAllocation({
        ...official,
        allocationId: "cooling",
        name: "Data-center cooling",
        basis: "sector",
        sector: "energy",
        cap: usd(20n * B),
        parentAllocationId: "energy",
        effectiveTime: "2025-09-04T00:00:00Z",
      }),
      announceAllocation({
        ...official,
        allocationId: "mitsubishi",
        name: "Mitsubishi Electric systems",
        basis: "company",
        cap: usd(30n * B),
        leadCompanies: [leadCompany("Mitsubishi Electric", "JP")],
        scope: "power systems for AI data centers",
        effectiveTime: "2025-09-04T00:00:00Z",
      }),
      announceProject({
        ...official,
        projectId: "cooling-tx",
        name: "Liquid cooling plant",
        sector: "energy",
        sponsors: ["Mitsubishi Heavy Industries"],
        pledged: usd(5n * B),
        allocationId: "cooling",
        effectiveTime: "2025-10-28T00:00:00Z",
      }),
      announceProjectSite({ ...official, projectId: "cooling-tx", usState: "TX", effectiveTime: "2026-02-18T00:00:00Z" }),
      announceProject({
        ...official,
        projectId: "grid-oh",
        name: "Ohio grid upgrade",
        sector: "energy",
        usState: "OH",
        pledged: usd(1n * B),
        effectiveTime: "2026-02-18T00:00:00Z",
      }),
    ],
    { expectedVersion: "no-deal" },
  );
}

describe("allocations", () => {
  let server: PactlogServer;
  let client: PactlogClient;
  const dealId = uniqueDealId("us-jp");
  let recorded: AppendResult;

  before(async () => {
    server = await PactlogServer.start();
    client = server.client();
    recorded = await recordAllocations(client, dealId);
  });
  after(async () => {
    client?.close();
    await server?.dispose();
  });

  it("records the allocations and the project in one batch", () => {
    assert.equal(recorded.dealVersion, 8n);
    assert.equal(recorded.sequences.length, 8);
  });

  it("shows what the allocations hold and what their projects use", async () => {
    const { deal } = await client.getDeal(dealId, { atLeastSequence: recorded.lastSequence });
    // energy holds its earmark's $20B (no cap of its own) + mitsubishi's $30B.
    assert.deepEqual(deal.allocated, usd(50n * B));
    assert.deepEqual(deal.unallocated, usd(500n * B));
    assert.equal(deal.allocatedShareBps, 909); // 50/550, rounded down
    assert.deepEqual(deal.totals?.pledged, usd(6n * B));
    const energySector = deal.bySector.find((s) => s.sector === Sector.SECTOR_ENERGY);
    assert.deepEqual(energySector?.allocated, usd(20n * B));

    assert.deepEqual(
      deal.allocations.map((a) => a.allocationId),
      ["cooling", "energy", "mitsubishi"],
    );
    const [cooling, energy, mitsubishi] = deal.allocations;
    assert.equal(cooling?.parentAllocationId, "energy");
    assert.equal(cooling?.basis, AllocationBasis.ALLOCATION_BASIS_SECTOR);
    assert.deepEqual(cooling?.cap, usd(20n * B));
    assert.deepEqual(cooling?.allocated, usd(20n * B));
    assert.deepEqual(cooling?.totals?.pledged, usd(5n * B));
    assert.deepEqual(cooling?.remaining, usd(15n * B));

    assert.equal(energy?.cap, undefined);
    assert.equal(energy?.remaining, undefined, "no cap: no remaining");
    assert.equal(energy?.sector, Sector.SECTOR_ENERGY);
    assert.deepEqual(energy?.allocated, usd(20n * B));
    assert.deepEqual(energy?.earmarked, usd(20n * B));
    assert.deepEqual(energy?.earmarkIds, ["cooling"]);
    assert.deepEqual(energy?.totals?.pledged, usd(5n * B), "its earmark's project counts, grid-oh does not");

    assert.equal(mitsubishi?.basis, AllocationBasis.ALLOCATION_BASIS_COMPANY);
    assert.equal(mitsubishi?.sector, Sector.SECTOR_UNSPECIFIED);
    assert.deepEqual(mitsubishi?.leadCompanies, [{ name: "Mitsubishi Electric", country: "JP" }]);
    assert.equal(mitsubishi?.scope, "power systems for AI data centers");
    assert.deepEqual(mitsubishi?.allocated, usd(30n * B));
    assert.deepEqual(mitsubishi?.remaining, usd(30n * B));
    assert.equal(mitsubishi?.totals?.pledged?.minorUnits ?? 0n, 0n);
  });

  it("gives the project its site later and keeps its allocation", async () => {
    const { project } = await client.getProject(dealId, "cooling-tx");
    assert.equal(project.usState, "TX");
    assert.equal(project.allocationId, "cooling");
    const before = await client.getProject(dealId, "cooling-tx", { asOf: { effectiveTime: new Date("2025-12-01T00:00:00Z") } });
    assert.equal(before.project.usState, "");
  });

  it("lists the projects drawing on an allocation or its earmarks", async () => {
    const energy = await client.listProjects(dealId, { allocationId: "energy" });
    assert.deepEqual(energy.projects.map((p) => p.projectId), ["cooling-tx"]);
    const cooling = await client.listProjects(dealId, { allocationId: "cooling" });
    assert.deepEqual(cooling.projects.map((p) => p.projectId), ["cooling-tx"]);
    const mitsubishi = await client.listProjects(dealId, { allocationId: "mitsubishi" });
    assert.deepEqual(mitsubishi.projects, []);
    const all = await client.listProjects(dealId);
    assert.deepEqual(all.projects.map((p) => p.projectId), ["cooling-tx", "grid-oh"]);
  });

  it("refuses a pledge beyond its earmark's cap, and takes what is left", async () => {
    const deal = uniqueDealId("us-jp");
    await recordAllocations(client, deal);
    const pledge = (dollars: bigint) =>
      announceProject({
        ...official,
        projectId: "cooling-az",
        name: "Second cooling plant",
        sector: "energy",
        usState: "AZ",
        pledged: usd(dollars),
        allocationId: "cooling",
      });
    const e = await rejection(client.append(deal, [pledge(16n * B)]));
    assert.equal(e.code, Status.FAILED_PRECONDITION);
    assert.match(e.details, /pledge-within-allocation/);
    assert.equal((await client.getDeal(deal)).deal.version, 8n, "a rejected request changes nothing");
    await client.append(deal, [pledge(15n * B)], { expectedVersion: 8 });
    const cooling = (await client.getDeal(deal)).deal.allocations.find((a) => a.allocationId === "cooling");
    assert.equal(cooling?.remaining?.minorUnits ?? 0n, 0n);
  });

  it("enforces the allocation rules", async () => {
    const deal = uniqueDealId("us-jp");
    await recordAllocations(client, deal);
    const rule = async (events: Parameters<PactlogClient["append"]>[1], name: string): Promise<void> => {
      const e = await rejection(client.append(deal, events));
      assert.equal(e.code, Status.FAILED_PRECONDITION, e.message);
      assert.match(e.details, new RegExp(name));
    };
    await rule([announceAllocation({ ...official, allocationId: "mitsubishi", name: "Again", basis: "company", cap: usd(B) })], "allocation-announced-once");
    await rule(
      [announceAllocation({ ...official, allocationId: "mitsubishi-grid", name: "Grid", basis: "company", cap: usd(31n * B), parentAllocationId: "mitsubishi" })],
      "earmark-within-parent",
    );
    // $50B allocated + $1B pledged outside them + $500B > $550B.
    await rule(
      [announceAllocation({ ...official, allocationId: "ships", name: "Shipbuilding", basis: "sector", sector: "shipbuilding", cap: usd(500n * B) })],
      "allocation-within-ceiling",
    );
    await rule([announceProjectSite({ ...official, projectId: "cooling-tx", usState: "LA" })], "project-site-once");

    const notFound = async (events: Parameters<PactlogClient["append"]>[1]): Promise<void> => {
      const e = await rejection(client.append(deal, events));
      assert.equal(e.code, Status.NOT_FOUND, e.message);
    };
    await notFound([announceAllocation({ ...official, allocationId: "pumps", name: "Pumps", basis: "sector", parentAllocationId: "no-such-allocation" })]);
    await notFound([announceProjectSite({ ...official, projectId: "no-such-project", usState: "TX" })]);
    await notFound([
      announceProject({ ...official, projectId: "p", name: "n", sector: "energy", usState: "TX", pledged: usd(1), allocationId: "no-such-allocation" }),
    ]);

    // No basis: the builder's types want one, the server refuses its absence.
    const noBasis = announceAllocation({ ...official, allocationId: "x", name: "X", basis: AllocationBasis.ALLOCATION_BASIS_UNSPECIFIED });
    const e = await rejection(client.append(deal, [noBasis]));
    assert.equal(e.code, Status.INVALID_ARGUMENT);
    assert.ok(
      e.fieldViolations.some((v) => v.field === "events[0].announcement.allocation.basis"),
      JSON.stringify(e.fieldViolations),
    );
    assert.equal((await client.getDeal(deal)).deal.version, 8n);
  });

  it("sets one rate on several categories", async () => {
    const r = await client.append(dealId, [
      changeTariff({
        productCategories: ["autos", "auto-parts"],
        rateBps: 1500,
        legalInstrument: EXECUTIVE_ORDER,
        reason: "implements the framework",
        effectiveTime: "2025-09-16T00:00:00Z",
        source: FACT_SHEET,
        firmness: "confirmed",
      }),
    ]);
    const t = await client.getTariffs(dealId, { asOf: { effectiveTime: new Date("2026-01-01T00:00:00Z") }, atLeastSequence: r.lastSequence });
    assert.deepEqual(
      t.tariffs.map((l) => [l.productCategory, l.inForce, l.rateBps, l.inForceSequence, l.breachesCap]),
      [
        ["all-goods", true, 2500, recorded.sequences[1], true],
        ["auto-parts", true, 1500, r.lastSequence, false],
        ["autos", true, 1500, r.lastSequence, false],
      ],
    );
    const only = await client.getTariffs(dealId, { productCategory: "auto-parts" });
    assert.deepEqual(only.tariffs.map((l) => l.productCategory), ["auto-parts"]);
  });

  it("answers the rates in force before the deal takes effect, without a cap", async () => {
    const may = new Date("2025-05-01T00:00:00Z");
    const t = await client.getTariffs(dealId, { asOf: { effectiveTime: may }, productCategory: "all-goods" });
    assert.equal(t.evaluatedAt?.toISOString(), may.toISOString());
    assert.equal(t.tariffs.length, 1);
    const line = t.tariffs[0]!;
    assert.equal(line.inForce, true);
    assert.equal(line.rateBps, 2500);
    assert.equal(line.hasCap, false);
    assert.equal(line.breachesCap, false);
    // Once the deal is in force the same rate breaches its 15% cap.
    const august = await client.getTariffs(dealId, { asOf: { effectiveTime: new Date("2025-08-01T00:00:00Z") }, productCategory: "all-goods" });
    assert.deepEqual(
      august.tariffs.map((l) => [l.rateBps, l.hasCap, l.capBps, l.breachesCap]),
      [[2500, true, 1500, true]],
    );
  });
});
