"""Canonical JSON: one byte string per value, so that hashes of equal content are equal."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import orjson


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant space, UTF-8, dates in ISO 8601."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=_default)


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601 text of a date or time, None stays None."""
    return value.isoformat() if value is not None else None
