"""The columns the batch rescoring reads: subjects, their models and live records as numpy arrays, exported
by the database in packed ranges (see batch.py for why), and the records sorted by subject once."""


import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from django.apps import apps
from django.db import connection

from ecredit import policy
from ecredit.archive.models import LIVE_STATUSES
from ecredit.registry.models import SubjectKind

from . import features

FETCH = 1_000_000          # ids per export query (one text of numbers each)
_EPOCH = dt.date(1970, 1, 1)


@dataclass
class Columns:
    """What the models read, as arrays: subjects (id, kind, verified, model), live records (subject row,
    type code index, decision day), figures by name. Records are sorted by (subject row, id); the records of
    subject row r are those from `record_start[r]` to `record_start[r + 1]`."""

    subject_ids: np.ndarray
    kinds: np.ndarray
    verified: np.ndarray
    model_of: np.ndarray                # model code per subject ("" when none)
    record_ids: np.ndarray
    record_rows: np.ndarray             # index into subject_ids
    record_types: np.ndarray            # index into type_codes
    record_days: np.ndarray             # days since 1970-01-01
    type_codes: list[str]
    figures: dict[str, np.ndarray] = field(default_factory=dict)   # name -> value per subject row (NaN: none)
    record_start: np.ndarray | None = None


def _day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


# ------------------------------------------------------------------------------------------------ export


def _parallel_sqlite_path() -> str | None:
    """The SQLite file other connections may read in parallel with this one (None: read on this one only)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block or (os.cpu_count() or 1) < 2:
        return None
    if connection.is_in_memory_db():
        return None
    name = str(connection.settings_dict["NAME"])
    return name if os.path.exists(name) else None


def _numbers(table: str, exprs: list[str], where: str, params: list, key: str = "id") -> np.ndarray:
    """`SELECT exprs FROM table WHERE where` as an int64 array (rows × len(exprs)), read per range of `key`:
    the database joins each range's numbers into one text, numpy parses it in one call."""
    width = len(exprs)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN({key}), MAX({key}) FROM {table}")
        low, high = cursor.fetchone()
    if low is None:
        return np.zeros((0, width), dtype=np.int64)
    if connection.vendor == "postgresql":
        joined = " || ',' || ".join(f"({e})::text" for e in exprs)
        agg = f"string_agg({joined}, ',')"
    else:
        joined = " || ',' || ".join(f"({e})" for e in exprs)
        agg = f"group_concat({joined}, ',')"
    # SQLite: a scan of the id range, never a walk through an index of the filter's columns (its planner, with
    # no statistics, takes the record-type index for the window terms and then visits rows one by one)
    source = f"{table} NOT INDEXED" if connection.vendor == "sqlite" else table
    sql = f"SELECT {agg} FROM {source} WHERE {key} >= %s AND {key} < %s AND ({where})"
    ranges = [(start, min(start + FETCH, high + 1)) for start in range(low, high + 1, FETCH)]

    def parse(text: str | None) -> np.ndarray:
        if not text:
            return np.zeros(0, dtype=np.int64)
        return np.fromstring(text, dtype=np.int64, sep=",")

    path = _parallel_sqlite_path() if len(ranges) > 1 else None
    if path is None:
        parts = []
        with connection.cursor() as cursor:
            for start, stop in ranges:
                cursor.execute(sql, [start, stop, *params])
                parts.append(parse(cursor.fetchone()[0]))
    else:
        import sqlite3

        raw_sql = sql.replace("%s", "?")

        def read(bounds: tuple[int, int]) -> np.ndarray:
            conn = sqlite3.connect(path, timeout=30)
            try:
                return parse(conn.execute(raw_sql, [*bounds, *params]).fetchone()[0])
            finally:
                conn.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(read, ranges))
    return np.concatenate(parts).reshape(-1, width)


def _day_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _case(column: str, values: list[str]) -> str:
    """SQL mapping each of `values` to its index (others to -1); the values are policy codes, not input."""
    for value in values:
        if "'" in value:
            raise ValueError(f"unexpected quote in {value!r}")
    return f"CASE {column} " + " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values)) + " ELSE -1 END"


