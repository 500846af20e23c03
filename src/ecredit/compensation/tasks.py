"""Background work of advance compensation: the daily check that the ledger balances and matches its caches."""

from __future__ import annotations

import datetime as dt


def daily(today: dt.date | None = None) -> dict:
    """The daily pass (cron): ledger problems, and claims past their step's deadline per platform."""
    from django.db.models import Count
    from django.utils import timezone

    from . import ledger
    from .models import CompensationClaim

    today = today or timezone.localdate()
    overdue = dict(CompensationClaim.objects.overdue(today).values("platform_id").annotate(n=Count("id"))
                   .values_list("platform_id", "n"))
    problems = ledger.problems()
    return {"date": today.isoformat(), "ledger_ok": not problems, "problems": problems[:50],
            "overdue_by_platform": {str(k): v for k, v in overdue.items()}}
