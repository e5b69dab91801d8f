// The README's five lines and examples/record-and-tail.ts, run as written
// against a real pactlogd.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";

import { PactlogClient } from "@pactlog/client";

import { uniqueDealId } from "./fixtures";
import { PactlogServer } from "./server";

const run = promisify(execFile);
const PKG = path.resolve(__dirname, "..", "..");

/** The first ```ts block under the "## Five lines" heading of README.md. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(PKG, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Five lines"));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(m, "no ts block under '## Five lines' in README.md");
  return m[1]!;
}

describe("examples", () => {
  let server: PactlogServer;
  let client: PactlogClient;
  let dir: string;

  before(async () => {
    server = await PactlogServer.start();
    client = server.client();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pactlog-ts-example-"));
  });
  after(async () => {
    client?.close();
    await server?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("README: the five lines type-check and run as written, twice", async () => {
    const code = readmeExample();
    assert.ok(code.trim().split("\n").length <= 6, code);
    // A project that depends on the package the way npm installs it.
    fs.mkdirSync(path.join(dir, "node_modules", "@pactlog"), { recursive: true });
    fs.symlinkSync(PKG, path.join(dir, "node_modules", "@pactlog", "client"), "dir");
    fs.writeFileSync(path.join(dir, "example.mts"), code);
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "Node16",
          moduleResolution: "Node16",
          strict: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [path.join(PKG, "node_modules", "@types")],
        },
        files: ["example.mts"],
      }),
    );
    await run(process.execPath, [path.join(PKG, "node_modules", "typescript", "bin", "tsc"), "-p", dir]);
    const env = { ...process.env, PACTLOG_ADDRESS: server.address };
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run(process.execPath, [path.join(dir, "example.mjs")], { env, timeout: 60_000 });
      assert.equal(stdout, "US-Japan framework USD 550,000,000,000.00\n");
    }
    // Recorded once.
    const { deal } = await client.getDeal("us-jp");
    assert.equal(deal.version, 1n);
  });

  it("examples/record-and-tail.ts records a deal and a project and tails the log", async () => {
    const dealId = uniqueDealId("example");
    const script = path.join(PKG, "build", "examples", "record-and-tail.js");
    const args = [script, "--address", server.address, "--deal", dealId, "--exit-when-caught-up"];
    const first = await run(process.execPath, args, { timeout: 60_000 });
    assert.match(first.stdout, /^recorded sequences \d+, \d+\nrecorded sequences \d+, \d+\n/);
    assert.match(first.stdout, new RegExp(`${dealId}: pledged USD 12,000,000,000.00, approved USD 5,000,000,000.00`));
    const tailed = first.stdout.split("\n").filter((l) => l.includes(` ${dealId} v`));
    assert.deepEqual(
      tailed.map((l) => l.split(" ")[3]),
      ["deal-announcement", "tariff-change", "project-announcement", "approval"],
    );
    assert.match(first.stdout, /-- caught up at #\d+, following live\n$/);

    const second = await run(process.execPath, args, { timeout: 60_000 });
    assert.match(second.stdout, /^recorded sequences \d+, \d+ \(already recorded\)\n/);
    const { deal } = await client.getDeal(dealId);
    assert.equal(deal.version, 4n);
  });
});
