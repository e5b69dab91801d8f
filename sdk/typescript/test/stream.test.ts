// EventStream through PactlogClient against a real pactlogd: read paging,
// subscribe catch-up then live, checkpoints, heartbeats, and resume across
// a real server restart with no gap and no duplicate.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  Event,
  EventData,
  PactlogClient,
  PactlogError,
  RESUME_DEFAULTS,
  Status,
  Subscription,
  SubscriptionMessage,
} from "@pactlog/client";

import { dealAnnouncement, tariff, uniqueDealId } from "./fixtures";
import { Condition, PactlogServer, freePort } from "./server";

/** n tariff changes with distinct effective days. */
function tariffs(n: number, from = 0): EventData[] {
  return Array.from({ length: n }, (_, i) =>
    tariff(1000 + from + i, new Date(Date.UTC(2025, 9, 1) + (from + i) * 86_400_000).toISOString()),
  );
}

const seqs = (events: readonly Event[]): bigint[] => events.map((e) => e.sequence);
const range = (from: bigint, to: bigint): bigint[] => {
  const out: bigint[] = [];
  for (let s = from; s <= to; s++) out.push(s);
  return out;
};

/** Consumes a subscription's messages in the background. */
class Collector {
  readonly messages: SubscriptionMessage[] = [];
  readonly events: Event[] = [];
  error: unknown;
  finished = false;
  readonly done: Promise<void>;
  private readonly cond = new Condition();

  constructor(sub: Subscription, onMessage?: (m: SubscriptionMessage) => void) {
    this.done = (async () => {
      try {
        for await (const m of sub.messages()) {
          this.messages.push(m);
          if (m.type === "events") this.events.push(...m.events);
          onMessage?.(m);
          this.cond.poke();
        }
      } catch (e) {
        this.error = e;
      } finally {
        this.finished = true;
        this.cond.poke();
      }
    })();
  }

  count(type: SubscriptionMessage["type"]): number {
    return this.messages.filter((m) => m.type === type).length;
  }

  async until(what: string, check: () => boolean): Promise<void> {
    await this.cond.until(() => this.finished || check(), 30_000, what);
    if (this.error !== undefined) throw this.error;
    assert.ok(check(), `subscription ended before ${what}`);
  }
}

