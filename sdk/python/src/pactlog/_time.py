"""Conversions between datetime and google.protobuf.Timestamp."""

from __future__ import annotations

import datetime as _dt
from typing import Union

from google.protobuf import timestamp_pb2

TimeLike = Union[_dt.datetime, timestamp_pb2.Timestamp]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def to_timestamp(value: TimeLike, what: str = "time") -> timestamp_pb2.Timestamp:
    """A timezone-aware datetime (or a Timestamp) as a Timestamp, exactly.

    Naive datetimes are refused: the record has two clocks and guessing the
    zone of either would silently shift events by hours.
    """
    if isinstance(value, timestamp_pb2.Timestamp):
        copy = timestamp_pb2.Timestamp()
        copy.CopyFrom(value)
        return copy
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{what}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what}: needs a timezone-aware datetime "
                         f"(e.g. datetime(..., tzinfo=timezone.utc)), got {value!r}")
    delta = value - _EPOCH
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    seconds, rest = divmod(micros, 1_000_000)
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=rest * 1000)


def to_datetime(ts: timestamp_pb2.Timestamp) -> _dt.datetime:
    """A Timestamp as an aware UTC datetime. datetime stops at microseconds:
    the nanoseconds beyond are dropped (rounded towards the past)."""
    return _EPOCH + _dt.timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000)
