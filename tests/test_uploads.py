"""Broken, hostile and foreign spreadsheets: each gets a clear refusal naming why, never a crash; exported cells
never run as formulas."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit import uploads as sheets
from ecredit.kit.errors import ValidationFailed


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bomb(unpacked_mb: int = 40) -> bytes:
    """A zip whose one member unpacks from a few kB to `unpacked_mb` MB of zeros, named like a sheet."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                member.write(chunk)
    return out.getvalue()


def refused(code: str, data: bytes, filename: str) -> str:
    with pytest.raises(ValidationFailed) as caught:
        sheets.read_tables(data, filename)
    assert caught.value.code == code, (caught.value.code, caught.value.message)
    return str(caught.value.message)


def test_zip_bomb_is_refused_before_it_is_unpacked():
    data = bomb(40)
    assert len(data) < 200_000
    message = refused("too_large", data, "处罚.xlsx")
    assert "压缩炸弹" in message and "40 MB" in message


def test_damaged_or_truncated_workbooks_are_unreadable_not_crashes():
    good = xlsx([["名称", "代码"], ["南通甲", "1"]])
    refused("unreadable", good[: len(good) // 2], "处罚.xlsx")
    refused("unreadable", b"PK\x03\x04" + b"\x00" * 200, "处罚.xlsx")
    refused("unreadable", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "处罚.xls")
    refused("empty", b"", "处罚.xlsx")


def test_a_huge_cell_is_refused_naming_sheet_row_and_column():
    data = xlsx([["名称", "事实"], ["南通甲", "很" * 40_000]])
    message = refused("cell_too_long", data, "处罚.xlsx")
    assert "第2行B列" in message and "过长" in message
    csv_data = ("名称,事实\n南通甲," + "长" * 40_000 + "\n").encode("utf-8")
    assert "第2行B列" in refused("cell_too_long", csv_data, "处罚.csv")


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 100)
    data = ("a,b\n" + "1,2\n" * 150).encode()
    assert "拆分" in refused("too_many_rows", data, "big.csv")


def test_gbk_csv_is_read_and_undecodable_bytes_are_named():
    text = "行政相对人名称,处罚决定日期\n南通贸易有限公司,2019年3月5日\n"
    assert sheets.read_rows(text.encode("gbk"), "处罚.csv")[1][0] == "南通贸易有限公司"
    assert sheets.read_rows(text.encode("utf-8-sig"), "处罚.csv")[1][0] == "南通贸易有限公司"
    assert "UTF-8" in refused("bad_encoding", bytes(range(128, 256)) * 40, "处罚.csv")


def test_formulas_in_an_upload_are_never_run():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["名称", "公式"])
    sheet.append(["text", "=cmd|' /C calc'!A0"])          # a real formula cell, as a hostile file carries it
    sheet["A2"].value, sheet["A2"].data_type = "=cmd|' /C calc'!A0", "s"   # the same text as a text cell
    out = io.BytesIO()
    book.save(out)
    rows = sheets.read_rows(out.getvalue(), "x.xlsx")
    assert rows[1][0] == "=cmd|' /C calc'!A0"       # text stays text
    assert rows[1][1] in ("", None)                  # a formula gives only the value Excel cached: nothing ran


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
                                  "=HYPERLINK(\"http://x\",\"点我\")"])
def test_exported_cells_never_start_a_formula(text):
    cell = sheets.safe_cell(text)
    assert cell == "'" + text
    book = openpyxl.Workbook()
    book.active.append([cell])
    out = io.BytesIO()
    book.save(out)
    back = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active["A1"]
    assert back.data_type == "s"          # a string, not a formula


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_safe_cell_property(text):
    cell = sheets.safe_cell(text)
    assert not cell.startswith(sheets.FORMULA_PREFIXES)
    assert cell.lstrip("'") == sheets._ILLEGAL_XML.sub("", text).lstrip("'") or cell == "'" + sheets._ILLEGAL_XML.sub("", text)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4000), st.sampled_from(["a.xlsx", "a.xls", "a.csv", "a.ods", "a"]))
def test_any_bytes_give_tables_or_a_clear_refusal(data, filename):
    try:
        tables = sheets.read_tables(data, filename)
    except ValidationFailed as exc:
        assert exc.code in {"unreadable", "bad_encoding", "empty", "too_large", "cell_too_long", "too_many_rows"}
        assert str(exc.message)
    else:
        assert all(isinstance(rows, list) for _name, rows in tables)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=False),
                                   st.none()), min_size=1, max_size=5), min_size=1, max_size=20))
def test_workbooks_we_write_read_back(rows):
    safe_rows = [[sheets.safe_cell(v) for v in row] for row in rows]
    tables = sheets.read_tables(xlsx(safe_rows), "x.xlsx")
    assert len(tables) == 1
