"""Typed commitments.yaml: commitment types, their standard-format templates, visibility and fulfilment."""

from __future__ import annotations

from typing import Any, Iterable

from .models import Strict


class CommitmentRules(Strict):
    """The whole of commitments.yaml."""

    def problems(self, policy: Any) -> Iterable[tuple[str, str, str]]:
        """(file, key, reason) for each reference to another rule file that does not resolve."""
        return ()
