"""From an uploaded file to record items: sheets (xlsx/xls/ods via calamine, CSV in UTF-8 or GB18030),
the header row, and one item or a list of problems per sheet row.

Everything a department can get wrong in a cell becomes a row problem naming the sheet row (the header
is row 1 in a plain sheet) and the column as the sheet titles it; only a file that cannot be read at all,
or lacks a column every row needs, is refused as a whole (ValidationFailed).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

import fastjsonschema
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from ecredit import policy
from ecredit.kit.errors import IdentifierError, ValidationFailed
from ecredit.kit.identifiers import normalise_ric, normalise_uscc
from ecredit.uploads import read_tables
from ecredit.registry import services as registry

from . import columns as c
from . import values as v

HEADER_SEARCH_ROWS = 10          # a title row or two above the header is common in departments' files
SKIPPED_SHEETS = {"填写说明", "选项", "汇总"}
MAX_ID, MAX_SUMMARY = 100, 500
_SUMMARY_FALLBACKS = ("facts", "content", "description", "breach_facts", "reason", "subject_matter",
                      "behaviour", "licence_name", "project_name", "honour_name", "matter")
_ID_FALLBACKS = ("decision_no",)


@dataclass
class Problem:
    """Why a sheet row was refused: the column as the sheet titles it, the item field, a code, a message."""

    column: str
    field: str
    code: str
    message: str


@dataclass
class SheetRow:
    """One data row: its number in the sheet, its cells as read, and its item or its problems."""

    row: int
    cells: list[Any]
    item: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ParsedFile:
    """A file read against a record type's layout."""

    filename: str
    type_code: str
    type_name: str
    sheet: str
    header_row: int
    headers: list[str]
    columns: dict[str, list[tuple[int, str, float]]]   # target → [(cell index, header, scale)]
    ignored: list[str]                                  # headers that match nothing
    rows: list[SheetRow]

    def header_of(self, target: str, layout: c.Layout) -> str:
        """The column title this file uses for `target` (ours when the file has no such column)."""
        if target.startswith("details.") and target.count(".") > 1:
            target = ".".join(target.split(".")[:2])
        if target == "subject":
            for key in (c.USCC, c.RIC, c.ID_NO, c.SHOP):
                if key in self.columns:
                    return self.columns[key][0][1]
        if target == c.RIC and c.RIC not in self.columns and c.ID_NO in self.columns:
            target = c.ID_NO
        if target == c.ID and c.ID not in self.columns and "details.decision_no" in self.columns:
            target = "details.decision_no"
        found = self.columns.get(target)
        return found[0][1] if found else layout.title(target)


# ----------------------------------------------------------------------------------------------- sheets


def sheets(data: bytes, filename: str) -> list[tuple[str, list[list[Any]]]]:
    """The visible sheets of a workbook, or the one table of a CSV file, as lists of cell rows (ecredit.uploads: bombs,
    over-long cells and unreadable files are refused whole, naming why)."""
    return read_tables(data, filename)


def _header_row(rows: list[list[Any]], layout: c.Layout) -> tuple[int, int]:
    """(index, number of recognised headers) of the likeliest header row among the first rows."""
    best, best_hits = -1, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for cell in row if isinstance(cell, str) and layout.match(cell)[0])
        if hits > best_hits:
            best, best_hits = index, hits
    return best, best_hits


# ----------------------------------------------------------------------------------------------- parsing


