"""Errors raised by the SDK: PactlogError, with one subclass per gRPC status
code pactlog uses, carrying what the server sent as data (sdk/BEHAVIOUR.md,
"Errors"): the field violations of a google.rpc.BadRequest detail and the
reason and metadata of a google.rpc.ErrorInfo detail."""

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
_ERROR_INFO_TYPE_URL = "type.googleapis.com/google.rpc.ErrorInfo"

# ErrorInfo reasons pactlogd sends (domain "pactlog.v1").
EXPECTED_VERSION_MISMATCH = "EXPECTED_VERSION_MISMATCH"
RULE_BROKEN = "RULE_BROKEN"


class FieldViolation(NamedTuple):
    """One bad field of a rejected request, from the server's
    google.rpc.BadRequest."""

    # The field's path in the request, e.g. "events[1].tariff_change.rate_bps".
    field: str
    # What is wrong with it, with the value.
    description: str


class ErrorInfo(NamedTuple):
    """A google.rpc.ErrorInfo detail: why, as a constant, with data."""

    reason: str  # e.g. "EXPECTED_VERSION_MISMATCH", "RULE_BROKEN"
    domain: str  # "pactlog.v1"
    metadata: Dict[str, str]


class PactlogError(Exception):
    """A call to pactlog failed. One type for every failure; catch a
    subclass to handle one code, or this class and look at `code`.

    code              the `grpc.StatusCode`
    message           the server's message (for INVALID_ARGUMENT it lists
                      every violation as `field: problem`)
    attempts          how many calls it took (> 1: an append retried)
    field_violations  INVALID_ARGUMENT: `FieldViolation(field, description)`
                      each, in the server's order, from the google.rpc.BadRequest
                      in the `grpc-status-details-bin` trailer; [] if none sent
    reason, metadata  the google.rpc.ErrorInfo detail's reason ("" if none)
                      and metadata (a dict of strings, {} if none)
    current_version   ABORTED (reason EXPECTED_VERSION_MISMATCH): the deal's
                      version now, an int; else None
    deal_id           the deal that metadata names, else None
    rule, detail      FAILED_PRECONDITION (reason RULE_BROKEN): the broken
                      rule's name (e.g. "deal-announced-once") and what it
                      found; else None
    numbers           the metadata values that are integers (the numbers a
                      rule names, e.g. {"ceiling": 55000000000000}), by name
    """

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, code: Optional[grpc.StatusCode] = None,
                 field_violations: Iterable[FieldViolation] = (), *,
                 error_info: Optional[ErrorInfo] = None, attempts: int = 1):
        if code is not None:
            self.code = code
        self.message = message
        self.attempts = attempts
        self.field_violations: List[FieldViolation] = list(field_violations)
        self.reason = error_info.reason if error_info else ""
        self.metadata: Dict[str, str] = dict(error_info.metadata) if error_info else {}
        self.numbers: Dict[str, int] = {}
        for key, value in self.metadata.items():
            try:
                self.numbers[key] = int(value)
            except ValueError:
                pass
        self.deal_id: Optional[str] = self.metadata.get("deal_id")
        self.current_version: Optional[int] = (
            self.numbers.get("current_version")
            if self.reason == EXPECTED_VERSION_MISMATCH else None)
        broken = self.reason == RULE_BROKEN
        self.rule: Optional[str] = self.metadata.get("rule") if broken else None
        self.detail: Optional[str] = self.metadata.get("detail") if broken else None
        super().__init__(f"{self.code.name}: {message}")


class InvalidArgumentError(PactlogError):
    """INVALID_ARGUMENT: the request is malformed; nothing was recorded."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class AbortedError(PactlogError):
    """ABORTED: the expected version did not hold; `current_version` is the
    deal's version now (`deal_id` the deal). Re-read the deal and decide
    again."""

    code = grpc.StatusCode.ABORTED


class FailedPreconditionError(PactlogError):
    """FAILED_PRECONDITION: a deal rule is broken (order of life, ceiling,
    approvals, currency): `rule` names it, `detail` says what it found and
    `numbers` has the figures it names; the message says all that too."""

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


def _status_details(trailing_metadata: Optional[Sequence]) -> List:
    """The `details` (Any messages) of the google.rpc.Status in the
    `grpc-status-details-bin` entry of a call's trailing metadata; empty when
    there is none or it cannot be decoded (the message still says what was
    wrong)."""
    for key, value in trailing_metadata or ():
        if key != _STATUS_DETAILS_KEY or not isinstance(value, bytes):
            continue
        status = _status_pb2.Status()
        try:
            status.ParseFromString(value)
        except DecodeError:
            return []
        return list(status.details)
    return []


def _field_violations(details) -> List[FieldViolation]:
    violations: List[FieldViolation] = []
    for detail in details:
        if detail.type_url != _BAD_REQUEST_TYPE_URL:
            continue
        bad_request = _error_details_pb2.BadRequest()
        try:
            bad_request.ParseFromString(detail.value)
        except DecodeError:
            continue
        violations += [FieldViolation(v.field, v.description)
                       for v in bad_request.field_violations]
    return violations


def _error_info(details) -> Optional[ErrorInfo]:
    for detail in details:
        if detail.type_url != _ERROR_INFO_TYPE_URL:
            continue
        info = _error_details_pb2.ErrorInfo()
        try:
            info.ParseFromString(detail.value)
        except DecodeError:
            continue
        return ErrorInfo(info.reason, info.domain, dict(info.metadata))
    return None


def field_violations_of(trailing_metadata: Optional[Sequence]) -> List[FieldViolation]:
    """The field violations of every google.rpc.BadRequest detail in a
    call's trailing metadata, in order; empty when there are none."""
    return _field_violations(_status_details(trailing_metadata))


def error_info_of(trailing_metadata: Optional[Sequence]) -> Optional[ErrorInfo]:
    """The first google.rpc.ErrorInfo detail in a call's trailing metadata,
    or None."""
    return _error_info(_status_details(trailing_metadata))


def from_rpc_error(error: grpc.RpcError, attempts: int = 1) -> PactlogError:
    """Converts a failed gRPC call into the matching PactlogError."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or str(error)
    details = _status_details(
        error.trailing_metadata() if hasattr(error, "trailing_metadata") else None)
    kwargs = dict(field_violations=_field_violations(details),
                  error_info=_error_info(details), attempts=attempts)
    cls = _BY_CODE.get(code)
    if cls is None:
        return PactlogError(message, code, **kwargs)
    return cls(message, **kwargs)
