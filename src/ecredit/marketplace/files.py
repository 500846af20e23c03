"""Orders and ratings from spreadsheets (xlsx/xls/ods via calamine, CSV in UTF-8 or GB18030), row by row.

A small reader of our own: the exchange's reader is built around record types, and a source app does not
import another (ARCHITECTURE §3). Headers are matched by name, Chinese or English (`订单号` or `order_id`), in
any order, on the first row that names at least two known columns among the first ten.

- **Orders** are one row per item: rows with the same order id make one order, whose order-level cells are
  taken from its first row. An error of an order names its first sheet row.
- **Ratings** are one row each.
- A cell that cannot be read makes its row (or order) a refused row with the sheet row (header = row 1 when it
  is the first row), the column as titled and the reason; the rest goes through the services as batches of at
  most 10,000. With `atomic`, any refused row leaves the whole file unwritten.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Callable

from django.db import transaction
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.uploads import read_tables, safe_cell
from ecredit.kit.errors import ValidationFailed

from . import services
from .models import Direction, OrderStatus, RatingValue, TradeChannel

HEADER_SEARCH_ROWS = 10
CHUNK = services.MAX_BATCH

ORDER_HEADERS = {
    "order_id": ("订单号", "订单编号", "平台订单号", "order_id"),
    "platform_uscc": ("平台统一社会信用代码", "platform_uscc"),
    "shop_id": ("网店编号", "店铺编号", "shop_id"),
    "shop_name": ("网店名称", "店铺名称", "shop_name"),
    "buyer": ("买家标识", "买家", "buyer"),
    "amount": ("订单金额", "订单金额（元）", "amount"),
    "status": ("订单状态", "状态", "status"),
    "ordered_at": ("下单时间", "ordered_at"),
    "paid_at": ("付款时间", "paid_at"),
    "shipped_at": ("发货时间", "shipped_at"),
    "completed_at": ("交易成功时间", "完成时间", "completed_at"),
    "refunded_at": ("退款时间", "refunded_at"),
    "cancelled_at": ("取消时间", "cancelled_at"),
    "payment_channel": ("支付渠道", "支付方式", "payment_channel"),
    "waybill": ("运单号", "快递单号", "waybill"),
    "ship_to_region": ("收货地区代码", "收货地行政区划代码", "ship_to_region"),
    "goods_weight_kg": ("商品重量", "商品重量（千克）", "商品重量（kg）", "goods_weight_kg"),
    "gtin": ("商品条码", "GTIN", "gtin"),
    "category": ("商品类目", "类目", "category"),
    "quantity": ("数量", "quantity"),
    "price": ("单价", "单价（元）", "price"),
}
ITEM_FIELDS = ("gtin", "category", "quantity", "price")
RATING_HEADERS = {
    "order_id": ("订单号", "订单编号", "平台订单号", "order_id"),
    "platform_uscc": ("平台统一社会信用代码", "platform_uscc"),
    "direction": ("评价方向", "direction"),
    "gtin": ("商品条码", "GTIN", "gtin"),
    "value": ("评价", "评价结果", "value"),
    "dsr_description": ("描述相符", "dsr_description"),
    "dsr_service": ("服务态度", "dsr_service"),
    "dsr_delivery": ("物流服务", "dsr_delivery"),
    "text": ("评价内容", "text"),
    "rated_at": ("评价时间", "rated_at"),
    "appended_text": ("追加评价", "追评内容", "appended_text"),
    "appended_at": ("追加时间", "追评时间", "appended_at"),
}
REQUIRED = {"orders": ("order_id", "shop_id", "buyer", "amount", "status", "ordered_at", "gtin", "category",
                       "price"),
            "ratings": ("order_id", "value", "rated_at")}
TIME_FIELDS = {"ordered_at", "paid_at", "shipped_at", "completed_at", "refunded_at", "cancelled_at",
               "rated_at", "appended_at"}
TEXT_FIELDS = {"text", "appended_text", "shop_name"}


def _key(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower().replace(" ", "")


def _choices() -> dict[str, dict[str, str]]:
    """Cell labels (Chinese, English, code) of the fields with a fixed set of values -> codes."""
    categories = policy.in_force(policy.current().marketplace.categories, dt.date.today()).codes
    out: dict[str, dict[str, str]] = {
        "status": {**{_key(c.label): c.value for c in OrderStatus}, _key("已完成"): "completed"},
        "direction": {_key(c.label): c.value for c in Direction},
        "value": {_key(c.label): c.value for c in RatingValue},
        "category": {_key(v): code for code, cat in categories.items() for v in (cat.name.zh, cat.name.en)},
    }
    for name, choices in out.items():
        choices.update({_key(code): code for code in set(choices.values())})
    return out


# ---------------------------------------------------------------------------------------------- reading


def read_rows(data: bytes, filename: str) -> list[list[Any]]:
    """The cells of the first sheet with a header we know (or of the CSV file); ecredit.uploads guards the reading."""
    sheets = [rows for _name, rows in read_tables(data, filename, visible_only=False)]
    known = {_key(h) for headers in (*ORDER_HEADERS.values(), *RATING_HEADERS.values()) for h in headers}
    for rows in sheets:
        if any(sum(_key(c) in known for c in row) >= 2 for row in rows[:HEADER_SEARCH_ROWS]):
            return rows
    return sheets[0] if sheets else []


def _cell(name: str, value: Any, choices: dict[str, dict[str, str]]) -> Any:
    """A cell as the services take it: times as ISO text, numbers as text, labels as codes."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min).isoformat()
    if isinstance(value, float):
        value = str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    if name in TEXT_FIELDS:
        return text
    text = unicodedata.normalize("NFKC", text)
    if name in TIME_FIELDS:
        return text.replace("/", "-")
    if name == "gtin" and text.isdigit() and len(text) < 14 and len(text) not in (8, 12, 13):
        # a spreadsheet dropped leading zeros: pad to the next GTIN length (zeros keep the check digit)
        return text.zfill(next(n for n in (8, 12, 13, 14) if n > len(text)))
    if name in choices:
        return choices[name].get(_key(text), text)
    return text


