// Deal terms per asserting party and the compliance view, recorded through
// the builders and read back from a real pactlogd.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  AppendResult,
  ComplianceView,
  EventData,
  Firmness,
  FundingSource,
  FundingStatus,
  PactlogClient,
  PactlogError,
  Status,
  announceProject,
  announceTerms,
  approveProject,
  disburse,
  fundingStatusName,
  usd,
} from "@pactlog/client";

import { FACT_SHEET, dealAnnouncement, uniqueDealId } from "./fixtures";
import { PactlogServer } from "./server";

const official = { source: FACT_SHEET, firmness: "announced" as const };
const at = (iso: string): Date => new Date(iso);

async function rejection(p: Promise<unknown>): Promise<PactlogError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PactlogError, `expected a PactlogError, got ${String(e)}`);
    return e;
  }
  assert.fail("the call succeeded");
}

function usTerms(effectiveTime: string): EventData {
  return announceTerms({
    ...official,
    assertedBy: "US",
    effectiveTime,
    projectSelector: "US investment committee",
    finalDecision: "the President",
    fundingChannels: ["jbic", "nexi"],
    fundingDeadlineDays: 45,
    enforcementClause: "the US may raise tariffs",
    profitSharing: "90% to the US after recovery",
  });
}

function jpTerms(effectiveTime: string): EventData {
  return announceTerms({
    source: "Cabinet Office briefing",
    firmness: "reported",
    assertedBy: "JP",
    effectiveTime,
    fundingChannels: ["jbic"],
    profitSharing: "shared by each project's contributions",
    otherCommitments: ["no fixed funding deadline"],
  });
}

const project = (projectId: string): EventData =>
  announceProject({ ...official, projectId, name: `Project ${projectId}`, sector: "energy", usState: "TX", pledged: usd(10), effectiveTime: "2025-10-28T00:00:00Z" });
const approval = (projectId: string): EventData =>
  approveProject({ ...official, projectId, amount: usd(10), approvingBody: "US investment committee", effectiveTime: "2026-01-01T00:00:00Z" });
const disbursement = (projectId: string, effectiveTime: string): EventData =>
  disburse({ ...official, projectId, amount: usd(10), fundingSource: "jbic", effectiveTime });

const counts = (v: ComplianceView): number[] => [v.projectsOnTime, v.projectsLate, v.projectsOverdue, v.projectsNotYetDue];
const statuses = (v: ComplianceView): [string, string, number][] =>
  v.projects.map((p) => [p.projectId, fundingStatusName(p.status), p.days]);

