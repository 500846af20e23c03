"""JSON request bodies in, guarded: every JSON body of /api/v1/ (ninja's parser and the batch routes that read
the raw body) and of /epcis/ is read here, as every uploaded spreadsheet is read by `uploads`.

`loads` refuses what JSON parsers disagree on, or what no field can hold, with a message naming it: a body
that is not UTF-8 (a GBK body from a Windows program), NaN and Infinity (not JSON, though Python reads them),
numbers beyond a 64-bit integer or a double, the same member twice in one object (parsers differ on which
counts; EPCIS takes the last, as GS1's own examples need), nesting deeper than MAX_DEPTH, and a string longer
than a spreadsheet cell holds (uploads.MAX_CELL_CHARS: any text we store can be exported). `check` applies
the limits on depth, text and numbers to a document read from elsewhere (EPCIS XML). `Parser` is `loads` for
ninja, which also wants an object at the top.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.utils.translation import gettext as _
from ninja.parser import Parser as NinjaParser

from ecredit.kit.errors import ValidationFailed
from ecredit.uploads import MAX_CELL_CHARS

MAX_DEPTH = 64                       # EPCIS documents, the deepest we take, nest about ten levels
MAX_STRING_CHARS = MAX_CELL_CHARS - 1
MAX_INTEGER = 2 ** 63 - 1            # a BIGINT column


class BadJson(ValidationFailed):
    """A body that is not JSON, or JSON we do not take."""

    code = "bad_json"


class _Refused(ValueError):
    """Raised inside the decoder's hooks; turned into BadJson."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _v in pairs if k in seen or seen.add(k))
        raise _Refused(_("成员“{key}”在同一对象中出现了两次").format(key=twice[:50]))
    return out


def _constant(name: str) -> Any:
    raise _Refused(_("{name} 不是JSON数值").format(name=name))


def _too_long(container: Any, text: str) -> BadJson:
    key = next((k for k, v in container.items() if v is text), None) if isinstance(container, dict) else None
    if key is None:
        return BadJson(_("文本超过 {n} 个字符").format(n=MAX_STRING_CHARS))
    return BadJson(_("成员“{key}”的文本超过 {n} 个字符").format(key=key[:50], n=MAX_STRING_CHARS), field=key[:50])


def check(value: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH, over-long strings (member names too) and numbers no column holds
    (1e400 read as infinity, integers beyond 64 bits). Level by level, not recursive: any depth is safe; the
    hot loop of a 10,000-record batch, hence the bare class tests."""
    level, depth = [value], 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise BadJson(_("JSON嵌套超过 {n} 层").format(n=MAX_DEPTH))
        deeper = []
        for item in level:
            if item.__class__ is dict:
                if max(map(len, item), default=0) > MAX_STRING_CHARS:
                    raise BadJson(_("成员名超过 {n} 个字符").format(n=MAX_STRING_CHARS))
                members = item.values()
            else:
                members = item if item.__class__ is list else (item,)
            for member in members:
                kind = member.__class__
                if kind is str:
                    if len(member) > MAX_STRING_CHARS:
                        raise _too_long(item, member)
                elif kind is dict or kind is list:
                    deeper.append(member)
                elif (kind is float and not math.isfinite(member)) or (
                        kind is int and not -MAX_INTEGER <= member <= MAX_INTEGER):
                    raise BadJson(_("数值超出范围：{value}").format(value=str(member)[:40]))
        level = deeper


def loads(data: bytes | str, *, repeated_members: bool = False) -> Any:
    """The JSON value of a request body, or BadJson saying what is wrong with it. `repeated_members`: a member
    twice in an object is taken, the last one counting (EPCIS: GS1's own examples repeat eventID)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadJson(_("请求体不是UTF-8编码（第{at}字节起无法解码）：JSON须以UTF-8编码发送").format(
                at=exc.start)) from None
    try:
        value = json.loads(data, object_pairs_hook=None if repeated_members else _unique,
                           parse_constant=_constant)
    except _Refused as exc:
        raise BadJson(str(exc)) from None
    except ValueError as exc:   # json.JSONDecodeError, or an integer of over 4,300 digits
        raise BadJson(_("请求体不是有效的JSON：{err}").format(err=exc)) from None
    except RecursionError:
        raise BadJson(_("JSON嵌套超过 {n} 层").format(n=MAX_DEPTH)) from None
    check(value)
    return value


class Parser(NinjaParser):
    """ninja's body parser for /api/v1/: `loads`, and an object at the top (every body there is one)."""

    def parse_body(self, request) -> dict[str, Any]:
        value = loads(request.body)
        if not isinstance(value, dict):
            raise BadJson(_("请求体应为JSON对象"))
        return value
