// Records a deal and one of its projects, then tails the log.
//
//   npm run example -- [--address HOST:PORT] [--deal ID] [--exit-when-caught-up]
//
// Safe to run again: every event has a fixed id, so a second run is
// answered "deduplicated" and records nothing new. The tail survives a
// server restart (it resumes after the last event it printed); Ctrl-C ends it.

import {
  PactlogClient,
  PactlogError,
  announceDeal,
  announceProject,
  approveProject,
  changeTariff,
  describeEvent,
  formatMoney,
  usd,
} from "@pactlog/client";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const FACT_SHEET = "https://www.whitehouse.gov/fact-sheets/2025/09/us-japan-investment";

async function main(): Promise<void> {
  const dealId = arg("deal") ?? "us-jp-2025";
  const exitWhenCaughtUp = process.argv.includes("--exit-when-caught-up");
  const client = new PactlogClient({ address: arg("address"), actor: "record-and-tail example" });
  const id = (what: string) => `${dealId}/${what}`; // fixed ids: re-runs are deduplicated

  try {
    const deal = await client.append(dealId, [
      announceDeal({
        eventId: id("announced"),
        title: "US-Japan Strategic Investment Framework",
        investorCountry: "JP",
        hostCountry: "US",
        ceiling: usd(550_000_000_000n),
        tariffCaps: { "all-goods": 1500 },
        effectiveTime: "2025-07-22T00:00:00Z",
        source: FACT_SHEET,
        firmness: "announced",
      }),
      changeTariff({
        eventId: id("tariff-15"),
        productCategory: "all-goods",
        rateBps: 1500,
        legalInstrument: "Executive Order 14345",
        reason: "implements the agreed 15% cap",
        effectiveTime: "2025-09-16T00:00:00Z",
        source: FACT_SHEET,
        firmness: "confirmed",
      }),
    ]);
    const project = await client.append(dealId, [
      announceProject({
        eventId: id("tx-lng/announced"),
        projectId: "tx-lng",
        name: "Gulf Coast LNG export terminal",
        sector: "oil-and-gas",
        usState: "TX",
        sponsors: ["JERA"],
        pledged: usd(12_000_000_000n),
        effectiveTime: "2026-02-18T00:00:00Z",
        source: FACT_SHEET,
        firmness: "announced",
      }),
      approveProject({
        eventId: id("tx-lng/approved"),
        projectId: "tx-lng",
        amount: usd(5_000_000_000n),
        approvingBody: "US Investment Committee",
        effectiveTime: "2026-03-01T00:00:00Z",
        source: FACT_SHEET,
        firmness: "confirmed",
      }),
    ]);
    for (const r of [deal, project]) {
      console.log(`recorded sequences ${r.sequences.join(", ")}${r.deduplicated ? " (already recorded)" : ""}`);
    }

    const { deal: state } = await client.getDeal(dealId, { atLeastSequence: project.lastSequence });
    console.log(
      `${state.dealId}: pledged ${formatMoney(state.totals?.pledged)}, approved ${formatMoney(state.totals?.approved)}, ` +
        `headroom ${formatMoney(state.headroom)}`,
    );

    const tail = client.subscribe({
      onCaughtUp: (sequence) => {
        console.log(`-- caught up at #${sequence}, following live`);
        if (exitWhenCaughtUp) tail.close();
      },
      onReconnect: (error, attempt, position) =>
        console.log(`-- ${error.codeName}; resuming after #${position} (attempt ${attempt})`),
    });
    process.once("SIGINT", () => tail.close());
    for await (const event of tail) console.log(describeEvent(event));
  } catch (e) {
    if (!(e instanceof PactlogError)) throw e;
    console.error(`pactlog: ${e.message}`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

void main();
