"""Errors raised by the SDK: one class per gRPC status code pactlog uses."""

from __future__ import annotations

from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Type

import grpc
from google.protobuf.message import DecodeError

# gRPC's rich error model: googleapis-common-protos' modules when the
# environment has them (so that one process never registers google.rpc
# twice), else the ones generate.py makes from proto/google/rpc (same
# package, names and field numbers, hence the same wire format).
try:
    from google.rpc import error_details_pb2 as _error_details_pb2
    from google.rpc import status_pb2 as _status_pb2
except ImportError:
    from pactlog._rpc import error_details_pb2 as _error_details_pb2
    from pactlog._rpc import status_pb2 as _status_pb2

_STATUS_DETAILS_KEY = "grpc-status-details-bin"
_BAD_REQUEST_TYPE_URL = "type.googleapis.com/google.rpc.BadRequest"


class FieldViolation(NamedTuple):
    """One bad field of a rejected request, from the server's
    google.rpc.BadRequest."""

    # The field's path in the request, e.g. "events[1].tariff_change.rate_bps".
    field: str
    # What is wrong with it, with the value.
    description: str


class PactlogError(Exception):
    """A call to pactlog failed.

    `code` is the `grpc.StatusCode` and `message` the server's message, which
    says what was wrong and with which value (for INVALID_ARGUMENT it lists
    every violation as `field: problem`). `field_violations` has the same
    violations as data, a list of `FieldViolation(field, description)` in
    the server's order, decoded from the google.rpc.BadRequest in the call's
    `grpc-status-details-bin` trailer; empty when the server sent none.
    Catch a subclass to handle one code, or this class and look at `code`.
    """

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, code: Optional[grpc.StatusCode] = None,
                 field_violations: Iterable[FieldViolation] = ()):
        if code is not None:
            self.code = code
        self.message = message
        self.field_violations: List[FieldViolation] = list(field_violations)
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


def field_violations_of(trailing_metadata: Optional[Sequence]) -> List[FieldViolation]:
    """The field violations of every google.rpc.BadRequest in the
    `grpc-status-details-bin` entry of a call's trailing metadata; empty
    when there is none or it cannot be decoded (the message still says
    what was wrong)."""
    for key, value in trailing_metadata or ():
        if key != _STATUS_DETAILS_KEY or not isinstance(value, bytes):
            continue
        status = _status_pb2.Status()
        try:
            status.ParseFromString(value)
            violations = []
            for detail in status.details:
                if detail.type_url != _BAD_REQUEST_TYPE_URL:
                    continue
                bad_request = _error_details_pb2.BadRequest()
                bad_request.ParseFromString(detail.value)
                violations += [FieldViolation(v.field, v.description)
                               for v in bad_request.field_violations]
            return violations
        except DecodeError:
            return []
    return []


def from_rpc_error(error: grpc.RpcError) -> PactlogError:
    """Converts a failed gRPC call into the matching PactlogError."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or str(error)
    violations = field_violations_of(
        error.trailing_metadata() if hasattr(error, "trailing_metadata") else None)
    cls = _BY_CODE.get(code)
    if cls is None:
        return PactlogError(message, code, violations)
    return cls(message, field_violations=violations)
