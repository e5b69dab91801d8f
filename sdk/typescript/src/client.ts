// PactlogClient: a thin, Promise-based client for the three pactlog
// services (DealLedger, DealQuery, EventStream) over one gRPC channel.
//
// Every unary call has a deadline (`deadlineMs`) and is retried with
// backoff on UNAVAILABLE and DEADLINE_EXCEEDED. That is safe for queries
// (they change nothing) and for appends because `append` gives every event
// an id before the first attempt: the server answers a repeat of an
// already-recorded batch with the original result (`deduplicated: true`).

import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";

import * as grpc from "@grpc/grpc-js";
import { BinaryReader } from "@bufbuild/protobuf/wire";

import { toEventKind, toProjectStatus, toSector } from "./builders";
import type { EventKindName, ProjectStatusName, SectorName } from "./builders";
import { PactlogError, Status, invalidArgument, toPactlogError } from "./errors";
import { Event, EventData, EventKind, Sector } from "./gen/pactlog/v1/events";
import { AppendRequest, AppendResponse, DealLedgerClient, ExpectedVersion } from "./gen/pactlog/v1/ledger";
import {
  DealQueryClient,
  GetComplianceResponse,
  GetDealResponse,
  GetLineageResponse,
  GetProjectResponse,
  GetTariffsResponse,
  ListDealsResponse,
  ListProjectsResponse,
  ReadOptions,
} from "./gen/pactlog/v1/query";
import { ProjectStatus } from "./gen/pactlog/v1/state";
import { DealState, LineageEntry, ProjectState } from "./gen/pactlog/v1/state";
import { EventFilter, EventStreamClient, ReadResponse } from "./gen/pactlog/v1/stream";
import { DEFAULT_RETRY, ResolvedRetry, RetryOptions, delay, resolveRetry, withRetry } from "./retry";
import { SubscribeOptions, Subscription } from "./subscription";

export const DEFAULT_ADDRESS = "127.0.0.1:50051";

export interface TlsOptions {
  /** PEM of the CAs to trust; default: the system's. */
  rootCerts?: Buffer | string;
  /** PEM certificate chain of the client, for mutual TLS. */
  certChain?: Buffer | string;
  /** PEM private key of the client, for mutual TLS. */
  privateKey?: Buffer | string;
}

/**
 * Every setting is taken from the option when given, else from its
 * environment variable (an empty variable counts as unset), else the
 * default.
 */
export interface PactlogClientOptions {
  /** host:port; default $PACTLOG_ADDRESS, else 127.0.0.1:50051. */
  address?: string;
  /** Deadline of each unary call attempt; default 10000 ms. */
  deadlineMs?: number;
  /**
   * Connect with TLS. Default: TLS trusting the PEM file named by
   * $PACTLOG_TLS_CA when it is set, else plaintext.
   */
  tls?: TlsOptions;
  /** Sent on every call as `authorization: Bearer <token>`; default $PACTLOG_TOKEN, else none. */
  token?: string;
  /** Default actor of appends; default $PACTLOG_ACTOR, else `<user>@<host>`. */
  actor?: string;
  /** Retry policy of unary calls (default 5 attempts, 100 ms doubling to 2 s, with jitter). */
  retry?: RetryOptions;
  /** Extra grpc-js channel options (they win over the client's). */
  channelOptions?: grpc.ChannelOptions;
}

/** Per-call options of every unary method. */
export interface CallOptions {
  /** Deadline of each attempt; default the client's. */
  deadlineMs?: number;
  retry?: RetryOptions;
  /** Aborting cancels the call (CANCELLED). */
  signal?: AbortSignal;
}

/** "any" (default), "no-deal", or the exact current version. */
export type ExpectedVersionInput = "any" | "no-deal" | number | bigint;

export interface AppendOptions extends CallOptions {
  expectedVersion?: ExpectedVersionInput;
  /** Who records the events; default the client's actor. */
  actor?: string;
}

export interface AppendResult extends AppendResponse {
  /** The last sequence written: pass it as `atLeastSequence` to read your write. */
  lastSequence: bigint;
  /** How many attempts the call took (1 when nothing was retried). */
  attempts: number;
}

export interface AsOfInput {
  /** State after this log position. */
  sequence?: number | bigint;
  /** What the record knew at that time. */
  recordedTime?: Date;
  /** What was in force at that time (also when tariffs are evaluated). */
  effectiveTime?: Date;
}