describe("event stream", () => {
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

  it("reads the log page by page, with filters", async () => {
    const dealId = uniqueDealId();
    const noise = uniqueDealId("noise");
    await client.append(dealId, [dealAnnouncement()]);
    await client.append(noise, [dealAnnouncement()]);
    const written: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      written.push(...(await client.append(dealId, tariffs(6, i * 6))).sequences);
      await client.append(noise, tariffs(1, i));
    }
    assert.equal(written.length, 24);

    // Filtered pages of 10: every tariff change of the deal, once, in order.
    const pages: number[] = [];
    const got: bigint[] = [];
    let afterSequence = 0n;
    for (;;) {
      const page = await client.read({ afterSequence, limit: 10, filter: { dealIds: [dealId], kinds: ["tariff-change"] } });
      if (page.events.length === 0) {
        assert.equal(page.lastExaminedSequence, page.headSequence);
        break;
      }
      pages.push(page.events.length);
      got.push(...seqs(page.events));
      assert.ok(page.lastExaminedSequence >= page.events[page.events.length - 1]!.sequence);
      afterSequence = page.lastExaminedSequence;
    }
    assert.deepEqual(pages, [10, 10, 4]);
    assert.deepEqual(got, written);

    // Unfiltered: the whole log is gapless from 1.
    const all: Event[] = [];
    for await (const e of client.readAll({ limit: 7 })) all.push(e);
    assert.deepEqual(seqs(all), range(1n, BigInt(all.length)));
    const head = (await client.read({ limit: 1 })).headSequence;
    assert.equal(BigInt(all.length), head);

    const bad = await client.read({ limit: 5000 }).then(
      () => assert.fail("accepted limit 5000"),
      (e: PactlogError) => e,
    );
    assert.equal(bad.code, Status.INVALID_ARGUMENT);
    assert.match(bad.details, /limit/);
  });

  it("subscribes: history, caught-up, then live, with nothing lost while catching up", async () => {
    const dealId = uniqueDealId();
    const other = uniqueDealId("other");
    const history = [
      ...(await client.append(dealId, [dealAnnouncement(), ...tariffs(99)])).sequences,
      ...(await client.append(other, [dealAnnouncement()])).sequences.filter(() => false),
    ];
    let duringCatchUp: Promise<bigint[]> | undefined;
    const caughtUpAt: bigint[] = [];
    const sub = client.subscribe({
      filter: { dealIds: [dealId] },
      maxEventsPerMessage: 2,
      onCaughtUp: (s) => caughtUpAt.push(s),
    });
    const c = new Collector(sub, (m) => {
      // Appends committed while the stream is still replaying history.
      if (m.type === "events" && !duringCatchUp) {
        duringCatchUp = client.append(dealId, tariffs(3, 100)).then((r) => r.sequences);
      }
    });
    try {
      await c.until("caught up", () => c.count("caughtUp") > 0);
      const late = await duringCatchUp!;
      await c.until("the appends made during catch-up", () => c.events.length >= history.length + late.length);
      assert.ok(sub.caughtUp);
      assert.equal(caughtUpAt.length, 1);
      for (const m of c.messages) if (m.type === "events") assert.ok(m.events.length <= 2);

      const live = (await client.append(dealId, tariffs(4, 200))).sequences;
      await client.append(other, tariffs(2, 200));
      await c.until("the live events", () => c.events.length >= history.length + late.length + live.length);
      assert.deepEqual(seqs(c.events), [...history, ...late, ...live]);
      for (const e of c.events) assert.equal(e.dealId, dealId);
      // The live events come after the caught-up marker.
      const marker = c.messages.findIndex((m) => m.type === "caughtUp");
      const firstLive = c.messages.findIndex((m) => m.type === "events" && m.events.some((e) => e.sequence === live[0]));
      assert.ok(marker < firstLive);
      assert.equal(sub.position, live[live.length - 1]);
    } finally {
      sub.close();
      await c.done;
    }
    assert.equal(c.error, undefined);
  });

  it("is caught up when the last history event is handed out, without markers", async () => {
    for (const perMessage of [3, 7, 1000]) {
      const dealId = uniqueDealId();
      const written = (await client.append(dealId, [dealAnnouncement(), ...tariffs(6)])).sequences;
      const head = (await client.read({ limit: 1 })).headSequence;
      const calls: bigint[] = [];
      const sub = client.subscribe({
        filter: { dealIds: [dealId] },
        maxEventsPerMessage: perMessage,
        onCaughtUp: (s) => calls.push(s),
      });
      const flags: boolean[] = [];
      const got: bigint[] = [];
      let live: bigint[] = [];
      for await (const e of sub) {
        got.push(e.sequence);
        flags.push(sub.caughtUp);
        if (got.length === written.length) {
          // Caught up before waiting for a live event: now add one.
          assert.equal(sub.caughtUpSequence, head, `${perMessage} per message`);
          live = (await client.append(dealId, tariffs(1, 50))).sequences;
        }
        if (got.length === written.length + 1) break;
      }
      assert.deepEqual(got, [...written, ...live]);
      assert.deepEqual(calls, [head]);
      assert.deepEqual(flags, [...written.map((_, i) => i === written.length - 1), true], `${perMessage} per message`);
    }
  });

  it("ends at the deadline the caller set, with DEADLINE_EXCEEDED", async () => {
    const sub = client.subscribe({ filter: { dealIds: [uniqueDealId("quiet")] }, deadlineMs: 300 });
    const seen: bigint[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of sub) seen.push(e.sequence);
      })(),
      (e: unknown) => e instanceof PactlogError && e.code === Status.DEADLINE_EXCEEDED,
    );
    assert.deepEqual(seen, []);
    assert.equal(sub.reconnects, 0);
  });

  it("iterates events and resumes from the checkpoint it leaves", async () => {
    const dealId = uniqueDealId();
    const written = (await client.append(dealId, [dealAnnouncement(), ...tariffs(11)])).sequences;
    const sub = client.subscribe({ filter: { dealIds: [dealId] }, maxEventsPerMessage: 5 });
    const first: bigint[] = [];
    for await (const e of sub) {
      first.push(e.sequence);
      if (first.length === 7) break; // mid-batch
    }
    assert.deepEqual(first, written.slice(0, 7));
    assert.equal(sub.position, written[6]);

    const rest = client.subscribe({ afterSequence: sub.position!, filter: { dealIds: [dealId] } });
    const second: bigint[] = [];
    for await (const e of rest) {
      second.push(e.sequence);
      if (second.length === 5) break;
    }
    assert.deepEqual(second, written.slice(7));
  });

  it("moves its position with heartbeats past events a narrow filter skips", async () => {
    const quiet = uniqueDealId("quiet");
    await client.append(uniqueDealId(), [dealAnnouncement(), ...tariffs(5)]);
    const head = (await client.read({ limit: 1 })).headSequence;
    const progress: bigint[] = [];
    const sub = client.subscribe({
      filter: { dealIds: [quiet] },
      heartbeatIntervalMs: 100,
      onProgress: (p) => progress.push(p.lastExaminedSequence),
    });
    const c = new Collector(sub);
    try {
      await c.until("a heartbeat at the head", () => sub.position !== undefined && sub.position >= head && c.count("progress") > 0);
      assert.equal(c.events.length, 0);
      assert.ok(progress.length > 0);
      assert.ok(sub.headSequence! >= head);
    } finally {
      sub.close();
      await c.done;
    }
  });

  it("starts from the end or from a recorded time", async () => {
    const dealId = uniqueDealId();
    const old = await client.append(dealId, [dealAnnouncement(), ...tariffs(3)]);
    const head = (await client.read({ limit: 1 })).headSequence;
    const sub = client.subscribe({ fromEnd: true, filter: { dealIds: [dealId] } });
    assert.equal(sub.position, undefined);
    const c = new Collector(sub);
    try {
      await c.until("caught up", () => c.count("caughtUp") > 0);
      assert.equal(sub.position, head);
      const fresh = (await client.append(dealId, tariffs(2, 10))).sequences;
      await c.until("the new events", () => c.events.length >= 2);
      assert.deepEqual(seqs(c.events), fresh);
    } finally {
      sub.close();
      await c.done;
    }

    // Recorded at or after the time of the second batch (clock moved on).
    while (Date.now() <= old.recordedTime!.getTime() + 1) await new Promise((r) => setImmediate(r));
    const second = await client.append(dealId, tariffs(2, 20));
    const since = client.subscribe({ fromRecordedTime: second.recordedTime!, filter: { dealIds: [dealId] } });
    const got: bigint[] = [];
    for await (const e of since) {
      got.push(e.sequence);
      if (got.length === 2) break;
    }
    assert.deepEqual(got, second.sequences);
  });

  it("fails a bad subscription with its code instead of retrying", async () => {
    const head = (await client.read({ limit: 1 })).headSequence;
    const sub = client.subscribe({ afterSequence: head + 1000n });
    await assert.rejects(
      (async () => {
        for await (const _ of sub) assert.fail("got an event");
      })(),
      (e: unknown) => e instanceof PactlogError && e.code === Status.OUT_OF_RANGE,
    );
    assert.equal(sub.reconnects, 0);
    assert.throws(
      () => client.subscribe({ afterSequence: 1, fromEnd: true }),
      (e: unknown) => e instanceof PactlogError && e.code === Status.INVALID_ARGUMENT,
    );
  });
});

