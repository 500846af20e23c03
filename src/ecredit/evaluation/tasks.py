"""Background rescoring: when records about subjects are written, their scores are recomputed by a task
(the database queue in production, inline in tests)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from ecredit.archive.signals import quiet

CHUNK = 500


@task()
def rescore(subject_ids: list[int]) -> int:
    """Rescore these subjects (the incremental path); returns how many scores changed."""
    from .services import rescore_subjects

    return rescore_subjects(subject_ids)


def on_records_written(sender, subject_ids, **kwargs) -> None:
    """Receiver of archive.signals.records_written: enqueue rescoring in chunks once the transaction commits."""
    if quiet() or not subject_ids:
        return
    ids = sorted(subject_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        transaction.on_commit(lambda chunk=chunk: rescore.enqueue(chunk))
