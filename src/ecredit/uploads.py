"""Uploaded spreadsheets in and out, guarded: every bulk file of every app goes through here.

Reading (`read_tables`): xlsx/xlsm/xls/ods through calamine, CSV (UTF-8, GBK/GB18030; the dialect sniffed).
Before calamine sees a zip-based workbook, its members are checked against a decompression bomb (total unpacked
size and compression ratio); a file with more rows than `MAX_ROWS` or a cell longer than Excel's own limit is
refused whole, naming where. Formulas are never evaluated: calamine gives the values Excel cached, and a text
cell that looks like a formula ("=cmd|...") is kept as text.

Writing (`safe_cell`): a string that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is written
with a leading apostrophe, and characters XML cannot carry are dropped, so an exported report never executes
what a merchant typed into a name.

Messages are Chinese with English through Django's catalogue. This is infrastructure every source app imports
(like `db.py`), not a pure `kit` helper, because its refusals are translated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

from ecredit.kit.errors import ValidationFailed
from ecredit.kit.text import decode_csv_bytes

MAX_FILE_BYTES = 64 * 1024 * 1024        # the upload limit (settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
MAX_UNPACKED_BYTES = 512 * 1024 * 1024   # a real 200,000-row sheet unpacks to ~150 MB
MAX_RATIO = 200                          # xlsx XML compresses ~10-30x; a bomb 1000x or more
MAX_ROWS = 500_000
MAX_CELL_CHARS = 32_767                  # Excel's own limit for one cell
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_SUFFIXES = (".csv", ".txt")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

csv.field_size_limit(MAX_FILE_BYTES)   # long cells reach check_table, which names where they are


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, field="file", code=code)


def _is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _is_ole(data: bytes) -> bool:
    return data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_zip(data: bytes) -> None:
    """Refuse a zip-based workbook that would unpack too large or too far (a decompression bomb)."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _refuse(_("文件已损坏，无法读取：{err}").format(err=exc), "unreadable") from None
    unpacked = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 10 * 1024 * 1024 and unpacked / packed > MAX_RATIO):
        raise _refuse(_("文件解压后过大（{mb} MB，压缩比 {ratio}:1），疑似压缩炸弹，已拒绝").format(
            mb=unpacked // (1024 * 1024), ratio=int(unpacked / packed)), "too_large")


def decode_text(data: bytes) -> str:
    """Text of a CSV file in UTF-8 or GBK/GB18030, or a clear refusal."""
    text = decode_csv_bytes(data)
    if text is None:
        raise _refuse(_("无法识别CSV文件的编码：请保存为UTF-8或GBK编码"), "bad_encoding")
    return text


def read_csv(data: bytes) -> list[list[Any]]:
    """Rows of a CSV file (delimiter sniffed among comma, tab and semicolon)."""
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as exc:   # a field over the size limit, a NUL byte
        raise _refuse(_("CSV文件格式错误：{err}").format(err=exc), "unreadable") from None


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def check_table(sheet: str, rows: list[list[Any]]) -> list[list[Any]]:
    """Refuse a table with too many rows or an over-long cell, naming the sheet, row and column."""
    if len(rows) > MAX_ROWS:
        raise _refuse(_("工作表“{sheet}”有 {n} 行，超过每个文件 {max} 行的上限，请拆分后上传").format(
            sheet=sheet, n=len(rows), max=MAX_ROWS), "too_many_rows")
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            # calamine cuts longer cells to exactly the limit, so a cell at the limit was longer in the file
            if isinstance(value, str) and len(value) >= MAX_CELL_CHARS:
                raise _refuse(_("工作表“{sheet}”第{row}行{col}列内容过长（至少 {n} 个字符），单元格不能超过 {max} 个字符").format(
                    sheet=sheet, row=r, col=_column_name(c), n=len(value), max=MAX_CELL_CHARS - 1), "cell_too_long")
    return rows


def read_tables(data: bytes, filename: str, *, visible_only: bool = True) -> list[tuple[str, list[list[Any]]]]:
    """(sheet name, rows) of every (visible) sheet of a workbook, or the one table of a CSV file."""
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(_("文件过大（超过 {mb} MB）").format(mb=MAX_FILE_BYTES // (1024 * 1024)), "too_large")
    if not data:
        raise _refuse(_("文件是空的"), "empty")
    suffix = PurePath(filename or "").suffix.lower()
    workbook = _is_zip(data) or _is_ole(data)
    if suffix in TEXT_SUFFIXES or (not workbook and suffix not in WORKBOOK_SUFFIXES):
        name = PurePath(filename or "data.csv").stem
        return [(name, check_table(name, read_csv(data)))]
    if _is_zip(data):
        check_zip(data)
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = book.sheet_names
        if visible_only:
            names = [m.name for m in book.sheets_metadata if str(m.visible).lower().endswith("visible")
                     and "hidden" not in str(m.visible).lower()] or book.sheet_names
        tables = [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in names]
    except ValidationFailed:
        raise
    except Exception as exc:  # calamine raises its own and zip/xml errors for damaged files
        raise _refuse(_("无法读取该文件：{err}。请上传 .xlsx、.xls 或 .csv 文件").format(err=exc),
                      "unreadable") from None
    return [(name, check_table(name, rows)) for name, rows in tables]


def read_rows(data: bytes, filename: str) -> list[list[Any]]:
    """Rows of the first visible sheet (or of the CSV file)."""
    tables = read_tables(data, filename)
    return tables[0][1] if tables else []


def safe_cell(value: Any) -> Any:
    """A value as it may be written into an exported cell: text never runs as a formula."""
    if value is None or isinstance(value, (bool, int, float, dt.datetime, dt.date)):
        return value
    text = _ILLEGAL_XML.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
