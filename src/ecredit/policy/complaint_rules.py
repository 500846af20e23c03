"""Typed complaints.yaml: the seven hotlines and their field layouts, handling deadlines, merging and escalation."""

from __future__ import annotations

from typing import Any, Iterable

from .models import Strict


class ComplaintRules(Strict):
    """The whole of complaints.yaml."""

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        return ()
