"""Spreadsheets we write never run what someone typed: every xlsx writer of the project is listed here, and the
exports that carry what a department, platform or courier firm sent (their files' refused rows, the file's own
name) show `=cmd|...` as text: a leading apostrophe, never a formula cell (openpyxl data_type "f").

Already covered elsewhere, not repeated: the exchange report's refused rows (tests/exchange/test_files_dual.py)
and the quarterly evaluation report's subject names (tests/evaluation/test_quarterly.py)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest

from tests import factories as f

from .bodies import FORMULA

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "ecredit"
# Every module that builds a workbook, and what shows that it neutralises what it writes.
WRITERS = {
    "exchange/files/writing.py": "test_the_exchange_report_names_a_formula_file_as_text (+ tests/exchange)",
    "marketplace/files.py": "test_the_trade_file_report_shows_formula_ids_as_text",
    "logistics/files.py": "test_the_parcel_file_report_shows_formula_waybills_as_text",
    "console/evaluation_views.py": "tests/evaluation/test_quarterly.py (subject names)",
}


def test_every_spreadsheet_writer_is_tried():
    """A new module writing xlsx (or CSV with data) is added to WRITERS with a test of its formula text."""
    found = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
             if re.search(r"\bWorkbook\(\)|csv\.writer\(", p.read_text("utf-8"))}
    found.discard("complaints/services/files.py")   # writes the fixed header row of a hotline's template only
    assert found == set(WRITERS), found ^ set(WRITERS)
    for name in WRITERS:
        assert "safe" in (SRC / name).read_text("utf-8"), name


def _cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [(sheet.title, cell) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def _assert_neutralised(data: bytes, *must_show: str) -> None:
    cells = _cells(data)
    formulas = [(title, cell.coordinate, cell.value) for title, cell in cells if cell.data_type == "f"]
    assert not formulas, formulas
    texts = [cell.value for _title, cell in cells if isinstance(cell.value, str)]
    dangerous = [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert not dangerous, dangerous
    for text in must_show:
        assert "'" + text in texts, (text, texts)


def test_the_trade_file_report_shows_formula_ids_as_text(platform_org):
    from ecredit.marketplace import files

    head = "订单号,网店编号,买家标识,订单金额,订单状态,下单时间,商品条码,商品类目,单价\r\n"
    csv = (head + f"\"{FORMULA}\",S1,buyer-1,not-an-amount,completed,2026-01-05 09:00:00,6901234567892,food,1\r\n"
           "\"@SUM(1)\",\"=HYPERLINK(\"\"http://evil.example\"\")\",buyer-2,abc,completed,2026-01-05 09:00:00,"
           "6901234567892,food,1\r\n")
    platform = f.principal("platform_client", platform_org)
    result = files.import_trades(csv.encode(), "orders.csv", "orders", platform)
    assert result.rejected == 2, result.errors
    _assert_neutralised(files.error_report(result), FORMULA, "@SUM(1)")


def test_the_parcel_file_report_shows_formula_waybills_as_text():
    from ecredit.logistics import files
    from tests.logistics.conftest import make_carrier

    csv = ("运单号,时间,状态,地区编码,地区名称,描述\r\n"
           f"\"{FORMULA}\",2026-03-01 09:00:00,9,320613,江苏省南通市崇川区,\"=1+1\"\r\n"
           "-2+3,2026-13-01 09:00:00,1,320613,江苏省南通市崇川区,坏日期\r\n")
    result = files.import_parcels(csv.encode(), "trace.csv", "aggregator_scans", make_carrier().principal)
    assert result.rejected == 2, result.errors
    _assert_neutralised(files.error_report(result), FORMULA, "-2+3")


def test_the_exchange_report_names_a_formula_file_as_text(officer):
    """The report's summary names the file as uploaded: a file named like a formula is text too, on every sheet."""
    from ecredit.exchange import files
    from tests.exchange import sheets as s

    rows = [s.penalty_row(FORMULA, "+cmd|' /C calc'!A0", "@SUM(1)", "罚款", "not a date", facts="=1+1")]
    name = FORMULA + ".xlsx"
    result = files.import_file(s.xlsx(s.PENALTY_HEADERS, rows), name, "admin_penalty_general", officer)
    assert result.rejected == 1
    _assert_neutralised(result.report(), name, FORMULA, "=1+1")
