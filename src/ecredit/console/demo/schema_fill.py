"""Values made from a JSON schema alone: for record types the demo has no builder for.

Covers what the catalog's schemas use: enums, strings with length, `format: date` and simple patterns,
integers and numbers with bounds, booleans, arrays (with enum items and uniqueness) and nested objects.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

_TOKEN = re.compile(r"\\d|\\.|\[(?:\\.|[^\]])+\]|[^\\\[]")
_COUNT = re.compile(r"\{(\d+)(?:,(\d+))?\}|[?+*]")
_DIGITS = "0123456789"


def _class_chars(token: str) -> str:
    """The characters a regex token stands for: \\d, [A-Z0-9] style classes, or a literal."""
    if token == r"\d":
        return _DIGITS
    if token.startswith("\\"):
        return token[1]
    if not token.startswith("["):
        return token
    body, chars, i = token[1:-1], [], 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            chars.extend(chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1))
            i += 3
        else:
            chars.append(body[i + 1] if body[i] == "\\" and i + 1 < len(body) else body[i])
            i += 2 if body[i] == "\\" else 1
    return "".join(chars)


def from_pattern(pattern: str, rng: random.Random) -> str:
    """A string matching a simple anchored pattern (literals, classes, \\d, {n}, {m,n}, ?, +, *)."""
    text, out, pos = pattern.removeprefix("^").removesuffix("$"), [], 0
    while pos < len(text):
        token = _TOKEN.match(text, pos)
        if token is None:
            raise ValueError(f"pattern not supported by the demo generator: {pattern!r}")
        pos = token.end()
        chars = _class_chars(token.group())
        low = high = 1
        quant = _COUNT.match(text, pos)
        if quant:
            pos = quant.end()
            q = quant.group()
            if q == "?":
                low, high = 0, 1
            elif q in "+*":
                low, high = (1 if q == "+" else 0), 3
            else:
                low = int(quant.group(1))
                high = int(quant.group(2)) if quant.group(2) else low
        out.extend(rng.choice(chars) for _ in range(rng.randint(low, high)))
    return "".join(out)


def value(prop: dict[str, Any], rng: random.Random, on: dt.date, label: str) -> Any:
    """One value valid against the property schema `prop`."""
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:
        return rng.choice(prop["enum"])
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("integer", "number"):
        low = prop.get("minimum", prop.get("exclusiveMinimum", 0) + (1 if kind == "integer" else 0.01))
        high = prop.get("maximum", max(low, 0) + 100)
        number = rng.randint(int(low), int(high)) if kind == "integer" else round(rng.uniform(low, high), 2)
        return min(max(number, low), high)
    if kind == "array":
        items = prop.get("items", {"type": "string"})
        size = max(prop.get("minItems", 1), 1)
        if "enum" in items and prop.get("uniqueItems"):
            return rng.sample(items["enum"], k=min(size, len(items["enum"])))
        return [value(items, rng, on, label) for _ in range(size)]
    if kind == "object":
        return minimal(prop, rng, on, label)
    if prop.get("format") == "date":
        return on.isoformat()
    if prop.get("format") == "date-time":
        return f"{on.isoformat()}T09:00:00+08:00"
    if "pattern" in prop:
        return from_pattern(prop["pattern"], rng)
    text = prop.get("title") or label or "演示"
    text = f"{text}（演示数据）"
    low, high = prop.get("minLength", 1), prop.get("maxLength", 200)
    while len(text) < low:
        text += "演示"
    return text[:high]


def minimal(schema: dict[str, Any], rng: random.Random, on: dt.date, label: str) -> dict[str, Any]:
    """An object with the required properties of `schema` only."""
    props = schema.get("properties", {})
    return {key: value(props.get(key, {}), rng, on, label) for key in schema.get("required", [])}
