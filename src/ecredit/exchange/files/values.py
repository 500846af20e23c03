"""Reading cell values as departments write them: dates in five spellings, numbers with commas or
full-width digits, yes/no in words, enum values as code or Chinese label, lists with any separator.

Each parser returns the value (None for a blank cell) or raises BadValue, whose message has a
`{column}` placeholder for the column's title as the sheet writes it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from django.utils.translation import gettext as _

from .columns import normalise_value

EXCEL_EPOCH = dt.date(1899, 12, 30)     # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug absorbed)
SERIALS = (10_000, 99_999)              # 1927-05-18 .. 2173-10-14: a lone "2019" is a year, not a day
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?(?:[T\s]+\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2}(?:\.\d+)?)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_AROUND_SEPARATORS = re.compile(r"\s*([年月日号/.\-])\s*")
_OPEN_ENDED = {"长期", "长期有效", "永久", "永久有效", "无期限", "无", "/", "-", "—"}
_LIST_SEPARATORS = re.compile(r"[;；、,，\n\r|/]+")
_TRUE = {"是", "true", "y", "yes", "1", "√", "有", "涉及"}
_FALSE = {"否", "false", "n", "no", "0", "×", "x", "无", "不涉及"}


class BadValue(ValueError):
    """A cell that cannot be read; `message` names the column with `{column}`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def shown(value: Any, limit: int = 40) -> str:
    """A cell as an error message quotes it."""
    text = value.isoformat() if isinstance(value, (dt.date, dt.time)) else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def fold(value: Any) -> str:
    """Full-width to half-width, trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


# ----------------------------------------------------------------------------------------------- dates


def from_serial(serial: float) -> dt.date:
    """The day of an Excel serial number (1900 date system); the time of day is dropped."""
    if not SERIALS[0] <= serial < SERIALS[1] + 1:
        raise ValueError(serial)
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def to_serial(day: dt.date) -> int:
    """The Excel serial number of a day."""
    return (day - EXCEL_EPOCH).days


def parse_date(value: Any, *, open_ended: bool = False) -> dt.date | None:
    """A date from a date or datetime cell, an Excel serial number, or text such as "2019年3月5日",
    "2019/3/5", "2019-03-05", "2019.3.5", "20190305" (full-width digits too). With `open_ended`, words
    like 长期 or 无 read as blank (a licence valid without end)."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or isinstance(value, (dt.time, dt.timedelta)):
        raise _bad_date(value)
    try:
        if isinstance(value, (int, float)):
            return _from_number(float(value))
        text = _AROUND_SEPARATORS.sub(r"\1", fold(value))
        if open_ended and text in _OPEN_ENDED:
            return None
        match = _DATE.match(text) or _COMPACT.match(text)
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if _SERIAL.match(text):
            return _from_number(float(text))
    except (ValueError, TypeError, OverflowError):
        pass
    raise _bad_date(value)


def _bad_date(value: Any) -> BadValue:
    return BadValue("bad_date", _("{column}不是有效日期：“{value}”（可写作2019-03-05、2019/3/5、2019年3月5日）")
                    .replace("{value}", shown(value)))


def _from_number(number: float) -> dt.date:
    if number.is_integer() and 19000101 <= number <= 99991231:
        compact = _COMPACT.match(str(int(number)))
        return dt.date(int(compact[1]), int(compact[2]), int(compact[3]))
    return from_serial(number)


# ----------------------------------------------------------------------------------------------- numbers

MAX_NUMBER = Decimal(10) ** 12
_NUMBER_NOISE = re.compile(r"[,\s¥￥]")
_UNITS = ("万元", "万", "%", "年度", "年", "件", "笔", "单", "个", "次", "人")


def parse_number(value: Any, *, integer: bool = False, per_wan: bool = False, scale: float = 1.0
                 ) -> int | float | None:
    """A number from a numeric cell or text with thousands separators, full-width digits or a unit.
    Integral values come back as int, so the same sheet always gives the same value."""
    if is_blank(value):
        return None
    def bad() -> BadValue:
        return BadValue("bad_number", _("{column}不是有效数字：“{value}”").replace("{value}", shown(value)))

    if isinstance(value, bool):
        raise bad()
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    else:
        text = _NUMBER_NOISE.sub("", fold(value))
        if per_wan and text.endswith("元") and not text.endswith("万元"):
            raise BadValue("bad_unit", _("{column}应以万元为单位填写：“{value}”").replace("{value}", shown(value)))
        for unit in _UNITS:
            if text.endswith(unit):
                text = text[: -len(unit)]
                break
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise bad() from None
    if not number.is_finite():
        raise bad()
    if abs(number) > MAX_NUMBER:
        raise BadValue("too_large", _("{column}数值过大：“{value}”").replace("{value}", shown(value)))
    if scale != 1.0:
        number = number * Decimal(str(scale))
    if integer:
        if number != number.to_integral_value():
            raise BadValue("not_integer", _("{column}应为整数：“{value}”").replace("{value}", shown(value)))
        return int(number)
    return int(number) if number == number.to_integral_value() and abs(number) < 2**53 else float(number)


def parse_boolean(value: Any) -> bool | None:
    """是/否, Y/N, true/false, 1/0, √/×, 有/无."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = normalise_value(value)
    if isinstance(value, (int, float)) and float(value) in (0.0, 1.0):
        return bool(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue("bad_boolean", _("{column}应填“是”或“否”：“{value}”").replace("{value}", shown(value)))


# ----------------------------------------------------------------------------------------------- text


def parse_text(value: Any) -> str | None:
    """A cell as text: integral numbers without ".0", dates as YYYY-MM-DD, trimmed."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "是" if value else "否"  # stored data, not UI text: never translated
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip() or None


def parse_identifier(value: Any) -> str | None:
    """A code (USCC, resident ID) as text; a number Excel has already rounded is refused, since the
    digits it lost cannot be recovered."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if abs(value) >= 1e15:
            raise BadValue("number_rounded", _("{column}被Excel存成了数字，后几位已丢失：请把该列设为文本格式后重新填写"))
        value = parse_text(value)
    text = fold(value)
    return re.sub(r"[\s\u3000]+", "", text) or None


def split_list(value: Any) -> list[str]:
    """Several values in one cell, separated by ；;、,，| / or line breaks."""
    text = parse_text(value)
    if not text:
        return []
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def parse_enum(value: Any, lookup: dict[str, str], labels: Iterable[str],
               keywords: Iterable[tuple[str, str]] = ()) -> str | None:
    """An enum value given as its code or Chinese label (or, when `keywords` are given, a phrase
    containing one of them)."""
    if is_blank(value):
        return None
    text = parse_text(value) or ""
    norm = normalise_value(text)
    code = lookup.get(norm)
    if code is None:
        stripped = re.sub(r"\([^()]*\)", "", norm)
        code = lookup.get(stripped)
    if code is None:
        code = next((c for word, c in keywords if word in norm and c in lookup.values()), None)
    if code is None:
        raise BadValue("bad_choice", _("{column}的值“{value}”无法识别，可填：{choices}")
                       .replace("{value}", shown(text)).replace("{choices}", "、".join(labels)))
    return code


def parse_enum_list(value: Any, lookup: dict[str, str], labels: Iterable[str],
                    keywords: Iterable[tuple[str, str]] = ()) -> list[str] | None:
    """Several enum values in one cell, each as code or label; duplicates dropped, order kept."""
    if is_blank(value):
        return None
    codes: list[str] = []
    for part in split_list(value):
        code = parse_enum(part, lookup, labels, keywords)
        if code not in codes:
            codes.append(code)
    return codes or None
