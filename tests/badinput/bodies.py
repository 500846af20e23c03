"""Broken request bodies, generated from a valid one: each kind gives a list of variants (label, bytes, content
type), so a kind that depends on the body's members (wrong types, nulls, huge strings, formula text) tries each
member in turn."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

JSON = "application/json"
FORMULA = "=cmd|' /C calc'!A0"
MEGABYTE = 1024 * 1024
DEEP = 10_000
CHINESE = "南通市崇川区某某商贸有限公司销售不合格商品"

Variant = tuple[str, bytes, str]
Path = tuple[Any, ...]


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def leaves(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """(path, value) of every scalar in a JSON value, lists and objects walked into."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def fields(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """(path, value) of every member of every object (objects and lists included, not only scalars)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), item
            yield from fields(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from fields(item, (*path, index))


def replaced(value: Any, path: Path, new: Any) -> Any:
    """A copy of `value` with the member at `path` set to `new`."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (replaced(v, rest, new) if k == head else v) for k, v in value.items()}
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def label(path: Path) -> str:
    return "/".join(str(p) for p in path) or "(body)"


def wrong_type(value: Any) -> Any:
    """A value no field typed like `value` accepts, even leniently (pydantic's lax mode takes "1" for 1, 1 for
    true): an object for a scalar, a number for a list, a list of objects for an object."""
    if isinstance(value, dict):
        return [{"not": "an object"}]
    if isinstance(value, list):
        return 42
    return {"not": ["a", value]}


def wrong_at(path: Path, value: Any) -> Any:
    """wrong_type, but for a JSON-LD @context, which may be a string, an object or a list: a number."""
    return 42 if path and path[-1] == "@context" else wrong_type(value)


# ------------------------------------------------------------------------------------------------- the kinds
# Whole-body kinds: what is wrong is the body as a whole (its syntax, its bytes, its numbers, its shape).


def _first(body: Any) -> Path:
    """The first member of an object body (the body itself for anything else)."""
    return (next(iter(body)),) if isinstance(body, dict) and body else ()


def _deepest(body: Any) -> Path:
    found = max((path for path, _v in leaves(body)), key=len, default=())
    return found


def _with_literal(body: Any, path: Path, literal: bytes) -> bytes:
    """`body` with the member at `path` spelt `literal` (which json.dumps would never write)."""
    marker = "__LITERAL__"
    return dumps(replaced(body, path, marker)).replace(dumps(marker), literal, 1)


def not_json(body: Any) -> list[Variant]:
    return [("html", b"<html><body>not json</body></html>", JSON), ("binary", bytes(range(256)), JSON)]


def truncated(body: Any) -> list[Variant]:
    data = dumps(body)
    return [("cut in half", data[:max(1, len(data) // 2)], JSON)]


def wrong_top_level(body: Any) -> list[Variant]:
    return [("a list", dumps([body]), JSON), ("a number", b"42", JSON)]


def deep_nesting(body: Any) -> list[Variant]:
    arrays = b"[" * DEEP + b"]" * DEEP
    objects = b'{"a":' * DEEP + b"1" + b"}" * DEEP
    return [("arrays, as the body", arrays, JSON),
            ("objects, in the first member", _with_literal(body, _first(body), objects), JSON)]


def huge_numbers(body: Any) -> list[Variant]:
    """NaN and Infinity (not JSON, though Python reads them), a number beyond a double, one of 5,000 digits."""
    first, deepest = _first(body), _deepest(body)
    return [("NaN in the first member", _with_literal(body, first, b"NaN"), JSON),
            ("Infinity in the deepest member", _with_literal(body, deepest, b"Infinity"), JSON),
            ("-Infinity as the body", b"-Infinity", JSON),
            ("1e400 in the first member", _with_literal(body, first, b"1e400"), JSON),
            ("5000 digits in the deepest member", _with_literal(body, deepest, b"9" * 5000), JSON)]


def duplicate_keys(body: Any) -> list[Variant]:
    """The first member twice: its valid value, then a broken one (refused whether repeated members are refused
    or, as EPCIS does, the last counts; a parser taking the first would accept)."""
    if not isinstance(body, dict) or not body:
        return [("in an empty object", b'{"a": 1, "a": 2}', JSON)]
    key = next(iter(body))
    rest = dumps({k: v for k, v in body.items() if k != key})[1:-1]
    good, bad = dumps(body[key]), dumps(wrong_at((key,), body[key]))
    pair = dumps(key) + b": " + good + b", " + dumps(key) + b": " + bad
    return [(f"{key} twice", b"{" + pair + (b", " + rest if rest else b"") + b"}", JSON)]


def invalid_utf8(body: Any) -> list[Variant]:
    strings = [path for path, value in leaves(body) if isinstance(value, str)]
    where = strings[0] if strings else _first(body)
    return [("in a string", _with_literal(body, where, b'"ab\xc3\x28\xa0\xa1"'), JSON),
            ("a lone byte", b'{"x": "\xff"}', JSON)]


def gbk(body: Any) -> list[Variant]:
    """The body in GBK with Chinese text in it, as a Windows program in China may send it (with and without
    saying so in the Content-Type)."""
    strings = [path for path, value in leaves(body) if isinstance(value, str)]
    chinese = replaced(body, strings[0], CHINESE) if strings else (
        {**body, "说明": CHINESE} if isinstance(body, dict) else {"说明": CHINESE})
    data = json.dumps(chinese, ensure_ascii=False).encode("gbk")
    return [("charset unnamed", data, JSON), ("charset=gbk", data, JSON + "; charset=gbk")]


# Member kinds: one member at a time is wrong.


def wrong_types(body: Any) -> list[Variant]:
    return [(label(path), dumps(replaced(body, path, wrong_at(path, value))), JSON)
            for path, value in fields(body)]


def nulls(body: Any) -> list[Variant]:
    """The body null, then each top-level member null (labelled by the member's name)."""
    out = [("(body)", b"null", JSON)]
    if isinstance(body, dict):
        out += [(key, dumps({**body, key: None}), JSON) for key in body]
    return out


def huge_strings(body: Any) -> list[Variant]:
    huge = "长" * (MEGABYTE // 3) + "x" * (MEGABYTE % 3)   # 1 MB of UTF-8
    return [(label(path), dumps(replaced(body, path, huge)), JSON) for path, value in leaves(body)
            if isinstance(value, str)]


def formula(body: Any) -> list[Variant]:
    """`=cmd|...` in each text member: otherwise valid, so a route may accept it (and must keep it as text)."""
    return [(label(path), dumps(replaced(body, path, FORMULA)), JSON) for path, value in leaves(body)
            if isinstance(value, str)]


WHOLE_BODY: dict[str, Callable[[Any], list[Variant]]] = {
    "not_json": not_json, "truncated": truncated, "wrong_top_level": wrong_top_level,
    "deep_nesting": deep_nesting, "huge_numbers": huge_numbers, "duplicate_keys": duplicate_keys,
    "invalid_utf8": invalid_utf8, "gbk": gbk,
}
MEMBERS: dict[str, Callable[[Any], list[Variant]]] = {
    "wrong_types": wrong_types, "nulls": nulls, "huge_strings": huge_strings,
}
