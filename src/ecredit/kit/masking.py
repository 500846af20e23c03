"""Masking of personal data for people without the right to see it in full."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .identifiers import is_valid_ric


@dataclass(frozen=True)
class MaskPattern:
    """Keep `keep_head` characters at the start and `keep_tail` at the end; the rest becomes `fill`."""

    keep_head: int
    keep_tail: int
    fill: str = "*"

    def apply(self, value: str | None) -> str:
        """Masked form of `value`; short values are masked whole except their first character."""
        if not value:
            return ""
        text = str(value)
        if len(text) <= self.keep_head + self.keep_tail:
            return text[:1] + self.fill * (len(text) - 1)
        tail = text[len(text) - self.keep_tail:] if self.keep_tail else ""
        return text[: self.keep_head] + self.fill * (len(text) - self.keep_head - self.keep_tail) + tail


_RESIDENT_ID = re.compile(r"(?<!\d)\d{6}[\s-]?\d{8}[\s-]?\d{3}[\dXx](?![\dXx])")
_MOBILE = re.compile(r"(?:(?<=\D)|^)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")


def scrub(value: Any, resident_id: MaskPattern, phone: MaskPattern) -> Any:
    """Mask what looks like a resident ID (a valid one: other 18-digit codes such as USCCs stay) or a mobile
    number in free text, also inside lists and dicts. Sources sometimes put them into summaries and
    descriptions, where no field rule can catch them."""
    if isinstance(value, dict):
        return {k: scrub(v, resident_id, phone) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, resident_id, phone) for v in value]
    if not isinstance(value, str) or not value:
        return value

    def _id(match: re.Match) -> str:
        compact = re.sub(r"[\s-]", "", match.group(0)).upper()
        return resident_id.apply(compact) if is_valid_ric(compact) else match.group(0)

    value = _RESIDENT_ID.sub(_id, value)
    return _MOBILE.sub(lambda m: phone.apply(re.sub(r"[\s-]", "", m.group(0))), value)
