"""Typed complaint_categories.yaml: complaint categories, their rules and keywords, and the department each goes to."""

from __future__ import annotations

from typing import Any, Iterable

from .models import Strict


class ComplaintCategoryRules(Strict):
    """The whole of complaint_categories.yaml."""

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        return ()