export interface QueryOptions extends CallOptions {
  asOf?: AsOfInput;
  /** Read-your-writes: the answer reflects at least this sequence. */
  atLeastSequence?: number | bigint;
}

export interface PageOptions {
  /** 1..1000, server default 100. */
  pageSize?: number;
  pageToken?: string;
}

export interface ListProjectsOptions extends QueryOptions, PageOptions {
  sector?: Sector | SectorName;
  usState?: string;
  status?: ProjectStatus | ProjectStatusName;
  /** Only projects drawing on this allocation or on one of its earmarks. */
  allocationId?: string;
}

export interface GetTariffsOptions extends QueryOptions {
  /** Only this category. */
  productCategory?: string;
}

export interface GetComplianceOptions extends QueryOptions {
  /**
   * Judge by this party's reading of the terms (an `assertedBy`, e.g. "JP");
   * NOT_FOUND when it has none. Absent: the latest terms that name a
   * deadline, else the latest.
   */
  reading?: string;
}

export interface GetLineageOptions extends QueryOptions, PageOptions {
  /** The events behind this project's figures. */
  projectId?: string;
  /** ... or behind this allocation's; neither: the deal's totals. */
  allocationId?: string;
}

/** A filter with event kinds and sectors by enum or by name. */
export interface EventFilterInput {
  dealIds?: readonly string[];
  kinds?: readonly (EventKind | EventKindName)[];
  sectors?: readonly (Sector | SectorName)[];
  productCategories?: readonly string[];
}

export interface ReadInput extends CallOptions {
  /** Events with sequence > this; default 0. */
  afterSequence?: number | bigint;
  filter?: EventFilterInput;
  /** 1..1000, server default 100. */
  limit?: number;
}

export interface SubscribeInput extends Omit<SubscribeOptions, "filter"> {
  filter?: EventFilterInput;
}

export type HealthStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

type WithRequired<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> };

/**
 * The channel's reconnect backoff: 100 ms growing to at most 1 s (gRPC's
 * own grows to 120 s), so that a client resumes within about a second of
 * the server serving again.
 */
export const RECONNECT_BACKOFF: Readonly<grpc.ChannelOptions> = Object.freeze({
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 1000,
});

// CANCELLED too when the caller's signal did not abort: a server shutting
// down cancels the calls it still has (sdk/BEHAVIOUR.md).
const RETRY_CODES: ReadonlySet<Status> = new Set([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.CANCELLED]);
const HEALTH_STATUSES: readonly HealthStatus[] = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

type Callback<Res> = (error: grpc.ServiceError | null, response?: Res) => void;
type Invoke<Res> = (metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: Callback<Res>) => grpc.ClientUnaryCall;

function pem(value: Buffer | string | undefined): Buffer | null {
  if (value === undefined) return null;
  return typeof value === "string" ? Buffer.from(value) : value;
}

/** An environment variable, undefined when unset or empty. */
function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** `$USER`, else the login name, else "unknown"; then "@" and the host name. */
export function defaultActor(): string {
  let user = env("USER");
  if (user === undefined) {
    try {
      user = os.userInfo().username || undefined;
    } catch {
      // No passwd entry (e.g. some containers).
    }
  }
  return `${user ?? "unknown"}@${os.hostname()}`;
}

/** A string option: absent is fine, anything else must be a non-empty string. */
function text(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw invalidArgument(field, `must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function tlsFromEnv(): TlsOptions | undefined {
  const file = env("PACTLOG_TLS_CA");
  if (file === undefined) return undefined;
  try {
    return { rootCerts: fs.readFileSync(file) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw invalidArgument("PACTLOG_TLS_CA", `cannot read the CA file ${JSON.stringify(file)}: ${why}`);
  }
}

function seq(field: string, value: number | bigint | undefined): bigint {
  if (value === undefined) return 0n;
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw invalidArgument(field, `must be a whole number >= 0, got ${value}`);
  }
  if (typeof value !== "number" && typeof value !== "bigint") {
    throw invalidArgument(field, `must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  const v = BigInt(value);
  if (v < 0n) throw invalidArgument(field, `must be a whole number >= 0, got ${value}`);
  return v;
}

function expectedVersion(v: ExpectedVersionInput | undefined): ExpectedVersion | undefined {
  if (v === undefined || v === "any") return { any: true };
  if (v === "no-deal") return { noDeal: true };
  if (typeof v === "string") {
    throw invalidArgument("expectedVersion", `must be "any", "no-deal" or a version >= 0, got ${JSON.stringify(v)}`);
  }
  return { exact: seq("expectedVersion", v) };
}

function readOptions(o: QueryOptions | undefined): ReadOptions {
  const asOf = o?.asOf;
  return {
    asOf: asOf
      ? {
          sequence: seq("asOf.sequence", asOf.sequence),
          recordedTime: asOf.recordedTime,
          effectiveTime: asOf.effectiveTime,
        }
      : undefined,
    minSequence: seq("atLeastSequence", o?.atLeastSequence),
  };
}

/** A page size option: absent (the server's default) or 1..1000. */
function pageSize(field: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw invalidArgument(field, `must be a whole number in 1..1000, got ${String(value)}`);
  }
  return value;
}