def parse(data: bytes, filename: str, type_code: str, *, today: dt.date | None = None,
          progress: Callable[[int, int], None] | None = None) -> ParsedFile:
    """Read a file as records of `type_code`."""
    layout = c.layout(type_code)
    candidates = [(name, rows) for name, rows in sheets(data, filename) if name.strip() not in SKIPPED_SHEETS]
    chosen = None
    for name, rows in candidates:
        index, hits = _header_row(rows, layout)
        if hits >= 2:
            chosen = (name, rows, index)
            break
    if chosen is None:
        raise ValidationFailed(_("未找到可识别的表头：第一行应为列名（请使用下载的模板，或“双公示”行政许可、"
                                 "行政处罚信息表格式）"), field="file", code="no_header")
    name, rows, header_index = chosen
    headers = [v.parse_text(cell) or "" for cell in rows[header_index]]
    mapping: dict[str, list[tuple[int, str, float]]] = {}
    ignored = []
    for index, header in enumerate(headers):
        if not header:
            continue
        target, scale = layout.match(header)
        if target is None:
            ignored.append(header)
        elif target != c.IGNORE:
            mapping.setdefault(target, []).append((index, header, scale))
    _require_columns(layout, mapping)
    parsed = ParsedFile(filename, type_code, layout.type_name, name, header_index + 1, headers, mapping, ignored, [])
    today = today or timezone.localdate()
    body = rows[header_index + 1:]
    for offset, cells in enumerate(body):
        if all(v.is_blank(cell) for cell in cells):
            continue
        row = SheetRow(header_index + 2 + offset, list(cells))
        _read_row(row, parsed, layout, today)
        parsed.rows.append(row)
        if progress and offset % 1000 == 999:
            progress(offset + 1, len(body))
    _mark_duplicates(parsed, layout)
    if progress:
        progress(len(body), len(body))
    return parsed


def _require_columns(layout: c.Layout, mapping: dict) -> None:
    missing = []
    if c.DECIDED_ON not in mapping:
        missing.append(layout.title(c.DECIDED_ON))
    if not any(key in mapping for key in (c.USCC, c.RIC, c.ID_NO, c.SHOP)):
        missing.append(_("统一社会信用代码（或身份证号码、网店编号）"))
    if c.ID not in mapping and not any(f"details.{key}" in mapping for key in _ID_FALLBACKS):
        missing.append(layout.title(c.ID))
    if c.SUMMARY not in mapping and not any(f"details.{key}" in mapping for key in _SUMMARY_FALLBACKS):
        missing.append(layout.title(c.SUMMARY))
    for column in layout.columns:
        if column.required and column.target.startswith("details.") and column.target not in mapping:
            missing.append(column.title)
    if missing:
        raise ValidationFailed(_("缺少必需的列：{names}").format(names="、".join(missing)), field="file",
                               code="missing_columns", details=missing)


def _cells(row: SheetRow, parsed: ParsedFile, target: str) -> list[tuple[Any, str, float]]:
    """Non-blank cells of `target` in this row: (value, header, scale)."""
    out = []
    for index, header, scale in parsed.columns.get(target, ()):
        value = row.cells[index] if index < len(row.cells) else None
        if not v.is_blank(value):
            out.append((value, header, scale))
    return out