// The US-Japan deal (ceiling $550B, effective 2025-07-22) with the US
// reading of its terms (45 days to fund a selected project) and, recorded
// later, Japan's (no deadline). Projects a, b and c are approved on
// 2026-01-01 for $10 each, so due on 2026-02-15:
//   a  disbursed $10 on 2026-01-20: on time
//   b  disbursed $10 on 2026-03-01: 14 days late
//   c  nothing disbursed
//   d  announced only: never selected
describe("compliance", () => {
  let server: PactlogServer;
  let client: PactlogClient;
  const dealId = uniqueDealId("us-jp");
  let recorded: AppendResult;

  before(async () => {
    server = await PactlogServer.start();
    client = server.client();
    recorded = await client.append(
      dealId,
      [
        dealAnnouncement("2025-07-22T00:00:00Z"),
        usTerms("2025-09-04T00:00:00Z"),
        jpTerms("2025-09-05T00:00:00Z"),
        ...["a", "b", "c", "d"].map(project),
        ...["a", "b", "c"].map(approval),
        disbursement("a", "2026-01-20T00:00:00Z"),
        disbursement("b", "2026-03-01T00:00:00Z"),
      ],
      { expectedVersion: "no-deal" },
    );
  });
  after(async () => {
    client?.close();
    await server?.dispose();
  });

  it("judges the projects against the US deadline", async () => {
    const r = await client.getCompliance(dealId, { asOf: { effectiveTime: at("2026-03-01T00:00:00Z") }, atLeastSequence: recorded.lastSequence });
    assert.ok(r.logSequence >= recorded.lastSequence);
    const v = r.compliance;
    assert.equal(v.dealId, dealId);
    assert.equal(v.evaluatedAt?.toISOString(), "2026-03-01T00:00:00.000Z");
    assert.equal(v.terms?.assertedBy, "US", "the latest reading that names a deadline, though JP's is later");
    assert.equal(v.terms?.terms?.fundingDeadlineDays, 45);
    assert.deepEqual(statuses(v), [
      ["a", "on-time", 0],
      ["b", "late", 14], // 2026-02-15 to 2026-03-01: 14 whole days
      ["c", "overdue", 14],
    ]);
    for (const p of v.projects) {
      assert.equal(p.selectedTime?.toISOString(), "2026-01-01T00:00:00.000Z", p.projectId);
      assert.equal(p.fundingDueTime?.toISOString(), "2026-02-15T00:00:00.000Z", p.projectId);
      assert.deepEqual(p.approved, usd(10), p.projectId);
    }
    const [a, b, c] = v.projects;
    assert.equal(a?.status, FundingStatus.FUNDING_STATUS_ON_TIME);
    assert.deepEqual(a?.disbursed, usd(10));
    assert.equal(a?.fundedTime?.toISOString(), "2026-01-20T00:00:00.000Z");
    assert.equal(b?.fundedTime?.toISOString(), "2026-03-01T00:00:00.000Z");
    assert.equal(c?.disbursed?.minorUnits ?? 0n, 0n);
    assert.equal(c?.fundedTime, undefined);
    assert.deepEqual(counts(v), [1, 1, 1, 0]);
    assert.deepEqual(v.overdueUndisbursed, usd(10));
    assert.deepEqual(v.capBreaches, []);
    assert.equal(v.version, recorded.dealVersion);
    assert.equal(v.lastSequence, recorded.lastSequence);
  });

  it("counts the projects not yet due before the deadline", async () => {
    // On 2026-02-01 b's disbursement is not in force yet.
    const v = (await client.getCompliance(dealId, { asOf: { effectiveTime: at("2026-02-01T00:00:00Z") } })).compliance;
    assert.equal(v.evaluatedAt?.toISOString(), "2026-02-01T00:00:00.000Z");
    assert.deepEqual(statuses(v), [
      ["a", "on-time", 0],
      ["b", "not-yet-due", 14],
      ["c", "not-yet-due", 14],
    ]);
    assert.equal(v.projects[1]?.disbursed?.minorUnits ?? 0n, 0n);
    assert.equal(v.projects[1]?.fundedTime, undefined);
    assert.deepEqual(counts(v), [1, 0, 0, 2]);
    assert.equal(v.overdueUndisbursed?.minorUnits ?? 0n, 0n);
  });

  it("judges at the server's clock without as-of", async () => {
    // Long after the deadline: the statuses no longer change.
    const v = (await client.getCompliance(dealId)).compliance;
    assert.deepEqual(
      v.projects.map((p) => [p.projectId, p.status]),
      [
        ["a", FundingStatus.FUNDING_STATUS_ON_TIME],
        ["b", FundingStatus.FUNDING_STATUS_LATE],
        ["c", FundingStatus.FUNDING_STATUS_OVERDUE],
      ],
    );
    assert.ok(v.evaluatedAt !== undefined && v.evaluatedAt > at("2026-03-01T00:00:00Z"));
    assert.deepEqual(v.overdueUndisbursed, usd(10));
  });

  it("keeps every party's reading", async () => {
    const v = (await client.getCompliance(dealId)).compliance;
    assert.deepEqual(v.readings.map((r) => r.assertedBy), ["JP", "US"]);
    const [jp, us] = v.readings;
    assert.deepEqual(us?.terms?.fundingChannels, [FundingSource.FUNDING_SOURCE_JBIC, FundingSource.FUNDING_SOURCE_NEXI]);
    assert.equal(us?.terms?.enforcementClause, "the US may raise tariffs");
    assert.equal(us?.terms?.profitSharing, "90% to the US after recovery");
    assert.equal(us?.source, FACT_SHEET);
    assert.equal(us?.firmness, Firmness.FIRMNESS_OFFICIALLY_ANNOUNCED);
    assert.equal(us?.effectiveTime?.toISOString(), "2025-09-04T00:00:00.000Z");
    assert.equal(us?.sequence, recorded.sequences[1]);
    assert.equal(jp?.terms?.fundingDeadlineDays, 0);
    assert.equal(jp?.terms?.profitSharing, "shared by each project's contributions");
    assert.equal(jp?.sequence, recorded.sequences[2]);
    const { deal } = await client.getDeal(dealId);
    assert.deepEqual(deal.terms, v.readings, "the deal's state holds the same readings");
  });

  it("uses Japan's reading, which names no deadline, when asked", async () => {
    const v = (await client.getCompliance(dealId, { reading: "JP", asOf: { effectiveTime: at("2026-03-01T00:00:00Z") } })).compliance;
    assert.equal(v.terms?.assertedBy, "JP");
    assert.deepEqual(statuses(v), [
      ["a", "no-deadline", 0],
      ["b", "no-deadline", 0],
      ["c", "no-deadline", 0],
    ]);
    for (const p of v.projects) assert.equal(p.fundingDueTime, undefined, p.projectId);
    assert.equal(v.projects[0]?.fundedTime?.toISOString(), "2026-01-20T00:00:00.000Z");
    assert.deepEqual(counts(v), [0, 0, 0, 0]);
    assert.equal(v.overdueUndisbursed?.minorUnits ?? 0n, 0n);
    assert.equal(v.readings.length, 2);
    const us = (await client.getCompliance(dealId, { reading: "US", asOf: { effectiveTime: at("2026-03-01T00:00:00Z") } })).compliance;
    assert.equal(us.terms?.assertedBy, "US");
    assert.equal(us.projectsOverdue, 1);
  });

  it("answers NOT_FOUND for a party without terms, or a deal that does not exist", async () => {
    const e = await rejection(client.getCompliance(dealId, { reading: "KR" }));
    assert.equal(e.code, Status.NOT_FOUND);
    assert.match(e.details, /KR/);
    assert.equal((await rejection(client.getCompliance(uniqueDealId()))).code, Status.NOT_FOUND);
  });

  it("rounds the days late up", async () => {
    const deal = uniqueDealId("us-jp");
    await client.append(
      deal,
      [
        dealAnnouncement("2025-07-22T00:00:00Z"),
        usTerms("2025-09-04T00:00:00Z"),
        project("e"),
        approval("e"),
        disbursement("e", "2026-03-01T00:00:01Z"),
      ],
      { expectedVersion: "no-deal" },
    );
    const v = (await client.getCompliance(deal)).compliance;
    assert.deepEqual(statuses(v), [["e", "late", 15]]);
  });

  it("replaces a party's whole reading with its later one", async () => {
    const deal = uniqueDealId("us-jp");
    await client.append(deal, [dealAnnouncement("2025-07-22T00:00:00Z"), usTerms("2025-09-04T00:00:00Z"), jpTerms("2025-09-05T00:00:00Z"), project("a"), approval("a")], {
      expectedVersion: "no-deal",
    });
    const r = await client.append(deal, [announceTerms({ source: "press", firmness: "reported", assertedBy: "US", fundingDeadlineDays: 30, effectiveTime: "2025-12-01T00:00:00Z" })]);
    const v = (await client.getCompliance(deal, { reading: "US", asOf: { effectiveTime: at("2026-03-01T00:00:00Z") } })).compliance;
    assert.equal(v.terms?.sequence, r.lastSequence);
    assert.equal(v.terms?.terms?.fundingDeadlineDays, 30);
    assert.equal(v.terms?.terms?.enforcementClause, "", "replaced, not merged");
    assert.equal(v.projects[0]?.fundingDueTime?.toISOString(), "2026-01-31T00:00:00.000Z");
    assert.deepEqual(v.readings.map((x) => x.assertedBy), ["JP", "US"]);
    // Before the new reading took effect the earlier one is in force.
    const earlier = (await client.getCompliance(deal, { reading: "US", asOf: { effectiveTime: at("2025-11-01T00:00:00Z") } })).compliance;
    assert.equal(earlier.terms?.terms?.fundingDeadlineDays, 45);
    assert.deepEqual(earlier.projects, [], "nothing approved yet");
  });

  it("refuses terms before the deal, terms of no deal, and a deadline beyond 3650 days", async () => {
    const early = await rejection(client.append(dealId, [usTerms("2025-07-01T00:00:00Z")]));
    assert.equal(early.code, Status.FAILED_PRECONDITION);
    assert.match(early.details, /effective-order/);
    const nodeal = await rejection(client.append(uniqueDealId(), [usTerms("2025-09-04T00:00:00Z")]));
    assert.equal(nodeal.code, Status.NOT_FOUND);
    const long = await rejection(client.append(dealId, [announceTerms({ ...official, assertedBy: "US", fundingDeadlineDays: 3651 })]));
    assert.equal(long.code, Status.INVALID_ARGUMENT);
    assert.ok(
      long.fieldViolations.some((v) => v.field === "events[0].announcement.terms.funding_deadline_days"),
      JSON.stringify(long.fieldViolations),
    );
    assert.equal((await client.getDeal(dealId)).deal.version, recorded.dealVersion, "a rejected request changes nothing");
  });
});
