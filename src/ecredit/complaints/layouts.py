"""Reading one item in a channel's layout into our canonical fields.

A hotline's item is a JSON object or a spreadsheet row keyed by its own column headers (complaints.yaml says
which headers make which field and how to read them); platforms and departments send our canonical layout
with English keys. Headers are compared after NFKC folding, without spaces, asterisks or colons, so "投诉单号 "
and "＊投诉单号" are the same column. A value that cannot be read raises ItemError naming the column as the
channel titles it; only the fields are read here, what they must contain is checked by complaints.intake.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.policy.complaint_rules import CANONICAL_FIELDS, TEXT_FIELDS, FieldSource, Layout

_REMOVED = re.compile(r"[\s*＊※:：_]+")
_DIGITS = re.compile(r"\D+")
_AMOUNT_NOISE = re.compile(r"[,，\s¥￥]|元$")
# Spellings tried after a layout's own formats: what spreadsheets and ISO clients send.
GENERIC_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                        "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
# A cell a spreadsheet would run (CSV/formula injection, "=cmd|' /C calc'!A0"): the codes we echo back to the
# channels never start like a formula; a text is refused when it starts with "=" or reads as a function call.
_FORMULA_CODE = re.compile(r"^\s*[=+\-@\t\r]")
_FORMULA_TEXT = re.compile(r"^\s*(=|[+\-@]\s*[A-Za-z_][\w.]*\s*[(|!])")
_CODES = ("ticket", "order_no", "waybill_no", "shop_id", "respondent_uscc", "platform_uscc")


class ItemError(ValueError):
    """A value that cannot be read: the column as the channel names it, our field, a code and a message."""

    def __init__(self, column: str, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.column, self.field, self.code, self.message = column, field, code, message


def header_key(text: Any) -> str:
    """The form in which headers are compared."""
    return _REMOVED.sub("", unicodedata.normalize("NFKC", str(text or "")).casefold())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def cell_text(value: Any) -> str:
    """A cell or JSON value as text: whole numbers without ".0" (phones and tickets saved as numbers), dates and
    times in ISO spelling."""
    if _blank(value):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    return str(value).strip()


def _datetime(text: str, formats: list[str] | tuple[str, ...], column: str, field: str) -> dt.datetime:
    for fmt in (*formats, *GENERIC_TIME_FORMATS):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    example = dt.datetime(2026, 9, 30, 14, 5).strftime(formats[0]) if formats else "2026-09-30 14:05"
    raise ItemError(column, field, "bad_date", _("“{column}”不是有效的时间：“{value}”（应如 {example}）").format(
        column=column, value=text[:40], example=example))


def _amount(text: str, unit: str, column: str, field: str) -> Decimal:
    cleaned = _AMOUNT_NOISE.sub("", text)
    if unit == "wan" or cleaned.endswith("万"):
        cleaned, factor = cleaned.removesuffix("万"), Decimal(10000)
    else:
        factor = Decimal(1)
    try:
        number = Decimal(cleaned) * factor
    except InvalidOperation:
        raise ItemError(column, field, "bad_number", _("“{column}”不是有效金额：“{value}”").format(
            column=column, value=text[:40])) from None
    if not number.is_finite() or number < 0 or number >= Decimal(10) ** 12:
        raise ItemError(column, field, "bad_number", _("“{column}”金额超出范围：“{value}”").format(
            column=column, value=text[:40]))
    return number.quantize(Decimal("0.01"))


def normalise_phone(text: str) -> str:
    """Digits of a phone number without the country code: "+86 138-1234-5678" → "13812345678"."""
    digits = _DIGITS.sub("", text)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def _phone(text: str, column: str, field: str) -> str:
    digits = normalise_phone(text)
    mobile = len(digits) == 11 and digits.startswith("1")
    landline = digits.startswith("0") and 10 <= len(digits) <= 12
    local = len(digits) in (7, 8) and not digits.startswith("0")
    if not (mobile or landline or local):
        raise ItemError(column, field, "bad_phone", _("“{column}”不是有效的电话号码：“{value}”").format(
            column=column, value=text[:30]))
    return digits


def region_code(text: str) -> str | None:
    """The six-digit code of a district named or coded in `text`, if it is the city or one of its districts."""
    regions = policy.current().regions
    known = [regions.city, *regions.districts]
    digits = _DIGITS.sub("", text)
    if len(digits) == 6 and any(r.code == digits for r in known):
        return digits
    if len(digits) == 6:
        return digits           # a code of another city: routing sends it out of the area
    name = text.replace(regions.city.name, "").strip()
    for region in known:
        if name and (region.name == name or region.name.rstrip("区县市") == name.rstrip("区县市")):
            return region.code
    return None


# Codes and numbers are read after folding full-width forms; names and texts keep their Chinese punctuation.
_FOLDED = ("ticket", "respondent_uscc", "platform_uscc", "shop_id", "order_no", "waybill_no", "kind")


def _read_source(source: FieldSource, value: str, column: str, out: dict[str, Any],
                 warnings: list[str]) -> None:
    field = source.to
    if source.read != "text" or field in _FOLDED:
        value = unicodedata.normalize("NFKC", value).strip()
    if source.pattern:
        match = re.match(source.pattern, value)
        if match is None:
            raise ItemError(column, "", "bad_format", _("“{column}”的格式无法识别：“{value}”").format(
                column=column, value=value[:60]))
        for name, part in match.groupdict().items():
            if part and part.strip():
                out[name] = part.strip()
        return
    if source.read in ("datetime", "date"):
        moment = _datetime(value, source.formats, column, field)
        out[field] = moment.date() if field == "aware_on" else moment
    elif source.read == "amount":
        out[field] = _amount(value, source.unit, column, field)
    elif source.read == "phone":
        out[field] = _phone(value, column, field)
    elif source.read == "kind":
        kind = source.values.get(value) or source.values.get(value.replace(" ", ""))
        if kind is None:
            raise ItemError(column, field, "bad_kind", _("“{column}”为“{value}”，不是投诉或举报（可填：{choices}）").format(
                column=column, value=value[:20], choices="、".join(source.values)))
        out[field] = kind
    elif source.read == "region":
        code = region_code(value)
        if code is None:
            warnings.append(_("“{column}”的地区“{value}”无法识别，已按被投诉人确定管辖").format(
                column=column, value=value[:20]))
        else:
            out[field] = code
    elif field in TEXT_FIELDS:
        part = f"{source.prefix}{value}"
        out[field] = f"{out[field]}；{part}" if out.get(field) else part
    else:
        out[field] = value


def read_item(layout: Layout, raw: Any) -> tuple[dict[str, Any], list[str]]:
    """The canonical fields of one item (a JSON object or a sheet row as {header: value}) and warnings about
    values that were ignored; raises ItemError for a value that cannot be read."""
    if not isinstance(raw, dict):
        raise ItemError("", "", "not_an_object", _("每条数据应为一个JSON对象"))
    cells = {header_key(k): v for k, v in raw.items()}
    out: dict[str, Any] = {}
    warnings: list[str] = []
    for source in layout.fields:
        for column in source.columns:   # a cell holds text or a number, never an object or a list
            if isinstance(cells.get(header_key(column)), (dict, list)):
                raise ItemError(column, source.to, "bad_type", _("“{column}”应为文本或数字").format(column=column))
        parts = [cell_text(cells.get(header_key(c))) for c in source.columns]
        formula = _FORMULA_CODE if source.to in _CODES else _FORMULA_TEXT
        for column, part in zip(source.columns, parts):
            if formula.match(part):
                raise ItemError(column, source.to, "formula", _("“{column}”以“{head}”开头，像电子表格公式，不予接收").format(
                    column=column, head=part.strip()[:1]))
        value = " ".join(p for p in parts if p)
        if not value:
            continue
        _read_source(source, value, "+".join(source.columns), out, warnings)
    if "kind" not in out:
        out["kind"] = layout.default_kind
    return out, warnings


def _canonical_layout() -> Layout:
    """Our own layout (platforms, departments): the canonical field names are the keys, times ISO 8601."""
    reads = {"received_at": "datetime", "aware_on": "date", "amount": "amount", "complainant_phone": "phone",
             "region": "region"}
    fields = [FieldSource(to=name, columns=[name], read=reads.get(name, "text")) for name in CANONICAL_FIELDS
              if name != "kind"]
    fields.append(FieldSource(to="kind", columns=["kind"], read="kind",
                              values={"complaint": "complaint", "report": "report", "both": "both",
                                      "投诉": "complaint", "举报": "report", "投诉举报": "both"}))
    return Layout(default_kind="complaint", fields=fields)


CANONICAL = _canonical_layout()


def column_of(layout: Layout, field: str) -> str:
    """The column (or JSON key) that carries `field` in `layout`, for messages."""
    for source in layout.fields:
        if field in source.targets:
            return "+".join(source.columns)
    return field


def template_headers(layout: Layout) -> list[str]:
    """Every column of a layout, in its order (the header row of a file in that layout)."""
    return [c for source in layout.fields for c in source.columns]


def write_item(layout: Layout, values: dict[str, Any]) -> dict[str, Any]:
    """An item in `layout` from canonical values: the inverse of `read_item` (for demos, benchmarks and the
    hotlines' test files). Text that several columns make up goes whole into the last of them."""
    out: dict[str, Any] = {}
    last_text = {s.to: s for s in layout.fields if s.to in TEXT_FIELDS}
    for source in layout.fields:
        if source.pattern:
            name, code = values.get("respondent_name", ""), values.get("respondent_uscc", "")
            groups = set(source.targets)
            text = name if "respondent_name" in groups else ""
            if "respondent_uscc" in groups and code:
                text = f"{text}（{code}）"
            out[source.columns[0]] = text
            continue
        value = values.get(source.to)
        if source.to in TEXT_FIELDS and last_text.get(source.to) is not source:
            value = None
        if value in (None, ""):
            parts: list[Any] = [""] * len(source.columns)
        elif source.read in ("datetime", "date"):
            moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
            fmt = source.formats[0] if source.formats else "%Y-%m-%d %H:%M:%S"
            parts = moment.strftime(fmt).split(" ", len(source.columns) - 1)
        elif source.read == "kind":
            parts = [next((word for word, kind in source.values.items() if kind == value), "")]
        elif source.read == "amount":
            amount = Decimal(str(value)) / (Decimal(10000) if source.unit == "wan" else 1)
            parts = [str(amount.normalize()) if amount == amount.to_integral() else str(amount)]
        else:
            parts = [value]
        for column, part in zip(source.columns, parts):
            out[column] = part
    return out
