"""A commitment after signing: acceptance (or refusal) by the accepting organisation, withdrawal by the signer,
the fulfilment assessment with its consequences, and expiry.

- Acceptance puts the commitment in force and publishes it (services.take_effect). A refusal or a withdrawal
  (the signer may withdraw before the matter is concluded, Shenzhen art. 62(2)) ends it unpublished.
- Fulfilment (Shenzhen art. 63-64) is assessed once, by the accepting organisation when it is of a kind the type
  lets assess, otherwise by any organisation of such a kind (a department supervising a voluntary commitment),
  or the credit office: 全部履行 / 部分履行 / 全部未履行. The commitment record is re-sent with it; a breach
  writes a commitment_breach record and, for a credit-repair commitment, the repaired record returns to public
  view for its maximum period (archive.flows.restore_for_maximum_period).
- The daily pass expires commitments whose validity ended; an assessment not made by `assessment_due` shows
  as overdue in the department's inbox.
Every step is one transaction, change-logged with actor, time and reason.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit.access.models import Organisation
from ecredit.archive import flows as archive_flows
from ecredit.archive.models import RecordStatus
from ecredit.audit.services import ChainWriter, logged_write
from ecredit.kit.errors import Conflict, Forbidden, ValidationFailed

from . import records
from .models import BREACHES, PUBLISHED, Commitment, Fulfilment, Status
from .services import SYSTEM_ACTOR, commitment_for, required_text, save_logged, take_effect, type_rule


def _require_status(c: Commitment, *allowed: str) -> None:
    if c.status not in allowed:
        raise Conflict(_("当前状态（{status}）不能办理此步骤").format(status=c.get_status_display()),
                       code="wrong_status")


# ---------------------------------------------------------------------------------------------- acceptance


def may_accept(c: Commitment, principal) -> bool:
    """The named accepting organisation, or the credit office for it."""
    return principal.can("commitment.handle") and (principal.city_wide or c.accepted_by_id == principal.organisation_id)


@logged_write
def accept(code: str, principal, *, accept: bool = True, reason: str = "", now: dt.datetime | None = None) -> Commitment:
    """The accepting organisation accepts a signed commitment (it takes effect and is published) or refuses it
    with a reason (Shenzhen art. 59: e.g. a false or broken commitment not yet repaired)."""
    principal.require("commitment.handle")
    c = commitment_for(code, principal, lock=True)
    if not may_accept(c, principal):
        raise Forbidden(_("只有承诺受理单位或信用办可以受理"))
    _require_status(c, Status.SIGNED)
    now = now or timezone.now()
    if accept and c.valid_until < timezone.localdate(now):
        # The daily pass may not have expired it yet; a commitment whose term is over never takes effect.
        raise Conflict(_("该承诺已于{date}到期，不能受理").format(date=c.valid_until), code="expired")
    if accept:
        take_effect(c, principal, principal.label, now)
        return c
    c.status, c.status_reason = Status.REFUSED, required_text(reason, "reason", 2, 2000)
    c.accepted_at, c.accepted_by_label = now, principal.label
    with ChainWriter(now) as log:
        save_logged(c, log, principal.actor, "refuse", c.status_reason)
    return c


@logged_write
def withdraw(code: str, principal, *, reason: str, now: dt.datetime | None = None) -> Commitment:
    """The signer withdraws a commitment not yet accepted (it is then handled the ordinary way)."""
    principal.require("commitment.sign")
    c = commitment_for(code, principal, lock=True)
    # Both sides compare real ids: a missing one (None) must never match a commitment's empty field.
    signer = (principal.acts_as_subject and principal.subject_id is not None
              and principal.subject_id in (c.subject_id, c.subject.operator_id)) or (
        not principal.acts_as_subject and principal.organisation_id is not None
        and principal.organisation_id in (c.signed_by_org_id, c.collected_by_id))
    if not signer:
        raise Forbidden(_("只有签署人可以撤回信用承诺"))
    _require_status(c, Status.SIGNED)
    c.status, c.status_reason = Status.WITHDRAWN, required_text(reason, "reason", 2, 2000)
    with ChainWriter(now) as log:
        save_logged(c, log, principal.actor, "withdraw", c.status_reason)
    return c


# ---------------------------------------------------------------------------------------------- fulfilment


def may_assess(c: Commitment, principal) -> bool:
    """Who assesses fulfilment: the credit office; the accepting organisation when the type lets its kind assess;
    for a commitment accepted by another kind (a platform) or by nobody, any organisation of an assessing kind."""
    if not principal.can("commitment.handle"):
        return False
    if principal.city_wide:
        return True
    if principal.organisation_id is None:
        return False
    rule = type_rule(c.commitment_type, c.signed_on)
    if principal.organisation_kind not in rule.assessors:
        return False
    accepted_kind = c.accepted_by.kind if c.accepted_by_id else None
    if accepted_kind in rule.assessors:
        return c.accepted_by_id == principal.organisation_id
    return True


def _assessor_org(principal) -> Organisation:
    if principal.organisation_id:
        return Organisation.objects.get(pk=principal.organisation_id)
    return records.credit_office()


@logged_write
def assess(code: str, principal, *, fulfilment: str, text: str, decision_no: str = "", measures: str = "",
           now: dt.datetime | None = None) -> Commitment:
    """Assess a commitment in force (or expired) once: fulfilled, partly or not fulfilled. The commitment record
    is re-sent with it; a breach is recorded, and a broken repair commitment restores the repaired record."""
    principal.require("commitment.handle")
    c = commitment_for(code, principal, lock=True)
    if not may_assess(c, principal):
        raise Forbidden(_("只有承诺受理单位、负有监管职责的部门或信用办可以认定履约情况"))
    _require_status(c, *PUBLISHED)
    if c.published_on is None:
        raise Conflict(_("该承诺未经受理、未生效，无需认定履约情况"), code="never_in_force")
    if c.fulfilment != Fulfilment.PENDING:
        raise Conflict(_("该承诺已认定为“{f}”").format(f=c.get_fulfilment_display()), code="assessed")
    if fulfilment not in (Fulfilment.FULFILLED, *BREACHES):
        raise ValidationFailed(_("履约状态应为 fulfilled（全部履行）、partly（部分履行）或 not_fulfilled（全部未履行）"),
                               field="fulfilment", code="bad_fulfilment")
    now = now or timezone.now()
    today = timezone.localdate(now)
    assessor = _assessor_org(principal)
    c.fulfilment, c.assessment_text = fulfilment, required_text(text, "text", 2)
    c.assessed_at, c.assessed_by, c.assessed_by_org = now, principal.label, assessor
    records.update_performance(c, principal.label)
    reason = f"{c.get_fulfilment_display()}：{c.assessment_text}"
    if fulfilment in BREACHES:
        c.breach_record = records.write_breach_record(c, assessor, principal.label, facts=c.assessment_text,
                                                      decision_no=decision_no, measures=measures, today=today)
        # Only a record that was repaired comes back (an application refused left it in view all along).
        if c.repaired_record_id and c.repaired_record.status == RecordStatus.REPAIRED:
            restored = archive_flows.restore_for_maximum_period(
                c.repaired_record_id, principal, reason=_("违背信用修复承诺（{code}）：{text}").format(
                    code=c.code, text=c.assessment_text))
            c.restored_until = restored.public_until if restored else None
            reason += f"; record {c.repaired_record_id} restored until {c.restored_until}"
    with ChainWriter(now) as log:
        save_logged(c, log, principal.actor, "assess", reason)
    return c


# ---------------------------------------------------------------------------------------------- inbox, daily


def inbox(principal) -> dict[str, QuerySet]:
    """What waits on the principal: commitments to accept, and those whose fulfilment it should assess (overdue
    first)."""
    if not principal.can("commitment.handle"):
        raise Forbidden(_("您没有受理信用承诺的权限"))
    visible = Commitment.objects.visible_to(principal).select_related("subject", "accepted_by")
    to_accept = visible.filter(status=Status.SIGNED)
    if not principal.city_wide:
        to_accept = to_accept.filter(accepted_by_id=principal.organisation_id)
    pending = visible.filter(status__in=PUBLISHED, published_on__isnull=False, fulfilment=Fulfilment.PENDING)
    if not principal.city_wide:
        pending = pending.filter(_assessable_q(principal))
    return {"to_accept": to_accept.order_by("signed_at"), "to_assess": pending.order_by("assessment_due", "id")}


def _assessable_q(principal) -> Q:
    """What `may_assess` lets a (not city-wide) organisation assess, as a query, type by type: its own
    acceptances, and those accepted by nobody or by a kind that does not assess. (An inbox that listed a
    commitment accepted by the credit office to a department would offer a step the department is refused.)"""
    from ecredit import policy

    found = Q(pk__in=[])
    if principal.organisation_id is None:
        return found
    for code in policy.current().commitments.types:
        rule = type_rule(code)
        if principal.organisation_kind not in rule.assessors:
            continue
        found |= Q(commitment_type=code) & (Q(accepted_by_id=principal.organisation_id)
                                            | Q(accepted_by__isnull=True)
                                            | ~Q(accepted_by__kind__in=rule.assessors))
    return found


@logged_write
def expire_due(today: dt.date | None = None) -> int:
    """The daily pass: commitments whose validity ended yesterday or before are expired (a signed one never
    accepted too, and stays unpublished); the fulfilment of one that was in force may still be assessed."""
    today = today or timezone.localdate()
    due = list(Commitment.objects.select_for_update().filter(status__in=(Status.SIGNED, Status.IN_FORCE),
                                                             valid_until__lt=today))
    if not due:
        return 0
    with ChainWriter() as log:
        for c in due:
            c.status = Status.EXPIRED
            save_logged(c, log, SYSTEM_ACTOR, "expire", f"valid until {c.valid_until}")
    return len(due)


def overdue(principal, today: dt.date | None = None) -> QuerySet:
    """Commitments the principal should have assessed by now."""
    today = today or timezone.localdate()
    return inbox(principal)["to_assess"].filter(assessment_due__lt=today)

