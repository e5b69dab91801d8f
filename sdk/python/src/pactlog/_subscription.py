"""Subscription: an iterator over EventStream.Subscribe that survives
disconnects.

It remembers how far it got (the last event delivered, and the last
sequence the server reported as examined) and, when the stream ends with
UNAVAILABLE (server restart, network), subscribes again from exactly there:
the server's ordering contract plus a client-side guard give every matching
event once, in order, across any number of reconnects. It never gives up by
itself (sdk/BEHAVIOUR.md, "Connections and subscriptions").

Caught up without markers: while a connection is still sending history, the
subscription reads ahead of the last event of each batch before handing it
over, up to the next message that has events or is the CaughtUp. When that
is the CaughtUp, `caught_up` is already True as the caller receives the
last history event, so `for e in sub: handle(e); if sub.caught_up: break`
ends after the history. The look-ahead never waits for live events: the
server sends the CaughtUp right after the history.
"""

from __future__ import annotations

import collections
import logging
import random
import threading
import time
from typing import Callable, Deque, Iterator, Optional, Union

import grpc

from pactlog.v1 import events_pb2, stream_pb2

from ._errors import DeadlineExceededError, from_rpc_error

Item = Union[events_pb2.Event, stream_pb2.CaughtUp, stream_pb2.Progress]

_log = logging.getLogger("pactlog")

# Stream endings after which resubscribing from the position is right. A
# DEADLINE_EXCEEDED is resumed unless it is the caller's own timeout. A
# CANCELLED that this side did not ask for (close() not called) is a
# disconnect too: a pactlogd shutting down cancels the calls still open when
# its grace period ends, e.g. a resubscribe that reached it meanwhile.
_RESUMABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                        grpc.StatusCode.CANCELLED})

FIRST_DELAY = 0.1  # seconds before the first resubscribe of a run of failures
MAX_DELAY = 1.0  # the wait doubles up to this


def reconnect_delay(failures: int, rand: Optional[Callable[[], float]] = None) -> float:
    """The wait before resubscribing after `failures` failed tries in a row
    (1, 2, ...): 100 ms doubling to at most 1 s, less up to half of it as
    jitter so that many clients do not come back in step."""
    ceiling = min(FIRST_DELAY * 2 ** min(failures - 1, 16), MAX_DELAY)
    return ceiling * (0.5 + (rand or random.random)() / 2)


class _End:
    """Look-ahead marker: the stream ended, normally (error None) or not."""

    def __init__(self, error: Optional[grpc.RpcError]):
        self.error = error


