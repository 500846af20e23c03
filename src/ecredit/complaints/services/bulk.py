"""Writing a batch of cases at the database's speed: the steps are taken in memory in the order the per-case
writes would take them (a case's state into the change log, the step into its history, the update for its
channel), then every table is written with one statement and the change log gets the same entries, in the same
order, with the same ids and states, as `common.save_case` one case at a time would have given them."""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Iterator

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from ecredit import db
from ecredit.audit.services import Actor, ChainWriter

from ..models import ChannelUpdate, Complaint, ComplaintStep
from .common import (CASE_MODEL, UPDATE_MODEL, case_state, channel_status, new_step, new_update, recipient_of,
                     refresh_due, update_state)

# What a step may change in a case that was written before the batch (see save_case and refresh_due).
_STEP_FIELDS = ("status", "merged_into", "next_due", "next_due_estimated", "escalation_level", "escalated_at",
                "updated_at", "log_seq")


class CaseWriter:
    """A batch's case writes, kept until `flush` (inside the caller's ChainWriter block, before it ends).

    Change-log entries wait for the ids of the channel updates they name; their sequence numbers are known at
    once (the writer appends nothing else meanwhile), so cases, steps and updates carry them as they would."""

    def __init__(self, log: ChainWriter, new_cases: int) -> None:
        self.log = log
        self.at = log.at
        self._case_ids: Iterator[int] = iter(db.reserve_ids(Complaint._meta.db_table, new_cases))
        self._entries: list[tuple[Actor, str, str, Model, str, str]] = []
        self._new: list[Complaint] = []
        self._new_ids: set[int] = set()
        self._changed: dict[int, Complaint] = {}
        self._steps: list[ComplaintStep] = []
        self._updates: list[ChannelUpdate] = []
        self._recipients: dict[tuple[str, Any], str] = {}
        self._statuses: dict[tuple[str, str], tuple[str, str]] = {}

    def _append(self, actor: Actor, action: str, model: str, obj: Model, state: str, reason: str) -> int:
        self._entries.append((actor, action, model, obj, state, reason))
        return self.log.seq + len(self._entries)

    def save(self, case: Complaint, actor: Actor, action: str, note: str = "", event: str | None = None,
             text: str = "") -> None:
        """`common.save_case` for the batch (new cases too): the case's state into the change log, the step into
        its history, and (with `event`) an update for the channel it came from."""
        refresh_due(case)
        case.updated_at = self.at
        if case.pk is None:
            case.pk = next(self._case_ids)
            self._new.append(case)
            self._new_ids.add(case.pk)
        elif case.pk not in self._new_ids:
            self._changed[case.pk] = case
        case.log_seq = self._append(actor, action, CASE_MODEL, case, case_state(case), note[:2000])
        self._steps.append(new_step(case, self.at, actor, action, note))
        if event:
            self.push(case, actor, event, text or note)

    def push(self, case: Complaint, actor: Actor, event: str, text: str = "") -> ChannelUpdate | None:
        """`common.push` for the batch: queue an update of `event` for the channel the case came from."""
        key = (case.channel, case.channel_org_id)
        if key not in self._recipients:
            self._recipients[key] = recipient_of(case)
        recipient = self._recipients[key]
        if not recipient:
            return None
        if (case.channel, event) not in self._statuses:
            self._statuses[(case.channel, event)] = channel_status(case.channel, event, timezone.localdate(self.at))
        update = new_update(case, recipient, event, self._statuses[(case.channel, event)], text, self.at)
        update.log_seq = self._append(actor, "push", UPDATE_MODEL, update, update_state(update), event)
        self._updates.append(update)
        return update

    def flush(self) -> None:
        """Write everything: new cases, cases moved by the batch, steps, channel updates, change-log entries."""
        for update, pk in zip(self._updates, db.reserve_ids(ChannelUpdate._meta.db_table, len(self._updates))):
            update.pk = pk
        for actor, action, model, obj, state, reason in self._entries:
            self.log.append(actor, action, model, obj.pk, state, reason)
        _insert(Complaint, self._new, with_pk=True)
        if self._changed:
            Complaint.objects.bulk_update(list(self._changed.values()), _STEP_FIELDS)
        _insert(ComplaintStep, self._steps, with_pk=False)
        _insert(ChannelUpdate, self._updates, with_pk=True)
        self._entries, self._new, self._changed, self._steps, self._updates = [], [], {}, [], []


# Values these fields pass to the driver unchanged when they are of exactly these types (what the fields'
# get_db_prep_save would return for them anyway); any other value goes through the field.
_NONE = type(None)
_AS_IS = {"CharField": (str, _NONE), "TextField": (str, _NONE), "BooleanField": (bool, _NONE),
          "IntegerField": (int, _NONE), "BigIntegerField": (int, _NONE), "SmallIntegerField": (int, _NONE),
          "PositiveIntegerField": (int, _NONE), "PositiveSmallIntegerField": (int, _NONE),
          "PositiveBigIntegerField": (int, _NONE), "FloatField": (float, _NONE), "AutoField": (int, _NONE),
          "BigAutoField": (int, _NONE), "ForeignKey": (int, _NONE), "OneToOneField": (int, _NONE),
          "DateField": (_NONE,), "DateTimeField": (_NONE,), "DecimalField": (_NONE,), "BinaryField": (_NONE,)}


def _insert(model: type[Model], objects: list[Model], *, with_pk: bool) -> None:
    """INSERT the objects (ids included unless `with_pk` is false) with one executemany, each value prepared as
    the ORM's own insert prepares it."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    values_of = itemgetter(*[f.attname for f in fields])
    plan = [(_AS_IS.get(f.get_internal_type(), ()), f.get_db_prep_save) for f in fields]
    rows = [[value if type(value) in as_is else prepare(value, connection)
             for value, (as_is, prepare) in zip(values_of(obj.__dict__), plan)] for obj in objects]
    db.insert_rows(model._meta.db_table, [connection.ops.quote_name(f.column) for f in fields], rows,
                   json_columns=set())
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias
