"""Background rescoring: when records about subjects are written, their scores are recomputed by a task
(the database queue in production, inline in tests)."""

from __future__ import annotations

import contextlib
import contextvars

from django.db import transaction
from django_tasks import task

CHUNK = 500
_muted = contextvars.ContextVar("evaluation_rescore_muted", default=False)


@task()
def rescore(subject_ids: list[int]) -> int:
    """Rescore these subjects (the incremental path); returns how many scores changed."""
    from .services import rescore_subjects

    return rescore_subjects(subject_ids)


@contextlib.contextmanager
def batch_follows():
    """Inside this block written records enqueue no rescoring: the caller runs a batch rescore afterwards
    (initial loads, the demo city)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def on_records_written(sender, subject_ids, **kwargs) -> None:
    """Receiver of archive.signals.records_written: enqueue rescoring in chunks once the transaction commits."""
    if _muted.get() or not subject_ids:
        return
    ids = sorted(subject_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        transaction.on_commit(lambda chunk=chunk: rescore.enqueue(chunk))
