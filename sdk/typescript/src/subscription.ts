// A resumable subscription to the log: an AsyncIterable of events that
// survives disconnects (server restarts) without a gap or a duplicate.
//
// How: the subscription remembers `position`, the highest sequence up to
// which everything matching has been handed to the consumer (the last event
// taken, or a later Progress/CaughtUp/batch `last_examined_sequence`). When
// the stream fails with UNAVAILABLE (or goes silent past the idle timeout,
// or ends), it resubscribes with after_sequence = position after a backoff;
// the server then sends exactly the matching events after it. Events at or
// below `position` are dropped should a server ever resend them.

import type { ClientReadableStream, Metadata } from "@grpc/grpc-js";

import { PactlogError, Status, invalidArgument, toPactlogError } from "./errors";
import { Event } from "./gen/pactlog/v1/events";
import { EventFilter, Progress, SubscribeRequest, SubscribeResponse } from "./gen/pactlog/v1/stream";
import { backoffMs, delay } from "./retry";

/** One message of `Subscription.messages()`. */
export type SubscriptionMessage =
  | { type: "events"; events: Event[]; lastExaminedSequence: bigint }
  /** History up to `sequence` is delivered; live from here (after each (re)connect). */
  | { type: "caughtUp"; sequence: bigint }
  /** Heartbeat: every event up to `lastExaminedSequence` has been examined. */
  | { type: "progress"; lastExaminedSequence: bigint; headSequence: bigint }
  /** The stream broke; resubscribing after `position` (attempt counts failures in a row). */
  | { type: "reconnecting"; error: PactlogError; attempt: number; position: bigint | undefined };

export interface ResumeOptions {
  /**
   * Reconnects in a row that may fail before any message arrives; after
   * that the iteration throws the last error. Default 10 (with the default
   * backoff about half a minute); `Infinity` never gives up.
   */
  maxAttempts?: number;
  /** Default 100 ms, doubling. */
  initialBackoffMs?: number;
  /** Default 5000 ms. */
  maxBackoffMs?: number;
}

export interface SubscribeOptions {
  /** Start after this sequence (0, the default: the whole log). */
  afterSequence?: number | bigint;
  /**
   * Start with events committed after the iteration starts: the client
   * reads the log's head then and subscribes after it, so the start is an
   * exact position that a reconnect resumes from.
   */
  fromEnd?: boolean;
  /** Start with events recorded at or after this time. */
  fromRecordedTime?: Date;
  /** Server-side filter; every non-empty list must match. */
  filter?: EventFilter;
  /** 1..1000, server default 64. */
  maxEventsPerMessage?: number;
  /** Progress heartbeat interval, 100..600000 ms; server default 5000. */
  heartbeatIntervalMs?: number;
  /**
   * A stream with no message for this long is treated as broken and
   * resumed. Default: 3 heartbeat intervals + 5 s. 0 turns it off.
   */
  idleTimeoutMs?: number;
  resume?: ResumeOptions;
  /** Called whenever the stream passes from history to live. */
  onCaughtUp?: (sequence: bigint) => void;
  /** Called on every Progress heartbeat. */
  onProgress?: (progress: Progress) => void;
  /** Called before each reconnect. */
  onReconnect?: (error: PactlogError, attempt: number, position: bigint | undefined) => void;
  /** Aborting ends the iteration (like `close()`). */
  signal?: AbortSignal;
}

/** @internal What a Subscription needs from the client. */
export interface SubscriptionTransport {
  open(request: SubscribeRequest, metadata: Metadata): ClientReadableStream<SubscribeResponse>;
  metadata(): Metadata;
  /** The log's last sequence now. */
  head(): Promise<bigint>;
  /** Called once when the subscription is closed or done. */
  closed(): void;
}

// DEADLINE_EXCEEDED only comes from reading the head for fromEnd: the
// stream itself has no deadline.
const RESUMABLE: ReadonlySet<Status> = new Set([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED]);

/**
 * Iterate it once, either as events (`for await (const e of sub)`) or as
 * messages (`sub.messages()`). Breaking out of the loop, `close()` or the
 * abort signal cancels the stream.
 */
export class Subscription implements AsyncIterable<Event> {
  /**
   * Everything matching up to here has been handed out: the checkpoint to
   * persist, and where a reconnect resumes (`afterSequence`). Undefined
   * before the first message of a fromRecordedTime start (and before a
   * fromEnd start has read the head).
   */
  position: bigint | undefined;
  /** True while live: after a CaughtUp, until the next disconnect. */
  caughtUp = false;
  /** The sequence of the last CaughtUp. */
  caughtUpSequence: bigint | undefined;
  /** The log's head as of the last Progress. */
  headSequence: bigint | undefined;
  /** How many times the stream was re-established. */
  reconnects = 0;

  private readonly transport: SubscriptionTransport;
  private readonly opts: SubscribeOptions;
  private readonly resume: { maxAttempts: number; initialBackoffMs: number; maxBackoffMs: number };
  private readonly idleTimeoutMs: number;
  private readonly abort = new AbortController();
  private call: ClientReadableStream<SubscribeResponse> | undefined;
  private started = false;
  private closed = false;