def _read_row(row: SheetRow, parsed: ParsedFile, layout: c.Layout, today: dt.date) -> None:
    problems = row.problems

    def problem(target: str, code: str, message: str, header: str | None = None) -> None:
        header = header or parsed.header_of(target, layout)
        problems.append(Problem(header, target, code, message.replace("{column}", header)))

    def value(target: str, reader: Callable[[Any], Any]) -> Any:
        found = _cells(row, parsed, target)
        if not found:
            return None
        try:
            return reader(found[0][0])
        except v.BadValue as exc:
            problem(target, exc.code, exc.message, found[0][1])
            return None

    details = _read_details(row, parsed, layout, problem)
    record_id = value(c.ID, v.parse_text) or (details.get("decision_no") if isinstance(details, dict) else None)
    if not record_id:
        problem(c.ID, "required", _("{column}为空"))
    elif len(record_id) > MAX_ID:
        problem(c.ID, "too_long", _("{column}超过{n}个字符").replace("{n}", str(MAX_ID)))
    subject = _read_subject(row, parsed, layout, value, problem)
    decided_on = value(c.DECIDED_ON, v.parse_date)
    if decided_on is None and not any(p.field == c.DECIDED_ON for p in problems):
        problem(c.DECIDED_ON, "required", _("{column}为空"))
    elif decided_on is not None and decided_on > today:
        problem(c.DECIDED_ON, "future_date", _("{column}晚于今天：{day}").replace("{day}", decided_on.isoformat()))
    elif decided_on is not None and decided_on.year < 1949:
        problem(c.DECIDED_ON, "bad_date", _("{column}早于1949年：{day}").replace("{day}", decided_on.isoformat()))
    summary = value(c.SUMMARY, v.parse_text)
    if not summary:
        fallback = next((details.get(key) for key in _SUMMARY_FALLBACKS if details.get(key)), None)
        if fallback:
            summary = fallback if len(fallback) <= MAX_SUMMARY else fallback[: MAX_SUMMARY - 1] + "…"
        else:
            problem(c.SUMMARY, "required", _("{column}为空"))
    elif len(summary) > MAX_SUMMARY:
        problem(c.SUMMARY, "too_long", _("{column}超过{n}个字符").replace("{n}", str(MAX_SUMMARY)))
    legal_basis = value(c.LEGAL_BASIS, v.parse_text)
    if problems:
        position = {header: index for index, header in reversed(list(enumerate(parsed.headers)))}
        problems.sort(key=lambda p: position.get(p.column, len(position)))
        return
    row.item = {"id": record_id, "type": parsed.type_code, "subject": subject,
                "decided_on": decided_on.isoformat(), "summary": summary, "details": details}
    if legal_basis:
        row.item["legal_basis"] = legal_basis


def _read_subject(row, parsed, layout, value, problem) -> dict | None:
    name = value(c.NAME, v.parse_text)
    uscc = value(c.USCC, v.parse_identifier)
    ric = value(c.RIC, v.parse_identifier)
    platform, shop = value(c.PLATFORM, v.parse_identifier), value(c.SHOP, v.parse_text)
    id_type, id_no = value(c.ID_TYPE, v.parse_text), value(c.ID_NO, v.parse_identifier)
    if any(p.field.startswith(("subject.", "person.")) for p in row.problems):
        return None
    from_id_no = False
    if shop:
        if not platform:
            problem(c.PLATFORM, "required", _("{column}为空：网店须同时填写所在平台的统一社会信用代码"))
            return None
        subject = {"platform_uscc": platform, "shop_id": shop, "name": name or ""}
    elif uscc:
        subject = {"uscc": uscc, "name": name or ""}
    elif ric:
        subject = {"ric": ric, "name": name or ""}
    elif id_no:
        # 双公示: a person has no organisation code; their identity document is in 证件类型 / 证件号码.
        kind = unicodedata.normalize("NFKC", id_type or "").replace(" ", "")
        if kind and "身份证" not in kind:
            problem(c.ID_TYPE, "unsupported_document",
                    _("{column}为“{kind}”：自然人须以居民身份证号码报送").replace("{kind}", kind))
            return None
        subject, from_id_no = {"ric": id_no, "name": name or ""}, True
    elif platform:
        problem(c.SHOP, "required", _("{column}为空"))
        return None
    else:
        problem("subject", "unidentified", _("缺少主体标识：请填写统一社会信用代码、身份证号码，或平台统一社会信用代码与网店编号"),
                parsed.header_of("subject", layout))
        return None
    for key, scheme in (("uscc", normalise_uscc), ("platform_uscc", normalise_uscc), ("ric", normalise_ric)):
        if subject.get(key):
            target = f"subject.{key}"
            if key == "ric" and from_id_no:
                target = c.ID_NO
            header = parsed.header_of(target, layout)
            try:
                subject[key] = scheme(subject[key])
            except IdentifierError as exc:
                problem(target, exc.reason, registry.identifier_message(exc, header), header)
                return None
    return subject          # the archive checks it again with registry.parse_ref


