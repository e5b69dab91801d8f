"""pactlog.Client: a thin, blocking wrapper over the three pactlog services.

One Client owns one gRPC channel; it is thread-safe (gRPC channels are) and
meant to be long-lived. Every unary call has a deadline (the client's
`timeout` unless the call passes its own). Failures raise PactlogError
subclasses, never grpc.RpcError.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as _dt
import logging
import os
import random
import socket
import threading
import time
import uuid
from typing import (Any, Callable, Deque, Generic, Iterable, Iterator, List, Optional, Sequence, Tuple,
                    TypeVar, Union)

import grpc
from google.protobuf import timestamp_pb2

from pactlog.v1 import (events_pb2, ledger_pb2, ledger_pb2_grpc, query_pb2, query_pb2_grpc,
                        state_pb2, stream_pb2, stream_pb2_grpc)

from . import _health
from ._errors import PactlogError, UnavailableError, from_rpc_error
from ._events import Durability, EnumLike, EventKind, ProjectStatus, Sector, coerce_enum
from ._subscription import Subscription
from ._time import TimeLike, to_datetime, to_timestamp

DEFAULT_ADDRESS = "127.0.0.1:50051"
NO_DEAL = "no_deal"

# Codes after which an append is sent again with the same event ids:
# nothing was recorded (UNAVAILABLE), or it may have been and the server
# deduplicates the repeat (DEADLINE_EXCEEDED, or CANCELLED: this client never
# cancels an append, so that is a server shutting down with the call in
# flight). Every other code is final (sdk/BEHAVIOUR.md).
_RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                        grpc.StatusCode.CANCELLED})

APPEND_ATTEMPTS = 5  # attempts in all, the first included
_APPEND_FIRST_DELAY = 0.1  # seconds; doubles per retry
_APPEND_MAX_DELAY = 2.0

# gRPC's reconnect backoff grows to 120 s by default, which would keep a
# client away for minutes after a server restart; capped at 1 s, a client is
# back within about a second of the server serving again. The minimum is
# also the connect timeout of one attempt.
CHANNEL_OPTIONS = (("grpc.initial_reconnect_backoff_ms", 100),
                   ("grpc.min_reconnect_backoff_ms", 1000),
                   ("grpc.max_reconnect_backoff_ms", 1000))

_log = logging.getLogger("pactlog")

Pem = Union[bytes, str, "os.PathLike[str]"]
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class AppendResult:
    """What Append recorded (or had recorded, when deduplicated)."""

    sequences: Tuple[int, ...]  # global sequence per event, in request order
    event_ids: Tuple[str, ...]  # event id per event, generated ones included
    deal_version: int  # the deal's version after the batch
    # The batch's recorded time, exact to the nanosecond: pass it as
    # as_of_recorded_time to see the state right after this batch.
    recorded_time: timestamp_pb2.Timestamp
    deduplicated: bool  # True: an identical earlier append already recorded it
    attempts: int  # calls it took (> 1 after a retried UNAVAILABLE / timeout)
    # What the acknowledgement means (SYNCED_LOCAL: fsynced on the server's
    # disk; COMMITTED_MAJORITY / SYNCED_MAJORITY: a cluster); None when the
    # server does not say.
    durability: Optional[Durability] = None

    @property
    def last_sequence(self) -> int:
        """Pass as at_least_sequence to read your own write."""
        return self.sequences[-1]

    @property
    def recorded_datetime(self) -> _dt.datetime:
        """recorded_time as an aware UTC datetime. datetime holds only
        microseconds, so as an as-of bound it may fall just before the batch:
        use recorded_time for that."""
        return to_datetime(self.recorded_time)


def append_delay(retry: int, rand: Optional[Callable[[], float]] = None) -> float:
    """The wait before an append's `retry`-th retry (1, 2, ...): 100 ms
    doubling to at most 2 s, less up to half of it as jitter."""
    ceiling = min(_APPEND_FIRST_DELAY * 2 ** min(retry - 1, 16), _APPEND_MAX_DELAY)
    return ceiling * (0.5 + (rand or random.random)() / 2)


class Pages(Generic[T]):
    """An iterator over the items of every page of a listing. It fetches a
    page only when the iteration gets there; the pages after the first are
    pinned to the first one's log position, so the items are one snapshot
    even while appends go on. `log_sequence` is that position and
    `first_page` the first response (reading either fetches the first page
    if the iteration has not yet)."""

    def __init__(self, fetch: Callable[[Any], Any], request: Any, items: str):
        self._fetch = fetch
        self._request = request
        self._items_field = items
        self._first: Optional[Any] = None
        self._buffer: Deque[T] = collections.deque()
        self._done = False
        self.pages_fetched = 0

    def _next_page(self) -> bool:
        if self._done:
            return False
        response = self._fetch(self._request)
        self.pages_fetched += 1
        if self._first is None:
            self._first = response
            if not self._request.options.as_of.sequence:
                self._request.options.as_of.sequence = response.log_sequence
        self._buffer.extend(getattr(response, self._items_field))
        if response.next_page_token:
            self._request.page_token = response.next_page_token
        else:
            self._done = True
        return True

    @property
    def first_page(self) -> Any:
        if self._first is None:
            self._next_page()
        return self._first

    @property
    def log_sequence(self) -> int:
        return self.first_page.log_sequence

    def __iter__(self) -> "Pages[T]":
        return self

    def __next__(self) -> T:
        while not self._buffer:
            if not self._next_page():
                raise StopIteration
        return self._buffer.popleft()


def _read_pem(value: Optional[Pem], what: str) -> Optional[bytes]:
    """PEM bytes, PEM text, or a path to a PEM file."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str) and value.lstrip().startswith("-----BEGIN"):
        return value.encode()
    try:
        with open(value, "rb") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"{what}: cannot read {value!r}: {e.strerror}") from e


