// DealLedger.Append through PactlogClient against a real pactlogd: ids
// filled before the first attempt, deduplicated retries (after UNAVAILABLE
// and after DEADLINE_EXCEEDED), optimistic concurrency and bad input.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { Metadata } from "@grpc/grpc-js";

import { Durability, Firmness, PactlogClient, PactlogError, Status, announceDeal, moneyMinor, usd } from "@pactlog/client";

import { dealAnnouncement, freshDeal, lngProject, tariff, uniqueDealId } from "./fixtures";
import { PactlogServer, freePort } from "./server";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function rejection(p: Promise<unknown>): Promise<PactlogError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PactlogError, `expected a PactlogError, got ${String(e)}`);
    return e;
  }
  assert.fail("the call succeeded");
}

describe("append", () => {
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

  it("records a batch and fills missing ids before sending", async () => {
    const dealId = uniqueDealId();
    const events = [dealAnnouncement(), tariff(1500, "2025-09-16T00:00:00Z")];
    const r = await client.append(dealId, events, { expectedVersion: "no-deal" });
    assert.equal(r.deduplicated, false);
    assert.equal(r.attempts, 1);
    assert.equal(r.dealVersion, 2n);
    assert.equal(r.sequences.length, 2);
    assert.equal(r.sequences[1], r.sequences[0]! + 1n);
    assert.equal(r.lastSequence, r.sequences[1]);
    assert.equal(r.eventIds.length, 2);
    for (const id of r.eventIds) assert.match(id, UUID);
    assert.notEqual(r.eventIds[0], r.eventIds[1]);
    // The caller's events are left as they were.
    assert.equal(events[0]!.eventId, "");

    const page = await client.read({ filter: { dealIds: [dealId] } });
    assert.deepEqual(
      page.events.map((e) => [e.sequence, e.data?.eventId, e.actor]),
      r.sequences.map((s, i) => [s, r.eventIds[i], "ts-sdk-test"]),
    );
  });

  it("records firmness reported when the builder is given none, and says how it was recorded", async () => {
    const dealId = uniqueDealId();
    const event = announceDeal({ title: "t", investorCountry: "JP", hostCountry: "US", ceiling: usd(1), source: "press" });
    const r = await client.append(dealId, [event]);
    assert.equal(r.attempts, 1);
    assert.equal(r.durability, Durability.DURABILITY_SYNCED_LOCAL);
    const page = await client.read({ filter: { dealIds: [dealId] }, limit: 1 });
    assert.equal(page.events[0]?.data?.provenance?.firmness, Firmness.FIRMNESS_REPORTED);
    assert.equal(page.events[0]?.actor, "ts-sdk-test");
  });

  it("answers a repeat of the same ids with the original result and writes nothing", async () => {
    const dealId = uniqueDealId();
    const first = await client.append(dealId, [dealAnnouncement(), lngProject()]);
    const withIds = [dealAnnouncement(), lngProject()].map((e, i) => ({ ...e, eventId: first.eventIds[i]! }));
    const again = await client.append(dealId, withIds);
    assert.equal(again.deduplicated, true);
    assert.deepEqual(again.sequences, first.sequences);
    assert.deepEqual(again.eventIds, first.eventIds);
    assert.equal(again.dealVersion, 2n);
    const page = await client.read({ filter: { dealIds: [dealId] } });
    assert.equal(page.events.length, 2);

    // The same id with other content is refused.
    const changed = { ...tariff(2500, "2025-04-01T00:00:00Z"), eventId: first.eventIds[0]! };
    const e = await rejection(client.append(dealId, [changed]));
    assert.equal(e.code, Status.ALREADY_EXISTS, e.message);
  });

  it("retries after UNAVAILABLE until the server is up, recording once", async () => {
    // A server that is not there yet: the first attempt fails UNAVAILABLE
    // and the retry hook starts it on the same port.
    const late = await PactlogServer.start();
    await late.stop();
    let starting: Promise<void> | undefined;
    const retried: Status[] = [];
    const c = late.client({
      retry: {
        maxAttempts: 100,
        initialBackoffMs: 20,
        maxBackoffMs: 300,
        onRetry: (error) => {
          retried.push(error.code);
          starting ??= late.launch();
        },
      },
    });
    try {
      const dealId = uniqueDealId();
      const r = await c.append(dealId, [dealAnnouncement()]);
      await starting;
      assert.ok(r.attempts > 1, `attempts ${r.attempts}`);
      assert.equal(retried[0], Status.UNAVAILABLE);
      assert.equal(r.deduplicated, false);
      const page = await c.read({ filter: { dealIds: [dealId] } });
      assert.equal(page.events.length, 1);
    } finally {
      c.close();
      await late.dispose();
    }
  });

  it("retries after DEADLINE_EXCEEDED without recording twice", async () => {
    // The server is frozen (SIGSTOP) so the first attempt times out; the
    // retry hook thaws it. Whether or not the first attempt got recorded,
    // the batch must be in the log exactly once.
    const dealId = uniqueDealId();
    await client.append(dealId, [dealAnnouncement()]);
    const codes: Status[] = [];
    process.kill(server.pid, "SIGSTOP");
    await server.frozen();
    let r;
    try {
      r = await client.append(dealId, [lngProject(), tariff(1500, "2025-09-16T00:00:00Z")], {
        expectedVersion: 1,
        deadlineMs: 3000,
        retry: {
          maxAttempts: 20,
          initialBackoffMs: 20,
          maxBackoffMs: 200,
          onRetry: (error) => {
            codes.push(error.code);
            process.kill(server.pid, "SIGCONT");
          },
        },
      });
    } finally {
      process.kill(server.pid, "SIGCONT");
    }
    assert.equal(codes[0], Status.DEADLINE_EXCEEDED);
    assert.ok(r.attempts >= 2);
    assert.equal(r.dealVersion, 3n);
    const page = await client.read({ filter: { dealIds: [dealId] } });
    assert.deepEqual(
      page.events.map((e) => e.data?.eventId),
      [page.events[0]!.data?.eventId, ...r.eventIds],
    );
    assert.equal(page.events.length, 3);
  });

  it("refuses a stale expected version with ABORTED and the current version", async () => {
    const dealId = uniqueDealId();
    await client.append(dealId, [dealAnnouncement(), tariff(1500, "2025-09-16T00:00:00Z")]);
    const stale = await rejection(
      client.append(dealId, [tariff(2500, "2026-01-01T00:00:00Z")], { expectedVersion: 1 }),
    );
    assert.equal(stale.code, Status.ABORTED);
    assert.equal(stale.codeName, "ABORTED");
    assert.equal(stale.attempts, 1);
    assert.match(stale.details, /\b2\b/, stale.details);
    // As data, from the server's google.rpc.ErrorInfo.
    assert.equal(stale.errorInfo?.reason, "EXPECTED_VERSION_MISMATCH");
    assert.equal(stale.errorInfo?.domain, "pactlog.v1");
    assert.equal(stale.errorInfo?.metadata["deal_id"], dealId);
    assert.equal(stale.currentVersion, 2n);
    const exists = await rejection(client.append(dealId, [tariff(2500, "2026-01-01T00:00:00Z")], { expectedVersion: "no-deal" }));
    assert.equal(exists.code, Status.ABORTED);
    // Nothing was written by the refused calls; the right version works.
    const ok = await client.append(dealId, [tariff(2500, "2026-01-01T00:00:00Z")], { expectedVersion: 2 });
    assert.equal(ok.dealVersion, 3n);
  });

  it("refuses bad input with INVALID_ARGUMENT naming every field", async () => {
    const bad = dealAnnouncement();
    bad.provenance = { source: "", firmness: 0, assertedBy: "" };
    const e = await rejection(client.append("Not A Slug!", [bad]));
    assert.equal(e.code, Status.INVALID_ARGUMENT);
    assert.match(e.details, /deal_id/);
    assert.match(e.details, /events\[0\]\.provenance/);
    assert.ok(e instanceof Error && e.message.startsWith("INVALID_ARGUMENT: "));

    const empty = await rejection(client.append(uniqueDealId(), []));
    assert.equal(empty.code, Status.INVALID_ARGUMENT);
    assert.match(empty.details, /events/);

    const negative = dealAnnouncement();
    negative.announcement!.deal!.commitmentCeiling = moneyMinor("USD", -5);
    const n = await rejection(client.append(uniqueDealId(), [negative]));
    assert.equal(n.code, Status.INVALID_ARGUMENT);
    assert.match(n.details, /commitment_ceiling/);

    // Checked locally before anything is sent.
    const local = await rejection(client.append(uniqueDealId(), [dealAnnouncement()], { expectedVersion: -1 }));
    assert.equal(local.code, Status.INVALID_ARGUMENT);
    assert.match(local.details, /^expectedVersion: /);
    assert.equal(local.attempts, 0);
  });

  it("gives the bad fields of a refused append as fieldViolations", async () => {
    const bad = tariff(1500, "2025-09-16T00:00:00Z");
    bad.tariffChange!.rateBps = 200_000;
    bad.tariffChange!.legalInstrument = "";
    const e = await rejection(client.append(uniqueDealId(), [dealAnnouncement(), bad]));
    assert.equal(e.code, Status.INVALID_ARGUMENT, e.message);
    assert.deepEqual(
      e.fieldViolations.map((v) => v.field),
      ["events[1].tariff_change.rate_bps", "events[1].tariff_change.legal_instrument"],
    );
    assert.match(e.fieldViolations[0]!.description, /200000/);
    assert.match(e.fieldViolations[1]!.description, /empty/);

    // No details, no violations: an unknown deal, a local check.
    const unknown = await rejection(client.getDeal(uniqueDealId()));
    assert.equal(unknown.code, Status.NOT_FOUND, unknown.message);
    assert.deepEqual(unknown.fieldViolations, []);
    // A local check names the option as TypeScript spells it.
    const local = await rejection(client.append(uniqueDealId(), [dealAnnouncement()], { expectedVersion: -1 }));
    assert.deepEqual(local.fieldViolations.map((v) => v.field), ["expectedVersion"]);
  });

  it("reads no violations from a malformed grpc-status-details-bin", () => {
    const metadata = new Metadata();
    metadata.set("grpc-status-details-bin", Buffer.from([0xff, 0xff, 0xff]));
    const e = new PactlogError(Status.INVALID_ARGUMENT, "bad", { metadata });
    assert.deepEqual(e.fieldViolations, []);
  });

  it("refuses a broken rule with FAILED_PRECONDITION and an unknown deal with NOT_FOUND", async () => {
    const dealId = uniqueDealId();
    await client.append(dealId, [dealAnnouncement()]);
    const huge = lngProject();
    huge.announcement!.project!.pledged = usd(600_000_000_000n);
    const e = await rejection(client.append(dealId, [huge]));
    assert.equal(e.code, Status.FAILED_PRECONDITION, e.message);
    assert.match(e.details, /ceiling/);
    // As data, from the server's google.rpc.ErrorInfo: the rule, what it
    // found, and its numbers by name.
    assert.equal(e.errorInfo?.reason, "RULE_BROKEN");
    assert.ok(e.rule, "RULE_BROKEN without a rule");
    assert.ok(e.details.includes(e.rule!), `${e.details} does not name ${e.rule}`);
    assert.ok(e.ruleDetail, "RULE_BROKEN without a detail");
    assert.ok(Object.keys(e.ruleNumbers).length > 0, `no numbers in ${JSON.stringify(e.ruleValues)}`);
    assert.ok(Object.values(e.ruleNumbers).includes(60_000_000_000_000n), JSON.stringify(e.ruleValues));
    const unknown = await rejection(client.append(uniqueDealId(), [lngProject()]));
    assert.equal(unknown.code, Status.NOT_FOUND, unknown.message);
  });

  it("gives up after the retry budget with UNAVAILABLE", async () => {
    const c = new PactlogClient({ address: `127.0.0.1:${await freePort()}`, retry: { maxAttempts: 3, initialBackoffMs: 1 } });
    try {
      let attempts = 0;
      const e = await rejection(
        c.append(uniqueDealId(), [dealAnnouncement()], { retry: { onRetry: () => void attempts++ } }),
      );
      assert.equal(e.code, Status.UNAVAILABLE);
      assert.equal(attempts, 2);
      assert.equal(e.attempts, 3);
    } finally {
      c.close();
    }
  });

  it("sends the bearer token and can be cancelled", async () => {
    const c = server.client({ token: "secret-token" });
    try {
      // pactlogd ignores the header today; the call must still go through.
      const r = await c.append(freshDeal(), [dealAnnouncement()]);
      assert.equal(r.deduplicated, false);
      const abort = new AbortController();
      abort.abort();
      const e = await rejection(c.getDeal("x", { signal: abort.signal }));
      assert.equal(e.code, Status.CANCELLED);
    } finally {
      c.close();
    }
    const closed = await rejection(c.getDeal("x"));
    assert.equal(closed.code, Status.CANCELLED);
  });
});