def _counted_since(as_of: dt.date) -> dict[str, dt.date]:
    """Each record type some indicator counts (any version of any model) -> the earliest decision date counted."""
    since: dict[str, dt.date] = {}
    for versions in policy.current().evaluation.models.values():
        for version in versions:
            for indicator in version.indicators:
                if indicator.kind == "records":
                    start = features.window_start(indicator, as_of)
                    for code in features.counted_types(indicator):
                        since[code] = min(start, since.get(code, start))
    return since


def _export_records(as_of: dt.date, type_codes: list[str]) -> tuple[np.ndarray, ...]:
    """(ids, subject ids, type indexes, day numbers) of the live records some indicator may count."""
    since = _counted_since(as_of)
    if not since:
        return (np.zeros(0, np.int64),) * 4
    type_index = {code: i for i, code in enumerate(type_codes)}
    counted = sorted(since)
    oldest = min(since.values())
    span = (as_of - oldest).days + 1
    base = _day_number(oldest)
    by_start: dict[dt.date, list[str]] = {}
    for code, start in since.items():
        by_start.setdefault(start, []).append(code)
    statuses = [str(s) for s in LIVE_STATUSES]
    if connection.vendor == "sqlite":
        # one CASE per row (each type's earliest counted day) is cheaper than an OR of IN lists
        windows = "decided_on >= CASE record_type_id " + " ".join("WHEN %s THEN %s" for _ in counted) + " END"
        window_params = [p for code in counted for p in (code, since[code].isoformat())]
    else:
        windows = " OR ".join(
            "(record_type_id IN (" + ", ".join(["%s"] * len(codes)) + ") AND decided_on >= %s)"
            for codes in by_start.values())
        window_params = [p for start, codes in by_start.items() for p in (*sorted(codes), start.isoformat())]
    where = f"status IN ({', '.join(['%s'] * len(statuses))}) AND decided_on <= %s AND ({windows})"
    params = [*statuses, as_of.isoformat(), *window_params]
    type_case = _case("record_type_id", counted)
    day = f"({_day_sql('decided_on')} - {base})"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM registry_subject")
        top = cursor.fetchone()[0]
    if (top + 1) * len(counted) * span < 2**62:
        # one integer per record besides its id: (subject id, type, day) packed
        packed = f"(subject_id * {len(counted)} + {type_case}) * {span} + {day}"
        pairs = _numbers("archive_creditrecord", ["id", packed], where, params)
        ids, values = pairs[:, 0], pairs[:, 1]
        days, rest = values % span, values // span
        subjects, local_types = rest // len(counted), rest % len(counted)
    else:
        quads = _numbers("archive_creditrecord", ["id", "subject_id", type_case, day], where, params)
        ids, subjects, local_types, days = quads.T
    remap = np.array([type_index[c] for c in counted], dtype=np.int16)
    return ids, subjects, remap[local_types], (days + base).astype(np.int32)


def _assign_models(kind_index: np.ndarray, role_mask: np.ndarray, kinds: list[str], roles: list[str]) -> np.ndarray:
    """Model code per subject from its kind and roles, asking `features.assign` once per distinct pair."""
    key = kind_index.astype(np.int64) * (1 << len(roles)) + role_mask
    unique, inverse = np.unique(key, return_inverse=True)
    codes = []
    for value in unique.tolist():
        kind_i, mask = divmod(value, 1 << len(roles))
        kind = kinds[kind_i] if 0 <= kind_i < len(kinds) else ""
        held = {role for bit, role in enumerate(roles) if mask >> bit & 1}
        codes.append((features.assign(kind, held) or "") if kind else "")
    return np.array(codes, dtype=object)[inverse.reshape(-1)]


def _figure_column(name: str, subject_ids: np.ndarray) -> np.ndarray:
    """The named figure per subject row (NaN: none), as `features.figure_values` gives it."""
    values = np.full(len(subject_ids), np.nan)
    source = features.FIGURES.get(name)
    if source is None or not apps.is_installed(f"ecredit.{source[0]}") or not len(subject_ids):
        return values
    model = apps.get_model(source[0], source[1])
    pairs = model.objects.filter(**{f"{source[2]}__isnull": False}).values_list("shop_id", source[2])
    found = [(pk, float(v)) for pk, v in pairs.iterator(chunk_size=50_000)]
    if found:
        keys = np.array([pk for pk, _ in found], dtype=np.int64)
        figures = np.array([v for _, v in found], dtype=np.float64)
        rows = np.searchsorted(subject_ids, keys).clip(0, len(subject_ids) - 1)
        ok = (subject_ids[rows] == keys) & ~np.isnan(figures)
        values[rows[ok]] = figures[ok]
    return values


