// Errors of the pactlog client: every failed call rejects with a
// PactlogError carrying the gRPC status code and the server's message.

import { Metadata, status as Status } from "@grpc/grpc-js";

export { Status };

/**
 * A failed pactlog call. `code` is the gRPC status (compare with `Status`,
 * e.g. `err.code === Status.ABORTED`); `details` is the server's message,
 * which names the offending field and value for INVALID_ARGUMENT, the
 * current version for ABORTED and the broken rule for FAILED_PRECONDITION.
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

  constructor(code: Status, details: string, options?: { metadata?: Metadata; cause?: unknown }) {
    const codeName = Status[code] ?? `CODE_${code}`;
    super(`${codeName}: ${details}`, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "PactlogError";
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.metadata = options?.metadata;
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