/**
 * The options of the next page of an all-pages iteration: its token, and
 * the first page's snapshot (its logSequence) unless the caller chose one.
 */
function nextPage<O extends QueryOptions & PageOptions>(options: O | undefined, token: string, logSequence: bigint): O {
  const o = { ...(options ?? {}), pageToken: token } as O;
  if (o.asOf?.sequence === undefined) o.asOf = { ...(o.asOf ?? {}), sequence: logSequence };
  return o;
}

function toFilter(f: EventFilterInput | undefined): EventFilter | undefined {
  if (!f) return undefined;
  return {
    dealIds: [...(f.dealIds ?? [])],
    kinds: (f.kinds ?? []).map(toEventKind),
    sectors: (f.sectors ?? []).map(toSector),
    productCategories: [...(f.productCategories ?? [])],
  };
}

/**
 * A client of one pactlog server. Cheap to keep, safe to share: one gRPC
 * channel multiplexes every call. Call `close()` when done.
 */
export class PactlogClient {
  /** The server's host:port. */
  readonly address: string;
  /** The actor of appends that name none. */
  readonly actor: string;
  /** The options the gRPC channel was made with (reconnect backoff and the caller's `channelOptions`). */
  readonly channelOptions: Readonly<grpc.ChannelOptions>;
  /** Whether the channel uses TLS. */
  readonly tls: boolean;
  private readonly deadlineMs: number;
  private readonly token: string | undefined;
  private readonly retry: ResolvedRetry;
  private readonly channel: grpc.Channel;
  private readonly ledger: DealLedgerClient;
  private readonly query: DealQueryClient;
  private readonly stream: EventStreamClient;
  private readonly generic: grpc.Client;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(options: PactlogClientOptions = {}) {
    this.address = text("address", options.address) ?? env("PACTLOG_ADDRESS") ?? DEFAULT_ADDRESS;
    this.deadlineMs = options.deadlineMs ?? 10_000;
    if (!(this.deadlineMs > 0 && Number.isFinite(this.deadlineMs))) {
      throw invalidArgument("deadlineMs", `must be a number of milliseconds > 0, got ${String(this.deadlineMs)}`);
    }
    this.actor = text("actor", options.actor) ?? env("PACTLOG_ACTOR") ?? defaultActor();
    this.token = text("token", options.token) ?? env("PACTLOG_TOKEN");
    this.retry = resolveRetry(DEFAULT_RETRY, options.retry);
    const tls = options.tls ?? tlsFromEnv();
    this.tls = tls !== undefined;
    const credentials = tls
      ? grpc.credentials.createSsl(pem(tls.rootCerts), pem(tls.privateKey), pem(tls.certChain))
      : grpc.credentials.createInsecure();
    this.channelOptions = Object.freeze({ ...RECONNECT_BACKOFF, ...options.channelOptions });
    this.channel = new grpc.Channel(this.address, credentials, { ...this.channelOptions });
    const shared = { channelOverride: this.channel };
    this.ledger = new DealLedgerClient(this.address, credentials, shared);
    this.query = new DealQueryClient(this.address, credentials, shared);
    this.stream = new EventStreamClient(this.address, credentials, shared);
    this.generic = new grpc.Client(this.address, credentials, shared);
  }