describe("subscription without a server", () => {
  it("never gives up on UNAVAILABLE, waiting 100 ms doubling to 1 s", async () => {
    assert.deepEqual({ ...RESUME_DEFAULTS }, { maxAttempts: Infinity, initialBackoffMs: 100, maxBackoffMs: 1000 });
    // Nothing listens there: every try fails UNAVAILABLE.
    const client = new PactlogClient({ address: `127.0.0.1:${await freePort()}` });
    const sub = client.subscribe();
    const reconnects: Extract<SubscriptionMessage, { type: "reconnecting" }>[] = [];
    try {
      for await (const m of sub.messages()) {
        assert.equal(m.type, "reconnecting");
        if (m.type === "reconnecting") reconnects.push(m);
        // Past the 10 tries after which the client once gave up.
        if (reconnects.length === 12) break;
      }
    } finally {
      client.close();
    }
    assert.deepEqual(reconnects.map((m) => m.attempt), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.deepEqual(reconnects.map((m) => m.delayMs), [100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    for (const m of reconnects) {
      assert.equal(m.error.code, Status.UNAVAILABLE);
      assert.equal(m.position, 0n);
    }
    assert.equal(sub.reconnects, 12);
  });
});

describe("subscription across a server restart", () => {
  let server: PactlogServer;

  before(async () => {
    server = await PactlogServer.start();
  });
  after(async () => {
    await server?.dispose();
  });

  it("resumes after the last event with no gap and no duplicate", async () => {
    const client = server.client();
    const dealId = uniqueDealId();
    const reconnects: { code: Status; attempt: number; position: bigint | undefined; delayMs: number }[] = [];
    // Default resume options: never give up, 100 ms doubling to 1 s.
    const sub = client.subscribe({
      heartbeatIntervalMs: 200,
      onReconnect: (error, attempt, position, delayMs) => reconnects.push({ code: error.code, attempt, position, delayMs }),
    });
    const c = new Collector(sub);
    try {
      const history = (await client.append(dealId, [dealAnnouncement(), ...tariffs(4)])).sequences;
      await c.until("history", () => c.events.length >= history.length && c.count("caughtUp") > 0);
      const live = (await client.append(dealId, tariffs(3, 10))).sequences;
      await c.until("live events", () => c.events.length >= history.length + live.length);
      const before = c.events.length;

      // Graceful stop: the stream ends with UNAVAILABLE; the tries while
      // the server is away fail too, each waiting twice as long.
      await server.stop();
      await c.until("three failed tries", () => c.count("reconnecting") >= 3);
      assert.equal(reconnects[0]?.code, Status.UNAVAILABLE);
      assert.equal(reconnects[0]?.position, live[live.length - 1]);
      assert.deepEqual(reconnects.slice(0, 3).map((r) => [r.attempt, r.delayMs]), [[1, 100], [2, 200], [3, 400]]);

      // Same data directory and port. Events appended now are committed
      // before the subscription is back: it must replay them.
      await server.launch();
      await server.waitServing();
      const whileAway = (await client.append(dealId, tariffs(4, 20))).sequences;
      await c.until("the events appended while away", () => c.events.length >= before + whileAway.length);
      await c.until("caught up again", () => c.count("caughtUp") >= 2);
      const after = (await client.append(dealId, tariffs(2, 30))).sequences;
      await c.until("live events after the restart", () => c.events.length >= before + whileAway.length + after.length);

      // A resumed stream that delivered resets the wait: the next break
      // waits 100 ms again.
      const broken = reconnects.length;
      await server.stop();
      await c.until("the second disconnect", () => reconnects.length > broken);
      assert.deepEqual([reconnects[broken]!.attempt, reconnects[broken]!.delayMs], [1, 100]);
      await server.launch();
      await server.waitServing();
      const last = (await client.append(dealId, tariffs(2, 40))).sequences;
      await c.until("live events after the second restart", () => c.events.length >= before + whileAway.length + after.length + last.length);

      const expected = [...history, ...live, ...whileAway, ...after, ...last];
      assert.deepEqual(seqs(c.events), expected);
      assert.deepEqual(expected, range(1n, BigInt(expected.length)));
      assert.ok(sub.reconnects >= 1);
      assert.equal(sub.position, last[last.length - 1]);
      // Cross-check with the log itself.
      const log: Event[] = [];
      for await (const e of client.readAll()) log.push(e);
      assert.deepEqual(seqs(log), expected);
    } finally {
      sub.close();
      await c.done;
      client.close();
    }
    assert.equal(c.error, undefined, String(c.error));
  });
});
