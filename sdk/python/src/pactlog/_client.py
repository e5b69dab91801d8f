"""pactlog.Client: a thin, blocking wrapper over the three pactlog services.

One Client owns one gRPC channel; it is thread-safe (gRPC channels are) and
meant to be long-lived. Every unary call has a deadline (the client's
`timeout` unless the call passes its own). Failures raise PactlogError
subclasses, never grpc.RpcError.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import getpass
import logging
import os
import random
import socket
import threading
import time
import uuid
from typing import (Any, Iterable, List, Optional, Sequence, Tuple, TypeVar, Union)

import grpc
from google.protobuf import timestamp_pb2

from pactlog.v1 import (events_pb2, ledger_pb2, ledger_pb2_grpc, query_pb2, query_pb2_grpc,
                        state_pb2, stream_pb2, stream_pb2_grpc)

from . import _health
from ._errors import PactlogError, UnavailableError, from_rpc_error
from ._events import EnumLike, EventKind, ProjectStatus, Sector, coerce_enum
from ._subscription import Subscription
from ._time import TimeLike, to_datetime, to_timestamp

DEFAULT_ADDRESS = "127.0.0.1:50051"
NO_DEAL = "no_deal"

# Codes after which an append is safe to repeat with the same event ids:
# nothing was recorded (UNAVAILABLE), or it may have been and the server
# deduplicates the repeat (DEADLINE_EXCEEDED; CANCELLED by a server shutting
# down). A CANCELLED caused by close() is not retried.
_RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                        grpc.StatusCode.CANCELLED})

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


class Listing(List[T]):
    """A list of states from all pages, plus the log sequence they reflect."""

    log_sequence: int = 0


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


def _default_actor() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in a bare container
        user = "unknown"
    return f"{user}@{socket.gethostname()}"[:128]


def _non_negative(value: Optional[int], what: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what}: expected an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{what}: must be >= 0, got {value}")
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

    address     host:port; default $PACTLOG_ADDRESS, else 127.0.0.1:50051
    timeout     deadline of each unary call in seconds (calls can override)
    tls         True for TLS with the system's root certificates; implied by
                any of root_certificates / certificate_chain / private_key
                (PEM bytes, PEM text or file paths; the last two for mTLS)
    token       bearer token, sent as "authorization: Bearer <token>"
    actor       recorded as the actor of appended events unless append()
                names one; default user@host
    append_attempts  how many times append() tries when the server is
                unavailable or the deadline passes (same event ids each time)
    options     extra gRPC channel options, e.g. [("grpc.ssl_target_name_override", "x")];
                by default reconnect backoff is 0.25 s growing to at most 5 s
    """

    def __init__(self, address: Optional[str] = None, *, timeout: float = 10.0,
                 tls: bool = False, root_certificates: Optional[Pem] = None,
                 certificate_chain: Optional[Pem] = None, private_key: Optional[Pem] = None,
                 token: Optional[str] = None, actor: Optional[str] = None,
                 append_attempts: int = 6,
                 options: Sequence[Tuple[str, Any]] = ()):
        self.address = address or os.environ.get("PACTLOG_ADDRESS") or DEFAULT_ADDRESS
        if timeout is None or timeout <= 0:
            raise ValueError(f"timeout: must be > 0 seconds, got {timeout!r}")
        if append_attempts < 1:
            raise ValueError(f"append_attempts: must be >= 1, got {append_attempts}")
        if (certificate_chain is None) != (private_key is None):
            raise ValueError("certificate_chain and private_key go together (mTLS)")
        self.timeout = float(timeout)
        self.actor = actor or _default_actor()
        self.append_attempts = append_attempts
        self._metadata: Tuple[Tuple[str, str], ...] = ()
        if token is not None:
            if not token or any(c in token for c in "\r\n"):
                raise ValueError("token: must be a non-empty single line")
            self._metadata = (("authorization", f"Bearer {token}"),)

        # gRPC's own reconnect backoff grows to 120 s, which would keep a
        # client away for minutes after a server restart; pactlog restarts
        # take seconds. The caller's options win.
        defaults = {"grpc.initial_reconnect_backoff_ms": 250,
                    "grpc.max_reconnect_backoff_ms": 5000}
        given = {name for name, _ in options}
        options = [(k, v) for k, v in defaults.items() if k not in given] + list(options)
        if tls or root_certificates is not None or certificate_chain is not None:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read_pem(root_certificates, "root_certificates"),
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

        delay = 0.1
        for attempt in range(1, self.append_attempts + 1):
            try:
                response = self._ledger.Append(
                    request, timeout=self.timeout if timeout is None else timeout,
                    metadata=self._metadata)
            except grpc.RpcError as e:
                if (e.code() not in _RETRYABLE or attempt == self.append_attempts
                        or self._closed.is_set()):
                    raise from_rpc_error(e) from None
                pause = delay * (0.5 + random.random() / 2)
                _log.warning("append to deal %r: %s (%s), attempt %d of %d; retrying in %.2f s "
                             "with the same event ids", deal_id, e.code().name, e.details(),
                             attempt, self.append_attempts, pause)
                if self._closed.wait(pause):
                    raise from_rpc_error(e) from None
                delay = min(delay * 2, 2.0)
                continue
            return AppendResult(sequences=tuple(response.sequences),
                                event_ids=tuple(response.event_ids),
                                deal_version=response.deal_version,
                                recorded_time=response.recorded_time,
                                deduplicated=response.deduplicated, attempts=attempt)
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
        get_deal."""
        for name, value in (("project_id", project_id), ("allocation_id", allocation_id)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name}: expected a str, got {value!r}")
        if project_id and allocation_id:
            raise ValueError("get_lineage: give at most one of project_id and allocation_id")
        request = query_pb2.GetLineageRequest(
            deal_id=deal_id, project_id=project_id or "", allocation_id=allocation_id or "",
            page_size=page_size, options=self._options(
                as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        out = query_pb2.GetLineageResponse()
        while True:
            response = self._unary(self._query.GetLineage, request, timeout)
            out.entries.extend(response.entries)
            if not out.log_sequence:
                # The first page's figures and position; later pages are
                # pinned to it, as list_projects' are.
                if response.HasField("figures"):
                    out.figures.CopyFrom(response.figures)
                out.log_sequence = response.log_sequence
                if not request.options.as_of.sequence:
                    request.options.as_of.sequence = response.log_sequence
            if not response.next_page_token:
                return out
            request.page_token = response.next_page_token

    def _pages(self, method, request, items: str, timeout: Optional[float]) -> Listing:
        # Later pages are pinned to the log position of the first one, so a
        # listing is one consistent snapshot even while appends go on.
        out: Listing = Listing()
        while True:
            response = self._unary(method, request, timeout)
            out.extend(getattr(response, items))
            if not out.log_sequence:
                out.log_sequence = response.log_sequence
                if not request.options.as_of.sequence:
                    request.options.as_of.sequence = response.log_sequence
            if not response.next_page_token:
                return out
            request.page_token = response.next_page_token

    def list_deals(self, *, as_of_sequence: Optional[int] = None,
                   as_of_recorded_time: Optional[TimeLike] = None,
                   as_of_effective_time: Optional[TimeLike] = None,
                   at_least_sequence: Optional[int] = None, page_size: int = 100,
                   timeout: Optional[float] = None) -> "Listing[state_pb2.DealState]":
        """Every deal (by id) that existed at the as-of point, fetched page by
        page as one snapshot; `.log_sequence` says which."""
        request = query_pb2.ListDealsRequest(page_size=page_size, options=self._options(
            as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        return self._pages(self._query.ListDeals, request, "deals", timeout)

    def list_projects(self, deal_id: str, *, sector: Optional[EnumLike] = None,
                      us_state: str = "", status: Optional[EnumLike] = None,
                      allocation_id: str = "",
                      as_of_sequence: Optional[int] = None,
                      as_of_recorded_time: Optional[TimeLike] = None,
                      as_of_effective_time: Optional[TimeLike] = None,
                      at_least_sequence: Optional[int] = None, page_size: int = 100,
                      timeout: Optional[float] = None) -> "Listing[state_pb2.ProjectState]":
        """The deal's projects (by id), optionally only one sector / US state /
        status / allocation (the projects drawing on it or on one of its
        earmarks), fetched page by page as one snapshot."""
        request = query_pb2.ListProjectsRequest(
            deal_id=deal_id, us_state=us_state, allocation_id=allocation_id,
            page_size=page_size, options=self._options(
                as_of_sequence, as_of_recorded_time, as_of_effective_time, at_least_sequence))
        if sector is not None:
            request.sector = coerce_enum(Sector, sector, "sector")
        if status is not None:
            request.status = coerce_enum(ProjectStatus, status, "status")
        return self._pages(self._query.ListProjects, request, "projects", timeout)

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

    def subscribe(self, after_sequence: Optional[int] = None, *, from_end: bool = False,
                  from_recorded_time: Optional[TimeLike] = None,
                  filter: Optional[stream_pb2.EventFilter] = None,
                  deal_ids: Optional[Iterable[str]] = None,
                  kinds: Optional[Iterable[EnumLike]] = None,
                  sectors: Optional[Iterable[EnumLike]] = None,
                  product_categories: Optional[Iterable[str]] = None,
                  max_events_per_message: Optional[int] = None,
                  heartbeat_interval: Optional[float] = None, markers: bool = False,
                  reconnect: bool = True,
                  reconnect_timeout: Optional[float] = 60.0) -> Subscription:
        """Follows the log: history from the start position, then live.

        Start at most one of: after_sequence (default 0, the whole log; or
        the last position you processed), from_end (every event recorded
        after this call returns: the client reads the log's head first and
        starts after it, so the position is known from the start), or
        from_recorded_time. Returns a Subscription, an iterator of Events
        that resubscribes from its position after UNAVAILABLE (e.g. a server
        restart), for up to `reconnect_timeout` seconds of failed attempts in
        a row (None: forever). heartbeat_interval (seconds) sets how often
        the server reports progress while idle or filtering. The stream
        opens on the first next(); until then the server holds nothing.
        """
        starts = sum(x for x in (after_sequence is not None, from_end,
                                 from_recorded_time is not None))
        if starts > 1:
            raise ValueError("subscribe: give at most one of after_sequence, from_end, "
                             "from_recorded_time")
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

        def open_stream(req: stream_pb2.SubscribeRequest):
            # No deadline: a subscription lives as long as it is read.
            return self._stream.Subscribe(req, metadata=self._metadata)

        return Subscription(open_stream, request, markers=markers, reconnect=reconnect,
                            reconnect_timeout=reconnect_timeout, client_closed=self._closed)

