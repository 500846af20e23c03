"""Typed logistics.yaml: parcel states, carriers' scan vocabularies and courier figures (stub: the issue that builds the app fills it in)."""

from __future__ import annotations

from typing import Any, Iterable

from .models import Strict

FILE = "logistics.yaml"


class LogisticsRules(Strict):
    """The root of logistics.yaml."""

    notes: str = ""

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for every reference to another rule file that does not resolve."""
        return []