def _read_details(row, parsed, layout, problem) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for column in layout.columns:
        if not column.target.startswith("details."):
            continue
        found = _cells(row, parsed, column.target)
        if not found:
            continue
        key = column.target.removeprefix("details.")
        try:
            result = _read_value(column, key, found)
        except v.BadValue as exc:
            problem(column.target, exc.code, exc.message, exc.header)
            continue
        if result is not None:
            details[key] = result
    if any(p.field.startswith("details.") for p in row.problems):
        return details
    for column in layout.columns:
        key = column.target.removeprefix("details.")
        if column.required and column.target.startswith("details.") and key not in details:
            problem(column.target, "required", _("{column}为空"))
    if not row.problems:
        _check_schema(parsed, layout, details, problem)
    return details


def _read_value(column: c.Column, key: str, found: list[tuple[Any, str, float]]) -> Any:
    labels = [label for _code, label in column.choices]
    keywords = c.KEYWORDS_BY_PROPERTY.get(key, ())
    results = []
    for cell, header, scale in found:
        try:
            if column.kind == "date":
                results.append(v.parse_date(cell, open_ended=True))
            elif column.kind in ("number", "integer"):
                results.append(v.parse_number(cell, integer=column.kind == "integer", per_wan=column.per_wan,
                                              scale=scale))
            elif column.kind == "boolean":
                results.append(v.parse_boolean(cell))
            elif column.kind == "enum":
                results.append(v.parse_enum(cell, column.lookup, labels, keywords))
            elif column.kind == "enum_list":
                results.append(v.parse_enum_list(cell, column.lookup, labels, keywords))
            elif column.kind == "list":
                results.append(v.split_list(cell) or None)
            elif key.endswith("_uscc"):
                results.append(v.parse_identifier(cell))
            else:
                results.append(v.parse_text(cell))
        except v.BadValue as exc:
            exc.header = header
            raise
    if column.kind in ("enum_list", "list"):       # several columns (处罚类别1, 处罚类别2) add up
        merged: list = []
        for result in results:
            merged.extend(x for x in result or [] if x not in merged)
        return merged or None
    if column.kind == "date":
        return results[0].isoformat() if results[0] else None
    return results[0]


_SCHEMA_MESSAGES = {
    "maxLength": N_("{column}超过{limit}个字符"),
    "minLength": N_("{column}为空"),
    "minItems": N_("{column}为空"),
    "maxItems": N_("{column}最多{limit}项"),
    "minimum": N_("{column}不能小于{limit}"),
    "exclusiveMinimum": N_("{column}应大于{limit}"),
    "maximum": N_("{column}不能大于{limit}"),
    "pattern": N_("{column}格式不正确"),
    "enum": N_("{column}的值不在允许范围内"),
    "uniqueItems": N_("{column}有重复的值"),
    "format": N_("{column}格式不正确"),
}


def _check_schema(parsed, layout, details, problem) -> None:
    """The record type's details schema, checked here so that its complaints come out in Chinese."""
    try:
        policy.current().details_validator(parsed.type_code)(dict(details))
    except fastjsonschema.JsonSchemaValueException as exc:
        path = [str(p) for p in (exc.path or [])[1:]]
        target = f"details.{path[0]}" if path else "details"
        template = _(_SCHEMA_MESSAGES.get(exc.rule or "", "{column}不符合要求"))
        limit = exc.rule_definition if isinstance(exc.rule_definition, (int, float, str)) else ""
        problem(target, "bad_details", template.replace("{limit}", str(limit)))


def _mark_duplicates(parsed: ParsedFile, layout: c.Layout) -> None:
    """A record id used twice in one file: the later row is refused (chunks must not update each other)."""
    first: dict[str, int] = {}
    for row in parsed.rows:
        if row.item is None:
            continue
        rid = row.item["id"]
        if rid in first:
            header = parsed.header_of(c.ID, layout)
            row.problems.append(Problem(header, c.ID, "duplicate_in_file",
                                        _("{column}“{id}”与第{row}行重复").replace("{column}", header)
                                        .replace("{id}", v.shown(rid)).replace("{row}", str(first[rid]))))
            row.item = None
        else:
            first[rid] = row.row
