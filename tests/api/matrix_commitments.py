"""The commitments rows of the API authorisation matrix, and what they act on in the shared world."""

from __future__ import annotations

# name: (method, path template, body or body factory, expected status per caller); see test_authorisation.py
ROWS: dict = {}


def build(w) -> None:
    """Add to the shared world (`w.ids`, `w.tokens`) what ROWS act on."""