  /** Ends every subscription and closes the channel. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subscriptions) s.close();
    this.subscriptions.clear();
    this.channel.close();
  }

  // -------------------------------------------------------------- writes

  /**
   * Appends `events` to deal `dealId`, all or none, durably. Every event
   * without an id gets a random UUID first (the input is not modified; the
   * ids are in the result), so the automatic retries and any retry of your
   * own with the same ids are recorded at most once. `deduplicated` is true
   * when the batch had already been recorded — by an earlier call or an
   * earlier attempt of this one whose answer was lost.
   *
   * A call that ended UNAVAILABLE or DEADLINE_EXCEEDED is sent again with
   * the same ids, up to 5 attempts in all (100 ms doubling to 2 s between
   * them, with jitter); `attempts` says how many it took.
   *
   * Rejects with a PactlogError: INVALID_ARGUMENT (`fieldViolations`),
   * ABORTED (expectedVersion does not hold; `currentVersion`),
   * FAILED_PRECONDITION (a deal rule; `rule`, `ruleDetail`), NOT_FOUND,
   * ALREADY_EXISTS (an id reused with other content), RESOURCE_EXHAUSTED,
   * or UNAVAILABLE once retries are used up; its `attempts` too.
   */
  async append(dealId: string, events: readonly EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    const request: AppendRequest = {
      dealId,
      expectedVersion: expectedVersion(options.expectedVersion),
      actor: text("actor", options.actor) ?? this.actor,
      events: events.map((e) => ({ ...e, eventId: e.eventId || randomUUID() })),
    };
    let attempts = 0;
    const response = await this.unary<AppendResponse>(options, (md, o, cb) => {
      attempts++;
      return this.ledger.append(request, md, o, cb);
    });
    const lastSequence = response.sequences.length > 0 ? response.sequences[response.sequences.length - 1]! : 0n;
    return { ...response, lastSequence, attempts };
  }

  // ------------------------------------------------------------- queries

  /** A deal's state (NOT_FOUND if it does not exist at that point). */
  async getDeal(dealId: string, options?: QueryOptions): Promise<WithRequired<GetDealResponse, "deal">> {
    const request = { dealId, options: readOptions(options) };
    const r = await this.unary<GetDealResponse>(options, (md, o, cb) => this.query.getDeal(request, md, o, cb));
    return required(r, "deal");
  }

  /** One page of deals, ordered by id; continue with `pageToken: nextPageToken` (empty on the last page). */
  async listDeals(options?: QueryOptions & PageOptions): Promise<ListDealsResponse> {
    const request = {
      options: readOptions(options),
      pageSize: pageSize("pageSize", options?.pageSize),
      pageToken: options?.pageToken ?? "",
    };
    return this.unary<ListDealsResponse>(options, (md, o, cb) => this.query.listDeals(request, md, o, cb));
  }

  /**
   * Every deal, ordered by id, over all pages: each page is fetched (one
   * `listDeals`, retried on its own) only when the iteration gets to it,
   * all of them at the first page's snapshot unless `asOf.sequence` is given.
   */
  async *listAllDeals(options?: QueryOptions & PageOptions): AsyncGenerator<DealState, void, undefined> {
    let page = await this.listDeals(options);
    for (;;) {
      yield* page.deals;
      if (page.nextPageToken === "") return;
      page = await this.listDeals(nextPage(options, page.nextPageToken, page.logSequence));
    }
  }

  /** A project's state. */
  async getProject(
    dealId: string,
    projectId: string,
    options?: QueryOptions,
  ): Promise<WithRequired<GetProjectResponse, "project">> {
    const request = { dealId, projectId, options: readOptions(options) };
    const r = await this.unary<GetProjectResponse>(options, (md, o, cb) => this.query.getProject(request, md, o, cb));
    return required(r, "project");
  }

  /** One page of a deal's projects, ordered by id, optionally filtered; continue with `pageToken: nextPageToken`. */
  async listProjects(dealId: string, options?: ListProjectsOptions): Promise<ListProjectsResponse> {
    const request = {
      dealId,
      options: readOptions(options),
      sector: options?.sector === undefined ? Sector.SECTOR_UNSPECIFIED : toSector(options.sector),
      usState: options?.usState ?? "",
      status: options?.status === undefined ? ProjectStatus.PROJECT_STATUS_UNSPECIFIED : toProjectStatus(options.status),
      pageSize: pageSize("pageSize", options?.pageSize),
      pageToken: options?.pageToken ?? "",
      allocationId: options?.allocationId ?? "",
    };
    return this.unary<ListProjectsResponse>(options, (md, o, cb) => this.query.listProjects(request, md, o, cb));
  }