def _env(name: str) -> Optional[str]:
    """An environment variable; an empty one counts as unset."""
    return os.environ.get(name) or None


def default_actor() -> str:
    """$PACTLOG_ACTOR, else <user>@<host>: $USER, else the login name, else
    "unknown"."""
    actor = _env("PACTLOG_ACTOR")
    if actor:
        return actor
    user = _env("USER")
    if not user:
        try:
            user = os.getlogin()
        except OSError:
            try:
                import pwd

                user = pwd.getpwuid(os.getuid()).pw_name
            except (ImportError, KeyError):
                user = ""
    return f"{user or 'unknown'}@{socket.gethostname()}"


def _non_negative(value: Optional[int], what: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what}: expected an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{what}: must be >= 0, got {value}")
    return value


def _page_size(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"page_size: must be an int >= 1, got {value!r}")
    return value


def _page_token(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"page_token: expected a str (a next_page_token), got {value!r}")
    return value


def _strings(value: Optional[Iterable[str]], what: str) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    out = list(value)
    for v in out:
        if not isinstance(v, str):
            raise TypeError(f"{what}: expected strings, got {v!r}")
    return out


def make_filter(filter: Optional[stream_pb2.EventFilter] = None, *,
                deal_ids: Optional[Iterable[str]] = None,
                kinds: Optional[Iterable[EnumLike]] = None,
                sectors: Optional[Iterable[EnumLike]] = None,
                product_categories: Optional[Iterable[str]] = None) -> stream_pb2.EventFilter:
    """An EventFilter from a proto and/or keyword lists (every non-empty list
    must match). Kinds and sectors take enum members, numbers or names:
    kinds=["approval", "disbursement"], sectors=[Sector.ENERGY]."""
    out = stream_pb2.EventFilter()
    if filter is not None:
        out.CopyFrom(filter)
    out.deal_ids.extend(_strings(deal_ids, "deal_ids"))
    if isinstance(kinds, (str, int)):
        kinds = [kinds]
    out.kinds.extend(coerce_enum(EventKind, k, "kinds") for k in (kinds or ()))
    if isinstance(sectors, (str, int)):
        sectors = [sectors]
    out.sectors.extend(coerce_enum(Sector, s, "sectors") for s in (sectors or ()))
    out.product_categories.extend(_strings(product_categories, "product_categories"))
    return out