class Subscription:
    """Iterate it to receive `pactlog.v1.Event`s in sequence order.

    With `markers=True` the iterator also yields the stream's `CaughtUp`
    (once per connection: everything up to its `sequence` has been
    delivered, the stream is live now) and `Progress` messages.

    Attributes, readable at any time (e.g. from another thread):
      last_sequence           sequence of the last event delivered (0: none)
      position                where a resume starts: the larger of
                              last_sequence and the last sequence the server
                              reported as examined; None until known (a
                              from_recorded_time start, before its first
                              message)
      caught_up               True once the current connection has delivered
                              its history: already when the last history
                              event is handed over (see the module's doc);
                              False again while a reconnect replays history
      caught_up_sequence      the sequence of that caught-up point
      head_sequence           the log's last sequence per the last Progress
      reconnects              how many times the stream was re-established
                              after a disconnect

    `until_caught_up()` iterates only the history (it also ends on an empty
    one). Not thread-safe to iterate from several threads; close() may be
    called from any thread and ends the iteration (no exception).
    """

    def __init__(self, open_stream: Callable[[stream_pb2.SubscribeRequest, Optional[float]],
                                             grpc.Call],
                 request: stream_pb2.SubscribeRequest, *, markers: bool,
                 reconnect: bool, timeout: Optional[float],
                 client_closed: threading.Event,
                 wait: Optional[Callable[[float], bool]] = None,
                 clock: Callable[[], float] = time.monotonic):
        self._open_stream = open_stream
        self._request = request  # the first request; later ones resume
        self._markers = markers
        self._reconnect = reconnect
        self._clock = clock
        self._deadline = None if timeout is None else clock() + timeout
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._client_closed = client_closed
        # Waits between tries; returns True when closed meanwhile.
        self._wait = wait or self._closed.wait
        self._call: Optional[grpc.Call] = None

        self.last_sequence = 0
        start = request.WhichOneof("start")
        self.position: Optional[int] = (request.after_sequence
                                        if start in (None, "after_sequence") else None)
        self.caught_up = False
        self.caught_up_sequence: Optional[int] = None
        self.head_sequence: Optional[int] = None
        self.reconnects = 0
        self._items = self._run()  # events, CaughtUp and Progress

    # --- iteration ------------------------------------------------------------

    def __iter__(self) -> "Subscription":
        return self

    def __next__(self) -> Item:
        while True:
            item = next(self._items)
            if self._markers or isinstance(item, events_pb2.Event):
                return item

    def until_caught_up(self) -> Iterator[events_pb2.Event]:
        """The history: the events up to the (first) caught-up point, then
        the iteration ends; the subscription stays open, iterate it on for
        the live events."""
        while not self.caught_up:
            item = next(self._items, None)
            if item is None:
                return
            if isinstance(item, events_pb2.Event):
                yield item
            elif isinstance(item, stream_pb2.CaughtUp):
                return

    def close(self) -> None:
        """Cancels the stream; the iterator then stops. Idempotent."""
        self._closed.set()
        with self._lock:
            call = self._call
        if call is not None:
            call.cancel()

    @property
    def closed(self) -> bool:
        """True after close() or after the client was closed."""
        return self._closed.is_set() or self._client_closed.is_set()

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- internals ------------------------------------------------------------

    def _next_request(self) -> stream_pb2.SubscribeRequest:
        if self.position is None:
            # Nothing received yet from a from_recorded_time start: the
            # original request is still the right one.
            return self._request
        request = stream_pb2.SubscribeRequest()
        request.CopyFrom(self._request)
        request.after_sequence = self.position  # replaces the start oneof
        return request

    def _advance(self, sequence: int) -> None:
        if self.position is None or sequence > self.position:
            self.position = sequence

    def _remaining(self) -> Optional[float]:
        if self._deadline is None:
            return None
        return self._deadline - self._clock()

    def _look_ahead(self, responses: Iterator, pending: Deque, after: int) -> None:
        """Reads messages into `pending` until one has an event after
        `after`, or is a CaughtUp (which sets caught_up now), or the stream
        ends."""
        while True:
            try:
                response = next(responses)
            except StopIteration:
                pending.append(_End(None))
                return
            except grpc.RpcError as e:
                pending.append(_End(e))
                return
            pending.append(response)
            kind = response.WhichOneof("message")
            if kind == "caught_up":
                self.caught_up = True
                self.caught_up_sequence = response.caught_up.sequence
                return
            if kind == "events" and any(e.sequence > after for e in response.events.events):
                return

    def _run(self) -> Iterator[Item]:
        failures = 0
        resuming = False
        while not self.closed:
            remaining = self._remaining()
            if remaining is not None and remaining <= 0:
                raise DeadlineExceededError("subscription: its timeout passed")
            call = self._open_stream(self._next_request(), remaining)
            with self._lock:
                self._call = call
            if self.closed:  # close() ran before _call was set
                call.cancel()
                return
            error: Optional[grpc.RpcError] = None
            responses = iter(call)
            pending: Deque = collections.deque()
            try:
                while True:
                    if pending:
                        response = pending.popleft()
                        if isinstance(response, _End):
                            if response.error is not None:
                                raise response.error
                            break
                    else:
                        response = next(responses, None)
                        if response is None:
                            break
                    if resuming:
                        resuming = False
                        self.reconnects += 1
                    failures = 0  # this stream delivers: the next wait is 100 ms again
                    kind = response.WhichOneof("message")
                    if kind == "events":
                        batch = response.events
                        # Never deliver twice, whatever the wire does.
                        events = [e for e in batch.events if e.sequence > self.last_sequence]
                        if not events:
                            self._advance(batch.last_examined_sequence)
                        for i, event in enumerate(events):
                            last = i == len(events) - 1
                            if last and not self.caught_up:
                                self._look_ahead(responses, pending, event.sequence)
                            self.last_sequence = event.sequence
                            self._advance(event.sequence)
                            if last:
                                self._advance(batch.last_examined_sequence)
                            yield event
                    elif kind == "caught_up":
                        self.caught_up = True
                        self.caught_up_sequence = response.caught_up.sequence
                        self._advance(response.caught_up.sequence)
                        yield response.caught_up
                    elif kind == "progress":
                        self.head_sequence = response.progress.head_sequence
                        self._advance(response.progress.last_examined_sequence)
                        yield response.progress
            except grpc.RpcError as e:
                error = e
            finally:
                with self._lock:
                    self._call = None
                call.cancel()  # no-op when finished; frees it when the consumer stopped early

            if self.closed:
                return
            if error is not None:
                code = error.code()
                remaining = self._remaining()
                if code not in _RESUMABLE or (code == grpc.StatusCode.DEADLINE_EXCEEDED and
                                              remaining is not None and remaining <= 0):
                    raise from_rpc_error(error) from None
                if not self._reconnect:
                    raise from_rpc_error(error) from None
            elif not self._reconnect:
                return
            # UNAVAILABLE, or a stream the server ended without an error
            # (which the contract does not do): resume from the position.
            failures += 1
            self.caught_up = False
            resuming = True
            pause = reconnect_delay(failures)
            _log.info("subscription: %s; resubscribing after sequence %s in %.2f s (try %d)",
                      f"{error.code().name} ({error.details()})" if error is not None
                      else "stream ended", self.position, pause, failures)
            if self._wait(pause):
                return
