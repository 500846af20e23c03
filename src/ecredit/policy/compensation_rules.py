"""Typed compensation.yaml: advance compensation (先行赔付) by platforms: claim deadlines, fund minimums, recovery."""

from __future__ import annotations

from typing import Any, Iterable

from .models import Strict


class CompensationRules(Strict):
    """The whole of compensation.yaml."""

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        return ()