class Client:
    """A connection to pactlogd.

        with pactlog.Client("127.0.0.1:50051") as client:
            client.append("us-japan", [event, ...])

    Every setting is the option if given, else its environment variable
    (an empty one counts as unset), else the default:

    address     host:port; $PACTLOG_ADDRESS, else 127.0.0.1:50051
    root_certificates  PEM bytes, PEM text or a file path of the roots to
                trust; implies TLS. $PACTLOG_TLS_CA (a file), else plaintext
    tls         True: TLS (with the system's roots unless root_certificates
                or $PACTLOG_TLS_CA); False: plaintext, whatever the
                environment says; default: TLS when there are roots or a
                client certificate
    certificate_chain, private_key  the client certificate (mTLS), together
    token       bearer token, sent as "authorization: Bearer <token>";
                $PACTLOG_TOKEN, else none
    actor       recorded as the actor of appended events unless append()
                names one; $PACTLOG_ACTOR, else <user>@<host>
    timeout     deadline of each unary call in seconds (calls can override)
    append_attempts  attempts in all of one append when the server is
                unavailable or the deadline passes (same event ids each
                time); 5
    options     extra gRPC channel options, e.g. [("grpc.ssl_target_name_override", "x")];
                they win over CHANNEL_OPTIONS (reconnect backoff 100 ms to 1 s)
    """

    def __init__(self, address: Optional[str] = None, *, timeout: float = 10.0,
                 tls: Optional[bool] = None, root_certificates: Optional[Pem] = None,
                 certificate_chain: Optional[Pem] = None, private_key: Optional[Pem] = None,
                 token: Optional[str] = None, actor: Optional[str] = None,
                 append_attempts: int = APPEND_ATTEMPTS,
                 options: Sequence[Tuple[str, Any]] = ()):
        if address is not None and (not isinstance(address, str) or not address.strip()):
            raise ValueError(f"address: expected host:port, got {address!r}")
        self.address = address or _env("PACTLOG_ADDRESS") or DEFAULT_ADDRESS
        if (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                or not timeout > 0):
            raise ValueError(f"timeout: must be > 0 seconds, got {timeout!r}")
        if (isinstance(append_attempts, bool) or not isinstance(append_attempts, int)
                or append_attempts < 1):
            raise ValueError(f"append_attempts: must be an int >= 1, got {append_attempts!r}")
        if (certificate_chain is None) != (private_key is None):
            raise ValueError("certificate_chain and private_key: give both or neither (mTLS), "
                             f"got only {'certificate_chain' if private_key is None else 'private_key'}")
        if actor is not None and (not isinstance(actor, str) or not actor):
            raise ValueError(f"actor: expected a non-empty str, got {actor!r}")
        self.timeout = float(timeout)
        self.actor = actor or default_actor()
        self.append_attempts = append_attempts
        if token is None:
            token = _env("PACTLOG_TOKEN")
            what = "PACTLOG_TOKEN"
        else:
            what = "token"
        self._metadata: Tuple[Tuple[str, str], ...] = ()
        if token is not None:
            if not isinstance(token, str) or not token or any(c in token for c in "\r\n"):
                raise ValueError(f"{what}: must be a non-empty single line")
            self._metadata = (("authorization", f"Bearer {token}"),)
        if root_certificates is None and tls is not False and _env("PACTLOG_TLS_CA"):
            root_certificates = os.environ["PACTLOG_TLS_CA"]
            roots_name = "PACTLOG_TLS_CA"
        else:
            roots_name = "root_certificates"
        if tls is False and (root_certificates is not None or certificate_chain is not None):
            raise ValueError("tls=False: plaintext cannot use root_certificates or "
                             "certificate_chain / private_key")
        self.tls = bool(tls or root_certificates is not None or certificate_chain is not None)

        given = {name for name, _ in options}
        options = [(k, v) for k, v in CHANNEL_OPTIONS if k not in given] + list(options)
        self.channel_options: Tuple[Tuple[str, Any], ...] = tuple(options)
        if self.tls:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read_pem(root_certificates, roots_name),
                private_key=_read_pem(private_key, "private_key"),
                certificate_chain=_read_pem(certificate_chain, "certificate_chain"))
            self._channel = grpc.secure_channel(self.address, credentials, options)
        else:
            self._channel = grpc.insecure_channel(self.address, options)
        self._ledger = ledger_pb2_grpc.DealLedgerStub(self._channel)
        self._query = query_pb2_grpc.DealQueryStub(self._channel)
        self._stream = stream_pb2_grpc.EventStreamStub(self._channel)
        self._health = _health.check_callable(self._channel)
        self._closed = threading.Event()

    # --- lifecycle ------------------------------------------------------------

    def close(self) -> None:
        """Closes the channel; open subscriptions end. Idempotent."""
        self._closed.set()
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"pactlog.Client({self.address!r})"

    def _pause(self, seconds: float) -> bool:
        """Waits between append attempts; True when the client was closed
        meanwhile."""
        return self._closed.wait(seconds)

    def _unary(self, method, request, timeout: Optional[float], **kwargs):
        try:
            return method(request, timeout=self.timeout if timeout is None else timeout,
                          metadata=self._metadata, **kwargs)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None

    def is_serving(self, timeout: Optional[float] = None) -> bool:
        """True when the health service says SERVING (replay done)."""
        request = _health.HealthCheckRequest(service="")
        return self._unary(self._health, request, timeout).status == _health.SERVING

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        """Blocks until the server is SERVING (it is NOT_SERVING while it
        replays its log at start-up). UnavailableError after `timeout` s."""
        deadline = time.monotonic() + timeout
        delay = 0.02
        last = "not serving yet"
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise UnavailableError(
                    f"{self.address} not serving after {timeout:g} s: {last}")
            try:
                # wait_for_ready: block while the channel connects instead of
                # failing fast, up to this attempt's deadline.
                request = _health.HealthCheckRequest(service="")
                if self._unary(self._health, request, min(remaining, 1.0),
                               wait_for_ready=True).status == _health.SERVING:
                    return
            except PactlogError as e:  # UNAVAILABLE, or DEADLINE_EXCEEDED while connecting
                last = str(e)
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 0.5)

    # --- DealLedger -------------------------------------------------------------

    def append(self, deal_id: str,
               events: Union[events_pb2.EventData, Iterable[events_pb2.EventData]], *,
               expected_version: Union[None, str, int] = None, actor: Optional[str] = None,
               timeout: Optional[float] = None) -> AppendResult:
        """Appends events to one deal, all or none, durably.

        expected_version: None (any), "no_deal" (the deal must not exist
        yet) or an int N (the deal's version must be exactly N; 0 = absent).

        Every event without an event_id gets a fresh UUID before the first
        attempt, so when the server is unavailable or the deadline passes the
        same request is sent again (up to `append_attempts` times, with
        backoff) and cannot be recorded twice. The caller's event objects are
        not modified; the ids used are in the result.
        """
        if isinstance(events, events_pb2.EventData):
            events = [events]
        request = ledger_pb2.AppendRequest(deal_id=deal_id, actor=actor or self.actor)
        if expected_version is None:
            pass
        elif expected_version == NO_DEAL:
            request.expected_version.no_deal = True
        elif isinstance(expected_version, int) and not isinstance(expected_version, bool):
            request.expected_version.exact = _non_negative(expected_version, "expected_version")
        else:
            raise ValueError(
                f'expected_version: None, "no_deal" or an int, got {expected_version!r}')
        for i, event in enumerate(events):
            if not isinstance(event, events_pb2.EventData):
                raise TypeError(f"events[{i}]: expected pactlog.EventData "
                                f"(see pactlog.approval() etc.), got {type(event).__name__}")
            copy = request.events.add()
            copy.CopyFrom(event)
            if not copy.event_id:
                copy.event_id = str(uuid.uuid4())

        for attempt in range(1, self.append_attempts + 1):
            try:
                response = self._ledger.Append(
                    request, timeout=self.timeout if timeout is None else timeout,
                    metadata=self._metadata)
            except grpc.RpcError as e:
                if (e.code() not in _RETRYABLE or attempt == self.append_attempts
                        or self._closed.is_set()):
                    raise from_rpc_error(e, attempts=attempt) from None
                pause = append_delay(attempt)
                _log.warning("append to deal %r: %s (%s), attempt %d of %d; retrying in %.2f s "
                             "with the same event ids", deal_id, e.code().name, e.details(),
                             attempt, self.append_attempts, pause)
                if self._pause(pause):
                    raise from_rpc_error(e, attempts=attempt) from None
                continue
            return AppendResult(sequences=tuple(response.sequences),
                                event_ids=tuple(response.event_ids),
                                deal_version=response.deal_version,
                                recorded_time=response.recorded_time,
                                deduplicated=response.deduplicated, attempts=attempt,
                                durability=(Durability(response.durability)
                                            if response.durability in Durability._value2member_map_
                                            else None))
        raise AssertionError("unreachable")

    # --- DealQuery ----------------------------------------------------------------

    @staticmethod
    def _options(as_of_sequence: Optional[int], as_of_recorded_time: Optional[TimeLike],
                 as_of_effective_time: Optional[TimeLike],
                 at_least_sequence: Optional[int]) -> query_pb2.ReadOptions:
        options = query_pb2.ReadOptions()
        options.as_of.sequence = _non_negative(as_of_sequence, "as_of_sequence")
        if as_of_recorded_time is not None:
            options.as_of.recorded_time.CopyFrom(
                to_timestamp(as_of_recorded_time, "as_of_recorded_time"))
        if as_of_effective_time is not None:
            options.as_of.effective_time.CopyFrom(
                to_timestamp(as_of_effective_time, "as_of_effective_time"))
        options.min_sequence = _non_negative(at_least_sequence, "at_least_sequence")
        return options

    def get_deal(self, deal_id: str, *, as_of_sequence: Optional[int] = None,
                 as_of_recorded_time: Optional[TimeLike] = None,
                 as_of_effective_time: Optional[TimeLike] = None,
                 at_least_sequence: Optional[int] = None,
                 timeout: Optional[float] = None) -> query_pb2.GetDealResponse:
        """The deal's state (`.deal`) and the `.log_sequence` it reflects.

        as_of_sequence: the state after that log position; as_of_recorded_time:
        what the record knew then; as_of_effective_time: what was in force
        then (also when tariffs are evaluated). at_least_sequence: the answer
        reflects at least that sequence (read your own writes:
        AppendResult.last_sequence); OutOfRangeError if the log is shorter.
        """
        request = query_pb2.GetDealRequest(deal_id=deal_id, options=self._options(
            as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        return self._unary(self._query.GetDeal, request, timeout)

    def get_project(self, deal_id: str, project_id: str, *,
                    as_of_sequence: Optional[int] = None,
                    as_of_recorded_time: Optional[TimeLike] = None,
                    as_of_effective_time: Optional[TimeLike] = None,
                    at_least_sequence: Optional[int] = None,
                    timeout: Optional[float] = None) -> query_pb2.GetProjectResponse:
        """The project's state (`.project`) and `.log_sequence`; as-of options
        as in get_deal."""
        request = query_pb2.GetProjectRequest(
            deal_id=deal_id, project_id=project_id, options=self._options(
                as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        return self._unary(self._query.GetProject, request, timeout)

    def get_tariffs(self, deal_id: str, product_category: str = "", *,
                    as_of_sequence: Optional[int] = None,
                    as_of_recorded_time: Optional[TimeLike] = None,
                    as_of_effective_time: Optional[TimeLike] = None,
                    at_least_sequence: Optional[int] = None,
                    timeout: Optional[float] = None) -> query_pb2.GetTariffsResponse:
        """Per product category (or only `product_category`): the rate in force
        at `.evaluated_at`, the cap, breaches and the full history."""
        request = query_pb2.GetTariffsRequest(
            deal_id=deal_id, product_category=product_category, options=self._options(
                as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        return self._unary(self._query.GetTariffs, request, timeout)

    def get_compliance(self, deal_id: str, reading: str = "", *,
                       as_of_sequence: Optional[int] = None,
                       as_of_recorded_time: Optional[TimeLike] = None,
                       as_of_effective_time: Optional[TimeLike] = None,
                       at_least_sequence: Optional[int] = None,
                       timeout: Optional[float] = None) -> query_pb2.GetComplianceResponse:
        """The deal's compliance (`.compliance`, a ComplianceView) and
        `.log_sequence`: every approved project against the funding deadline
        of the terms used, the counts by FundingStatus, what is undisbursed
        on overdue projects, cap breaches, and every party's reading.

        reading: judge by that party's terms (an asserted_by, e.g. "JP");
        NotFoundError when it has none. "" (default): the latest terms that
        name a deadline, else the latest. as_of_effective_time judges the
        deal as it stood then (deadlines run to that time); the other as-of
        options as in get_deal."""
        if not isinstance(reading, str):
            raise TypeError(f"reading: expected a str (an asserted_by), got {reading!r}")
        request = query_pb2.GetComplianceRequest(
            deal_id=deal_id, reading=reading, options=self._options(
                as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        return self._unary(self._query.GetCompliance, request, timeout)

    def _lineage_request(self, deal_id: str, project_id: Optional[str],
                         allocation_id: Optional[str], page_size: int, page_token: str,
                         options: query_pb2.ReadOptions) -> query_pb2.GetLineageRequest:
        for name, value in (("project_id", project_id), ("allocation_id", allocation_id)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name}: expected a str, got {value!r}")
        if project_id and allocation_id:
            raise ValueError("get_lineage: give at most one of project_id and allocation_id, "
                             f"got project_id={project_id!r} and allocation_id={allocation_id!r}")
        return query_pb2.GetLineageRequest(
            deal_id=deal_id, project_id=project_id or "", allocation_id=allocation_id or "",
            page_size=_page_size(page_size), page_token=_page_token(page_token),
            options=options)

    def get_lineage_page(self, deal_id: str, project_id: Optional[str] = None,
                         allocation_id: Optional[str] = None, *, page_size: int = 100,
                         page_token: str = "", as_of_sequence: Optional[int] = None,
                         as_of_recorded_time: Optional[TimeLike] = None,
                         as_of_effective_time: Optional[TimeLike] = None,
                         at_least_sequence: Optional[int] = None,
                         timeout: Optional[float] = None) -> query_pb2.GetLineageResponse:
        """One page of get_lineage(): `.entries`, `.figures`, `.log_sequence`
        and `.next_page_token` (empty on the last page). For the next page
        pass page_token=that and as_of_sequence=the first page's log_sequence
        (the same snapshot)."""
        request = self._lineage_request(
            deal_id, project_id, allocation_id, page_size, page_token, self._options(
                as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        return self._unary(self._query.GetLineage, request, timeout)

    def iter_lineage(self, deal_id: str, project_id: Optional[str] = None,
                     allocation_id: Optional[str] = None, *, page_size: int = 100,
                     as_of_sequence: Optional[int] = None,
                     as_of_recorded_time: Optional[TimeLike] = None,
                     as_of_effective_time: Optional[TimeLike] = None,
                     at_least_sequence: Optional[int] = None,
                     timeout: Optional[float] = None) -> "Pages[state_pb2.LineageEntry]":
        """get_lineage()'s entries as a Pages iterator over every page, each
        fetched when the iteration gets there; `.first_page.figures` and
        `.log_sequence` say what they add up to."""
        request = self._lineage_request(
            deal_id, project_id, allocation_id, page_size, "", self._options(
                as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        return Pages(lambda r: self._unary(self._query.GetLineage, r, timeout), request,
                     "entries")

    def get_lineage(self, deal_id: str, project_id: Optional[str] = None,
                    allocation_id: Optional[str] = None, *,
                    as_of_sequence: Optional[int] = None,
                    as_of_recorded_time: Optional[TimeLike] = None,
                    as_of_effective_time: Optional[TimeLike] = None,
                    at_least_sequence: Optional[int] = None, page_size: int = 100,
                    timeout: Optional[float] = None) -> query_pb2.GetLineageResponse:
        """The events behind the figures of a project (project_id), an
        allocation (allocation_id) or, with neither, the deal's totals.

        `.figures` (a Figures: allocated, pledged, approved, disbursed) are
        the subject's at the as-of point; `.entries` (LineageEntry, in log
        order, every page fetched as one snapshot) each say what one event
        changed of them (`.change`, negative for a decrease, unset: no
        change), the event it names (`.target_event_id`) and a `.summary`;
        the changes sum to the figures. `.log_sequence` says which point.
        NotFoundError for a subject unknown then; as-of options as in
        get_deal. One page: get_lineage_page(); lazily: iter_lineage()."""
        pages = self.iter_lineage(
            deal_id, project_id, allocation_id, page_size=page_size,
            as_of_sequence=as_of_sequence, as_of_recorded_time=as_of_recorded_time,
            as_of_effective_time=as_of_effective_time, at_least_sequence=at_least_sequence,
            timeout=timeout)
        entries = list(pages)
        out = query_pb2.GetLineageResponse(log_sequence=pages.log_sequence)
        if pages.first_page.HasField("figures"):
            out.figures.CopyFrom(pages.first_page.figures)
        out.entries.extend(entries)
        return out

    def list_deals_page(self, *, page_size: int = 100, page_token: str = "",
                        as_of_sequence: Optional[int] = None,
                        as_of_recorded_time: Optional[TimeLike] = None,
                        as_of_effective_time: Optional[TimeLike] = None,
                        at_least_sequence: Optional[int] = None,
                        timeout: Optional[float] = None) -> query_pb2.ListDealsResponse:
        """One page of deals (by id): `.deals`, `.log_sequence` and
        `.next_page_token` (empty on the last page). For the next page pass
        page_token=that and as_of_sequence=the first page's log_sequence."""
        request = query_pb2.ListDealsRequest(
            page_size=_page_size(page_size), page_token=_page_token(page_token),
            options=self._options(as_of_sequence, as_of_recorded_time, as_of_effective_time,
                                  at_least_sequence))
        return self._unary(self._query.ListDeals, request, timeout)

    def list_deals(self, *, as_of_sequence: Optional[int] = None,
                   as_of_recorded_time: Optional[TimeLike] = None,
                   as_of_effective_time: Optional[TimeLike] = None,
                   at_least_sequence: Optional[int] = None, page_size: int = 100,
                   timeout: Optional[float] = None) -> "Pages[state_pb2.DealState]":
        """Every deal (by id) that existed at the as-of point: a Pages
        iterator that fetches page after page as the iteration gets there,
        all one snapshot (`.log_sequence`)."""
        request = query_pb2.ListDealsRequest(page_size=_page_size(page_size), options=self._options(
            as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        return Pages(lambda r: self._unary(self._query.ListDeals, r, timeout), request, "deals")

    def _projects_request(self, deal_id, sector, us_state, status, allocation_id, page_size,
                          page_token, options) -> query_pb2.ListProjectsRequest:
        request = query_pb2.ListProjectsRequest(
            deal_id=deal_id, us_state=us_state, allocation_id=allocation_id,
            page_size=_page_size(page_size), page_token=_page_token(page_token),
            options=options)
        if sector is not None:
            request.sector = coerce_enum(Sector, sector, "sector")
        if status is not None:
            request.status = coerce_enum(ProjectStatus, status, "status")
        return request

    def list_projects_page(self, deal_id: str, *, sector: Optional[EnumLike] = None,
                           us_state: str = "", status: Optional[EnumLike] = None,
                           allocation_id: str = "", page_size: int = 100,
                           page_token: str = "", as_of_sequence: Optional[int] = None,
                           as_of_recorded_time: Optional[TimeLike] = None,
                           as_of_effective_time: Optional[TimeLike] = None,
                           at_least_sequence: Optional[int] = None,
                           timeout: Optional[float] = None) -> query_pb2.ListProjectsResponse:
        """One page of list_projects(): `.projects`, `.log_sequence` and
        `.next_page_token` (empty on the last page)."""
        request = self._projects_request(
            deal_id, sector, us_state, status, allocation_id, page_size, page_token,
            self._options(as_of_sequence, as_of_recorded_time, as_of_effective_time,
                          at_least_sequence))
        return self._unary(self._query.ListProjects, request, timeout)

    def list_projects(self, deal_id: str, *, sector: Optional[EnumLike] = None,
                      us_state: str = "", status: Optional[EnumLike] = None,
                      allocation_id: str = "",
                      as_of_sequence: Optional[int] = None,
                      as_of_recorded_time: Optional[TimeLike] = None,
                      as_of_effective_time: Optional[TimeLike] = None,
                      at_least_sequence: Optional[int] = None, page_size: int = 100,
                      timeout: Optional[float] = None) -> "Pages[state_pb2.ProjectState]":
        """The deal's projects (by id), optionally only one sector / US state /
        status / allocation (the projects drawing on it or on one of its
        earmarks): a Pages iterator over every page, one snapshot."""
        request = self._projects_request(
            deal_id, sector, us_state, status, allocation_id, page_size, "",
            self._options(as_of_sequence, as_of_recorded_time, as_of_effective_time,
                          at_least_sequence))
        return Pages(lambda r: self._unary(self._query.ListProjects, r, timeout), request,
                     "projects")

    # --- EventStream ----------------------------------------------------------------

    def read(self, after_sequence: int = 0, limit: int = 100, *,
             filter: Optional[stream_pb2.EventFilter] = None,
             deal_ids: Optional[Iterable[str]] = None,
             kinds: Optional[Iterable[EnumLike]] = None,
             sectors: Optional[Iterable[EnumLike]] = None,
             product_categories: Optional[Iterable[str]] = None,
             timeout: Optional[float] = None) -> stream_pb2.ReadResponse:
        """One page: up to `limit` matching events after `after_sequence`.
        Continue with after_sequence=response.last_examined_sequence; the
        log's end is response.head_sequence."""
        request = stream_pb2.ReadRequest(
            after_sequence=_non_negative(after_sequence, "after_sequence"), limit=limit,
            filter=make_filter(filter, deal_ids=deal_ids, kinds=kinds, sectors=sectors,
                               product_categories=product_categories))
        return self._unary(self._stream.Read, request, timeout)

    def read_all(self, after_sequence: int = 0, *, page_size: int = 100,
                 filter: Optional[stream_pb2.EventFilter] = None,
                 deal_ids: Optional[Iterable[str]] = None,
                 kinds: Optional[Iterable[EnumLike]] = None,
                 sectors: Optional[Iterable[EnumLike]] = None,
                 product_categories: Optional[Iterable[str]] = None,
                 timeout: Optional[float] = None) -> Iterator[events_pb2.Event]:
        """Every matching event after `after_sequence` up to the log's head,
        read() page after page (`page_size` events each) as the iteration
        gets there. It ends at the head the last page reported; subscribe()
        to follow the log instead."""
        _non_negative(after_sequence, "after_sequence")
        flt = make_filter(filter, deal_ids=deal_ids, kinds=kinds, sectors=sectors,
                          product_categories=product_categories)
        limit = _page_size(page_size)

        def pages() -> Iterator[events_pb2.Event]:
            after = after_sequence
            while True:
                page = self._unary(self._stream.Read, stream_pb2.ReadRequest(
                    after_sequence=after, limit=limit, filter=flt), timeout)
                yield from page.events
                if page.last_examined_sequence >= page.head_sequence or \
                        page.last_examined_sequence <= after:
                    return
                after = page.last_examined_sequence

        return pages()

    def subscribe(self, after_sequence: Optional[int] = None, *, from_end: bool = False,
                  from_recorded_time: Optional[TimeLike] = None,
                  filter: Optional[stream_pb2.EventFilter] = None,
                  deal_ids: Optional[Iterable[str]] = None,
                  kinds: Optional[Iterable[EnumLike]] = None,
                  sectors: Optional[Iterable[EnumLike]] = None,
                  product_categories: Optional[Iterable[str]] = None,
                  max_events_per_message: Optional[int] = None,
                  heartbeat_interval: Optional[float] = None, markers: bool = False,
                  reconnect: bool = True, timeout: Optional[float] = None) -> Subscription:
        """Follows the log: history from the start position, then live.

        Start at most one of: after_sequence (default 0, the whole log; or
        the last position you processed), from_end (every event recorded
        after this call returns: the client reads the log's head first and
        starts after it, so the position is known from the start), or
        from_recorded_time. Returns a Subscription, an iterator of Events
        that resubscribes from its position after UNAVAILABLE (e.g. a server
        restart) for as long as it takes: 100 ms doubling to 1 s between
        tries. It ends on close(), on another code (raised), or when
        `timeout` seconds (default None: no deadline) have passed
        (DeadlineExceededError). heartbeat_interval (seconds) sets how often
        the server reports progress while idle or filtering. The stream
        opens on the first next(); until then the server holds nothing.
        """
        starts = sum(x for x in (after_sequence is not None, from_end,
                                 from_recorded_time is not None))
        if starts > 1:
            raise ValueError("subscribe: give at most one of after_sequence, from_end, "
                             "from_recorded_time")
        if timeout is not None and (isinstance(timeout, bool) or
                                    not isinstance(timeout, (int, float)) or not timeout > 0):
            raise ValueError(f"timeout: must be > 0 seconds or None, got {timeout!r}")
        if max_events_per_message is not None and (
                isinstance(max_events_per_message, bool) or
                not isinstance(max_events_per_message, int)):
            raise TypeError(f"max_events_per_message: expected an int, "
                            f"got {max_events_per_message!r}")
        if heartbeat_interval is not None and (
                isinstance(heartbeat_interval, bool) or
                not isinstance(heartbeat_interval, (int, float))):
            raise TypeError(f"heartbeat_interval: expected seconds, got {heartbeat_interval!r}")
        request = stream_pb2.SubscribeRequest(filter=make_filter(
            filter, deal_ids=deal_ids, kinds=kinds, sectors=sectors,
            product_categories=product_categories))
        if from_end:
            # The server's from_end starts when the stream opens, which is
            # later than this call (and unknown until its first message);
            # the head now is an exact, resumable start instead.
            head = self._unary(self._stream.Read, stream_pb2.ReadRequest(limit=1), None)
            request.after_sequence = head.head_sequence
        elif from_recorded_time is not None:
            request.from_recorded_time.CopyFrom(
                to_timestamp(from_recorded_time, "from_recorded_time"))
        else:
            request.after_sequence = _non_negative(after_sequence, "after_sequence")
        if max_events_per_message is not None:
            request.max_events_per_message = max_events_per_message
        if heartbeat_interval is not None:
            request.heartbeat_interval_ms = int(round(heartbeat_interval * 1000))

        def open_stream(req: stream_pb2.SubscribeRequest, remaining: Optional[float]):
            # No deadline unless the caller set one. wait_for_ready: a
            # resubscribe waits for the channel to connect (its backoff is
            # at most 1 s) instead of failing at once while it is down.
            return self._stream.Subscribe(req, metadata=self._metadata, timeout=remaining,
                                          wait_for_ready=True)

        return Subscription(open_stream, request, markers=markers, reconnect=reconnect,
                            timeout=timeout, client_closed=self._closed)
