"""Columns for the empty-parcel rules (`ecredit.detection.find_empty_parcels`), read with plain SQL and turned
into numpy arrays: one pass per table, no model objects, so that 10^6 scans take seconds.

The contract with the findings app (`detection_tables`): plain dicts of column name -> numpy array.
- waybills (created in [since, until], Beijing days; one row per (waybill, order), waybills without an order left
  out): waybill_no, order_id (`platform_uscc/order_no`), created_at (datetime64[s], UTC), weight (declared kg,
  NaN unknown), scanned_weight (kg, NaN unknown), origin and destination (city codes), carrier (registry id);
- scans (of those waybills): waybill_no, time, city, kind (our state, or `hub` for a scan at a station whose
  type logistics.yaml marks as a sorting hub);
- history: origin, destination (cities of pick-up and signature) and transit (seconds) of the waybills created
  in the 365 days before `since` that were signed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import sqlite3

import numpy as np
from django.db import connection
from django.utils import timezone

from ..models import ScanState
from . import common as c

HISTORY_DAYS = 365
# Scan kinds as integer codes in SQL (a million ints cost far less than a million strings); HUB is last.
KINDS = (*ScanState.values, "hub")


def _epoch(column: str) -> str:
    """SQL for a datetime column as whole seconds since 1970 (UTC); `%%` because the query has parameters."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    if sqlite3.sqlite_version_info >= (3, 38):
        return f"unixepoch({column})"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def _city_number(column: str) -> str:
    """SQL for a region's first four digits as a number (0 for none)."""
    return f"COALESCE(CAST(NULLIF(substr({column}, 1, 4), '') AS INTEGER), 0)"


@contextlib.contextmanager
def _no_gc():
    """No garbage collection while a million result tuples are made (each pass would walk them all)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _float(column: str) -> str:
    return f"CAST({column} AS DOUBLE PRECISION)" if connection.vendor == "postgresql" else f"CAST({column} AS REAL)"


def _city(column: str) -> str:
    return f"CASE WHEN {column} = '' THEN '' ELSE substr({column}, 1, 4) || '00' END"


def _bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(since, dt.time.min, tz),
            dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tz))


def _fetch(sql: str, params: list) -> list[tuple]:
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor, _no_gc():
        cursor.execute(sql, [adapt(p) if isinstance(p, dt.datetime) else p for p in params])
        return cursor.fetchall()


def _strings(values) -> np.ndarray:
    return np.array(values, dtype=str) if len(values) else np.empty(0, dtype="<U1")


def _times(values) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64, count=len(values)).astype("datetime64[s]")


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def waybill_table(since: dt.date, until: dt.date) -> dict[str, np.ndarray]:
    """The waybills part of `detection_tables`."""
    start, end = _bounds(since, until)
    origin = "CASE WHEN w.origin_region = '' THEN w.accepted_region ELSE w.origin_region END"
    rows = _fetch(
        f"SELECT w.waybill_no, o.platform_uscc, o.order_no, {_epoch('w.created_at')},"
        f" {_float('w.declared_weight_kg')}, {_float('w.scanned_weight_kg')},"
        f" {_city(origin)},"
        f" {_city('w.destination_region')}, w.carrier_id"
        " FROM logistics_waybillorder o JOIN logistics_waybill w ON w.id = o.waybill_id"
        " WHERE w.created_at >= %s AND w.created_at < %s ORDER BY w.id, o.id", [start, end])
    cols = list(zip(*rows)) if rows else [()] * 9
    return {"waybill_no": _strings(cols[0]),
            "order_id": _strings([f"{u}/{n}" for u, n in zip(cols[1], cols[2])]),
            "created_at": _times(cols[3]), "weight": _floats(cols[4]), "scanned_weight": _floats(cols[5]),
            "origin": _strings(cols[6]), "destination": _strings(cols[7]),
            "carrier": np.fromiter(cols[8], dtype=np.int64, count=len(cols[8]))}


def scan_table(since: dt.date, until: dt.date) -> dict[str, np.ndarray]:
    """The scans part of `detection_tables`."""
    start, end = _bounds(since, until)
    numbers = _fetch("SELECT id, waybill_no FROM logistics_waybill WHERE created_at >= %s AND created_at < %s"
                     " ORDER BY id", [start, end])
    hubs = c.rules().stations().hub_types()
    marks = ", ".join(["%s"] * len(hubs)) or "''"
    states = " ".join(f"WHEN '{state}' THEN {i}" for i, state in enumerate(ScanState.values))
    rows = _fetch(
        f"SELECT s.waybill_id, {_epoch('s.at')}, {_city_number('s.region')},"
        f" CASE WHEN s.station_type IN ({marks}) THEN {len(KINDS) - 1} ELSE CASE s.state {states} END END"
        " FROM logistics_scan s JOIN logistics_waybill w ON w.id = s.waybill_id"
        " WHERE w.created_at >= %s AND w.created_at < %s", [*hubs, start, end])
    if not rows:
        return {"waybill_no": _strings([]), "time": _times([]), "city": _strings([]), "kind": _strings([])}
    with _no_gc():
        table = np.array(rows, dtype=np.int64)
    del rows
    ids = np.fromiter((r[0] for r in numbers), dtype=np.int64, count=len(numbers))
    names = _strings([r[1] for r in numbers])
    cities, city_index = np.unique(table[:, 2], return_inverse=True)
    city_names = _strings([f"{n:04d}00" if n else "" for n in cities.tolist()])
    return {"waybill_no": names[np.searchsorted(ids, table[:, 0])], "time": table[:, 1].astype("datetime64[s]"),
            "city": city_names[city_index.reshape(-1)], "kind": _strings(KINDS)[table[:, 3]]}


def history_table(since: dt.date) -> dict[str, np.ndarray]:
    """The history part of `detection_tables`: signed waybills created in the 365 days before `since`."""
    start, end = _bounds(since - dt.timedelta(days=HISTORY_DAYS), since - dt.timedelta(days=1))
    rows = _fetch(
        f"SELECT {_city('accepted_region')}, {_city('signed_region')},"
        f" {_epoch('signed_at')} - {_epoch('accepted_at')}"
        " FROM logistics_waybill WHERE created_at >= %s AND created_at < %s AND signed_at IS NOT NULL"
        " AND accepted_at IS NOT NULL AND signed_at >= accepted_at", [start, end])
    cols = list(zip(*rows)) if rows else [(), (), ()]
    return {"origin": _strings(cols[0]), "destination": _strings(cols[1]),
            "transit": np.array(cols[2], dtype=np.float64)}


def detection_tables(since: dt.date, until: dt.date) -> tuple[dict, dict, dict]:
    """(waybills, scans, history) for the waybills created in [since, until], as `find_empty_parcels` takes
    them (see the module notes)."""
    return waybill_table(since, until), scan_table(since, until), history_table(since)
