"""Sheets as departments send them, built with openpyxl for the exchange tests."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl

from tests import factories as f

# The national 双公示 administrative-penalty layout, with the full-width and half-width brackets and the
# stray spaces real files carry.
PENALTY_HEADERS = [
    "行政相对人名称", "行政相对人类别", " 行政相对人代码_1（统一社会信用代码）", "行政相对人代码_2(工商注册号)",
    "行政相对人代码_3（组织机构代码）", "法定代表人", "法定代表人证件类型", "法定代表人证件号码",
    "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额(万元)",
    "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期",
    "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]
AUTHORITY = "南通市市场监督管理局"
AUTHORITY_USCC = f.uscc(770001)


def penalty_row(name: str, uscc: Any, decision_no: str, kinds: Any, decided: Any, *, fine: Any = "",
                category: str = "法人及非法人组织", id_type: str = "", id_no: Any = "", facts: str = "销售不合格商品",
                **extra: Any) -> list[Any]:
    values = {
        "行政相对人名称": name, "行政相对人类别": category, " 行政相对人代码_1（统一社会信用代码）": uscc,
        "法定代表人": "张三", "法定代表人证件类型": id_type, "法定代表人证件号码": id_no,
        "行政处罚决定书文号": decision_no, "违法行为类型": "产品质量违法", "违法事实": facts,
        "处罚依据": "《中华人民共和国产品质量法》第四十九条", "处罚类别": kinds, "处罚内容": "罚款并没收违法所得",
        "罚款金额(万元)": fine, "处罚决定日期": decided, "处罚机关": AUTHORITY, "处罚机关统一社会信用代码": AUTHORITY_USCC,
        "数据来源单位": AUTHORITY, "备注": "", **extra,
    }
    return [values.get(header, "") for header in PENALTY_HEADERS]


def xlsx(headers: list[str], rows: list[list[Any]], *, title_rows: list[str] = ()) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "行政处罚"
    for title in title_rows:
        ws.append([title])
    ws.append(headers)
    first = len(title_rows) + 2
    for number, row in enumerate(rows, start=first):
        ws.append([None if value == "" else value for value in row])
        for column, value in enumerate(row, start=1):
            if isinstance(value, str) and value.startswith("="):
                ws.cell(number, column).data_type = "s"   # text that looks like a formula, as a user may type it
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def filled_template(template: bytes, rows: list[dict[str, Any]]) -> bytes:
    """The downloaded template with rows filled in by column title (a trailing * may be left off)."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    headers = [str(cell.value).rstrip("*") for cell in ws[1]]
    for row in rows:
        unknown = set(row) - set(headers)
        assert not unknown, unknown
        ws.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_sheet(data: bytes, name: str) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(row) for row in wb[name].iter_rows(values_only=True)]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