  /** Every project of a deal that `listProjects` would list, over all pages, fetched as the iteration gets there. */
  async *listAllProjects(dealId: string, options?: ListProjectsOptions): AsyncGenerator<ProjectState, void, undefined> {
    let page = await this.listProjects(dealId, options);
    for (;;) {
      yield* page.projects;
      if (page.nextPageToken === "") return;
      page = await this.listProjects(dealId, nextPage(options, page.nextPageToken, page.logSequence));
    }
  }

  /** Tariffs per category with their full history and the caps. */
  async getTariffs(dealId: string, options?: GetTariffsOptions): Promise<GetTariffsResponse> {
    const request = { dealId, options: readOptions(options), productCategory: options?.productCategory ?? "" };
    return this.unary<GetTariffsResponse>(options, (md, o, cb) => this.query.getTariffs(request, md, o, cb));
  }

  /**
   * The deal's compliance: every approved project against the funding
   * deadline of the terms used, the counts by status, what is undisbursed
   * on overdue projects, cap breaches, and every party's reading. With
   * `asOf.effectiveTime` the deal is judged as it stood then.
   */
  async getCompliance(
    dealId: string,
    options?: GetComplianceOptions,
  ): Promise<WithRequired<GetComplianceResponse, "compliance">> {
    const request = { dealId, options: readOptions(options), reading: options?.reading ?? "" };
    const r = await this.unary<GetComplianceResponse>(options, (md, o, cb) => this.query.getCompliance(request, md, o, cb));
    return required(r, "compliance");
  }

  /**
   * One page of the events behind the figures of a project (`projectId`),
   * an allocation (`allocationId`) or, with neither, the deal's totals:
   * `figures` (allocated, pledged, approved, disbursed) at the as-of point,
   * and `entries` in log order, each with what its event changed
   * (`change`, negative for a decrease), the event it names
   * (`targetEventId`) and a `summary`. The changes of every entry over all
   * pages sum to `figures`. Continue with `pageToken: nextPageToken` (and
   * `asOf: { sequence: logSequence }` for the same snapshot). NOT_FOUND for
   * a subject unknown at the as-of point.
   */
  async getLineage(dealId: string, options?: GetLineageOptions): Promise<GetLineageResponse> {
    if (options?.projectId && options?.allocationId) {
      throw invalidArgument(
        "allocationId",
        `give at most one of projectId and allocationId, got ${JSON.stringify(options.projectId)} and ${JSON.stringify(options.allocationId)}`,
      );
    }
    const request = {
      dealId,
      options: readOptions(options),
      projectId: options?.projectId ?? "",
      allocationId: options?.allocationId ?? "",
      pageSize: pageSize("pageSize", options?.pageSize),
      pageToken: options?.pageToken ?? "",
    };
    return this.unary<GetLineageResponse>(options, (md, o, cb) => this.query.getLineage(request, md, o, cb));
  }

  /**
   * Every lineage entry of `getLineage` over all pages, in log order,
   * fetched as the iteration gets there, all at the first page's snapshot
   * unless `asOf.sequence` is given (the first page's `figures` are the sum
   * of their changes: `getLineage` with `pageSize: 1` gives them cheaply).
   */
  async *getAllLineage(dealId: string, options?: GetLineageOptions): AsyncGenerator<LineageEntry, void, undefined> {
    let page = await this.getLineage(dealId, options);
    for (;;) {
      yield* page.entries;
      if (page.nextPageToken === "") return;
      page = await this.getLineage(dealId, nextPage(options, page.nextPageToken, page.logSequence));
    }
  }

  // ------------------------------------------------------------- the log

  /** One page of events after `afterSequence`; continue from `lastExaminedSequence`. */
  async read(options: ReadInput = {}): Promise<ReadResponse> {
    const request = {
      afterSequence: seq("afterSequence", options.afterSequence),
      filter: toFilter(options.filter),
      limit: options.limit ?? 0,
    };
    return this.unary<ReadResponse>(options, (md, o, cb) => this.stream.read(request, md, o, cb));
  }

  /**
   * Every matching event after `afterSequence` up to the head of the log,
   * page by page (each page one `read`, retried on its own).
   */
  async *readAll(options: ReadInput = {}): AsyncGenerator<Event, void, undefined> {
    let after = seq("afterSequence", options.afterSequence);
    for (;;) {
      const page = await this.read({ ...options, afterSequence: after });
      yield* page.events;
      if (page.lastExaminedSequence <= after || page.lastExaminedSequence >= page.headSequence) return;
      after = page.lastExaminedSequence;
    }
  }

