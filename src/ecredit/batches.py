"""How a source app receives a batch of rows (the platforms' trades, the couriers' waybills and scans): a receipt
row per batch, idempotent by the sender's batch id and the content's digest, all-or-nothing when asked, and one
change-log entry with the counts. Each app keeps its own receipt model and its row writer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from ecredit.audit.services import ChainWriter, state_text
from ecredit.kit.errors import Conflict, ValidationFailed

MAX_BATCH = 10_000


@dataclass
class RowError:
    """Why one row of a batch was refused."""

    index: int
    id: str
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "field": self.field, "code": self.code,
                "message": self.message}


@dataclass
class Outcome:
    """What an intake did with a batch's rows; `ids[i]` is the object row i became (None: refused)."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ids: list[int | None] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return self.received - self.created - self.updated - self.unchanged

    def refuse(self, index: int, row_id: str, exc: ValidationFailed) -> None:
        self.errors.append(RowError(index, row_id, exc.field or "", exc.code, str(exc.message)))


def row_id(raw: Any, key: str) -> str:
    """The sender's id of a row, for error reports."""
    return str(raw.get(key, ""))[:100] if isinstance(raw, dict) else ""


class _Rollback(Exception):
    pass


def check_rows(rows: Any, label: str) -> None:
    """Refuse a batch that is not a list or holds more than MAX_BATCH rows."""
    if not isinstance(rows, list):
        raise ValidationFailed(_("{name} 应为列表").format(name=label), field=label, code="not_a_list")
    if len(rows) > MAX_BATCH:
        raise ValidationFailed(_("每批最多{n}条").format(n=MAX_BATCH), field=label, code="batch_too_large")


def clean_batch_id(client_batch_id: str | None) -> str | None:
    """The sender's batch id, trimmed (None when blank)."""
    return (str(client_batch_id).strip()[:100] or None) if client_batch_id is not None else None


def receive(model: type[models.Model], model_label: str, state_fields: tuple[str, ...], *, kind: str, rows: list,
            principal, content: str, client_batch_id: str | None, channel: str, atomic: bool, filename: str,
            receipt: dict, statuses, write: Callable[[list, Any, ChainWriter, Outcome], None]):
    """Receive `rows` as a batch of `model`: replay a known batch id (same content) or refuse its reuse, run `write`
    inside one transaction that holds the change log's lock, and append the batch's single change-log entry.

    `receipt` holds the app's own receipt fields, `statuses` its status choices (ACCEPTED, PARTIAL, REJECTED).
    With `atomic`, a refused row refuses the batch: nothing but the
    receipt (status 全部退回) is kept, nor any log entry `write` appended."""
    def earlier_batch():
        return model.objects.filter(organisation_id=principal.organisation_id, kind=kind,
                                    client_batch_id=client_batch_id).first() if client_batch_id else None

    earlier = earlier_batch()
    if earlier:
        return replay(earlier, content)
    started = time.perf_counter()
    try:
        with transaction.atomic(), ChainWriter() as log:
            batch = model.objects.create(
                organisation_id=principal.organisation_id, kind=kind, client_batch_id=client_batch_id,
                content_hash=content, channel=channel, submitted_by=principal.label[:120], submitted_at=log.at,
                filename=filename[:200], atomic=atomic, status=statuses.REJECTED, received=len(rows), **receipt)
            outcome = Outcome(received=len(rows))
            mark = (len(log.rows), log.seq, log.hash)
            try:
                with transaction.atomic():
                    write(rows, batch, log, outcome)
                    if atomic and outcome.errors:
                        raise _Rollback
            except _Rollback:
                outcome = Outcome(received=len(rows), errors=outcome.errors, ids=[None] * len(rows))
                log.rows, log.seq, log.hash = log.rows[:mark[0]], mark[1], mark[2]
            _finish(batch, outcome, started, statuses)
            batch.log_seq = log.append(principal.actor, "receive", model_label, batch.pk,
                                       batch_state(batch, state_fields),
                                       f"{kind}: {batch.created} new, {batch.updated} changed, "
                                       f"{batch.rejected} refused")
            batch.save()
    except IntegrityError:
        earlier = earlier_batch()
        if earlier is None:
            raise
        return replay(earlier, content)
    return batch


def _finish(batch, outcome: Outcome, started: float, status) -> None:
    outcome.errors.sort(key=lambda e: e.index)
    batch.created, batch.updated, batch.unchanged = outcome.created, outcome.updated, outcome.unchanged
    batch.rejected = outcome.rejected
    batch.errors = [e.as_dict() for e in outcome.errors]
    batch.ids = outcome.ids
    accepted = outcome.created + outcome.updated + outcome.unchanged
    batch.status = status.ACCEPTED if not batch.rejected else status.PARTIAL if accepted else status.REJECTED
    batch.duration_ms = int((time.perf_counter() - started) * 1000)


def replay(earlier, content: str):
    """The first answer to a batch id when the content is the same; Conflict when the id is reused for other data."""
    if earlier.content_hash != content:
        raise Conflict(_("批次号“{id}”已用于内容不同的另一批数据（第{batch}批）；重新报送原批次请发送相同的数据，"
                         "报送新数据请使用新的批次号").format(id=earlier.client_batch_id, batch=earlier.pk),
                       field="batch_id", code="batch_id_reused")
    earlier.replayed = True
    return earlier


def batch_state(batch, state_fields: tuple[str, ...]) -> str:
    """The canonical state of a batch (object or values dict) as the change log keeps it."""
    get = batch.get if isinstance(batch, dict) else lambda k: getattr(batch, k)
    return state_text({k: get(k) for k in state_fields})


def iter_states(model: type[models.Model], state_fields: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """Every batch's current state, for verification of the change log."""
    for row in model.objects.order_by("id").values("id", *state_fields).iterator(chunk_size=5000):
        yield row["id"], batch_state(row, state_fields)