def export(as_of: dt.date) -> Columns:
    """Export the columns the models need on `as_of`."""
    current = policy.current()
    type_codes = sorted(current.record_types)
    # records first: a subject is always written before its records, so every record read has its subject
    record_ids, record_subjects, record_types, record_days = _export_records(as_of, type_codes)

    kinds = [str(k) for k in SubjectKind.values]
    subjects = _numbers("registry_subject", ["id", _case("kind", kinds),
                                             "CASE WHEN verified THEN 1 ELSE 0 END"], "1 = 1", [])
    order = np.argsort(subjects[:, 0], kind="stable")
    subject_ids = np.ascontiguousarray(subjects[order, 0])
    kind_index = subjects[order, 1]
    verified = subjects[order, 2].astype(bool)
    del subjects, order

    roles = sorted({r for rule in current.evaluation.assignment for r in rule.roles})
    role_mask = np.zeros(len(subject_ids), dtype=np.int64)
    if roles and len(subject_ids):
        held = _numbers("registry_subjectrole", ["subject_id", _case("role", roles)],
                        "role IN (" + ", ".join(["%s"] * len(roles)) + ")", roles)
        rows = np.searchsorted(subject_ids, held[:, 0]).clip(0, len(subject_ids) - 1)
        ok = subject_ids[rows] == held[:, 0]
        np.bitwise_or.at(role_mask, rows[ok], 1 << held[ok, 1])
    model_of = _assign_models(kind_index, role_mask, kinds, roles)
    kind_names = np.array(kinds + [""], dtype=object)[np.where(kind_index >= 0, kind_index, len(kinds))]

    # records whose subject is unknown here (none, unless one was deleted meanwhile) are left out
    if len(subject_ids):
        record_rows = np.searchsorted(subject_ids, record_subjects).clip(0, len(subject_ids) - 1)
        ok = subject_ids[record_rows] == record_subjects
    else:
        record_rows, ok = np.zeros(len(record_subjects), dtype=np.int64), np.zeros(len(record_subjects), bool)
    if not ok.all():
        record_ids, record_rows = record_ids[ok], record_rows[ok]
        record_types, record_days = record_types[ok], record_days[ok]
    del record_subjects
    columns = Columns(subject_ids, kind_names, verified, model_of, record_ids, record_rows, record_types,
                      record_days, type_codes)
    _index(columns)
    names = {i.figure for versions in current.evaluation.models.values() for v in versions
             for i in v.indicators if i.kind == "figure"}
    for name in sorted(names):
        columns.figures[name] = _figure_column(name, subject_ids)
    return columns


def _index(columns: Columns) -> Columns:
    """Sort the records by (subject row, id) and set `record_start` (once)."""
    if columns.record_start is not None:
        return columns
    rows = np.asarray(columns.record_rows, dtype=np.int64)
    n = len(columns.subject_ids)
    if len(rows):
        ids = np.asarray(columns.record_ids, dtype=np.int64)
        if len(ids) > 1 and not (ids[1:] > ids[:-1]).all():
            by_id = np.argsort(ids, kind="stable")
            rows, ids = rows[by_id], ids[by_id]
            columns.record_types, columns.record_days = columns.record_types[by_id], columns.record_days[by_id]
        # the positions sorted by subject row: rows and positions packed in one int64 key, sorted in place
        shift = max(int(len(rows) - 1).bit_length(), 1)
        if n << shift < 2**62:
            key = (rows << shift) | np.arange(len(rows), dtype=np.int64)
            key.sort()
            order = key & ((1 << shift) - 1)
            del key
        else:
            order = np.argsort(rows, kind="stable")
        columns.record_ids = ids[order]
        columns.record_rows = rows[order]
        columns.record_types = np.asarray(columns.record_types)[order]
        columns.record_days = np.asarray(columns.record_days)[order]
        del order
    columns.record_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(columns.record_rows, minlength=n)[:n], out=columns.record_start[1:])
    return columns


# ------------------------------------------------------------------------------------------------ compute