  /** @internal Use `PactlogClient.subscribe`. */
  constructor(transport: SubscriptionTransport, opts: SubscribeOptions = {}) {
    const starts = [opts.afterSequence !== undefined, opts.fromEnd === true, opts.fromRecordedTime !== undefined];
    if (starts.filter(Boolean).length > 1) {
      throw invalidArgument("start", "give at most one of afterSequence, fromEnd, fromRecordedTime");
    }
    if (opts.afterSequence !== undefined && BigInt(opts.afterSequence) < 0n) {
      throw invalidArgument("after_sequence", `must be >= 0 (${opts.afterSequence})`);
    }
    this.transport = transport;
    this.opts = opts;
    this.resume = {
      maxAttempts: opts.resume?.maxAttempts ?? 10,
      initialBackoffMs: opts.resume?.initialBackoffMs ?? 100,
      maxBackoffMs: opts.resume?.maxBackoffMs ?? 5000,
    };
    const heartbeat = opts.heartbeatIntervalMs ?? 5000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 3 * heartbeat + 5000;
    this.position =
      opts.fromEnd || opts.fromRecordedTime ? undefined : BigInt(opts.afterSequence ?? 0);
    if (opts.signal) {
      if (opts.signal.aborted) this.close();
      else opts.signal.addEventListener("abort", () => this.close(), { once: true });
    }
  }

  /** Ends the iteration and cancels the stream. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.call?.cancel();
    this.transport.closed();
  }

  /** Events one by one, in strictly increasing sequence. */
  async *[Symbol.asyncIterator](): AsyncIterator<Event> {
    for await (const m of this.raw()) {
      if (m.type !== "events") continue;
      // An event counts as delivered once handed out: a break after it
      // leaves `position` on it.
      const last = m.events.length - 1;
      if (last < 0) this.advance(m.lastExaminedSequence);
      for (const [i, e] of m.events.entries()) {
        this.advance(e.sequence);
        if (i === last) this.advance(m.lastExaminedSequence);
        yield e;
      }
    }
  }

  /** Every message, including caught-up, progress and reconnect notices. */
  async *messages(): AsyncGenerator<SubscriptionMessage, void, undefined> {
    for await (const m of this.raw()) {
      if (m.type === "events") {
        const last = m.events[m.events.length - 1];
        if (last) this.advance(last.sequence);
        this.advance(m.lastExaminedSequence);
      }
      yield m;
    }
  }

  private advance(sequence: bigint): void {
    if (this.position === undefined || sequence > this.position) this.position = sequence;
  }

  private request(): SubscribeRequest {
    const o = this.opts;
    const base = {
      filter: o.filter,
      maxEventsPerMessage: o.maxEventsPerMessage ?? 0,
      heartbeatIntervalMs: o.heartbeatIntervalMs ?? 0,
    };
    if (this.position !== undefined) return SubscribeRequest.fromPartial({ ...base, afterSequence: this.position });
    return SubscribeRequest.fromPartial({ ...base, fromRecordedTime: o.fromRecordedTime });
  }

  // Resolves with the next message, or rejects if none arrives within the
  // idle timeout (the stream is then abandoned and resumed).
  private next(it: AsyncIterator<SubscribeResponse>): Promise<IteratorResult<SubscribeResponse>> {
    const pending = it.next();
    if (!(this.idleTimeoutMs > 0)) return pending;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.catch(() => undefined);
        reject(new PactlogError(Status.UNAVAILABLE, `no message from the server for ${this.idleTimeoutMs} ms`));
      }, this.idleTimeoutMs);
      pending.then(
        (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  private async *raw(): AsyncGenerator<SubscriptionMessage, void, undefined> {
    if (this.started) throw new Error("a Subscription can be iterated only once");
    this.started = true;
    try {
      yield* this.follow();
    } finally {
      this.close();
    }
  }

  private async *follow(): AsyncGenerator<SubscriptionMessage, void, undefined> {
    let failures = 0;
    while (!this.closed) {
      let call: ClientReadableStream<SubscribeResponse> | undefined;
      let error: PactlogError;
      try {
        if (this.position === undefined && this.opts.fromEnd) this.position = await this.transport.head();
        if (this.closed) return;
        call = this.transport.open(this.request(), this.transport.metadata());
        this.call = call;
        const it = call[Symbol.asyncIterator]() as AsyncIterator<SubscribeResponse>;
        for (;;) {
          const r = await this.next(it);
          if (r.done) break;
          failures = 0;
          const m = r.value;
          if (m.events) {
            // Position is current here: everything yielded before has been
            // handed to the consumer (pull model).
            const floor = this.position;
            const events = floor === undefined ? m.events.events : m.events.events.filter((e) => e.sequence > floor);
            yield { type: "events", events, lastExaminedSequence: m.events.lastExaminedSequence };
          } else if (m.caughtUp) {
            this.advance(m.caughtUp.sequence);
            this.caughtUp = true;
            this.caughtUpSequence = m.caughtUp.sequence;
            this.opts.onCaughtUp?.(m.caughtUp.sequence);
            yield { type: "caughtUp", sequence: m.caughtUp.sequence };
          } else if (m.progress) {
            this.advance(m.progress.lastExaminedSequence);
            this.headSequence = m.progress.headSequence;
            this.opts.onProgress?.(m.progress);
            yield {
              type: "progress",
              lastExaminedSequence: m.progress.lastExaminedSequence,
              headSequence: m.progress.headSequence,
            };
          }
        }
        error = new PactlogError(Status.UNAVAILABLE, "the server ended the stream");
      } catch (e) {
        if (this.closed) return;
        error = toPactlogError(e);
        if (!RESUMABLE.has(error.code)) throw error;
      } finally {
        this.call = undefined;
        call?.cancel();
      }
      if (this.closed) return;
      failures++;
      if (failures > this.resume.maxAttempts) throw error;
      this.caughtUp = false;
      this.reconnects++;
      this.opts.onReconnect?.(error, failures, this.position);
      yield { type: "reconnecting", error, attempt: failures, position: this.position };
      try {
        await delay(backoffMs(this.resume, failures), this.abort.signal);
      } catch {
        return; // closed while waiting
      }
    }
  }
}
