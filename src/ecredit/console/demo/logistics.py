"""The demo city's waybills and tracking scans for the demo orders (stub until the app's issue fills it in)."""

from __future__ import annotations


def build(orgs) -> int:
    """Write the demo's logistics data; returns what the demo summary reports."""
    return 0
