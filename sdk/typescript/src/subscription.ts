// A resumable subscription to the log: an AsyncIterable of events that
// survives disconnects (server restarts) without a gap or a duplicate.
//
// How: the subscription remembers `position`, the highest sequence up to
// which everything matching has been handed to the consumer (the last event
// taken, or a later Progress/CaughtUp/batch `last_examined_sequence`). When
// the stream fails with UNAVAILABLE (or goes silent past the idle timeout,
// or ends), it resubscribes with after_sequence = position after a backoff
// (100 ms doubling to 1 s, back to 100 ms once a resumed stream delivers a
// message), for as long as it takes: it never gives up by itself. The
// server then sends exactly the matching events after it. Events at or
// below `position` are dropped should a server ever resend them.

import type { ClientReadableStream, Metadata } from "@grpc/grpc-js";

import { PactlogError, Status, invalidArgument, toPactlogError } from "./errors";
import { Event } from "./gen/pactlog/v1/events";
import { EventFilter, Progress, SubscribeRequest, SubscribeResponse } from "./gen/pactlog/v1/stream";
import { cappedBackoffMs, delay } from "./retry";

/** One message of `Subscription.messages()`. */
export type SubscriptionMessage =
  | { type: "events"; events: Event[]; lastExaminedSequence: bigint }
  /** History up to `sequence` is delivered; live from here (after each (re)connect). */
  | { type: "caughtUp"; sequence: bigint }
  /** Heartbeat: every event up to `lastExaminedSequence` has been examined. */
  | { type: "progress"; lastExaminedSequence: bigint; headSequence: bigint }
  /**
   * The stream broke; resubscribing after `position` in `delayMs`
   * (`attempt` counts the failures in a row since a stream last delivered).
   */
  | { type: "reconnecting"; error: PactlogError; attempt: number; position: bigint | undefined; delayMs: number };

export interface ResumeOptions {
  /**
   * Failures in a row (no message in between) after which the iteration
   * throws the last error. Default `Infinity`: a subscription never gives
   * up on UNAVAILABLE by itself.
   */
  maxAttempts?: number;
  /** The wait before the first resubscription after a failure; doubles after each. Default 100 ms. */
  initialBackoffMs?: number;
  /** The longest wait. Default 1000 ms. */
  maxBackoffMs?: number;
}

/** A subscription's resume policy unless `resume` says otherwise (sdk/BEHAVIOUR.md). */
export const RESUME_DEFAULTS: Readonly<Required<ResumeOptions>> = Object.freeze({
  maxAttempts: Infinity,
  initialBackoffMs: 100,
  maxBackoffMs: 1000,
});

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
  /**
   * The iteration ends with a DEADLINE_EXCEEDED PactlogError this long
   * after it starts (reconnects included). Default: no deadline.
   */
  deadlineMs?: number;
  /**
   * Called whenever the stream passes from history to live: after the
   * history's last event has been handed out, before waiting for a live one.
   */
  onCaughtUp?: (sequence: bigint) => void;
  /** Called on every Progress heartbeat. */
  onProgress?: (progress: Progress) => void;
  /** Called before each reconnect, with the wait before it. */
  onReconnect?: (error: PactlogError, attempt: number, position: bigint | undefined, delayMs: number) => void;
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
 *
 * Caught up without markers: iterating events, `caughtUp` is already true
 * when the last event of the history (what the log held when the stream
 * started) is handed out, and `caughtUpSequence` names the sequence; with
 * `messages()` a `caughtUp` message is yielded; `onCaughtUp` is called
 * either way. All of it before the subscription waits for a live event.
 */
export class Subscription implements AsyncIterable<Event> {
  /**
   * Everything matching up to here has been handed out: the checkpoint to
   * persist, and where a reconnect resumes (`afterSequence`). Undefined
   * before the first message of a fromRecordedTime start (and before a
   * fromEnd start has read the head).
   */
  position: bigint | undefined;
  /**
   * True while live: from the hand-out of the last history event (or the
   * CaughtUp, when the history had none) until the next disconnect.
   */
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
  private deadlineTimer: NodeJS.Timeout | undefined;
  private expired: PactlogError | undefined;

