// Starts and stops a real pactlogd for the tests: a free 127.0.0.1 port, a
// fresh data directory, readiness by the standard gRPC health service.

import { ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { PactlogClient, PactlogClientOptions } from "@pactlog/client";

const REPO = path.resolve(__dirname, "..", "..", "..", "..");

export const PACTLOGD = process.env.PACTLOGD || path.join(REPO, "build", "release", "services", "pactlogd");
export const START_TIMEOUT_MS = 30_000;

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

export class PactlogServer {
  readonly dataDir: string;
  port = 0;
  private proc: ChildProcess | undefined;
  private output = "";

  private constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  /** A server on a free port with a fresh data directory, SERVING. */
  static async start(): Promise<PactlogServer> {
    if (!fs.existsSync(PACTLOGD)) {
      throw new Error(`pactlogd not found at ${PACTLOGD}: build it or set PACTLOGD`);
    }
    const server = new PactlogServer(fs.mkdtempSync(path.join(os.tmpdir(), "pactlog-ts-")));
    server.port = await freePort();
    await server.launch();
    await server.waitServing();
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (this.proc?.pid === undefined) throw new Error("pactlogd is not running");
    return this.proc.pid;
  }

  client(options: PactlogClientOptions = {}): PactlogClient {
    return new PactlogClient({ address: this.address, actor: "ts-sdk-test", ...options });
  }

  /** Starts the process (same port and data dir as before) without waiting. */
  async launch(): Promise<void> {
    if (this.proc) throw new Error("pactlogd is already running");
    const proc = spawn(PACTLOGD, ["--listen", this.address, "--data-dir", this.dataDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-8192);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    proc.once("exit", () => {
      if (this.proc === proc) this.proc = undefined;
    });
    this.proc = proc;
    await once(proc, "spawn");
  }

  /** Polls grpc.health.v1 until SERVING, failing early if the process died. */
  async waitServing(): Promise<void> {
    const client = this.client();
    const proc = this.proc;
    try {
      const died = new Promise<never>((_, reject) => {
        proc?.once("exit", (code, signal) =>
          reject(new Error(`pactlogd exited (${code ?? signal}) while starting:\n${this.output}`)),
        );
      });
      died.catch(() => undefined);
      await Promise.race([client.waitUntilServing({ timeoutMs: START_TIMEOUT_MS }), died]);
    } finally {
      client.close();
    }
  }

  /** Resolves once every thread of the process is stopped (after SIGSTOP). */
  async frozen(timeoutMs = 10_000): Promise<void> {
    const taskDir = `/proc/${this.pid}/task`;
    const stopped = (): boolean =>
      fs.readdirSync(taskDir).every((t) => {
        let stat: string;
        try {
          stat = fs.readFileSync(path.join(taskDir, t, "stat"), "utf8");
        } catch {
          return true; // the thread has exited
        }
        // "pid (comm) S ...": the state follows the last ')'.
        return /^[Tt]$/.test(stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3));
      });
    const end = Date.now() + timeoutMs;
    while (!stopped()) {
      if (Date.now() > end) throw new Error(`pactlogd (${this.pid}) did not stop within ${timeoutMs} ms`);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const exited = once(proc, "exit");
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops and starts again on the same port and data directory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
    await this.waitServing();
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The last lines the server printed, for failure messages. */
  get log(): string {
    return this.output;
  }
}

/**
 * A value that resolves when `check()` first holds, re-evaluated on each
 * `poke()`: how tests wait for a consumer to reach a state without sleeps.
 */
export class Condition {
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  poke(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  until(check: () => boolean, timeoutMs = 30_000, what = "condition"): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}
