"""Background work of 放心消费: re-check the titles a new record may affect, and the daily pass."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tasks import task

CHUNK = 500


@task()
def follow(subject_ids: list[int]) -> dict:
    """Re-check the titles whose holders' records just changed (the daily pass would find them tomorrow)."""
    from . import flows

    return flows.recheck(subject_ids=subject_ids)


def on_records_written(sender, subject_ids, **kwargs) -> None:
    """Receiver of archive.signals.records_written: enqueue `follow` once the transaction commits, only when a
    title is held by or through one of these subjects."""
    from ecredit.archive.signals import quiet

    from .models import HELD, Enrolment

    if quiet() or not subject_ids or not Enrolment.objects.filter(status__in=HELD).exists():
        return
    ids = sorted(subject_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        transaction.on_commit(lambda chunk=chunk: follow.enqueue(chunk))


def daily(today: dt.date | None = None) -> dict:
    """The daily pass (cron): expire, suspend or revoke titles whose holders no longer meet the criteria."""
    from . import flows

    return flows.recheck(today)
