"""The trace rows of the API authorisation matrix, and what they act on in the shared world."""

from __future__ import annotations

from .conftest import CALLERS  # noqa: F401

# name: (method, path template, body or body factory, expected status per caller); see test_authorisation.py
ROWS: dict = {}


def build(w) -> None:
    """Nothing of trace in the shared world yet."""
