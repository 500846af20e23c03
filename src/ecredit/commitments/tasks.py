"""Background work of the commitments: the daily pass."""

from __future__ import annotations

import datetime as dt


def daily(today: dt.date | None = None) -> dict:
    """The daily pass (cron): expire commitments whose validity ended."""
    from . import flows

    return {"expired": flows.expire_due(today)}
