"""Masking of personal data for people without the right to see it in full."""

from __future__ import annotations

import re
from dataclasses import dataclass


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


_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def scrub(text: str, resident_id: MaskPattern, phone: MaskPattern) -> str:
    """Mask anything in free text that looks like a resident ID or a mobile number (sources sometimes put
    them into summaries and descriptions, where no field rule can catch them)."""
    if not text or not isinstance(text, str):
        return text
    text = _RESIDENT_ID.sub(lambda m: resident_id.apply(m.group(0)), text)
    return _MOBILE.sub(lambda m: phone.apply(m.group(0)), text)
