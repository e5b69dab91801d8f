// Errors of the pactlog client: every failed call rejects with a
// PactlogError carrying the gRPC status code, the server's message and the
// field violations the server sent as data.

import { Metadata, status as Status } from "@grpc/grpc-js";

import { BadRequest } from "./gen/google/rpc/error_details";
import { Status as RpcStatus } from "./gen/google/rpc/status";

export { Status };

/** One bad field of a rejected request, from the server's google.rpc.BadRequest. */
export interface FieldViolation {
  /** The field's path in the request, e.g. "events[1].tariff_change.rate_bps". */
  readonly field: string;
  /** What is wrong with it, with the value. */
  readonly description: string;
}

const STATUS_DETAILS_KEY = "grpc-status-details-bin";
const BAD_REQUEST_TYPE_URL = "type.googleapis.com/google.rpc.BadRequest";

/**
 * The violations of every google.rpc.BadRequest in the serialized
 * google.rpc.Status that a failed call's `grpc-status-details-bin` trailer
 * holds, in the server's order. Empty when the trailer is absent or cannot
 * be decoded (the message still says what was wrong).
 */
export function fieldViolationsOf(metadata: Metadata | undefined): FieldViolation[] {
  const value = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (!(value instanceof Uint8Array)) return [];
  try {
    return RpcStatus.decode(value)
      .details.filter((any) => any.typeUrl === BAD_REQUEST_TYPE_URL)
      .flatMap((any) => BadRequest.decode(any.value).fieldViolations)
      .map(({ field, description }) => ({ field, description }));
  } catch {
    return [];
  }
}

/**
 * A failed pactlog call. `code` is the gRPC status (compare with `Status`,
 * e.g. `err.code === Status.ABORTED`); `details` is the server's message,
 * which names the offending field and value for INVALID_ARGUMENT, the
 * current version for ABORTED and the broken rule for FAILED_PRECONDITION.
 * `fieldViolations` lists the same bad fields as data (empty when the
 * server sent none), decoded from the `grpc-status-details-bin` trailer.
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
  /** The server's google.rpc.BadRequest field violations, in its order. */
  readonly fieldViolations: readonly FieldViolation[];

  constructor(code: Status, details: string, options?: { metadata?: Metadata; cause?: unknown }) {
    const codeName = Status[code] ?? `CODE_${code}`;
    super(`${codeName}: ${details}`, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "PactlogError";
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.metadata = options?.metadata;
    this.fieldViolations = fieldViolationsOf(options?.metadata);
  }
}

function isServiceError(e: unknown): e is Error & { code: number; details: string; metadata?: Metadata } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "number" && "details" in e;
}

/** Converts whatever a grpc-js call rejected with into a PactlogError. */
export function toPactlogError(e: unknown): PactlogError {
  if (e instanceof PactlogError) return e;
  if (isServiceError(e)) {
    return new PactlogError(e.code as Status, e.details || e.message, { metadata: e.metadata, cause: e });
  }
  // Not from the transport: a bug or a local failure (e.g. encoding).
  const message = e instanceof Error ? e.message : String(e);
  return new PactlogError(Status.INTERNAL, message, { cause: e });
}

/** Client-side argument checks fail like the server's would. */
export function invalidArgument(field: string, problem: string): PactlogError {
  return new PactlogError(Status.INVALID_ARGUMENT, `${field}: ${problem}`);
}
