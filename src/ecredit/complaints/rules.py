"""The complaint rules in force on a day (complaints.yaml), and the working-day arithmetic on them."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.kit.errors import NotFound
from ecredit.kit.workdays import Deadline
from ecredit.policy import in_force
from ecredit.policy.complaint_rules import (AddressMask, EscalationRule, HotlineVersion, Limitation, MergeRule,
                                            PortalLimits, Routing, UpheldRecord, WorkingDays)


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def hotline(number: str, on: dt.date | None = None) -> HotlineVersion:
    """The hotline's version in force, or NotFound for a number that is not one of the seven."""
    versions = policy.current().complaints.hotlines.get(str(number))
    if not versions:
        raise NotFound(_("没有这条热线：{number}").format(number=number), field="hotline", code="unknown_hotline")
    return in_force(versions, _today(on))


def hotline_numbers() -> tuple[str, ...]:
    """The hotlines complaints.yaml knows, in file order."""
    return tuple(policy.current().complaints.hotlines)


def hotlines_of(organisation_code: str, on: dt.date | None = None) -> list[str]:
    """The hotlines whose API client organisation has this code."""
    return [n for n in hotline_numbers() if hotline(n, on).organisation == organisation_code]


def deadline(name: str, on: dt.date | None = None) -> WorkingDays:
    """The deadline rule `name` (accept, mediation, termination_notice, clue_check, report_filing,
    reporter_notice) in force on `on`."""
    return in_force(getattr(policy.current().complaints.deadlines, name), _today(on))


def due(start: dt.date, name: str, *, extra: int = 0) -> Deadline:
    """`start` plus the working days of deadline `name` (in force on `start`) and `extra` more."""
    rule = deadline(name, start)
    return _add(policy.current().version, start, rule.working_days + extra)


def add_working_days(start: dt.date, count: int) -> dt.date:
    """`count` working days after `start`."""
    return _add(policy.current().version, start, count).due


@lru_cache(maxsize=4096)
def _add(version: str, start: dt.date, count: int) -> Deadline:
    # Counting day by day costs milliseconds for 45 working days; a batch asks for the same few starts again and
    # again. Keyed by the policy version: a new calendar.yaml is a new version.
    return policy.current().calendar.add_working_days(start, count)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    return policy.current().calendar.working_days_between(start, end)


def estimated(day: dt.date | None) -> bool:
    """True when `day` lies in a year whose holiday schedule is not known yet (the deadline is provisional)."""
    return day is not None and not policy.current().calendar.knows_year(day.year)


def limitation(on: dt.date | None = None) -> Limitation:
    """The limitation in force (Order 20 art. 15(4))."""
    return in_force(policy.current().complaints.limitation, _today(on))


def merge_rule(on: dt.date | None = None) -> MergeRule:
    """The merge window in force."""
    return in_force(policy.current().complaints.merge, _today(on))


def escalation(on: dt.date | None = None) -> EscalationRule:
    """The escalation rule in force."""
    return in_force(policy.current().complaints.escalation, _today(on))


def portal_limits(on: dt.date | None = None) -> PortalLimits:
    """The public forms' limits in force."""
    return in_force(policy.current().complaints.portal, _today(on))


def routing(on: dt.date | None = None) -> Routing:
    """The routing fallback in force."""
    return in_force(policy.current().complaints.routing, _today(on))


def address_mask(on: dt.date | None = None) -> AddressMask:
    """How much of an address is shown, in force."""
    return in_force(policy.current().complaints.address_mask, _today(on))


def upheld_record(on: dt.date | None = None) -> UpheldRecord:
    """The record an upheld complaint becomes, in force."""
    return in_force(policy.current().complaints.upheld_record, _today(on))


def not_accepted_reasons() -> dict[str, str]:
    """Reason code -> Chinese words (Order 20 art. 15)."""
    return {code: r.name.zh for code, r in policy.current().complaints.not_accepted_reasons.items()}


def termination_reasons() -> dict[str, str]:
    """Reason code -> Chinese words (Order 20 art. 21)."""
    return {code: r.name.zh for code, r in policy.current().complaints.termination_reasons.items()}
