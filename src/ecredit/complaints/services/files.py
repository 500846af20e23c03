"""A hotline's export file (xlsx/xls/ods via calamine, CSV in UTF-8 or GB18030) read in its own column layout.

A small reader of our own: the exchange's reader is built around record types, and a source app does not import
another (ARCHITECTURE §3). The header row is the first of the first ten rows that names the ticket column and at
least two more of the layout's columns; every row below it that is not empty is one item, reported with its row
number in the sheet (the header row counts, so the first item of a sheet with its header on top is row 2).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.utils.translation import gettext as _

from ecredit.uploads import read_tables
from ecredit.kit.errors import ValidationFailed
from ecredit.policy.complaint_rules import Layout

from .. import layouts, rules
from .intake import IntakeReport, require_hotline_sender, run_batch

HEADER_SEARCH_ROWS = 10
MAX_BYTES = 20 * 1024 * 1024


def sheets(data: bytes, filename: str) -> list[list[list[Any]]]:
    """Every sheet of a workbook, or the one table of a CSV file, as rows of cells (ecredit.uploads guards them)."""
    return [rows for _name, rows in read_tables(data, filename, visible_only=False)]


def items_of(data: bytes, filename: str, layout: Layout) -> list[tuple[int, dict[str, Any]]]:
    """(sheet row, {header: value}) of every non-empty row under the layout's header row."""
    known = {layouts.header_key(c) for c in layouts.template_headers(layout)}
    ticket = layouts.header_key(layouts.column_of(layout, "ticket"))
    for rows in sheets(data, filename):
        for top, header in enumerate(rows[:HEADER_SEARCH_ROWS]):
            keys = [layouts.header_key(layouts.cell_text(c)) for c in header]
            if ticket in keys and sum(k in known for k in keys) >= 3:
                names = [layouts.cell_text(c) for c in header]
                out = []
                for offset, row in enumerate(rows[top + 1:], start=top + 2):
                    if any(layouts.cell_text(c) for c in row):
                        out.append((offset, {names[i]: row[i] for i in range(min(len(names), len(row))) if names[i]}))
                return out
    raise ValidationFailed(_("文件中没有找到本热线的表头（应有“{ticket}”等列）").format(
        ticket=layouts.column_of(layout, "ticket")), field="file", code="no_header")


def intake_hotline_file(number: str, data: bytes, filename: str, principal, *, atomic: bool = False,
                        now: dt.datetime | None = None) -> IntakeReport:
    """Take a hotline's export file in its own column layout; the report names each row by its sheet row."""
    org = require_hotline_sender(number, principal)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("文件过大（上限20MB）"), field="file", code="too_large")
    layout = rules.hotline(number).layout
    return run_batch(number, layout, items_of(data, filename, layout), principal, channel_org=org, atomic=atomic,
                     now=now)


def template(number: str) -> bytes:
    """An empty CSV (UTF-8 with BOM, opens in Excel) with the hotline's header row, for manual exports."""
    headers = layouts.template_headers(rules.hotline(number).layout)
    buffer = io.StringIO()
    csv.writer(buffer).writerow(headers)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
