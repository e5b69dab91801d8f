// sdk/BEHAVIOUR.md's errors, retries and listings, against a gRPC server
// made here (test/fake.ts) that answers what each test scripts: the data a
// PactlogError carries from grpc-status-details-bin (field violations, the
// current version, the broken rule), how many attempts an append makes and
// with which backoff, and that an all-pages listing fetches a page only
// when the iteration gets there.

import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import {
  AppendRequest,
  AppendResponse,
  DealLedgerService,
  DealQueryService,
  DealState,
  ListDealsRequest,
  ListDealsResponse,
  PactlogError,
  RETRY_DEFAULTS,
  Status,
} from "@pactlog/client";

import { dealAnnouncement, lngProject } from "./fixtures";
import { BAD_REQUEST_URL, ERROR_INFO_URL, FakeServer, badRequest, errorInfo, failure, rpcStatus } from "./fake";

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

function withDetails(details: Uint8Array): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(details));
  return metadata;
}

const versionMismatch = (current: string) =>
  rpcStatus(Status.ABORTED, "deal us-jp is at version 7", [
    [ERROR_INFO_URL, errorInfo("EXPECTED_VERSION_MISMATCH", "pactlog.v1", { deal_id: "us-jp", current_version: current })],
  ]);

const ruleBroken = rpcStatus(Status.FAILED_PRECONDITION, "rule pledge-within-ceiling: ...", [
  [
    ERROR_INFO_URL,
    errorInfo("RULE_BROKEN", "pactlog.v1", {
      rule: "pledge-within-ceiling",
      detail: "pledges would exceed the ceiling",
      ceiling_minor_units: "55000000000000",
      pledged_minor_units: "60000000000000",
      currency: "USD",
    }),
  ],
]);

describe("PactlogError from a google.rpc.Status built here", () => {
  it("gives the current version of an expected-version mismatch", () => {
    const e = new PactlogError(Status.ABORTED, "deal us-jp is at version 7", { metadata: withDetails(versionMismatch("7")) });
    assert.equal(e.currentVersion, 7n);
    assert.deepEqual(e.errorInfo, {
      reason: "EXPECTED_VERSION_MISMATCH",
      domain: "pactlog.v1",
      metadata: { deal_id: "us-jp", current_version: "7" },
    });
    assert.equal(e.rule, undefined);
    assert.deepEqual(e.fieldViolations, []);
    assert.equal(e.attempts, 1);
    // Not a number: no version (the ErrorInfo is still there).
    for (const bad of ["seven", "-1", ""]) {
      const odd = new PactlogError(Status.ABORTED, "x", { metadata: withDetails(versionMismatch(bad)) });
      assert.equal(odd.currentVersion, undefined, bad);
      assert.equal(odd.errorInfo?.metadata["current_version"], bad);
    }
  });

  it("gives the broken rule, what it found and its numbers by name", () => {
    const e = new PactlogError(Status.FAILED_PRECONDITION, "rule pledge-within-ceiling", { metadata: withDetails(ruleBroken) });
    assert.equal(e.rule, "pledge-within-ceiling");
    assert.equal(e.ruleDetail, "pledges would exceed the ceiling");
    assert.deepEqual(e.ruleValues, {
      ceiling_minor_units: "55000000000000",
      pledged_minor_units: "60000000000000",
      currency: "USD",
    });
    assert.deepEqual(e.ruleNumbers, { ceiling_minor_units: 55_000_000_000_000n, pledged_minor_units: 60_000_000_000_000n });
    assert.equal(e.currentVersion, undefined);
  });

  it("reads BadRequest and ErrorInfo side by side, and skips other details", () => {
    const status = rpcStatus(Status.INVALID_ARGUMENT, "bad", [
      ["type.googleapis.com/google.rpc.RetryInfo", new Uint8Array([0x0a, 0x00])],
      [BAD_REQUEST_URL, badRequest([["deal_id", "must be a slug, got \"Bad Deal!\""], ["events", "must not be empty"]])],
      [ERROR_INFO_URL, errorInfo("OTHER_REASON", "pactlog.v1", { rule: "not-a-rule" })],
    ]);
    const e = new PactlogError(Status.INVALID_ARGUMENT, "bad", { metadata: withDetails(status) });
    assert.deepEqual(e.fieldViolations, [
      { field: "deal_id", description: "must be a slug, got \"Bad Deal!\"" },
      { field: "events", description: "must not be empty" },
    ]);
    assert.equal(e.errorInfo?.reason, "OTHER_REASON");
    // Another reason: neither a version nor a rule.
    assert.equal(e.rule, undefined);
    assert.equal(e.currentVersion, undefined);
    assert.deepEqual(e.ruleValues, {});
  });

  it("has no details without a trailer or with a malformed one", () => {
    for (const metadata of [new grpc.Metadata(), withDetails(new Uint8Array([0xff, 0xff, 0xff]))]) {
      const e = new PactlogError(Status.ABORTED, "x", { metadata });
      assert.equal(e.errorInfo, undefined);
      assert.equal(e.currentVersion, undefined);
      assert.deepEqual(e.fieldViolations, []);
    }
  });
});

