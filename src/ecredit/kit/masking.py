"""Masking of personal data for people without the right to see it in full."""

from __future__ import annotations

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
