"""Receiving batches of records from departments and platforms, by API, Excel or the command line."""

from __future__ import annotations

import time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ecredit.archive import services as archive
from ecredit.audit.services import checkpoint
from ecredit.kit.errors import ValidationFailed

from .models import Batch, BatchStatus


def submit(items: list[Any], principal, *, channel: str, client_batch_id: str | None = None,
           atomic: bool = False, filename: str = "") -> Batch:
    """Write a batch through the archive and keep its report; a known `client_batch_id` returns the
    batch already received without touching anything."""
    principal.require("record.submit")
    if client_batch_id is not None:
        client_batch_id = str(client_batch_id).strip()[:100] or None
    if client_batch_id:
        earlier = Batch.objects.filter(organisation_id=principal.organisation_id,
                                       client_batch_id=client_batch_id).first()
        if earlier:
            earlier.replayed = True
            return earlier
    if not isinstance(items, list):
        raise ValidationFailed(_("records 应为列表"), field="records", code="not_a_list")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            batch = Batch.objects.create(organisation_id=principal.organisation_id, client_batch_id=client_batch_id,
                                         channel=channel, submitted_by=principal.label, filename=filename[:200],
                                         atomic=atomic, status=BatchStatus.REJECTED, received=len(items))
            report = archive.ingest(items, principal, batch_id=batch.pk, atomic=atomic)
            batch.created, batch.updated, batch.unchanged = report.created, report.updated, report.unchanged
            batch.rejected = report.rejected
            batch.errors = [e.as_dict() for e in report.errors]
            accepted = report.created + report.updated + report.unchanged
            batch.status = (BatchStatus.ACCEPTED if not report.rejected
                            else BatchStatus.PARTIAL if accepted else BatchStatus.REJECTED)
            batch.duration_ms = int((time.perf_counter() - started) * 1000)
            batch.save()
            checkpoint()
    except IntegrityError:
        # The same client batch id arrived twice at once: the other request won; answer with its batch.
        earlier = Batch.objects.filter(organisation_id=principal.organisation_id,
                                       client_batch_id=client_batch_id).first() if client_batch_id else None
        if earlier is None:
            raise
        earlier.replayed = True
        return earlier
    batch.replayed = False
    return batch
