// Amendments (revise, withdraw, raiseFirmness, retract, correct),
// restatements and getLineage, recorded through the builders and read back
// from a real pactlogd.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  AppendResult,
  EventKind,
  Figures,
  Firmness,
  FundingSource,
  GetLineageOptions,
  GetLineageResponse,
  LineageEntry,
  PactlogClient,
  PactlogError,
  ProjectStatus,
  Status,
  SupersessionKind,
  announceAllocation,
  announceProject,
  approveProject,
  correct,
  disburse,
  raiseFirmness,
  retract,
  revise,
  usd,
  withdraw,
} from "@pactlog/client";

import { FACT_SHEET, dealAnnouncement, uniqueDealId } from "./fixtures";
import { PactlogServer } from "./server";

const B = 1_000_000_000n; // dollars in a billion
const REACTORS = "westinghouse-ap1000";
const DATA_CENTERS = "softbank-datacenters";
const press = { source: "press", firmness: "reported" as const };
const at = (iso: string): Date => new Date(iso);
const FIGURES = ["allocated", "pledged", "approved", "disbursed"] as const;
type FigureMap = Record<(typeof FIGURES)[number], bigint>;

async function rejection(p: Promise<unknown>): Promise<PactlogError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PactlogError, `expected a PactlogError, got ${String(e)}`);
    return e;
  }
  assert.fail("the call succeeded");
}

async function rule(p: Promise<unknown>, name: string): Promise<void> {
  const e = await rejection(p);
  assert.equal(e.code, Status.FAILED_PRECONDITION, e.message);
  assert.match(e.details, new RegExp(name), e.details);
}

// Resolves once the local clock has passed `t` (the server runs on the same
// clock), so that the next batch is recorded strictly later.
async function clockPast(t: Date): Promise<void> {
  while (Date.now() <= t.getTime() + 1) await new Promise((r) => setImmediate(r));
}

/** An as-of recorded time that includes the batch (a Date holds milliseconds only). */
const justAfter = (r: AppendResult): Date => new Date(r.recordedTime!.getTime() + 1);

function figures(f: Figures | undefined): FigureMap {
  return {
    allocated: f?.allocated?.minorUnits ?? 0n,
    pledged: f?.pledged?.minorUnits ?? 0n,
    approved: f?.approved?.minorUnits ?? 0n,
    disbursed: f?.disbursed?.minorUnits ?? 0n,
  };
}

function summedChanges(entries: readonly LineageEntry[]): FigureMap {
  const out: FigureMap = { allocated: 0n, pledged: 0n, approved: 0n, disbursed: 0n };
  for (const e of entries) {
    for (const name of FIGURES) {
      const change = e.change?.[name];
      if (change?.currencyCode) assert.equal(change.currencyCode, "USD");
      out[name] += change?.minorUnits ?? 0n;
    }
  }
  return out;
}

const minor = (dollars: bigint): bigint => dollars * 100n;

