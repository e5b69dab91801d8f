// The cross-SDK scenario of tests/sdk_alike/SCENARIO.md through
// @pactlog/client, with default options only (the server from
// $PACTLOG_ADDRESS):
//
//   node build/scenario.js DEAL_PREFIX            the seven steps, one JSON line each
//   node build/scenario.js --follow DEAL_PREFIX   every event of the log until DEAL_PREFIX-stop

import {
  Durability,
  EventData,
  Firmness,
  PactlogClient,
  PactlogError,
  announceDeal,
  usd,
} from "@pactlog/client";

function print(line: object): void {
  // A pipe's writes are synchronous on Linux: each line is out when this returns.
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** An enum value's name without its prefix: Firmness.FIRMNESS_REPORTED -> "REPORTED". */
function enumName(table: Record<number, string>, value: number, prefix: string): string {
  const name = table[value];
  return name === undefined ? String(value) : name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

function announcement(title: string): EventData {
  // No firmness: the builder's default (reported) is what step 1 checks.
  return announceDeal({
    title,
    investorCountry: "JP",
    hostCountry: "US",
    ceiling: usd(1_000_000n),
    tariffCaps: { "all-goods": 1500 },
    source: "tests/sdk_alike scenario",
  });
}

async function refusal(call: Promise<unknown>, what: string): Promise<PactlogError> {
  try {
    await call;
  } catch (e) {
    if (e instanceof PactlogError) return e;
    throw e;
  }
  throw new Error(`${what}: the call succeeded`);
}

async function recordedActor(client: PactlogClient, dealId: string): Promise<{ actor: string; firmness: string }> {
  const page = await client.read({ filter: { dealIds: [dealId] }, limit: 1 });
  const event = page.events[0];
  if (event === undefined) throw new Error(`no event of ${dealId} in the log`);
  const firmness = event.data?.provenance?.firmness ?? Firmness.FIRMNESS_UNSPECIFIED;
  return { actor: event.actor, firmness: enumName(Firmness, firmness, "FIRMNESS_") };
}

async function scenario(prefix: string): Promise<void> {
  const one = `${prefix}-1`;
  const client = new PactlogClient();
  try {
    // 1. append, read back
    const appended = await client.append(one, [announcement("sdk_alike one")]);
    const recorded = await recordedActor(client, one);
    print({
      step: "append",
      actor: recorded.actor,
      firmness: recorded.firmness,
      attempts: appended.attempts,
      durability: enumName(Durability, appended.durability, "DURABILITY_"),
    });

    // 2. the actor from PACTLOG_ACTOR, for a client made after it is set
    process.env.PACTLOG_ACTOR = "alike-env-actor";
    const second = new PactlogClient();
    try {
      await second.append(`${prefix}-2`, [announcement("sdk_alike two")]);
      print({ step: "actor-env", actor: (await recordedActor(second, `${prefix}-2`)).actor });
    } finally {
      second.close();
    }

    // 3. a stale expected version
    const aborted = await refusal(client.append(one, [announcement("stale")], { expectedVersion: 0 }), "aborted");
    print({
      step: "aborted",
      code: aborted.codeName,
      current_version: aborted.currentVersion === undefined ? null : Number(aborted.currentVersion),
    });

    // 4. a bad deal id
    const invalid = await refusal(client.append("Bad Deal!", [announcement("bad")]), "invalid");
    print({ step: "invalid", code: invalid.codeName, fields: invalid.fieldViolations.map((v) => v.field).sort() });

    // 5. a broken rule
    const rule = await refusal(client.append(one, [announcement("again")]), "rule");
    print({ step: "rule", code: rule.codeName, rule: rule.rule ?? null });

    // 6. one page, then every page
    const page = await client.listDeals({ pageSize: 1 });
    let all = 0;
    for await (const _ of client.listAllDeals({ pageSize: 1 })) all++;
    print({ step: "list", one_page: page.deals.length, has_next: page.nextPageToken !== "", all });

    // 7. caught up without markers: the flag is set when the last history
    // event is handed out.
    const sub = client.subscribe();
    let history = 0;
    for await (const _ of sub) {
      history++;
      if (sub.caughtUp) break;
    }
    const sequence = sub.caughtUpSequence;
    sub.close();
    print({ step: "caught-up", history, sequence: sequence === undefined ? null : Number(sequence) });
  } finally {
    client.close();
  }
}

async function follow(prefix: string): Promise<void> {
  const client = new PactlogClient();
  const stop = `${prefix}-stop`;
  try {
    for await (const event of client.subscribe()) {
      print({ sequence: Number(event.sequence), deal: event.dealId, received_unix_ms: Date.now() });
      if (event.dealId === stop) break;
    }
  } finally {
    client.close();
  }
}

async function main(args: string[]): Promise<void> {
  const usage = "usage: scenario.js DEAL_PREFIX | scenario.js --follow DEAL_PREFIX";
  if (args.length === 1 && args[0] && !args[0].startsWith("-")) return scenario(args[0]);
  if (args.length === 2 && args[0] === "--follow" && args[1]) return follow(args[1]);
  throw new Error(`${usage}; got ${JSON.stringify(args)}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`scenario (typescript): ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
