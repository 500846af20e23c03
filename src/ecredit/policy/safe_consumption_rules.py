"""Typed safe_consumption.yaml: the criteria a 放心消费 (safe consumption) merchant meets, and how long its title lasts."""

from __future__ import annotations

from typing import Any, Iterable

from .models import Strict


class SafeConsumptionRules(Strict):
    """The whole of safe_consumption.yaml."""

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        return ()
