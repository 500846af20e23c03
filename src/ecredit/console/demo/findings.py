"""The demo city's detection run over the demo's orders, reviews and parcels, and officers' reviews of some findings (stub until the app's issue fills it in)."""

from __future__ import annotations


def plant(orgs) -> None:
    """Hide faked credit (rings, fake reviews) among the demo trades, before parcels are made for them."""


def build(orgs) -> dict:
    """Write the demo's findings data; returns what the demo summary reports."""
    return {}
