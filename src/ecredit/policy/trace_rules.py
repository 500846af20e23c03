"""Typed trace.yaml: key-product categories, GTIN prefixes and the e-commerce trail's vocabulary (stub: the issue that builds the app fills it in)."""

from __future__ import annotations

from typing import Any, Iterable

from .models import Strict

FILE = "trace.yaml"


class TraceRules(Strict):
    """The root of trace.yaml."""

    notes: str = ""

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for every reference to another rule file that does not resolve."""
        return []