  /** @internal Use `PactlogClient.subscribe`. */
  constructor(transport: SubscriptionTransport, opts: SubscribeOptions = {}) {
    const starts = [opts.afterSequence !== undefined, opts.fromEnd === true, opts.fromRecordedTime !== undefined];
    if (starts.filter(Boolean).length > 1) {
      const given = ["afterSequence", "fromEnd", "fromRecordedTime"].filter((_, i) => starts[i]);
      throw invalidArgument(given[1]!, `give at most one of afterSequence, fromEnd, fromRecordedTime; got ${given.join(" and ")}`);
    }
    if (opts.afterSequence !== undefined) {
      const a = opts.afterSequence;
      if (!(typeof a === "bigint" || Number.isSafeInteger(a)) || BigInt(a) < 0n) {
        throw invalidArgument("afterSequence", `must be a whole number >= 0, got ${String(a)}`);
      }
    }
    if (opts.fromRecordedTime !== undefined && !(opts.fromRecordedTime instanceof Date && !Number.isNaN(opts.fromRecordedTime.getTime()))) {
      throw invalidArgument("fromRecordedTime", `must be a valid Date, got ${String(opts.fromRecordedTime)}`);
    }
    const resume = { ...RESUME_DEFAULTS, ...definedOnly(opts.resume ?? {}) };
    if (!(resume.maxAttempts >= 1 && (Number.isInteger(resume.maxAttempts) || resume.maxAttempts === Infinity))) {
      throw invalidArgument("resume.maxAttempts", `must be a whole number >= 1 or Infinity, got ${String(resume.maxAttempts)}`);
    }
    if (!(resume.initialBackoffMs >= 0 && Number.isFinite(resume.initialBackoffMs))) {
      throw invalidArgument("resume.initialBackoffMs", `must be a number of milliseconds >= 0, got ${String(resume.initialBackoffMs)}`);
    }
    if (!(resume.maxBackoffMs >= resume.initialBackoffMs && Number.isFinite(resume.maxBackoffMs))) {
      throw invalidArgument(
        "resume.maxBackoffMs",
        `must be a number of milliseconds >= resume.initialBackoffMs (${resume.initialBackoffMs}), got ${String(resume.maxBackoffMs)}`,
      );
    }
    if (opts.deadlineMs !== undefined && !(opts.deadlineMs > 0 && Number.isFinite(opts.deadlineMs))) {
      throw invalidArgument("deadlineMs", `must be a number of milliseconds > 0, got ${String(opts.deadlineMs)}`);
    }
    this.transport = transport;
    this.opts = opts;
    this.resume = resume;
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
    clearTimeout(this.deadlineTimer);
    this.abort.abort();
    this.call?.cancel();
    this.transport.closed();
  }

  /**
   * Events one by one, in strictly increasing sequence. While the history
   * is being delivered, the last event of each message is handed out only
   * once the next message that says something has arrived (the server
   * sends history back to back), so that `caughtUp` is already true when
   * the last history event is handed out.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Event> {
    const source = this.raw();
    // Messages read ahead, and an error met reading ahead, in order.
    const ahead: SubscriptionMessage[] = [];
    let failure: { error: unknown } | undefined;
    let done = false;
    const pull = async (): Promise<void> => {
      try {
        const r = await source.next();
        if (r.done) done = true;
        else ahead.push(r.value);
      } catch (error) {
        failure = { error };
      }
    };
    try {
      for (;;) {
        if (ahead.length === 0) {
          if (failure) throw failure.error;
          if (done) return;
          await pull();
          continue;
        }
        const m = ahead.shift()!;
        // Called once the history's last event has been handed out, when
        // the consumer asks for the next one.
        if (m.type === "caughtUp") this.opts.onCaughtUp?.(m.sequence);
        if (m.type !== "events") continue;
        // An event counts as delivered once handed out: a break after it
        // leaves `position` on it.
        const last = m.events.length - 1;
        if (last < 0) this.advance(m.lastExaminedSequence);
        for (const [i, e] of m.events.entries()) {
          this.advance(e.sequence);
          if (i === last) {
            this.advance(m.lastExaminedSequence);
            // Read ahead past heartbeats and empty batches to what follows
            // the history's last message: events, the CaughtUp, a break.
            while (!this.caughtUp && !failure && !done && !ahead.some(informative)) await pull();
          }
          yield e;
        }
      }
    } finally {
      await source.return(undefined);
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
      if (m.type === "caughtUp") this.opts.onCaughtUp?.(m.sequence);
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
    const deadlineMs = this.opts.deadlineMs;
    if (deadlineMs !== undefined && !this.closed) {
      this.deadlineTimer = setTimeout(() => {
        this.expired = new PactlogError(Status.DEADLINE_EXCEEDED, `the subscription's deadline of ${deadlineMs} ms passed`);
        this.close();
      }, deadlineMs);
    }
    try {
      yield* this.follow();
      if (this.expired) throw this.expired;
    } finally {
      this.close();
    }
  }

  private async *follow(): AsyncGenerator<SubscriptionMessage, void, undefined> {
    // Failures in a row since a stream last delivered a message.
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
      const delayMs = cappedBackoffMs(this.resume, failures);
      this.opts.onReconnect?.(error, failures, this.position, delayMs);
      yield { type: "reconnecting", error, attempt: failures, position: this.position, delayMs };
      try {
        await delay(delayMs, this.abort.signal);
      } catch {
        return; // closed while waiting
      }
    }
  }
}

/** Whether a message read ahead tells the event iterator something: not a heartbeat, not an empty batch. */
function informative(m: SubscriptionMessage): boolean {
  return m.type === "caughtUp" || m.type === "reconnecting" || (m.type === "events" && m.events.length > 0);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
