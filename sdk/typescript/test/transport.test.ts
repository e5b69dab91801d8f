// Channel security: TLS, mutual TLS and the bearer token.
//
// The pactlogd these tests run serves plaintext only, so the handshakes are
// made against a real gRPC server started here (grpc-js, certificates made
// by the openssl CLI) that answers the health check and DealQuery.GetDeal
// and records what it receives. What is tested is the client's side: the
// credentials it builds and the metadata it sends.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";

import * as grpc from "@grpc/grpc-js";

import { DealQueryService, GetDealRequest, GetDealResponse, PactlogClient, PactlogError, Status } from "@pactlog/client";

function makeCertificates(dir: string): void {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=pactlog test CA",
    "-keyout", "ca.key", "-out", "ca.pem");
  fs.writeFileSync(path.join(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  for (const [name, subject, ext] of [
    ["server", "/CN=localhost", ["-extfile", "server.ext"]],
    ["client", "/CN=recorder-1", []],
  ] as const) {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
      "-days", "1", "-out", `${name}.pem`, ...ext);
  }
}

interface Seen {
  authorization: string | undefined;
  peerCommonName: string | undefined;
}

/** A TLS gRPC server answering Health/Check and DealQuery/GetDeal. */
class RecordingServer {
  readonly seen: Seen[] = [];
  port = 0;
  private readonly server = new grpc.Server();

  constructor(private readonly certs: string, private readonly requireClientCert: boolean) {
    const record = (call: grpc.ServerUnaryCall<unknown, unknown>) => {
      const cert = call.getAuthContext().sslPeerCertificate;
      this.seen.push({
        authorization: call.metadata.get("authorization")[0]?.toString(),
        peerCommonName: cert?.subject?.CN,
      });
    };
    this.server.addService(
      {
        check: {
          path: "/grpc.health.v1.Health/Check",
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      {
        check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
          record(call);
          done(null, Buffer.from([0x08, 0x01])); // status: SERVING
        },
      },
    );
    this.server.addService(DealQueryService, {
      getDeal: (call: grpc.ServerUnaryCall<GetDealRequest, GetDealResponse>, done: grpc.sendUnaryData<GetDealResponse>) => {
        record(call);
        done(null, GetDealResponse.fromPartial({ deal: { dealId: call.request.dealId }, logSequence: 7 }));
      },
    });
  }

  async start(): Promise<void> {
    const read = (f: string) => fs.readFileSync(path.join(this.certs, f));
    const credentials = grpc.ServerCredentials.createSsl(
      read("ca.pem"),
      [{ private_key: read("server.key"), cert_chain: read("server.pem") }],
      this.requireClientCert,
    );
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", credentials, (e, port) => (e ? reject(e) : resolve(port))),
    );
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}

async function rejection(p: Promise<unknown>): Promise<PactlogError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PactlogError, `expected a PactlogError, got ${String(e)}`);
    return e;
  }
  assert.fail("the call succeeded");
}

describe("transport security", () => {
  let certs: string;
  const read = (f: string) => fs.readFileSync(path.join(certs, f));

  before(() => {
    certs = fs.mkdtempSync(path.join(os.tmpdir(), "pactlog-ts-certs-"));
    makeCertificates(certs);
  });
  after(() => {
    if (certs) fs.rmSync(certs, { recursive: true, force: true });
  });

  it("speaks TLS with the given roots and sends the bearer token on every call", async () => {
    const server = new RecordingServer(certs, false);
    await server.start();
    const client = new PactlogClient({
      address: `localhost:${server.port}`,
      tls: { rootCerts: read("ca.pem").toString() }, // PEM as a string works too
      token: "s3cret-token",
      retry: { maxAttempts: 1 },
    });
    try {
      await client.waitUntilServing({ timeoutMs: 10_000 });
      const { deal, logSequence } = await client.getDeal("us-jp");
      assert.equal(deal.dealId, "us-jp");
      assert.equal(logSequence, 7n);
      assert.ok(server.seen.length >= 2);
      for (const s of server.seen) assert.equal(s.authorization, "Bearer s3cret-token");
      assert.equal(server.seen[server.seen.length - 1]!.peerCommonName, undefined);
    } finally {
      client.close();
      await server.stop();
    }
  });

  it("takes the TLS roots from PACTLOG_TLS_CA and the token from PACTLOG_TOKEN", async () => {
    const server = new RecordingServer(certs, false);
    await server.start();
    const saved = { ca: process.env.PACTLOG_TLS_CA, token: process.env.PACTLOG_TOKEN, address: process.env.PACTLOG_ADDRESS };
    const restore = (name: string, value: string | undefined) => {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    };
    process.env.PACTLOG_TLS_CA = path.join(certs, "ca.pem");
    process.env.PACTLOG_TOKEN = "env-token";
    process.env.PACTLOG_ADDRESS = `localhost:${server.port}`;
    const fromEnv = new PactlogClient({ retry: { maxAttempts: 1 } });
    // An empty variable counts as unset: plaintext, which the TLS server refuses.
    process.env.PACTLOG_TLS_CA = "";
    const plaintext = new PactlogClient({ retry: { maxAttempts: 1 }, deadlineMs: 5000 });
    restore("PACTLOG_TLS_CA", saved.ca);
    restore("PACTLOG_TOKEN", saved.token);
    restore("PACTLOG_ADDRESS", saved.address);
    try {
      assert.equal(fromEnv.tls, true);
      const { deal } = await fromEnv.getDeal("us-jp");
      assert.equal(deal.dealId, "us-jp");
      assert.equal(server.seen[server.seen.length - 1]?.authorization, "Bearer env-token");
      const reached = server.seen.length;
      assert.equal(plaintext.tls, false);
      const e = await rejection(plaintext.getDeal("us-jp"));
      assert.equal(e.code, Status.UNAVAILABLE, e.message);
      assert.equal(server.seen.length, reached);
    } finally {
      fromEnv.close();
      plaintext.close();
      await server.stop();
    }
  });

  it("presents the client certificate for mutual TLS and fails without it", async () => {
    const server = new RecordingServer(certs, true);
    await server.start();
    const address = `localhost:${server.port}`;
    const mutual = new PactlogClient({
      address,
      tls: { rootCerts: read("ca.pem"), certChain: read("client.pem"), privateKey: read("client.key") },
    });
    const anonymous = new PactlogClient({ address, tls: { rootCerts: read("ca.pem") }, retry: { maxAttempts: 1 } });
    const plaintext = new PactlogClient({ address, retry: { maxAttempts: 1 }, deadlineMs: 5000 });
    const untrusted = new PactlogClient({ address, tls: {}, retry: { maxAttempts: 1 } }); // system roots only
    try {
      const { deal } = await mutual.getDeal("us-kr");
      assert.equal(deal.dealId, "us-kr");
      assert.equal(server.seen[0]?.peerCommonName, "recorder-1");
      assert.equal(server.seen[0]?.authorization, undefined);
      // None of the refused clients reaches a handler (counted from here, so
      // a retried attempt of the mutual call above cannot break the check).
      const reached = server.seen.length;
      for (const c of [anonymous, plaintext, untrusted]) {
        const e = await rejection(c.getDeal("us-kr"));
        assert.equal(e.code, Status.UNAVAILABLE, e.message);
      }
      assert.equal(server.seen.length, reached);
    } finally {
      for (const c of [mutual, anonymous, plaintext, untrusted]) c.close();
      await server.stop();
    }
  });
});
