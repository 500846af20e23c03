"""Signals the archive sends, so that derived apps (evaluation, lists) can react without the archive
importing them."""

from __future__ import annotations

import contextlib
import contextvars

from django.dispatch import Signal

# Sent after a transaction that wrote records commits; `subject_ids` are the subjects whose records changed.
records_written = Signal()

_quiet = contextvars.ContextVar("records_written_quiet", default=False)


@contextlib.contextmanager
def batch_follows():
    """Inside this block receivers of `records_written` enqueue no follow-up work: the caller runs the batch
    passes afterwards (initial loads, the demo city)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def quiet() -> bool:
    """True inside `batch_follows()`: receivers leave the work to the batch that follows."""
    return _quiet.get()
