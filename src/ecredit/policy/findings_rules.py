"""Typed findings.yaml: how the detectors run and what a confirmed finding becomes (stub: the issue that builds the app fills it in)."""

from __future__ import annotations

from typing import Any, Iterable

from .models import Strict

FILE = "findings.yaml"


class FindingRules(Strict):
    """The root of findings.yaml."""

    notes: str = ""

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for every reference to another rule file that does not resolve."""
        return []
