"""Writing xlsx files: a record type's template (with a 填写说明 sheet) and the error report of an import.

Every string this module writes goes through `safe()`: a cell that starts with = + - @ (or a tab or
carriage return) gets a leading apostrophe, so that a spreadsheet program shows it as text and never
runs it as a formula, and characters XML cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ecredit import policy
from ecredit.uploads import safe_cell

from . import columns as c

if TYPE_CHECKING:
    from .runner import ImportResult


INSTRUCTIONS_SHEET, OPTIONS_SHEET = "填写说明", "选项"   # names are part of the file format
TEMPLATE_ROWS = 10_000                     # rows the template's drop-down lists cover
_HEAD_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")

_FORMATS = {
    "text": "文本", "identifier": "18位代码，按文本填写", "date": "日期，如 2019-03-05、2019/3/5、2019年3月5日",
    "number": "数字", "integer": "整数", "boolean": "是 / 否", "enum": "从下拉列表选择（也可填代码）",
    "list": "可填多个，用分号（；）分隔", "enum_list": "可多选，用分号（；）或顿号（、）分隔",
}


safe = safe_cell   # strings neutralised against formula injection (ecredit.uploads)


def _put(ws, row: int, column: int, value: Any, **style) -> Any:
    cell = ws.cell(row=row, column=column, value=safe(value))
    if isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = "yyyy-mm-dd" if not isinstance(value, dt.datetime) else "yyyy-mm-dd hh:mm"
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def sheet_title(text: str) -> str:
    """A name Excel accepts for a sheet (at most 31 characters, none of []:*?/\\)."""
    return re.sub(r"[\[\]:*?/\\]", "", text)[:31] or "Sheet1"


def _bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------- template


def template(type_code: str) -> bytes:
    """An xlsx template for record type `type_code`: one header row (required columns marked *), drop-down
    lists for enumerated columns, text format for codes, and a 填写说明 sheet describing every column."""
    layout = c.layout(type_code)
    rule = policy.current().record_types[type_code]
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(layout.type_name)
    options = wb.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    option_column = 0
    for index, column in enumerate(layout.columns, start=1):
        letter = get_column_letter(index)
        _put(ws, 1, index, column.header, font=_REQUIRED_FONT if column.required else _HEAD_FONT, fill=_HEAD_FILL)
        ws.column_dimensions[letter].width = max(12, min(40, len(column.header) * 2 + 4))
        if column.kind == "identifier" or column.target in (c.ID, c.SHOP):
            ws.column_dimensions[letter].number_format = "@"      # keeps 18-digit codes from being rounded
        elif column.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if column.choices:
            option_column += 1
            opt_letter = get_column_letter(option_column)
            _put(options, 1, option_column, column.title)
            for row, (_code, label) in enumerate(column.choices, start=2):
                _put(options, row, option_column, label)
            rows = len(column.choices) + 1
            validation = DataValidation(
                type="list", formula1=f"'{options.title}'!${opt_letter}$2:${opt_letter}${rows}", allow_blank=True,
                showErrorMessage=column.kind in ("enum", "boolean"), errorStyle="warning",
                errorTitle=_("取值不在列表中"), error=_("请从下拉列表中选择；确需填写代码的可以继续"))
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    _instructions(wb.create_sheet(INSTRUCTIONS_SHEET), layout, rule)
    wb.move_sheet(options, offset=1)         # keep the hidden list sheet last
    return _bytes(wb)


def _instructions(ws, layout: c.Layout, rule) -> None:
    _put(ws, 1, 1, _("信用信息类型：{name}（代码 {code}）").format(name=layout.type_name, code=layout.type_code),
         font=_HEAD_FONT)
    _put(ws, 2, 1, _("法律依据：{basis}").format(basis=rule.legal_basis))
    heads = [_("列名"), _("是否必填"), _("说明"), _("格式"), _("允许的值")]
    for index, head in enumerate(heads, start=1):
        _put(ws, 4, index, head, font=_HEAD_FONT, fill=_HEAD_FILL)
    row = 5
    for column in layout.columns:
        allowed = "、".join(f"{label}（{code}）" if label != code else code for code, label in column.choices)
        fmt = _FORMATS.get(column.kind, "文本")
        if column.per_wan:
            fmt = _("数字，单位万元")
        values = [column.title, _("必填") if column.required else _("选填"), column.description, fmt, allowed]
        for index, value in enumerate(values, start=1):
            _put(ws, row, index, value, alignment=_WRAP)
        row += 1
    notes = [
        _("填写须知"),
        _("1. 每行一条信用记录；第一行为列名，请勿改动列名。列的顺序可以调整，不用的选填列可以删除。"),
        _("2. 主体标识三选一：单位和个体工商户填统一社会信用代码；自然人填身份证号码；网店填平台统一社会信用代码和网店编号。"),
        _("3. 日期可写作 2019-03-05、2019/3/5、2019年3月5日、20190305，或使用Excel日期格式。"),
        _("4. 记录编号是本单位给这条记录的唯一编号。同一文件重复上传不会重复入库；同一编号内容有变化的，按更新处理。"
          "未填记录编号的，以决定书文号作为记录编号。"),
        _("5. 金额以万元为单位；多个取值用分号（；）或顿号（、）分隔；选项可填中文名称或代码。"),
        _("6. 也可以直接上传按国家“双公示”行政许可、行政处罚信息表格式整理的表格，系统按列名识别。"),
        _("7. 上传后，有问题的行会退回并列入错误报告（含行号和原因），其余行正常入库；勾选“整批接收或整批退回”时，"
          "有任何一行出错则整个文件都不入库。"),
    ]
    row += 1
    for index, note in enumerate(notes):
        _put(ws, row + index, 1, note, font=_HEAD_FONT if index == 0 else Font())
    for letter, width in zip("ABCDE", (28, 10, 60, 30, 60)):
        ws.column_dimensions[letter].width = width


# ----------------------------------------------------------------------------------------------- report


def error_report(result: "ImportResult") -> bytes:
    """The xlsx report of an import: a 汇总 sheet with the counts, and 退回明细 with one row per refused
    sheet row (行号, 错误字段, 错误原因, then the row's own cells under its own headers)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("汇总")
    mode = _("整批接收或整批退回") if result.atomic else _("逐行接收（有问题的行退回，其余入库）")
    lines = [
        (_("文件名"), result.filename),
        (_("信用信息类型"), f"{result.type_name}（{result.type_code}）"),
        (_("接收方式"), mode),
        (_("处理时间"), timezone.localtime(result.finished_at).strftime("%Y-%m-%d %H:%M:%S")),
        (_("工作表"), _("{sheet}（表头在第{row}行）").format(sheet=result.sheet, row=result.header_row)),
        (_("收到"), result.received),
        (_("新增"), result.created),
        (_("更新"), result.updated),
        (_("未变化"), result.unchanged),
        (_("退回"), result.rejected),
        (_("批次号"), "、".join(str(b) for b in result.batch_ids)),
        (_("未识别的列（已忽略）"), "、".join(result.ignored) or _("无")),
    ]
    if result.blocked:
        lines.append((_("说明"), _("因存在退回的行，按“整批接收或整批退回”，本文件未写入任何记录。")))
    for row, (label, value) in enumerate(lines, start=1):
        _put(ws, row, 1, label, font=_HEAD_FONT)
        _put(ws, row, 2, value)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 70

    detail = wb.create_sheet(_("退回明细"))
    heads = [_("行号"), _("错误字段"), _("错误原因"), *result.headers]
    for index, head in enumerate(heads, start=1):
        _put(detail, 1, index, head, font=_HEAD_FONT, fill=_HEAD_FILL)
    for line, sheet_row in enumerate(result.refused, start=2):
        fields = list(dict.fromkeys(p.column for p in sheet_row.problems))
        _put(detail, line, 1, sheet_row.row)
        _put(detail, line, 2, "、".join(fields))
        _put(detail, line, 3, "\n".join(p.message for p in sheet_row.problems), alignment=_WRAP)
        for index, value in enumerate(sheet_row.cells, start=4):
            _put(detail, line, index, value if not isinstance(value, (dt.time, dt.timedelta)) else str(value))
    detail.freeze_panes = "D2"
    for letter, width in (("A", 8), ("B", 24), ("C", 48)):
        detail.column_dimensions[letter].width = width
    return _bytes(wb)
