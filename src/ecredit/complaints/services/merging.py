"""Repeats: the same complainant (phone), the same respondent, the same category and kind within the merge
window (complaints.yaml: merge) are one matter. The repeat is kept, marked merged and pointing at the first case.

Groups are a function of the cases, not of the order they arrived in: cases of one key are sorted by the time
they were received (ties by channel and ticket), the earliest opens a group, every case within the window of
the group's first joins it, the next one beyond opens the next group. A case already being handled (accepted,
mediating…) is never re-pointed; a new repeat of it joins it. Cases without a phone or a respondent never merge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Hashable, Iterable

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit.audit.services import Actor

from .. import rules
from ..models import OPEN, Complaint, Status
from .bulk import CaseWriter

PENDING = (Status.RECEIVED, Status.MERGED)


@dataclass(frozen=True, order=True)
class Member:
    """A case as grouping sees it: when it was received (and a tie-break), whether it is already handled."""

    at: dt.datetime
    tie: tuple[str, str]
    ident: Hashable
    fixed: bool = False


def assign(members: Iterable[Member], window_days: int) -> dict[Hashable, Hashable | None]:
    """The case each member is merged into (None: it stands alone or heads its group)."""
    ordered = sorted(members)
    fixed = [m for m in ordered if m.fixed]
    out: dict[Hashable, Hashable | None] = {m.ident: None for m in fixed}
    head: Member | None = None
    for member in ordered:
        if member.fixed:
            continue
        anchor = next((f for f in fixed if abs((member.at.date() - f.at.date()).days) <= window_days), None)
        if anchor is not None:
            out[member.ident] = anchor.ident
        elif head is not None and (member.at.date() - head.at.date()).days <= window_days:
            out[member.ident] = head.ident
        else:
            head, out[member.ident] = member, None
    return out


def merge_key(case: Complaint) -> tuple[Any, ...] | None:
    """What must be equal for two cases to merge, or None when the case cannot merge."""
    if not case.phone_lookup or not case.respondent_key:
        return None
    return (case.kind, case.phone_lookup, case.respondent_key, case.category)


def _member(case: Complaint) -> Member:
    local = timezone.localtime(case.received_at)
    return Member(local, (case.channel, case.channel_ticket), id(case), case.status not in PENDING)


class Pools:
    """The cases a batch's newcomers may merge with: the open cases of their phones, read with one query, and the
    batch's own cases as they are written. `group_with` answers as a query for the case's key at that moment
    would (the same cases, in the same order), so a batch groups exactly as its items sent one by one."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[Any, ...], list[Complaint]] = {}
        self._by_pk: dict[int, Complaint] = {}

    def load(self, phones: Iterable[str]) -> None:
        """Read the open cases (and the merged cases of open heads) of these phones' keyed hashes."""
        phones = sorted({p for p in phones if p})
        for start in range(0, len(phones), 900):
            for case in (Complaint.objects.filter(phone_lookup__in=phones[start:start + 900],
                                                  status__in=(*OPEN, Status.MERGED))
                         .exclude(respondent_key="").select_related("handling_org", "channel_org")
                         .annotate(merge_head_status=F("merged_into__status"))):
                self.add(case)

    def add(self, case: Complaint) -> None:
        """Make a written case a candidate for the cases that follow it."""
        if case.pk in self._by_pk:
            return
        self._by_pk[case.pk] = case
        key = merge_key(case)
        if key is not None:
            self._by_key.setdefault(key, []).append(case)

    def _head_status(self, case: Complaint) -> str | None:
        head = self._by_pk.get(case.merged_into_id)
        return head.status if head is not None else getattr(case, "merge_head_status", None)

    def pool(self, key: tuple[Any, ...]) -> list[Complaint]:
        """The open cases of `key`, and merged ones whose head is open, newest first (the cases' own order)."""
        found = [c for c in self._by_key.get(key, ())
                 if c.status in OPEN or (c.status == Status.MERGED and self._head_status(c) in OPEN)]
        return sorted(found, key=lambda c: (c.received_at, c.pk), reverse=True)

    def group_with(self, case: Complaint) -> list[tuple[Complaint, Complaint | None]]:
        """Group a new (unsaved) case with the open cases of its key: sets the new case merged when it repeats
        one, and returns the other cases that must move (re-pointed after the new case is saved, by
        `apply_moves`)."""
        key = merge_key(case)
        if key is None:
            return []
        pool = self.pool(key)
        if not pool:
            return []
        cases = {id(c): c for c in (*pool, case)}
        window = rules.merge_rule(timezone.localdate(case.received_at)).window_days
        target = assign((_member(c) for c in cases.values()), window)
        if target[id(case)] is not None:
            case.status, case.merged_into = Status.MERGED, cases[target[id(case)]]
        moves = []
        for ident, other in cases.items():
            if other is case or other.status not in PENDING:
                continue
            new_head = cases[target[ident]] if target[ident] is not None else None
            current = other.merged_into_id if other.status == Status.MERGED else None
            if new_head is not case and (new_head.pk if new_head is not None else None) == current:
                continue
            moves.append((other, new_head))
        return moves


def apply_moves(moves: list[tuple[Complaint, Complaint | None]], writer: CaseWriter, actor: Actor) -> None:
    """Re-point cases an earlier-received newcomer displaced (after the newcomer is saved)."""
    for other, new_head in moves:
        if new_head is None:
            other.status, other.merged_into = Status.RECEIVED, None
            writer.save(other, actor, "unmerge", _("较早收到的重复件已另行处理，本件恢复单独办理"), event="received")
        else:
            other.status, other.merged_into = Status.MERGED, new_head
            writer.save(other, actor, "merge", _("与{case_no}为同一事项，合并办理").format(case_no=new_head.case_no),
                        event="merged")