describe("a server made here", () => {
  let server: FakeServer;
  // What the next Append answers: each call takes the next entry (the last repeats).
  let script: ((req: AppendRequest) => Partial<grpc.StatusObject> | AppendResponse)[] = [];
  let seen: AppendRequest[] = [];
  let listed: ListDealsRequest[] = [];

  const ok = (req: AppendRequest): AppendResponse =>
    AppendResponse.fromPartial({
      sequences: req.events.map((_, i) => BigInt(i + 1)),
      eventIds: req.events.map((e) => e.eventId),
      dealVersion: BigInt(req.events.length),
    });
  const deal = (id: string): DealState => DealState.fromPartial({ dealId: id });
  const PAGES: Record<string, { deals: string[]; next: string }> = {
    "": { deals: ["a", "b"], next: "p2" },
    p2: { deals: ["c", "d"], next: "p3" },
    p3: { deals: ["e"], next: "" },
  };

  before(async () => {
    server = await new FakeServer()
      .add(DealLedgerService as unknown as grpc.ServiceDefinition, {
        append: (call: grpc.ServerUnaryCall<AppendRequest, AppendResponse>, done: grpc.sendUnaryData<AppendResponse>) => {
          seen.push(call.request);
          const step = script[Math.min(seen.length - 1, script.length - 1)]!;
          const answer = step(call.request);
          if ("code" in answer) done(answer as grpc.ServerErrorResponse);
          else done(null, answer as AppendResponse);
        },
      })
      .add(DealQueryService as unknown as grpc.ServiceDefinition, {
        listDeals: (call: grpc.ServerUnaryCall<ListDealsRequest, ListDealsResponse>, done: grpc.sendUnaryData<ListDealsResponse>) => {
          listed.push(call.request);
          const page = PAGES[call.request.pageToken];
          if (!page) return done(failure(Status.INVALID_ARGUMENT, `page_token: unknown ${call.request.pageToken}`) as grpc.ServerErrorResponse);
          done(null, ListDealsResponse.fromPartial({ deals: page.deals.map(deal), nextPageToken: page.next, logSequence: 42n }));
        },
      })
      .start();
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    seen = [];
    listed = [];
  });

  it("ABORTED carries the current version, FAILED_PRECONDITION the rule, INVALID_ARGUMENT the fields; none retried", async () => {
    const client = server.client();
    try {
      script = [() => failure(Status.ABORTED, "deal us-jp is at version 7", versionMismatch("7"))];
      const aborted = await rejection(client.append("us-jp", [lngProject()], { expectedVersion: 0 }));
      assert.equal(aborted.code, Status.ABORTED);
      assert.equal(aborted.currentVersion, 7n);
      assert.equal(aborted.details, "deal us-jp is at version 7");
      assert.equal(aborted.attempts, 1);
      assert.equal(seen.length, 1);

      script = [() => failure(Status.FAILED_PRECONDITION, "rule pledge-within-ceiling", ruleBroken)];
      const broken = await rejection(client.append("us-jp", [lngProject()]));
      assert.equal(broken.rule, "pledge-within-ceiling");
      assert.equal(broken.ruleValues["pledged_minor_units"], "60000000000000");
      assert.equal(broken.attempts, 1);

      const status = rpcStatus(Status.INVALID_ARGUMENT, "bad", [[BAD_REQUEST_URL, badRequest([["deal_id", "not a slug"]])]]);
      script = [() => failure(Status.INVALID_ARGUMENT, "deal_id: not a slug", status)];
      const invalid = await rejection(client.append("Bad Deal!", [dealAnnouncement()]));
      assert.deepEqual(invalid.fieldViolations, [{ field: "deal_id", description: "not a slug" }]);
      assert.equal(invalid.attempts, 1);
      assert.equal(seen.length, 3);
    } finally {
      client.close();
    }
  });

  it("sends an append 5 times in all on UNAVAILABLE, with the same ids, backing off 100 ms doubling", async () => {
    const delays: number[] = [];
    const client = server.client({ retry: { onRetry: (_e, _n, delayMs) => delays.push(delayMs) } });
    try {
      script = [() => failure(Status.UNAVAILABLE, "not now")];
      const e = await rejection(client.append("us-jp", [dealAnnouncement(), lngProject()]));
      assert.equal(e.code, Status.UNAVAILABLE);
      assert.equal(e.attempts, 5);
      assert.equal(seen.length, 5);
      const ids = seen[0]!.events.map((ev) => ev.eventId);
      for (const id of ids) assert.match(id, UUID);
      for (const req of seen) assert.deepEqual(req.events.map((ev) => ev.eventId), ids);
      // Before retry n: between half of min(2 s, 100 ms * 2^(n-1)) and all of it.
      assert.equal(delays.length, 4);
      delays.forEach((d, i) => {
        const base = Math.min(2000, 100 * 2 ** i);
        assert.ok(d >= base / 2 && d <= base, `retry ${i + 1} waited ${d} ms, not within [${base / 2}, ${base}]`);
      });
    } finally {
      client.close();
    }
  });

  it("retries DEADLINE_EXCEEDED too and says how many attempts it took", async () => {
    const client = server.client({ retry: { initialBackoffMs: 1 } });
    try {
      script = [() => failure(Status.DEADLINE_EXCEEDED, "slow"), () => failure(Status.DEADLINE_EXCEEDED, "slow"), ok];
      const r = await client.append("us-jp", [dealAnnouncement()]);
      assert.equal(r.attempts, 3);
      assert.equal(seen.length, 3);
      assert.equal(new Set(seen.map((req) => req.events[0]!.eventId)).size, 1);
    } finally {
      client.close();
    }
  });

  it("caps the backoff at maxBackoffMs", async () => {
    const delays: number[] = [];
    const client = server.client({
      retry: { maxAttempts: 6, initialBackoffMs: 10, maxBackoffMs: 30, onRetry: (_e, _n, d) => delays.push(d) },
    });
    try {
      script = [() => failure(Status.UNAVAILABLE, "not now")];
      const e = await rejection(client.append("us-jp", [dealAnnouncement()]));
      assert.equal(e.attempts, 6);
      [10, 20, 30, 30, 30].forEach((base, i) => {
        const d = delays[i]!;
        assert.ok(d >= base / 2 && d <= base, `retry ${i + 1} waited ${d} ms, not within [${base / 2}, ${base}]`);
      });
    } finally {
      client.close();
    }
  });

  it("has the defaults of sdk/BEHAVIOUR.md", () => {
    assert.deepEqual({ ...RETRY_DEFAULTS }, { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 2000 });
  });

  it("listDeals is one page; listAllDeals fetches each next page only when the iteration gets there", async () => {
    const client = server.client();
    try {
      const page = await client.listDeals({ pageSize: 2 });
      assert.deepEqual(page.deals.map((d) => d.dealId), ["a", "b"]);
      assert.equal(page.nextPageToken, "p2");
      assert.equal(listed.length, 1);

      listed = [];
      const got: string[] = [];
      const pagesWhenTaken: number[] = [];
      for await (const d of client.listAllDeals({ pageSize: 2 })) {
        got.push(d.dealId);
        pagesWhenTaken.push(listed.length);
        if (d.dealId === "c") break;
      }
      assert.deepEqual(got, ["a", "b", "c"]);
      assert.deepEqual(pagesWhenTaken, [1, 1, 2]);
      assert.equal(listed.length, 2); // page 3 never asked for
      // The next page: its token, the same page size, the first page's snapshot.
      assert.equal(listed[1]!.pageToken, "p2");
      assert.equal(listed[1]!.pageSize, 2);
      assert.equal(listed[1]!.options?.asOf?.sequence, 42n);

      listed = [];
      const all: string[] = [];
      for await (const d of client.listAllDeals()) all.push(d.dealId);
      assert.deepEqual(all, ["a", "b", "c", "d", "e"]);
      assert.deepEqual(listed.map((r) => r.pageToken), ["", "p2", "p3"]);
    } finally {
      client.close();
    }
  });
});
