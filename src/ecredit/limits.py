"""Counters and one-time claims every worker process shares: one row each in ops.SharedCounter, changed by a
single INSERT … ON CONFLICT DO UPDATE … RETURNING (SQLite ≥ 3.35 and PostgreSQL), so a count is exact across
processes and costs one statement, whatever the number of rows."""

from __future__ import annotations

import random
import time

from django.db import connection

from ecredit.ops.models import SharedCounter

TABLE = SharedCounter._meta.db_table
# On average one call in this many also deletes the expired rows (no scheduled job needed).
SWEEP_ONE_IN = 500

_BUMP = (f"INSERT INTO {TABLE} (name, hits, expires_at) VALUES (%s, 1, %s) ON CONFLICT (name) DO UPDATE SET "
         f"hits = CASE WHEN {TABLE}.expires_at <= %s THEN 1 ELSE {TABLE}.hits + 1 END, "
         f"expires_at = CASE WHEN {TABLE}.expires_at <= %s THEN excluded.expires_at ELSE {TABLE}.expires_at END "
         f"RETURNING hits")
_CLAIM = (f"INSERT INTO {TABLE} (name, hits, expires_at) VALUES (%s, 1, %s) ON CONFLICT (name) DO UPDATE SET "
          f"hits = 1, expires_at = excluded.expires_at WHERE {TABLE}.expires_at <= %s RETURNING hits")


def _sweep(now: float) -> None:
    if random.randrange(SWEEP_ONE_IN) == 0:
        SharedCounter.objects.filter(expires_at__lte=now).delete()


def bump(name: str, timeout: int) -> int:
    """Add one to the counter `name` (started afresh, lasting `timeout` seconds, when missing or expired); its
    new value."""
    now = time.time()
    _sweep(now)
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [name, now + timeout, now, now])
        return int(cursor.fetchone()[0])


def value(name: str) -> int:
    """The counter's value now (0 when missing or expired)."""
    hits = SharedCounter.objects.filter(name=name, expires_at__gt=time.time()).values_list("hits", flat=True).first()
    return int(hits or 0)


def claim(name: str, timeout: int) -> bool:
    """Claim `name` once across all processes: True for the first caller, False while the claim lasts."""
    now = time.time()
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [name, now + timeout, now])
        return cursor.fetchone() is not None


def release(name: str) -> None:
    """Give back a claim (or forget a count)."""
    SharedCounter.objects.filter(name=name).delete()
