// sdk/BEHAVIOUR.md's settings and the client's own checks of its options,
// without pactlogd: the address, token, TLS roots and actor from the option,
// else the environment (an empty variable counts as unset), else the
// default; the channel's reconnect backoff; and errors for bad options that
// name them the way this SDK spells them.

import assert from "node:assert/strict";
import * as os from "node:os";
import { afterEach, describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import {
  DEFAULT_ADDRESS,
  DealQueryService,
  GetDealRequest,
  GetDealResponse,
  PactlogClient,
  PactlogError,
  RECONNECT_BACKOFF,
  Status,
} from "@pactlog/client";

import { dealAnnouncement } from "./fixtures";
import { FakeServer } from "./fake";

const VARS = ["PACTLOG_ADDRESS", "PACTLOG_TOKEN", "PACTLOG_TLS_CA", "PACTLOG_ACTOR", "USER"] as const;
const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));

function setEnv(values: Partial<Record<(typeof VARS)[number], string | undefined>>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

function refused(f: () => unknown, field: string): PactlogError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof PactlogError, `expected a PactlogError, got ${String(e)}`);
    check(e, field);
    return e;
  }
  assert.fail(`accepted a bad ${field}`);
}

async function rejected(p: Promise<unknown>, field: string): Promise<PactlogError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PactlogError, `expected a PactlogError, got ${String(e)}`);
    check(e, field);
    return e;
  }
  assert.fail(`accepted a bad ${field}`);
}

/** INVALID_ARGUMENT, refused before anything was sent, naming the option first. */
function check(e: PactlogError, field: string): void {
  assert.equal(e.code, Status.INVALID_ARGUMENT, e.message);
  assert.ok(e.details.startsWith(`${field}: `), `${JSON.stringify(e.details)} does not start with "${field}: "`);
  assert.equal(e.attempts, 0);
  assert.deepEqual(e.fieldViolations.map((v) => v.field), [field]);
}

describe("settings", () => {
  afterEach(() => setEnv(saved));

  it("address: the option, else PACTLOG_ADDRESS, else 127.0.0.1:50051", () => {
    setEnv({ PACTLOG_ADDRESS: "env-host:7000" });
    const clients = [new PactlogClient(), new PactlogClient({ address: "option-host:7001" })];
    setEnv({ PACTLOG_ADDRESS: "" });
    clients.push(new PactlogClient());
    setEnv({ PACTLOG_ADDRESS: undefined });
    clients.push(new PactlogClient());
    try {
      assert.deepEqual(clients.map((c) => c.address), ["env-host:7000", "option-host:7001", DEFAULT_ADDRESS, DEFAULT_ADDRESS]);
      assert.equal(DEFAULT_ADDRESS, "127.0.0.1:50051");
    } finally {
      for (const c of clients) c.close();
    }
  });

  it("actor: the option, else PACTLOG_ACTOR, else $USER@host, else the login name@host", () => {
    const host = os.hostname();
    setEnv({ PACTLOG_ACTOR: "env-actor", USER: "someone" });
    const fromEnv = new PactlogClient();
    const fromOption = new PactlogClient({ actor: "option-actor" });
    setEnv({ PACTLOG_ACTOR: "" });
    const fromUser = new PactlogClient();
    setEnv({ PACTLOG_ACTOR: undefined, USER: "" });
    const fromLogin = new PactlogClient();
    try {
      assert.equal(fromEnv.actor, "env-actor");
      assert.equal(fromOption.actor, "option-actor");
      assert.equal(fromUser.actor, `someone@${host}`);
      let login = "unknown";
      try {
        login = os.userInfo().username || login;
      } catch {
        // no passwd entry
      }
      assert.equal(fromLogin.actor, `${login}@${host}`);
    } finally {
      for (const c of [fromEnv, fromOption, fromUser, fromLogin]) c.close();
    }
  });

  it("token: the option, else PACTLOG_TOKEN, else none; sent as a bearer token", async () => {
    const seen: (string | undefined)[] = [];
    const server = await new FakeServer()
      .add(DealQueryService as unknown as grpc.ServiceDefinition, {
        getDeal: (call: grpc.ServerUnaryCall<GetDealRequest, GetDealResponse>, done: grpc.sendUnaryData<GetDealResponse>) => {
          seen.push(call.metadata.get("authorization")[0]?.toString());
          done(null, GetDealResponse.fromPartial({ deal: { dealId: call.request.dealId } }));
        },
      })
      .start();
    const clients: PactlogClient[] = [];
    try {
      setEnv({ PACTLOG_TOKEN: "env-token" });
      clients.push(server.client(), server.client({ token: "option-token" }));
      setEnv({ PACTLOG_TOKEN: "" });
      clients.push(server.client());
      for (const c of clients) await c.getDeal("us-jp");
      assert.deepEqual(seen, ["Bearer env-token", "Bearer option-token", undefined]);
    } finally {
      for (const c of clients) c.close();
      await server.stop();
    }
  });

  it("TLS: PACTLOG_TLS_CA names a PEM file and implies TLS; empty or unset is plaintext", () => {
    setEnv({ PACTLOG_TLS_CA: "" });
    const plain = new PactlogClient();
    setEnv({ PACTLOG_TLS_CA: undefined });
    const unset = new PactlogClient();
    try {
      assert.equal(plain.tls, false);
      assert.equal(unset.tls, false);
    } finally {
      plain.close();
      unset.close();
    }
    // A file that cannot be read is refused naming the variable and the file.
    setEnv({ PACTLOG_TLS_CA: "/nonexistent/pactlog-ca.pem" });
    const e = refused(() => new PactlogClient(), "PACTLOG_TLS_CA");
    assert.match(e.details, /nonexistent\/pactlog-ca\.pem/);
    // An explicit tls option wins over the variable (the file is not read).
    const explicit = new PactlogClient({ tls: {} });
    try {
      assert.equal(explicit.tls, true);
    } finally {
      explicit.close();
    }
    // The handshake with a CA from the variable: test/transport.test.ts.
  });

  it("caps the channel's reconnect backoff at 1 s; channelOptions win", () => {
    assert.deepEqual({ ...RECONNECT_BACKOFF }, {
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1000,
    });
    const c = new PactlogClient();
    const tuned = new PactlogClient({ channelOptions: { "grpc.max_reconnect_backoff_ms": 500, "grpc.keepalive_time_ms": 60_000 } });
    try {
      assert.equal(c.channelOptions["grpc.initial_reconnect_backoff_ms"], 100);
      assert.equal(c.channelOptions["grpc.max_reconnect_backoff_ms"], 1000);
      assert.equal(tuned.channelOptions["grpc.initial_reconnect_backoff_ms"], 100);
      assert.equal(tuned.channelOptions["grpc.max_reconnect_backoff_ms"], 500);
      assert.equal(tuned.channelOptions["grpc.keepalive_time_ms"], 60_000);
    } finally {
      c.close();
      tuned.close();
    }
  });
});

