// DealQuery through PactlogClient against a real pactlogd: live state,
// as-of a sequence, a recorded time and an effective time, read-your-writes
// and paging.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  AppendResult,
  PactlogClient,
  PactlogError,
  ProjectStatus,
  Sector,
  Status,
  formatMoney,
  usd,
} from "@pactlog/client";

import { approval, dealAnnouncement, disbursement, gridProject, lngProject, tariff, uniqueDealId } from "./fixtures";
import { PactlogServer } from "./server";

async function rejection(p: Promise<unknown>): Promise<PactlogError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PactlogError, `expected a PactlogError, got ${String(e)}`);
    return e;
  }
  assert.fail("the call succeeded");
}

// Resolves once the local clock has passed `t` (the server runs on the same
// clock), so that the next batch is recorded strictly later.
async function clockPast(t: Date): Promise<void> {
  while (Date.now() <= t.getTime() + 1) await new Promise((r) => setImmediate(r));
}

describe("queries", () => {
  let server: PactlogServer;
  let client: PactlogClient;
  const dealId = uniqueDealId("us-jp");
  const otherDeal = uniqueDealId("us-kr");
  let announced: AppendResult; // deal + two tariff changes
  let projects: AppendResult; // two project announcements
  let money: AppendResult; // approval + disbursement
  let other: AppendResult;

  before(async () => {
    server = await PactlogServer.start();
    client = server.client();
    announced = await client.append(dealId, [
      dealAnnouncement("2025-07-22T00:00:00Z"),
      tariff(2500, "2025-04-01T00:00:00Z"),
      tariff(1500, "2025-09-16T00:00:00Z"),
    ]);
    await clockPast(announced.recordedTime!);
    projects = await client.append(dealId, [lngProject(), gridProject()], { expectedVersion: 3 });
    money = await client.append(
      dealId,
      [approval("tx-lng", 5_000_000_000n, "2026-03-01T00:00:00Z"), disbursement("tx-lng", 1_000_000_000n, "2026-04-01T00:00:00Z")],
      { expectedVersion: 5 },
    );
    other = await client.append(otherDeal, [dealAnnouncement()]);
  });
  after(async () => {
    client?.close();
    await server?.dispose();
  });

  it("answers the live state of a deal", async () => {
    const { deal, logSequence } = await client.getDeal(dealId);
    assert.ok(logSequence >= money.lastSequence);
    assert.equal(deal.dealId, dealId);
    assert.equal(deal.title, "US-Japan Strategic Investment Framework");
    assert.equal(deal.version, 7n);
    assert.equal(deal.lastSequence, money.lastSequence);
    assert.equal(formatMoney(deal.totals?.pledged), "USD 20,000,000,000.00");
    assert.deepEqual(deal.totals?.approved, usd(5_000_000_000n));
    assert.deepEqual(deal.totals?.disbursed, usd(1_000_000_000n));
    assert.deepEqual(deal.headroom, usd(530_000_000_000n));
    assert.equal(deal.totals?.projectCount, 2);
    assert.deepEqual(
      deal.bySector.map((s) => [s.sector, s.totals?.pledged?.minorUnits]),
      [
        [Sector.SECTOR_ENERGY, 800_000_000_000n],
        [Sector.SECTOR_OIL_AND_GAS, 1_200_000_000_000n],
      ],
    );
    assert.deepEqual(
      deal.byUsState.map((s) => s.usState),
      ["OH", "TX"],
    );
    assert.equal(deal.projectsAnnounced, 1);
    assert.equal(deal.projectsFunding, 1);
    const allGoods = deal.tariffs.find((t) => t.productCategory === "all-goods");
    assert.equal(allGoods?.rateBps, 1500);
    assert.equal(allGoods?.breachesCap, false);
    assert.deepEqual(deal.capBreaches, []);
  });

  it("answers as of a log sequence", async () => {
    const { deal, logSequence } = await client.getDeal(dealId, { asOf: { sequence: projects.lastSequence } });
    assert.equal(logSequence, projects.lastSequence);
    assert.equal(deal.version, 5n);
    assert.deepEqual(deal.totals?.pledged, usd(20_000_000_000n));
    assert.equal(deal.totals?.approved?.minorUnits ?? 0n, 0n);
    const p = await client.getProject(dealId, "tx-lng", { asOf: { sequence: projects.lastSequence } });
    assert.equal(p.project.status, ProjectStatus.PROJECT_STATUS_ANNOUNCED);
  });

  it("answers as of a recorded time: what the record knew then", async () => {
    // Dates have millisecond precision; the batch recorded at t is inside t + 1 ms.
    const knewThen = new Date(announced.recordedTime!.getTime() + 1);
    assert.ok(projects.recordedTime! > knewThen);
    const { deal } = await client.getDeal(dealId, { asOf: { recordedTime: knewThen } });
    assert.equal(deal.version, 3n);
    assert.equal(deal.totals?.projectCount ?? 0, 0);
    const e = await rejection(client.getProject(dealId, "tx-lng", { asOf: { recordedTime: knewThen } }));
    assert.equal(e.code, Status.NOT_FOUND);
  });

  it("answers as of an effective time: what was in force then, breaches included", async () => {
    const august = new Date("2025-08-01T00:00:00Z");
    const { deal } = await client.getDeal(dealId, { asOf: { effectiveTime: august } });
    // The projects (effective 2026) are not in force yet.
    assert.equal(deal.totals?.projectCount ?? 0, 0);
    assert.equal(deal.tariffsEvaluatedAt?.toISOString(), august.toISOString());
    const allGoods = deal.tariffs.find((t) => t.productCategory === "all-goods");
    assert.equal(allGoods?.rateBps, 2500);
    assert.equal(allGoods?.breachesCap, true);
    assert.deepEqual(
      deal.capBreaches.map((b) => [b.productCategory, b.rateBps, b.capBps]),
      [["all-goods", 2500, 1500]],
    );

    const t = await client.getTariffs(dealId, { asOf: { effectiveTime: august }, productCategory: "all-goods" });
    assert.equal(t.tariffs.length, 1);
    const line = t.tariffs[0]!;
    assert.equal(line.inForce, true);
    assert.equal(line.rateBps, 2500);
    assert.equal(line.hasCap, true);
    assert.equal(line.capBps, 1500);
    // The history holds every change the record knew, also those in force
    // after August; the rate in force is still August's.
    assert.deepEqual(
      line.history.map((h) => [h.rateBps, h.effectiveTime?.toISOString(), h.exceedsCap]),
      [
        [2500, "2025-04-01T00:00:00.000Z", true],
        [1500, "2025-09-16T00:00:00.000Z", false],
      ],
    );
    const live = await client.getTariffs(dealId);
    assert.deepEqual(
      live.tariffs[0]?.history.map((h) => [h.rateBps, h.effectiveTime?.toISOString(), h.exceedsCap]),
      [
        [2500, "2025-04-01T00:00:00.000Z", true],
        [1500, "2025-09-16T00:00:00.000Z", false],
      ],
    );
    assert.equal(live.tariffs[0]?.rateBps, 1500);
    assert.equal(live.tariffs[0]?.breachesCap, false);

    // Both clocks: in force at the end of 2026 (everything), as known
    // before the projects were recorded.
    const late2026 = new Date("2026-12-31T00:00:00Z");
    const knewThen = new Date(announced.recordedTime!.getTime() + 1);
    assert.equal((await client.getDeal(dealId, { asOf: { effectiveTime: late2026 } })).deal.version, 7n);
    const both = await client.getDeal(dealId, { asOf: { effectiveTime: late2026, recordedTime: knewThen } });
    assert.equal(both.deal.version, 3n);
    assert.equal(both.deal.totals?.projectCount ?? 0, 0);
  });

  it("reads its own writes and refuses a sequence beyond the log", async () => {
    const r = await client.getDeal(dealId, { atLeastSequence: other.lastSequence });
    assert.ok(r.logSequence >= other.lastSequence);
    const e = await rejection(client.getDeal(dealId, { atLeastSequence: other.lastSequence + 1000n }));
    assert.equal(e.code, Status.OUT_OF_RANGE);
  });

  it("answers a project's state", async () => {
    const { project } = await client.getProject(dealId, "tx-lng");
    assert.equal(project.status, ProjectStatus.PROJECT_STATUS_FUNDING);
    assert.equal(project.sector, Sector.SECTOR_OIL_AND_GAS);
    assert.deepEqual(project.sponsors, ["JERA", "Mitsubishi"]);
    assert.deepEqual(project.approved, usd(5_000_000_000n));
    assert.deepEqual(project.undisbursed, usd(4_000_000_000n));
    assert.deepEqual(project.unapproved, usd(7_000_000_000n));
    assert.equal(project.approvals.length, 1);
    assert.equal(project.approvals[0]?.approvingBody, "US Investment Committee");
    assert.equal(project.disbursedBySource[0]?.disbursed?.minorUnits, 100_000_000_000n);
    const e = await rejection(client.getProject(dealId, "no-such-project"));
    assert.equal(e.code, Status.NOT_FOUND);
    assert.match(e.details, /no-such-project/);
  });

  it("lists projects with filters and pages", async () => {
    const all = await client.listProjects(dealId);
    assert.deepEqual(all.projects.map((p) => p.projectId), ["oh-gas-power", "tx-lng"]);
    const energy = await client.listProjects(dealId, { sector: "energy" });
    assert.deepEqual(energy.projects.map((p) => p.projectId), ["oh-gas-power"]);
    const funding = await client.listProjects(dealId, { status: "funding" });
    assert.deepEqual(funding.projects.map((p) => p.projectId), ["tx-lng"]);
    const texas = await client.listProjects(dealId, { usState: "TX" });
    assert.deepEqual(texas.projects.map((p) => p.projectId), ["tx-lng"]);

    const first = await client.listProjects(dealId, { pageSize: 1 });
    assert.deepEqual(first.projects.map((p) => p.projectId), ["oh-gas-power"]);
    assert.notEqual(first.nextPageToken, "");
    const second = await client.listProjects(dealId, { pageSize: 1, pageToken: first.nextPageToken });
    assert.deepEqual(second.projects.map((p) => p.projectId), ["tx-lng"]);
    assert.equal(second.nextPageToken, "");
  });

  it("lists deals by id, page by page, as of a sequence", async () => {
    const ids: string[] = [];
    let pageToken = "";
    do {
      const page = await client.listDeals({ pageSize: 1, pageToken });
      assert.ok(page.deals.length <= 1);
      ids.push(...page.deals.map((d) => d.dealId));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    assert.deepEqual(ids, [dealId, otherDeal].sort());
    const before = await client.listDeals({ asOf: { sequence: money.lastSequence } });
    assert.deepEqual(before.deals.map((d) => d.dealId), [dealId]);
  });

  it("refuses an unknown deal with NOT_FOUND and a bad page size with INVALID_ARGUMENT", async () => {
    const e = await rejection(client.getDeal("no-such-deal"));
    assert.equal(e.code, Status.NOT_FOUND);
    // Checked by the client, naming the option as TypeScript spells it.
    const bad = await rejection(client.listDeals({ pageSize: 5000 }));
    assert.equal(bad.code, Status.INVALID_ARGUMENT);
    assert.match(bad.details, /^pageSize: .*5000/);
    assert.equal(bad.attempts, 0);
  });

  it("iterates over every page of deals, projects and lineage entries", async () => {
    const deals: string[] = [];
    for await (const d of client.listAllDeals({ pageSize: 1 })) deals.push(d.dealId);
    assert.deepEqual(deals, [dealId, otherDeal].sort());
    const dealsThen: string[] = [];
    for await (const d of client.listAllDeals({ pageSize: 1, asOf: { sequence: money.lastSequence } })) dealsThen.push(d.dealId);
    assert.deepEqual(dealsThen, [dealId]);

    const projectIds: string[] = [];
    for await (const p of client.listAllProjects(dealId, { pageSize: 1 })) projectIds.push(p.projectId);
    assert.deepEqual(projectIds, ["oh-gas-power", "tx-lng"]);
    const texas: string[] = [];
    for await (const p of client.listAllProjects(dealId, { pageSize: 1, usState: "TX" })) texas.push(p.projectId);
    assert.deepEqual(texas, ["tx-lng"]);

    const whole = await client.getLineage(dealId, { projectId: "tx-lng", pageSize: 1000 });
    assert.ok(whole.entries.length >= 3, `${whole.entries.length} entries`);
    assert.equal(whole.nextPageToken, "");
    const paged: string[] = [];
    for await (const e of client.getAllLineage(dealId, { projectId: "tx-lng", pageSize: 1 })) paged.push(e.eventId);
    assert.deepEqual(paged, whole.entries.map((e) => e.eventId));
  });
});
