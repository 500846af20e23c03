"""Background work of the lists: follow the archive after records change, and the daily pass."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tasks import task

CHUNK = 500


@task()
def follow(subject_ids: list[int]) -> dict:
    """Entries follow their archive records, red-list exit grounds are checked and new candidates proposed."""
    from . import flows, services

    counts = flows.follow_records(subject_ids)
    counts["proposed"] = sum(services.scan(subject_ids=subject_ids).proposed.values())
    return counts


def on_records_written(sender, subject_ids, **kwargs) -> None:
    """Receiver of archive.signals.records_written: enqueue `follow` once the transaction commits."""
    from ecredit.archive.signals import quiet

    if quiet() or not subject_ids:
        return
    ids = sorted(subject_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        transaction.on_commit(lambda chunk=chunk: follow.enqueue(chunk))


def daily(today: dt.date | None = None) -> dict:
    """The daily pass (cron): windows, expiry, escalation, exit grounds, then a scan of the whole city."""
    from . import flows, services

    counts = flows.advance(today)
    counts["revoked"] = flows.revoke_on_exit_grounds(None, today)
    counts["scan"] = services.scan(today).as_dict()
    return counts