@dataclass
class Parsed:
    """A file read as rows for the services: each item with its sheet rows, and rows refused while reading."""

    items: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)           # the first sheet row of each item
    problems: list[dict[str, Any]] = field(default_factory=list)


def parse(data: bytes, filename: str, kind: str) -> Parsed:
    """Read a file of `kind` (orders or ratings); a file without the columns every row needs is refused."""
    headers_of = ORDER_HEADERS if kind == "orders" else RATING_HEADERS
    rows = read_rows(data, filename)
    lookup = {_key(h): name for name, headers in headers_of.items() for h in headers}
    header_at, mapping = -1, {}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {lookup[_key(c)]: i for i, c in reversed(list(enumerate(row))) if _key(c) in lookup}
        if len(found) >= 2 and len(found) > len(mapping):
            header_at, mapping = index, found
    missing = [headers_of[name][0] for name in REQUIRED[kind] if name not in mapping]
    if header_at < 0 or missing:
        raise ValidationFailed(_("缺少必需的列：{names}").format(names="、".join(missing or REQUIRED[kind])),
                               field="file", code="missing_columns", details=missing)
    choices, parsed = _choices(), Parsed()
    titles = {name: rows[header_at][i] for name, i in mapping.items()}
    orders: dict[str, int] = {}
    for offset, cells in enumerate(rows[header_at + 1:]):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        number = header_at + 2 + offset
        values = {name: _cell(name, cells[i] if i < len(cells) else None, choices)
                  for name, i in mapping.items()}
        values = {k: v for k, v in values.items() if v is not None}
        if kind == "ratings":
            parsed.items.append(_rating(values))
            parsed.rows.append(number)
            continue
        no = values.get("order_id")
        if not no:
            parsed.problems.append({"row": number, "id": "", "field": "order_id", "code": "required",
                                    "message": _("{column}为空").format(column=titles["order_id"])})
            continue
        item = {k: values.pop(k) for k in ITEM_FIELDS if k in values}
        if no in orders:
            parsed.items[orders[no]]["items"].append(item)
            continue
        orders[no] = len(parsed.items)
        parsed.items.append({**values, "items": [item]})
        parsed.rows.append(number)
    return parsed


def _rating(values: dict[str, Any]) -> dict[str, Any]:
    dsr = {k: values.pop(f"dsr_{k}") for k in ("description", "service", "delivery") if f"dsr_{k}" in values}
    if dsr:
        values["dsr"] = dsr
    return values


# ---------------------------------------------------------------------------------------------- importing


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

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


def import_trades(data: bytes, filename: str, kind: str, principal, *, atomic: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Read a file of orders or ratings and send it through the services in batches of at most 10,000."""
    if kind not in ("orders", "ratings"):
        raise ValidationFailed(_("数据类型应为 orders 或 ratings"), field="kind", code="bad_kind")
    parsed = parse(data, filename, kind)
    submit = services.submit_orders if kind == "orders" else services.submit_ratings
    result = ImportResult(received=len(parsed.items) + len(parsed.problems), errors=list(parsed.problems))
    if atomic and parsed.problems:
        result.blocked, result.rejected = True, result.received
        return result
    try:
        with transaction.atomic():
            for start in range(0, len(parsed.items), CHUNK):
                batch = submit(parsed.items[start:start + CHUNK], principal, channel=TradeChannel.FILE,
                               atomic=atomic, filename=PurePath(filename).name)
                result.batch_ids.append(batch.pk)
                for error in batch.errors:
                    row = parsed.rows[start + error["index"]]
                    result.errors.append({**error, "row": row})
                for name in ("created", "updated", "unchanged"):
                    setattr(result, name, getattr(result, name) + getattr(batch, name))
                if progress:
                    progress(min(start + CHUNK, len(parsed.items)), len(parsed.items))
            if atomic and result.errors:
                raise _Rollback
    except _Rollback:
        result.blocked, result.created, result.updated, result.unchanged, result.batch_ids = True, 0, 0, 0, []
    result.rejected = result.received - result.created - result.updated - result.unchanged
    result.errors.sort(key=lambda e: e["row"])
    return result


def error_report(result: ImportResult) -> bytes:
    """The refused rows as an xlsx sheet (行号, 订单号, 字段, 代码, 原因)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("退回明细")
    sheet.append([_("行号"), _("订单号"), _("字段"), _("代码"), _("原因")])
    for error in result.errors:
        sheet.append([error["row"], *[safe_cell(error.get(k, "")) for k in ("id", "field", "code", "message")]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
