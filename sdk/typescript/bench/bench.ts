// End-to-end figures of the TypeScript client against a real pactlogd on
// this machine: append latency and throughput, read and catch-up rates.
//
//   npm run bench            (PACTLOGD as for the tests)

import { performance } from "node:perf_hooks";

import { EventData, PactlogClient, changeTariff } from "@pactlog/client";

import { dealAnnouncement, uniqueDealId } from "../test/fixtures";
import { PactlogServer } from "../test/server";

const SOURCE = "bench";

function tariffs(n: number, from: number): EventData[] {
  return Array.from({ length: n }, (_, i) =>
    changeTariff({
      productCategory: "all-goods",
      rateBps: (from + i) % 100_000,
      legalInstrument: "bench",
      effectiveTime: new Date(Date.UTC(2025, 0, 1) + (from + i) * 1000),
      source: SOURCE,
      firmness: "reported",
    }),
  );
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const fmt = (n: number): string => n.toLocaleString("en-US", { maximumFractionDigits: n < 10 ? 2 : 0 });

async function main(): Promise<void> {
  const server = await PactlogServer.start();
  const client = server.client();
  const rows: [string, string][] = [];
  try {
    const dealId = uniqueDealId("bench");
    await client.append(dealId, [dealAnnouncement()]);
    let next = 0;

    // Sequential single-event appends: the round trip, fsync included.
    const latencies: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      await client.append(dealId, tariffs(1, next++));
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    rows.push(["append, 1 event, 1 in flight: p50 / p99 latency", `${fmt(quantile(latencies, 0.5))} / ${fmt(quantile(latencies, 0.99))} ms`]);

    // 64 appends in flight on one channel, one deal per caller (server
    // group commit).
    {
      const deals = Array.from({ length: 64 }, () => uniqueDealId("bench"));
      await Promise.all(deals.map((d) => client.append(d, [dealAnnouncement()])));
      const total = 4000;
      let started = 0;
      const t = performance.now();
      await Promise.all(
        deals.map(async (d) => {
          while (started < total) {
            started++;
            await client.append(d, tariffs(1, next++));
          }
        }),
      );
      rows.push(["append, 1 event, 64 in flight (64 deals)", `${fmt(total / ((performance.now() - t) / 1000))} events/s`]);
    }

    // Batches of 100 events.
    {
      const batches = 60;
      const t = performance.now();
      for (let i = 0; i < batches; i++) {
        await client.append(dealId, tariffs(100, next));
        next += 100;
      }
      rows.push(["append, 100-event batches, 1 in flight", `${fmt((batches * 100) / ((performance.now() - t) / 1000))} events/s`]);
    }

    const head = (await client.read({ limit: 1 })).headSequence;

    // Read the whole log in pages of 1000.
    {
      const t = performance.now();
      let n = 0;
      for await (const _ of client.readAll({ limit: 1000 })) n++;
      rows.push([`readAll, pages of 1000 (${n} events)`, `${fmt(n / ((performance.now() - t) / 1000))} events/s`]);
    }

    // Subscribe from 0 until caught up.
    {
      const t = performance.now();
      let n = 0;
      const sub = client.subscribe({ maxEventsPerMessage: 256, onCaughtUp: () => sub.close() });
      for await (const _ of sub) n++;
      if (BigInt(n) < head) throw new Error(`catch-up delivered ${n} of ${head} events`);
      rows.push([`subscribe catch-up, 256 per message (${n} events)`, `${fmt(n / ((performance.now() - t) / 1000))} events/s`]);
    }
  } finally {
    client.close();
    await server.dispose();
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`node ${process.version}, pactlogd ${process.env.PACTLOGD ?? "(default)"}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