describe("bad options are refused naming them as TypeScript spells them", () => {
  it("client options", () => {
    refused(() => new PactlogClient({ address: "" }), "address");
    refused(() => new PactlogClient({ actor: "" }), "actor");
    refused(() => new PactlogClient({ token: "" }), "token");
    refused(() => new PactlogClient({ deadlineMs: 0 }), "deadlineMs");
    refused(() => new PactlogClient({ retry: { maxAttempts: 0 } }), "retry.maxAttempts");
    refused(() => new PactlogClient({ retry: { initialBackoffMs: -1 } }), "retry.initialBackoffMs");
    refused(() => new PactlogClient({ retry: { initialBackoffMs: 100, maxBackoffMs: 10 } }), "retry.maxBackoffMs");
  });

  it("call options, before anything is sent", async () => {
    // No server at this address: a call that got sent would fail UNAVAILABLE.
    const c = new PactlogClient({ address: "127.0.0.1:1", retry: { maxAttempts: 1 } });
    try {
      const e = await rejected(c.getDeal("us-jp", { atLeastSequence: -1 }), "atLeastSequence");
      assert.match(e.details, /-1/);
      await rejected(c.getDeal("us-jp", { asOf: { sequence: 1.5 } }), "asOf.sequence");
      await rejected(c.listDeals({ pageSize: 5000 }), "pageSize");
      await rejected(c.listProjects("us-jp", { pageSize: 0 }), "pageSize");
      await rejected(c.getLineage("us-jp", { projectId: "p", allocationId: "a" }), "allocationId");
      await rejected(c.append("us-jp", [dealAnnouncement()], { expectedVersion: -1 }), "expectedVersion");
      await rejected(c.append("us-jp", [dealAnnouncement()], { expectedVersion: "none" as "any" }), "expectedVersion");
      await rejected(c.append("us-jp", [dealAnnouncement()], { actor: "" }), "actor");
      await rejected(c.read({ afterSequence: -3 }), "afterSequence");
      await rejected(c.getDeal("us-jp", { retry: { maxAttempts: 0 } }), "retry.maxAttempts");
      refused(() => c.subscribe({ afterSequence: -1 }), "afterSequence");
      refused(() => c.subscribe({ afterSequence: 1, fromEnd: true }), "fromEnd");
      refused(() => c.subscribe({ resume: { maxAttempts: 0 } }), "resume.maxAttempts");
      refused(() => c.subscribe({ resume: { initialBackoffMs: 500, maxBackoffMs: 100 } }), "resume.maxBackoffMs");
      refused(() => c.subscribe({ deadlineMs: -5 }), "deadlineMs");
    } finally {
      c.close();
    }
  });
});