// Each test records its own US-Japan deal (ceiling $550B, effective
// 2025-07-22) with
//   westinghouse-ap1000   $100B pledged (reported), approved $60B on
//                         2025-11-01, $2B disbursed by JBIC on 2025-12-01
//   softbank-datacenters  $25B pledged, nothing approved
// Event ids carry the deal id: an id is unique in the whole log.
describe("amendments, restatements and lineage", () => {
  let server: PactlogServer;
  let client: PactlogClient;

  before(async () => {
    server = await PactlogServer.start();
    client = server.client();
  });
  after(async () => {
    client?.close();
    await server?.dispose();
  });

  async function deal() {
    const dealId = uniqueDealId("us-jp");
    const ids = {
      reactors: `${dealId}/reactors`,
      datacenters: `${dealId}/datacenters`,
      approval: `${dealId}/approval`,
      t1: `${dealId}/t1`,
    };
    const setup = await client.append(
      dealId,
      [
        dealAnnouncement("2025-07-22T00:00:00Z"),
        announceProject({ ...press, source: FACT_SHEET, eventId: ids.reactors, projectId: REACTORS, name: "AP1000 reactors",
          sector: "energy", usState: "PA", sponsors: ["Westinghouse"], pledged: usd(100n * B), effectiveTime: "2025-10-28T00:00:00Z" }),
        announceProject({ ...press, source: FACT_SHEET, eventId: ids.datacenters, projectId: DATA_CENTERS, name: "AI data centers",
          sector: "ai-infrastructure", usState: "OH", sponsors: ["SoftBank"], pledged: usd(25n * B), effectiveTime: "2026-02-18T00:00:00Z" }),
        approveProject({ source: FACT_SHEET, firmness: "announced", eventId: ids.approval, projectId: REACTORS, amount: usd(60n * B),
          approvingBody: "US Investment Committee", effectiveTime: "2025-11-01T00:00:00Z" }),
        disburse({ source: FACT_SHEET, firmness: "confirmed", eventId: ids.t1, projectId: REACTORS, amount: usd(2n * B),
          fundingSource: "jbic", tranche: "T1", effectiveTime: "2025-12-01T00:00:00Z" }),
      ],
      { expectedVersion: "no-deal" },
    );
    assert.equal(setup.dealVersion, 5n);
    await clockPast(setup.recordedTime!);
    const project = async (projectId = REACTORS, asOf?: { recordedTime?: Date; effectiveTime?: Date }) =>
      (await client.getProject(dealId, projectId, { asOf })).project;
    const state = async (asOf?: { recordedTime?: Date; effectiveTime?: Date }) => (await client.getDeal(dealId, { asOf })).deal;
    return { dealId, ids, setup, project, state };
  }

  async function lineageAddsUp(dealId: string, options?: GetLineageOptions): Promise<GetLineageResponse> {
    const lineage = await client.getLineage(dealId, options);
    assert.deepEqual(summedChanges(lineage.entries), figures(lineage.figures));
    const sequences = lineage.entries.map((e) => e.sequence);
    assert.deepEqual(sequences, [...sequences].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), "entries in log order");
    return lineage;
  }

  it("revises an approval down, and as of a recorded time before it shows the old figure", async () => {
    const d = await deal();
    const revised = await client.append(d.dealId, [
      revise({ source: "committee minutes", firmness: "confirmed", targetEventId: d.ids.approval, amount: usd(40n * B), reason: "the committee cut it" }),
    ]);
    const project = await d.project();
    assert.deepEqual(project.approved, usd(40n * B));
    assert.deepEqual(project.undisbursed, usd(38n * B));
    assert.equal(project.approvals.length, 1);
    assert.deepEqual(project.approvals[0]?.amount, usd(40n * B));
    assert.equal(project.approvals[0]?.eventId, d.ids.approval);
    assert.equal(project.approvals[0]?.headEventId, revised.eventIds[0]);
    const now = await d.state();
    assert.deepEqual(now.totals?.approved, usd(40n * B));
    assert.equal(now.amendmentCount, 1);

    const before = await d.project(REACTORS, { recordedTime: justAfter(d.setup) });
    assert.deepEqual(before.approved, usd(60n * B));
    assert.equal(before.approvals[0]?.headEventId, d.ids.approval);
    assert.deepEqual((await d.project(REACTORS, { recordedTime: justAfter(revised) })).approved, usd(40n * B));
    assert.deepEqual((await d.state({ recordedTime: justAfter(d.setup) })).totals?.approved, usd(60n * B));
    // A revision takes effect at its own effective time (when recorded here).
    assert.deepEqual((await d.project(REACTORS, { effectiveTime: at("2026-01-01T00:00:00Z") })).approved, usd(60n * B));
  });

  it("revises a pledge within the rules", async () => {
    const d = await deal();
    await rule(client.append(d.dealId, [revise({ ...press, targetEventId: d.ids.reactors, amount: usd(50n * B) })]), "approval-within-pledge");
    await rule(client.append(d.dealId, [revise({ ...press, targetEventId: d.ids.approval, amount: usd(1n * B) })]), "disbursement-within-approval");
    assert.equal((await d.state()).version, 5n, "a rejected amendment changes nothing");
    const revised = await client.append(d.dealId, [revise({ ...press, targetEventId: d.ids.reactors, amount: usd(80n * B) })]);
    const project = await d.project();
    assert.deepEqual(project.pledged, usd(80n * B));
    assert.deepEqual([project.eventId, project.headEventId], [d.ids.reactors, revised.eventIds[0]]);
    const state = await d.state();
    assert.deepEqual(state.totals?.pledged, usd(105n * B));
    assert.deepEqual(state.headroom, usd(445n * B));
  });

  it("refuses an amendment of a superseded, an unknown or another deal's event", async () => {
    const d = await deal();
    const first = await client.append(d.dealId, [revise({ ...press, targetEventId: d.ids.approval, amount: usd(50n * B) })]);
    await rule(client.append(d.dealId, [revise({ ...press, targetEventId: d.ids.approval, amount: usd(40n * B) })]), "amend-standing-event");
    assert.deepEqual((await d.project()).approved, usd(50n * B));
    const second = await client.append(d.dealId, [revise({ ...press, targetEventId: first.eventIds[0]!, amount: usd(40n * B) })]);
    assert.equal((await d.project()).approvals[0]?.headEventId, second.eventIds[0]);

    const missing = `${d.dealId}/no-such-event`;
    const notFound = await rejection(client.append(d.dealId, [revise({ ...press, targetEventId: missing, amount: usd(1n) })]));
    assert.equal(notFound.code, Status.NOT_FOUND, notFound.message);
    assert.match(notFound.details, new RegExp(missing));

    const other = await deal();
    await rule(client.append(d.dealId, [revise({ ...press, targetEventId: other.ids.reactors, amount: usd(90n * B) })]), "amend-same-deal");
  });

  it("withdraws a project: status WITHDRAWN, the deal's pledged total drops", async () => {
    const d = await deal();
    const withdrawn = await client.append(d.dealId, [withdraw({ ...press, targetEventId: d.ids.datacenters, reason: "SoftBank pulled out" })]);
    const project = await d.project(DATA_CENTERS);
    assert.equal(project.status, ProjectStatus.PROJECT_STATUS_WITHDRAWN);
    assert.equal(project.supersession?.kind, SupersessionKind.SUPERSESSION_KIND_WITHDRAWN);
    assert.equal(project.supersession?.byEventId, withdrawn.eventIds[0]);
    assert.equal(project.supersession?.sequence, withdrawn.lastSequence);
    assert.equal(project.supersession?.reason, "SoftBank pulled out");
    const state = await d.state();
    assert.deepEqual(state.totals?.pledged, usd(100n * B));
    assert.deepEqual(state.headroom, usd(450n * B));
    assert.equal(state.projectsWithdrawn, 1);
    const listed = await client.listProjects(d.dealId, { status: "withdrawn" });
    assert.deepEqual(listed.projects.map((p) => p.projectId), [DATA_CENTERS]);
    assert.deepEqual((await d.state({ recordedTime: justAfter(d.setup) })).totals?.pledged, usd(125n * B));
    assert.equal((await d.project(DATA_CENTERS, { effectiveTime: at("2026-06-01T00:00:00Z") })).status, ProjectStatus.PROJECT_STATUS_ANNOUNCED);

    await rule(client.append(d.dealId, [withdraw({ ...press, targetEventId: d.ids.reactors, reason: "cancelled" })]), "withdraw-undisbursed");
    const noReason = withdraw({ ...press, targetEventId: d.ids.reactors, reason: "x" });
    noReason.amendment!.reason = ""; // the builder refuses it: clear it on a built event
    const invalid = await rejection(client.append(d.dealId, [noReason]));
    assert.equal(invalid.code, Status.INVALID_ARGUMENT, invalid.message);
    assert.ok(invalid.fieldViolations.some((v) => v.field.includes("reason")), JSON.stringify(invalid.fieldViolations));
  });

  it("retracts a report, as of the report's effective time", async () => {
    const d = await deal();
    const rumour = await client.append(d.dealId, [
      announceProject({ ...press, projectId: "rumoured-plant", name: "A plant the press reported", sector: "metals", usState: "IN",
        pledged: usd(7n * B), effectiveTime: "2026-01-10T00:00:00Z" }),
    ]);
    await clockPast(rumour.recordedTime!);
    const retracted = await client.append(d.dealId, [
      retract({ source: "Ministry statement", firmness: "announced", targetEventId: rumour.eventIds[0]!, reason: "no such plan" }),
    ]);
    const project = await d.project("rumoured-plant");
    assert.equal(project.status, ProjectStatus.PROJECT_STATUS_RETRACTED);
    assert.equal(project.supersession?.kind, SupersessionKind.SUPERSESSION_KIND_RETRACTED);
    assert.equal(project.supersession?.byEventId, retracted.eventIds[0]);
    assert.equal(project.supersession?.effectiveTime?.toISOString(), "2026-01-10T00:00:00.000Z");
    const state = await d.state();
    assert.deepEqual(state.totals?.pledged, usd(125n * B));
    assert.equal(state.projectsRetracted, 1);
    assert.deepEqual((await d.state({ effectiveTime: at("2026-02-01T00:00:00Z") })).totals?.pledged, usd(100n * B));
    assert.deepEqual((await d.state({ recordedTime: justAfter(rumour) })).totals?.pledged, usd(132n * B));

    await rule(client.append(d.dealId, [retract({ ...press, targetEventId: d.ids.reactors, reason: "false" })]), "retract-dependents");
    await rule(
      client.append(d.dealId, [retract({ ...press, targetEventId: d.ids.datacenters, reason: "false", effectiveTime: "2026-03-01T00:00:00Z" })]),
      "correction-effective-time",
    );
  });

  it("corrects a disbursement", async () => {
    const d = await deal();
    const corrected = await client.append(d.dealId, [
      correct({
        targetEventId: d.ids.t1,
        reason: "it was NEXI's $3B, not JBIC's $2B",
        replacement: disburse({ source: "NEXI release", firmness: "confirmed", projectId: REACTORS, amount: usd(3n * B), fundingSource: "nexi", tranche: "T1" }),
      }),
    ]);
    const project = await d.project();
    assert.deepEqual(project.disbursed, usd(3n * B));
    const bySource = new Map(project.disbursedBySource.map((s) => [s.fundingSource, s.disbursed?.minorUnits ?? 0n]));
    assert.equal(bySource.get(FundingSource.FUNDING_SOURCE_NEXI), minor(3n * B));
    assert.equal(bySource.get(FundingSource.FUNDING_SOURCE_JBIC) ?? 0n, 0n);
    assert.deepEqual((await d.state()).totals?.disbursed, usd(3n * B));
    assert.deepEqual((await d.project(REACTORS, { effectiveTime: at("2025-12-02T00:00:00Z") })).disbursed, usd(3n * B));
    assert.deepEqual((await d.project(REACTORS, { recordedTime: justAfter(d.setup) })).disbursed, usd(2n * B));
    assert.deepEqual((await d.project(REACTORS, { recordedTime: justAfter(corrected) })).disbursed, usd(3n * B));

    const otherProject = disburse({ ...press, projectId: DATA_CENTERS, amount: usd(2n * B), fundingSource: "jbic" });
    await rule(client.append(d.dealId, [correct({ targetEventId: corrected.eventIds[0]!, replacement: otherProject })]), "correction-same-subject");
    const otherKind = approveProject({ ...press, projectId: REACTORS, amount: usd(2n * B), approvingBody: "committee" });
    await rule(client.append(d.dealId, [correct({ targetEventId: corrected.eventIds[0]!, replacement: otherKind })]), "correction-same-subject");
  });

  it("raises firmness, only upward", async () => {
    const d = await deal();
    assert.equal((await d.project()).firmness, Firmness.FIRMNESS_REPORTED);
    const raised = await client.append(d.dealId, [
      raiseFirmness({ source: "signed agreement", targetEventId: d.ids.reactors, raisedFirmness: "confirmed", reason: "the agreement names it" }),
    ]);
    const project = await d.project();
    assert.equal(project.firmness, Firmness.FIRMNESS_CONFIRMED);
    assert.equal(project.headEventId, raised.eventIds[0]);
    assert.deepEqual(project.pledged, usd(100n * B), "no figure changes");
    assert.equal((await d.project(REACTORS, { recordedTime: justAfter(d.setup) })).firmness, Firmness.FIRMNESS_REPORTED);
    await rule(
      client.append(d.dealId, [raiseFirmness({ source: "press", targetEventId: raised.eventIds[0]!, raisedFirmness: "announced" })]),
      "firmness-raise-only",
    );
    const approval = await client.append(d.dealId, [raiseFirmness({ source: "signed agreement", targetEventId: d.ids.approval, raisedFirmness: "confirmed" })]);
    const record = (await d.project()).approvals[0];
    assert.deepEqual([record?.firmness, record?.headEventId], [Firmness.FIRMNESS_CONFIRMED, approval.eventIds[0]]);
  });

  it("restates a project and an allocation: the money counts once", async () => {
    const d = await deal();
    const restating = await client.append(d.dealId, [
      announceProject({ source: FACT_SHEET, firmness: "announced", projectId: "softbank-ai-campus", name: "SoftBank AI campus",
        sector: "ai-infrastructure", usState: "OH", pledged: usd(30n * B), restates: [d.ids.datacenters], effectiveTime: "2026-03-01T00:00:00Z" }),
    ]);
    const old = await d.project(DATA_CENTERS);
    assert.equal(old.status, ProjectStatus.PROJECT_STATUS_RESTATED);
    assert.equal(old.supersession?.kind, SupersessionKind.SUPERSESSION_KIND_RESTATED);
    assert.equal(old.supersession?.byEventId, restating.eventIds[0]);
    assert.deepEqual((await d.project("softbank-ai-campus")).restates, [d.ids.datacenters]);
    const state = await d.state();
    assert.deepEqual(state.totals?.pledged, usd(130n * B));
    assert.equal(state.projectsRestated, 1);

    const first = await client.append(d.dealId, [
      announceAllocation({ ...press, allocationId: "energy", name: "Energy infrastructure", basis: "sector", sector: "energy", cap: usd(50n * B),
        effectiveTime: "2025-09-04T00:00:00Z" }),
    ]);
    await client.append(d.dealId, [
      announceAllocation({ source: FACT_SHEET, firmness: "announced", allocationId: "energy-2025", name: "Energy infrastructure", basis: "sector",
        sector: "energy", cap: usd(60n * B), restates: first.eventIds, effectiveTime: "2025-09-04T00:00:00Z" }),
    ]);
    const withAllocations = await d.state();
    assert.deepEqual(withAllocations.allocated, usd(60n * B));
    const allocations = new Map(withAllocations.allocations.map((a) => [a.allocationId, a]));
    assert.equal(allocations.get("energy")?.supersession?.kind, SupersessionKind.SUPERSESSION_KIND_RESTATED);
    assert.deepEqual(allocations.get("energy-2025")?.restates, first.eventIds);

    const refused = await rejection(
      client.append(d.dealId, [
        announceProject({ ...press, projectId: "ap1000-fleet", name: "AP1000 fleet", sector: "energy", usState: "PA", pledged: usd(100n * B), restates: [d.ids.reactors] }),
      ]),
    );
    assert.equal(refused.code, Status.FAILED_PRECONDITION, "a project with approvals cannot be restated");
  });

  it("keeps the references the server resolved in the log", async () => {
    const d = await deal();
    const revised = await client.append(d.dealId, [revise({ ...press, targetEventId: d.ids.approval, amount: usd(40n * B) })]);
    const page = await client.read({ afterSequence: d.setup.lastSequence, filter: { dealIds: [d.dealId], kinds: ["amendment"] } });
    assert.equal(page.events.length, 1);
    const event = page.events[0]!;
    assert.equal(event.sequence, revised.lastSequence);
    assert.deepEqual(event.data?.amendment?.revisedAmount, usd(40n * B));
    const reference = event.references[0];
    assert.equal(reference?.eventId, d.ids.approval);
    assert.equal(reference?.sequence, d.setup.sequences[3]);
    assert.equal(reference?.originSequence, d.setup.sequences[3]);
    assert.deepEqual(reference?.origin?.approval?.amount, usd(60n * B));
  });

  it("traces a project's figures to their events", async () => {
    const d = await deal();
    const revised = await client.append(d.dealId, [
      revise({ ...press, targetEventId: d.ids.approval, amount: usd(40n * B), reason: "the committee cut it" }),
    ]);
    const lineage = await lineageAddsUp(d.dealId, { projectId: REACTORS });
    assert.deepEqual(figures(lineage.figures), { allocated: 0n, pledged: minor(100n * B), approved: minor(40n * B), disbursed: minor(2n * B) });
    assert.ok(lineage.logSequence >= revised.lastSequence);
    const byId = new Map(lineage.entries.map((e) => [e.eventId, e]));
    for (const id of [d.ids.reactors, d.ids.approval, d.ids.t1, revised.eventIds[0]!]) assert.ok(byId.has(id), id);
    assert.ok(!byId.has(d.ids.datacenters));
    const revision = byId.get(revised.eventIds[0]!)!;
    assert.equal(revision.kind, EventKind.EVENT_KIND_AMENDMENT);
    assert.equal(revision.targetEventId, d.ids.approval);
    assert.equal(revision.change?.approved?.minorUnits, -minor(20n * B));
    assert.ok(revision.summary.length > 0);
    assert.deepEqual(byId.get(d.ids.approval)?.change?.approved, usd(60n * B));

    const before = await lineageAddsUp(d.dealId, { projectId: REACTORS, asOf: { recordedTime: justAfter(d.setup) } });
    assert.deepEqual(before.figures?.approved, usd(60n * B));
    assert.ok(!before.entries.some((e) => e.eventId === revised.eventIds[0]));
  });

  it("traces the deal's figures over pages, and an allocation's", async () => {
    const d = await deal();
    await client.append(d.dealId, [
      revise({ ...press, targetEventId: d.ids.approval, amount: usd(40n * B) }),
      withdraw({ ...press, targetEventId: d.ids.datacenters, reason: "pulled out" }),
      correct({ targetEventId: d.ids.t1, replacement: disburse({ ...press, projectId: REACTORS, amount: usd(3n * B), fundingSource: "nexi" }) }),
      announceAllocation({ ...press, allocationId: "energy", name: "Energy", basis: "sector", sector: "energy", cap: usd(50n * B), effectiveTime: "2025-09-04T00:00:00Z" }),
    ]);
    const whole = await lineageAddsUp(d.dealId, { pageSize: 1000 });
    assert.equal(whole.nextPageToken, "");
    const state = await d.state();
    assert.deepEqual(figures(whole.figures), {
      allocated: state.allocated?.minorUnits ?? 0n,
      pledged: state.totals?.pledged?.minorUnits ?? 0n,
      approved: state.totals?.approved?.minorUnits ?? 0n,
      disbursed: state.totals?.disbursed?.minorUnits ?? 0n,
    });
    assert.deepEqual(figures(whole.figures), { allocated: minor(50n * B), pledged: minor(100n * B), approved: minor(40n * B), disbursed: minor(3n * B) });

    // Page by page, pinned to the first page's log position.
    const entries: LineageEntry[] = [];
    let pageToken = "";
    let pages = 0;
    const first = await client.getLineage(d.dealId, { pageSize: 2 });
    for (let page = first; ; ) {
      pages++;
      entries.push(...page.entries);
      assert.deepEqual(page.figures, whole.figures);
      assert.ok(page.entries.length <= 2);
      if (!page.nextPageToken) break;
      pageToken = page.nextPageToken;
      page = await client.getLineage(d.dealId, { pageSize: 2, pageToken, asOf: { sequence: first.logSequence } });
    }
    assert.ok(pages > 1, "more than one page");
    assert.deepEqual(entries, whole.entries);
    assert.deepEqual(summedChanges(entries), figures(whole.figures));

    const allocation = await lineageAddsUp(d.dealId, { allocationId: "energy" });
    assert.deepEqual(allocation.figures?.allocated, usd(50n * B));
  });

  it("answers NOT_FOUND for an unknown subject", async () => {
    const d = await deal();
    for (const options of [{ projectId: "no-such-project" }, { allocationId: "no-such-allocation" }]) {
      const e = await rejection(client.getLineage(d.dealId, options));
      assert.equal(e.code, Status.NOT_FOUND, e.message);
    }
    assert.equal((await rejection(client.getLineage(uniqueDealId("none")))).code, Status.NOT_FOUND);
    const both = await rejection(client.getLineage(d.dealId, { projectId: REACTORS, allocationId: "energy" }));
    assert.equal(both.code, Status.INVALID_ARGUMENT, "checked before anything is sent");
  });
});
