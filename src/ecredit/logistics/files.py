"""Waybills and scans from carriers' files (xlsx/xls/ods via calamine, CSV in UTF-8 or GBK), in one of the
layouts of logistics.yaml (an aggregator's trace export with numeric states, a carrier's scan log with action
words, electronic waybills).

A small reader of our own: a source app does not import another (ARCHITECTURE §3). Headers are matched by the
layout's names, in any order, on the first row among the first ten that names at least two of them. A cell that
cannot be read makes its row a refused row with the sheet row (header = row 1 when it is the first row), the
column as titled and the reason; the rest goes through the services as batches of at most 10,000. With `atomic`,
any refused row leaves the whole file unwritten.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ecredit.kit.errors import ValidationFailed
from ecredit.uploads import read_tables, safe_cell

from . import services
from .models import ParcelChannel
from .services import common as c

HEADER_SEARCH_ROWS = 10
CHUNK = services.MAX_BATCH
REQUIRED = {"scans": ("waybill_no", "time", "state"), "waybills": ("waybill_no", "created_at")}
TIME_FIELDS = {"time", "created_at"}


def _key(text: Any) -> str:
    return str(text or "").strip().lower().replace(" ", "").replace("\ufeff", "")


def read_rows(data: bytes, filename: str) -> list[list[Any]]:
    """The cells of the first sheet (or of the CSV file); ecredit.uploads guards the reading."""
    tables = read_tables(data, filename, visible_only=False)
    return tables[0][1] if tables else []


def _cell(name: str, value: Any) -> Any:
    """A cell as the services take it: times as ISO text, whole numbers (codes, regions) as digits."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min).isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    out = str(value).strip()
    return out.replace("/", "-") if name in TIME_FIELDS else out


@dataclass
class Parsed:
    """A file read as rows for the services, each with its sheet row."""

    kind: str
    vocabulary: str
    items: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


def parse(data: bytes, filename: str, layout_code: str) -> Parsed:
    """Read a file in layout `layout_code`; a file without the columns every row needs is refused."""
    try:
        layout = c.rules().layout(layout_code)
    except KeyError:
        raise ValidationFailed(_("未知的文件格式“{code}”，可选：{values}").format(
            code=layout_code, values="、".join(c.rules().layouts)), field="layout", code="unknown_layout") from None
    rows = read_rows(data, filename)
    lookup = {_key(h): name for name, headers in layout.columns.items() for h in headers}
    header_at, mapping = -1, {}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {lookup[_key(cell)]: i for i, cell in reversed(list(enumerate(row))) if _key(cell) in lookup}
        if len(found) >= 2 and len(found) > len(mapping):
            header_at, mapping = index, found
    missing = [layout.columns[name][0] for name in REQUIRED[layout.kind] if name not in mapping]
    if header_at < 0 or missing:
        names = missing or [layout.columns[n][0] for n in REQUIRED[layout.kind]]
        raise ValidationFailed(_("缺少必需的列：{names}").format(names="、".join(names)), field="file",
                               code="missing_columns", details=names)
    parsed = Parsed(layout.kind, layout.vocabulary)
    for offset, cells in enumerate(rows[header_at + 1:]):
        if all(cell is None or str(cell).strip() == "" for cell in cells):
            continue
        values = {name: _cell(name, cells[i] if i < len(cells) else None) for name, i in mapping.items()}
        parsed.items.append({k: v for k, v in values.items() if v is not None})
        parsed.rows.append(header_at + 2 + offset)
    return parsed


@dataclass
class ImportResult:
    """What a file did: counts over its batches, and every refused row with its sheet row."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    batch_ids: list[int] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    blocked: bool = False          # atomic and something was refused: nothing written

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected, "blocked": self.blocked,
                "batches": self.batch_ids, "errors": self.errors}


class _Rollback(Exception):
    pass


def import_parcels(data: bytes, filename: str, layout_code: str, principal, *, atomic: bool = False
                   ) -> ImportResult:
    """Read a carrier's file and send it through the services in batches of at most 10,000."""
    c.require_reporter(principal)
    parsed = parse(data, filename, layout_code)
    result = ImportResult(received=len(parsed.items))
    name = PurePath(filename or "").name
    try:
        with transaction.atomic():
            for start in range(0, len(parsed.items), CHUNK):
                chunk = parsed.items[start:start + CHUNK]
                if parsed.kind == "scans":
                    batch = services.submit_scans(chunk, principal, vocabulary=parsed.vocabulary,
                                                  channel=ParcelChannel.FILE, atomic=atomic, filename=name)
                else:
                    batch = services.submit_waybills(chunk, principal, channel=ParcelChannel.FILE, atomic=atomic,
                                                     filename=name)
                result.batch_ids.append(batch.pk)
                result.errors.extend({**error, "row": parsed.rows[start + error["index"]]}
                                     for error in batch.errors)
                for key in ("created", "updated", "unchanged"):
                    setattr(result, key, getattr(result, key) + getattr(batch, key))
            if atomic and result.errors:
                raise _Rollback
    except _Rollback:
        result.blocked, result.created, result.updated, result.unchanged, result.batch_ids = True, 0, 0, 0, []
    result.rejected = result.received - result.created - result.updated - result.unchanged
    result.errors.sort(key=lambda e: e["row"])
    return result


def error_report(result: ImportResult) -> bytes:
    """The refused rows as an xlsx sheet (行号, 运单号, 字段, 代码, 原因)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("退回明细")
    sheet.append([_("行号"), _("运单号"), _("字段"), _("代码"), _("原因")])
    for error in result.errors:
        sheet.append([error["row"], *[safe_cell(error.get(k, "")) for k in ("id", "field", "code", "message")]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
