"""Errors raised by the SDK: one class per gRPC status code pactlog uses."""

from __future__ import annotations

from typing import Dict, Optional, Type

import grpc


class PactlogError(Exception):
    """A call to pactlog failed.

    `code` is the `grpc.StatusCode` and `message` the server's message, which
    says what was wrong and with which value (for INVALID_ARGUMENT it lists
    every violation as `field: problem`). Catch a subclass to handle one code,
    or this class and look at `code`.
    """

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, code: Optional[grpc.StatusCode] = None):
        if code is not None:
            self.code = code
        self.message = message
        super().__init__(f"{self.code.name}: {message}")


class InvalidArgumentError(PactlogError):
    """INVALID_ARGUMENT: the request is malformed; nothing was recorded."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class AbortedError(PactlogError):
    """ABORTED: the expected version did not hold (the message gives the
    current one). Re-read the deal and decide again."""

    code = grpc.StatusCode.ABORTED


class FailedPreconditionError(PactlogError):
    """FAILED_PRECONDITION: a deal rule is broken (order of life, ceiling,
    approvals, currency); the message names the rule and the numbers."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class NotFoundError(PactlogError):
    """NOT_FOUND: unknown deal or project."""

    code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(PactlogError):
    """ALREADY_EXISTS: an event id was used before with other content."""

    code = grpc.StatusCode.ALREADY_EXISTS


class ResourceExhaustedError(PactlogError):
    """RESOURCE_EXHAUSTED: too many events in one append, a message over the
    size limit, or too many open subscriptions."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class OutOfRangeError(PactlogError):
    """OUT_OF_RANGE: a sequence beyond the end of the log was asked for."""

    code = grpc.StatusCode.OUT_OF_RANGE


class UnavailableError(PactlogError):
    """UNAVAILABLE: the server is starting, stopping or unreachable, or its
    disk write failed; nothing was recorded. Safe to retry."""

    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceededError(PactlogError):
    """DEADLINE_EXCEEDED: no answer within the call's timeout. For an append
    the events may or may not have been recorded: retry with the same event
    ids (the SDK does) and the server deduplicates."""

    code = grpc.StatusCode.DEADLINE_EXCEEDED


class CancelledError(PactlogError):
    """CANCELLED: the call was cancelled on this side."""

    code = grpc.StatusCode.CANCELLED


class UnauthenticatedError(PactlogError):
    """UNAUTHENTICATED: the server wants credentials (a token or a client
    certificate) and got none it accepts."""

    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDeniedError(PactlogError):
    """PERMISSION_DENIED: the caller is known but may not do this."""

    code = grpc.StatusCode.PERMISSION_DENIED


_BY_CODE: Dict[grpc.StatusCode, Type[PactlogError]] = {
    cls.code: cls
    for cls in (InvalidArgumentError, AbortedError, FailedPreconditionError,
                NotFoundError, AlreadyExistsError, ResourceExhaustedError,
                OutOfRangeError, UnavailableError, DeadlineExceededError,
                CancelledError, UnauthenticatedError, PermissionDeniedError)
}


def from_rpc_error(error: grpc.RpcError) -> PactlogError:
    """Converts a failed gRPC call into the matching PactlogError."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or str(error)
    cls = _BY_CODE.get(code)
    if cls is None:
        return PactlogError(message, code)
    return cls(message)
