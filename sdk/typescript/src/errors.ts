// Errors of the pactlog client: every failed call rejects with a
// PactlogError carrying, as data, the gRPC status code, the server's
// message, how many attempts the call took, and what the server sent in the
// `grpc-status-details-bin` trailer: the field violations of a
// google.rpc.BadRequest, and from a google.rpc.ErrorInfo the deal's current
// version (ABORTED) or the broken rule (FAILED_PRECONDITION).

import { Metadata, status as Status } from "@grpc/grpc-js";

import { BadRequest, ErrorInfo as RpcErrorInfo } from "./gen/google/rpc/error_details";
import { Status as RpcStatus } from "./gen/google/rpc/status";

export { Status };

/** One bad field of a rejected request, from the server's google.rpc.BadRequest. */
export interface FieldViolation {
  /** The field's path in the request, e.g. "events[1].tariff_change.rate_bps". */
  readonly field: string;
  /** What is wrong with it, with the value. */
  readonly description: string;
}

/** A google.rpc.ErrorInfo the server sent: why the call failed, as data. */
export interface ErrorInfo {
  /** e.g. "EXPECTED_VERSION_MISMATCH", "RULE_BROKEN". */
  readonly reason: string;
  /** Who defines the reason: "pactlog.v1". */
  readonly domain: string;
  /** The reason's values by name, e.g. { deal_id: "us-jp", current_version: "2" }. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The ErrorInfo reason of an ABORTED append whose expected version does not hold. */
export const EXPECTED_VERSION_MISMATCH = "EXPECTED_VERSION_MISMATCH";
/** The ErrorInfo reason of a FAILED_PRECONDITION: a deal rule is broken. */
export const RULE_BROKEN = "RULE_BROKEN";

const STATUS_DETAILS_KEY = "grpc-status-details-bin";
const TYPE_URL_PREFIX = "type.googleapis.com/";
const BAD_REQUEST_TYPE = "google.rpc.BadRequest";
const ERROR_INFO_TYPE = "google.rpc.ErrorInfo";

interface StatusDetails {
  fieldViolations: FieldViolation[];
  errorInfo: ErrorInfo | undefined;
}

const NO_DETAILS: StatusDetails = { fieldViolations: [], errorInfo: undefined };

function decodeErrorInfo(bytes: Uint8Array): ErrorInfo {
  const { reason, domain, metadata } = RpcErrorInfo.decode(bytes);
  return { reason, domain, metadata: { ...metadata } };
}

function typeName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
}

/**
 * What the serialized google.rpc.Status in a failed call's
 * `grpc-status-details-bin` trailer holds: the violations of every
 * google.rpc.BadRequest (in the server's order) and the first
 * google.rpc.ErrorInfo. Nothing when the trailer is absent or cannot be
 * decoded (the message still says what was wrong).
 */
function statusDetailsOf(metadata: Metadata | undefined): StatusDetails {
  const value = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (!(value instanceof Uint8Array)) return NO_DETAILS;
  try {
    const details = RpcStatus.decode(value).details;
    const fieldViolations = details
      .filter((any) => typeName(any.typeUrl) === BAD_REQUEST_TYPE)
      .flatMap((any) => BadRequest.decode(any.value).fieldViolations)
      .map(({ field, description }) => ({ field, description }));
    const info = details.find((any) => typeName(any.typeUrl) === ERROR_INFO_TYPE);
    return { fieldViolations, errorInfo: info ? decodeErrorInfo(info.value) : undefined };
  } catch {
    return NO_DETAILS;
  }
}

/** The field violations of a failed call's trailers (see `PactlogError.fieldViolations`). */
export function fieldViolationsOf(metadata: Metadata | undefined): FieldViolation[] {
  return statusDetailsOf(metadata).fieldViolations;
}

/** The google.rpc.ErrorInfo of a failed call's trailers, if the server sent one. */
export function errorInfoOf(metadata: Metadata | undefined): ErrorInfo | undefined {
  return statusDetailsOf(metadata).errorInfo;
}

export interface PactlogErrorOptions {
  /** The call's trailers: `grpc-status-details-bin` is decoded from them. */
  metadata?: Metadata;
  cause?: unknown;
  /** How many attempts the call took (0: refused before anything was sent). */
  attempts?: number;
  /** Violations found by the client itself (a bad option or builder input). */
  fieldViolations?: readonly FieldViolation[];
}

function integer(text: string | undefined): bigint | undefined {
  return text !== undefined && /^-?\d+$/.test(text) ? BigInt(text) : undefined;
}