  /**
   * Follows the log: history from the start position, then live. The
   * result is an AsyncIterable of events that resumes by itself after a
   * disconnect (e.g. a server restart) with no gap and no duplicate; see
   * `Subscription` for its position, caught-up state and messages.
   */
  subscribe(options: SubscribeInput = {}): Subscription {
    this.checkOpen();
    const sub: Subscription = new Subscription(
      {
        open: (request, metadata) => this.stream.subscribe(request, metadata, {}),
        metadata: () => this.metadata(),
        head: async () => (await this.read({ limit: 1, signal: options.signal })).headSequence,
        closed: () => this.subscriptions.delete(sub),
      },
      { ...options, filter: toFilter(options.filter) },
    );
    this.subscriptions.add(sub);
    return sub;
  }

  // -------------------------------------------------------------- health

  /** The server's standard gRPC health status (service ""). */
  async health(options?: CallOptions): Promise<HealthStatus> {
    const r = await this.unary<HealthStatus>({ retry: { maxAttempts: 1 }, ...options }, (md, o, cb) =>
      this.generic.makeUnaryRequest(
        "/grpc.health.v1.Health/Check",
        () => Buffer.alloc(0), // HealthCheckRequest{service: ""}
        decodeHealthResponse,
        {},
        md,
        o,
        cb,
      ),
    );
    return r;
  }

  /**
   * Resolves once the server reports SERVING (it is NOT_SERVING while it
   * replays the log at start-up); rejects with DEADLINE_EXCEEDED after
   * `timeoutMs` (default 30 s).
   */
  async waitUntilServing(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const end = Date.now() + timeoutMs;
    let last = "no answer";
    for (let n = 1; ; n++) {
      const left = end - Date.now();
      if (left <= 0) {
        throw new PactlogError(Status.DEADLINE_EXCEEDED, `${this.address} not serving after ${timeoutMs} ms (${last})`);
      }
      try {
        const status = await this.health({ deadlineMs: Math.min(left, 1000), signal: options.signal });
        if (status === "SERVING") return;
        last = status;
      } catch (e) {
        const error = toPactlogError(e);
        if (error.code === Status.CANCELLED) throw error;
        last = error.message;
      }
      await delay(Math.min(500, 25 * 2 ** Math.min(n, 5), Math.max(0, end - Date.now())), options.signal);
    }
  }

  // ------------------------------------------------------------ plumbing

  private checkOpen(): void {
    if (this.closed) throw new PactlogError(Status.CANCELLED, "the client is closed");
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token !== undefined) md.set("authorization", `Bearer ${this.token}`);
    return md;
  }

  private unary<Res>(options: CallOptions | undefined, invoke: Invoke<Res>): Promise<Res> {
    this.checkOpen();
    const deadlineMs = options?.deadlineMs ?? this.deadlineMs;
    const policy = resolveRetry(this.retry, options?.retry);
    const signal = options?.signal;
    return withRetry(
      policy,
      // A closed client's CANCELLED is its own, not a server's.
      (error) => RETRY_CODES.has(error.code) && !this.closed,
      () =>
        new Promise<Res>((resolve, reject) => {
          this.checkOpen();
          if (signal?.aborted) {
            reject(new PactlogError(Status.CANCELLED, "cancelled"));
            return;
          }
          const call = invoke(this.metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
            signal?.removeEventListener("abort", onAbort);
            if (error) reject(toPactlogError(error));
            else if (response === undefined) reject(new PactlogError(Status.INTERNAL, "empty answer"));
            else resolve(response);
          });
          const onAbort = () => call.cancel();
          signal?.addEventListener("abort", onAbort, { once: true });
        }),
      signal,
    );
  }
}

function required<T, K extends keyof T>(response: T, key: K): WithRequired<T, K> {
  if (response[key] === undefined || response[key] === null) {
    throw new PactlogError(Status.INTERNAL, `the server's answer has no ${String(key)}`);
  }
  return response as WithRequired<T, K>;
}

// grpc.health.v1.HealthCheckResponse{ status = 1 (enum) }, decoded by hand
// so that the health proto need not be generated.
function decodeHealthResponse(bytes: Buffer): HealthStatus {
  const reader = new BinaryReader(bytes);
  let status = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === 0) status = reader.int32();
    else reader.skip(wireType);
  }
  return HEALTH_STATUSES[status] ?? "UNKNOWN";
}
