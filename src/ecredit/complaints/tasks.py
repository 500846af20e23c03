"""Background work of the complaints: the daily pass (overdue cases and their escalation)."""

from __future__ import annotations

import datetime as dt


def daily(today: dt.date | None = None) -> dict:
    """The daily pass (cron): mark overdue cases and escalate them per complaints.yaml; idempotent per day."""
    from . import flows

    return flows.advance(today)
