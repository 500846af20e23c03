"""Signals the archive sends, so that derived apps (evaluation, lists) can react without the archive
importing them."""

from django.dispatch import Signal

# Sent after a transaction that wrote records commits; `subject_ids` are the subjects whose records changed.
records_written = Signal()
