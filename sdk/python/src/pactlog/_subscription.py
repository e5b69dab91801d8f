"""Subscription: an iterator over EventStream.Subscribe that survives
disconnects.

It remembers how far it got (the last event delivered, and the last
sequence the server reported as examined) and, when the stream ends with
UNAVAILABLE (server restart, network), subscribes again from exactly there:
the server's ordering contract plus a client-side guard give every matching
event once, in order, across any number of reconnects.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Callable, Iterator, Optional, Union

import grpc

from pactlog.v1 import events_pb2, stream_pb2

from ._errors import UnavailableError, from_rpc_error

Item = Union[events_pb2.Event, stream_pb2.CaughtUp, stream_pb2.Progress]

_log = logging.getLogger("pactlog")

# Stream endings after which resubscribing from the position is right.
_RESUMABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED})

_FIRST_DELAY = 0.05  # seconds before the first reconnect
_MAX_DELAY = 2.0


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
      caught_up               True once the current connection is live
      caught_up_sequence      the sequence of the last CaughtUp received
      head_sequence           the log's last sequence per the last Progress
      reconnects              how many times the stream was re-established
                              after a disconnect

    Not thread-safe to iterate from several threads; close() may be called
    from any thread and ends the iteration (no exception).
    """

    def __init__(self, open_stream: Callable[[stream_pb2.SubscribeRequest], grpc.Call],
                 request: stream_pb2.SubscribeRequest, *, markers: bool,
                 reconnect: bool, reconnect_timeout: Optional[float],
                 client_closed: threading.Event):
        self._open_stream = open_stream
        self._request = request  # the first request; later ones resume
        self._markers = markers
        self._reconnect = reconnect
        self._reconnect_timeout = reconnect_timeout
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._client_closed = client_closed
        self._call: Optional[grpc.Call] = None

        self.last_sequence = 0
        start = request.WhichOneof("start")
        self.position: Optional[int] = (request.after_sequence
                                        if start in (None, "after_sequence") else None)
        self.caught_up = False
        self.caught_up_sequence: Optional[int] = None
        self.head_sequence: Optional[int] = None
        self.reconnects = 0
        self._iterator = self._run()

    # --- iteration ------------------------------------------------------------

    def __iter__(self) -> "Subscription":
        return self

    def __next__(self) -> Item:
        return next(self._iterator)

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

    def _run(self) -> Iterator[Item]:
        failing_since: Optional[float] = None
        delay = _FIRST_DELAY
        resuming = False
        while not self.closed:
            call = self._open_stream(self._next_request())
            with self._lock:
                self._call = call
            if self.closed:  # close() ran before _call was set
                call.cancel()
                return
            error: Optional[grpc.RpcError] = None
            try:
                for response in call:
                    failing_since, delay = None, _FIRST_DELAY
                    if resuming:
                        resuming = False
                        self.reconnects += 1
                    kind = response.WhichOneof("message")
                    if kind == "events":
                        for event in response.events.events:
                            if event.sequence <= self.last_sequence:
                                continue  # never deliver twice, whatever the wire does
                            self.last_sequence = event.sequence
                            self._advance(event.sequence)
                            yield event
                        self._advance(response.events.last_examined_sequence)
                    elif kind == "caught_up":
                        self.caught_up = True
                        self.caught_up_sequence = response.caught_up.sequence
                        self._advance(response.caught_up.sequence)
                        if self._markers:
                            yield response.caught_up
                    elif kind == "progress":
                        self.head_sequence = response.progress.head_sequence
                        self._advance(response.progress.last_examined_sequence)
                        if self._markers:
                            yield response.progress
            except grpc.RpcError as e:
                error = e
            finally:
                with self._lock:
                    self._call = None
                call.cancel()  # no-op when finished; frees it when the consumer stopped early

            if self.closed:
                return
            if error is not None and error.code() not in _RESUMABLE:
                raise from_rpc_error(error) from None
            # UNAVAILABLE, a CANCELLED this side did not ask for (a server
            # shutting down may cancel its streams), or a stream the server
            # ended without an error (which the contract does not do):
            # resume from the position.
            if not self._reconnect:
                if error is not None:
                    raise from_rpc_error(error) from None
                return
            now = time.monotonic()
            if failing_since is None:
                failing_since = now
            elif (self._reconnect_timeout is not None
                  and now - failing_since > self._reconnect_timeout):
                message = error.details() if error is not None else "stream ended"
                raise UnavailableError(
                    f"gave up reconnecting after {now - failing_since:.1f} s: {message}")
            self.caught_up = False
            resuming = True
            pause = delay * (0.5 + random.random() / 2)
            _log.info("subscription: %s; resubscribing after sequence %s in %.2f s",
                      f"{error.code().name} ({error.details()})" if error is not None
                      else "stream ended",
                      self.position, pause)
            self._closed.wait(pause)
            delay = min(delay * 2, _MAX_DELAY)