/**
 * A failed pactlog call, and the one error type of the client. `code` is the
 * gRPC status (compare with `Status`, e.g. `err.code === Status.ABORTED`);
 * `details` the server's message; `attempts` how many times the call was
 * sent. The rest is data from the server's `grpc-status-details-bin`:
 *
 * - INVALID_ARGUMENT: `fieldViolations`, `{ field, description }` each;
 * - ABORTED (expected version): `currentVersion`, the deal's version now;
 * - FAILED_PRECONDITION (a rule): `rule`, `ruleDetail`, and the rule's
 *   values by name in `ruleValues` (those that are integers also in
 *   `ruleNumbers`).
 *
 * Each is empty or undefined when the server sent no such detail.
 */
export class PactlogError extends Error {
  /** gRPC status code. */
  readonly code: Status;
  /** The status name, e.g. "ABORTED". */
  readonly codeName: string;
  /** The server's message (or the client's, for local failures). */
  readonly details: string;
  /** Response trailers, when the server sent any. */
  readonly metadata: Metadata | undefined;
  /** How many times the call was sent: 1 when not retried, 0 when refused locally. */
  readonly attempts: number;
  /**
   * The bad fields: the server's google.rpc.BadRequest field violations in
   * its order, or the option or input the client refused itself.
   */
  readonly fieldViolations: readonly FieldViolation[];
  /** The server's google.rpc.ErrorInfo, when it sent one. */
  readonly errorInfo: ErrorInfo | undefined;
  /** ABORTED: the deal's current version (ErrorInfo EXPECTED_VERSION_MISMATCH). */
  readonly currentVersion: bigint | undefined;
  /** FAILED_PRECONDITION: the broken rule, e.g. "deal-announced-once" (ErrorInfo RULE_BROKEN). */
  readonly rule: string | undefined;
  /** FAILED_PRECONDITION: what the rule found. */
  readonly ruleDetail: string | undefined;
  /** FAILED_PRECONDITION: what the rule names besides `rule` and `detail`, each by name, as sent. */
  readonly ruleValues: Readonly<Record<string, string>>;
  /** FAILED_PRECONDITION: the numbers the rule names, each by name (the integers of `ruleValues`). */
  readonly ruleNumbers: Readonly<Record<string, bigint>>;

  constructor(code: Status, details: string, options: PactlogErrorOptions = {}) {
    const codeName = Status[code] ?? `CODE_${code}`;
    super(`${codeName}: ${details}`, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "PactlogError";
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.metadata = options.metadata;
    this.attempts = options.attempts ?? (options.metadata === undefined ? 0 : 1);
    const fromServer = statusDetailsOf(options.metadata);
    this.fieldViolations = options.fieldViolations ? [...options.fieldViolations] : fromServer.fieldViolations;
    const info = fromServer.errorInfo;
    this.errorInfo = info;
    this.currentVersion =
      info?.reason === EXPECTED_VERSION_MISMATCH && /^\d+$/.test(info.metadata["current_version"] ?? "")
        ? BigInt(info.metadata["current_version"]!)
        : undefined;
    const broken = info?.reason === RULE_BROKEN ? info : undefined;
    this.rule = broken?.metadata["rule"];
    this.ruleDetail = broken?.metadata["detail"];
    const values: Record<string, string> = {};
    const numbers: Record<string, bigint> = {};
    for (const [k, v] of Object.entries(broken?.metadata ?? {})) {
      if (k === "rule" || k === "detail") continue;
      values[k] = v;
      const n = integer(v);
      if (n !== undefined) numbers[k] = n;
    }
    this.ruleValues = values;
    this.ruleNumbers = numbers;
  }

  /** @internal The same error, saying it took `attempts` attempts. */
  withAttempts(attempts: number): PactlogError {
    if (attempts === this.attempts) return this;
    const copy = new PactlogError(this.code, this.details, {
      metadata: this.metadata,
      cause: this.cause,
      attempts,
      fieldViolations: this.fieldViolations,
    });
    if (this.stack !== undefined) copy.stack = this.stack;
    return copy;
  }
}

function isServiceError(e: unknown): e is Error & { code: number; details: string; metadata?: Metadata } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "number" && "details" in e;
}

/** Converts whatever a grpc-js call rejected with into a PactlogError. */
export function toPactlogError(e: unknown): PactlogError {
  if (e instanceof PactlogError) return e;
  if (isServiceError(e)) {
    return new PactlogError(e.code as Status, e.details || e.message, {
      metadata: e.metadata ?? new Metadata(),
      cause: e,
      attempts: 1,
    });
  }
  // Not from the transport: a bug or a local failure (e.g. encoding).
  const message = e instanceof Error ? e.message : String(e);
  return new PactlogError(Status.INTERNAL, message, { cause: e });
}

/**
 * A bad option or input, refused by the client before anything is sent:
 * INVALID_ARGUMENT naming the field the way the caller spelled it, with one
 * field violation.
 */
export function invalidArgument(field: string, problem: string): PactlogError {
  return new PactlogError(Status.INVALID_ARGUMENT, `${field}: ${problem}`, {
    attempts: 0,
    fieldViolations: [{ field, description: problem }],
  });
}
