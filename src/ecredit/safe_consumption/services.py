"""放心消费 enrolments: who may apply for whom, applying (with the automatic criteria check), previews, reading.

Every write saves the enrolment, appends its new state to the change log and adds one EnrolmentStep (itself
change-logged), inside the one transaction of the operation (`logged_write`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.archive.models import CreditRecord
from ecredit.archive.services import log_reads
from ecredit.audit.services import Actor, ChainWriter, logged_write, state_text
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind

from . import criteria
from .models import ENDED, HELD, PENDING, Enrolment, EnrolmentStatus, EnrolmentStep

ENROLMENT_MODEL = "safe_consumption.enrolment"
STEP_MODEL = "safe_consumption.enrolmentstep"
SYSTEM_ACTOR = Actor("system:safe_consumption", "credit_office")
PURPOSE = "放心消费条件核验"
STATE_FIELDS = ("subject_id", "region", "status", "applicant", "applicant_org_id", "statement", "applied_at",
                "renews_id", "results", "passed", "checked_at", "recheck", "policy_version", "reviewer",
                "reviewer_org_id", "decided_on", "decision_no", "decision_text", "valid_from", "valid_until",
                "honour_record_id", "published_on", "suspended_on", "ended_on", "end_reason")
STEP_FIELDS = ("enrolment_id", "action", "from_status", "to_status", "actor", "organisation", "at", "reason",
               "failed")


# ---------------------------------------------------------------------------------------------- state


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def enrolment_state(enrolment: Enrolment) -> str:
    """Canonical state of an enrolment as the change log keeps it."""
    return state_text({name: _value(getattr(enrolment, name)) for name in STATE_FIELDS})


def step_state(step: EnrolmentStep) -> str:
    """Canonical state of a step as the change log keeps it."""
    return state_text({name: _value(getattr(step, name)) for name in STEP_FIELDS})


def iter_enrolment_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every enrolment, for `ecredit verify-log`."""
    for enrolment in Enrolment.objects.order_by("id").iterator(chunk_size=2000):
        yield enrolment.pk, enrolment_state(enrolment)


def iter_step_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every step, for `ecredit verify-log`."""
    for step in EnrolmentStep.objects.order_by("id").iterator(chunk_size=2000):
        yield step.pk, step_state(step)


def save_step(enrolment: Enrolment, log: ChainWriter, actor: Actor, action: str, reason: str = "",
              from_status: str = "", failed: Iterable[str] = ()) -> EnrolmentStep:
    """Save the enrolment and add the step that changed it; both states go to the change log."""
    reason = (reason or "")[:2000]
    enrolment.updated_at = log.at
    if enrolment.pk is None:
        enrolment.save()
    enrolment.log_seq = log.append(actor, action, ENROLMENT_MODEL, enrolment.pk, enrolment_state(enrolment), reason)
    enrolment.save()
    step = EnrolmentStep(enrolment=enrolment, action=action, from_status=from_status, to_status=enrolment.status,
                         actor=actor.label, organisation=actor.organisation, at=log.at, reason=reason,
                         failed=list(failed))
    step.save()
    step.log_seq = log.append(actor, action, STEP_MODEL, step.pk, step_state(step), reason)
    step.save(update_fields=["log_seq"])
    return step


def store_check(enrolment: Enrolment, result: criteria.CheckResult, log: ChainWriter, actor: Actor,
                at: dt.datetime) -> None:
    """Keep a check's result on a pending enrolment (status → checked), criterion by criterion."""
    before = enrolment.status
    enrolment.results, enrolment.passed = result.as_dict(), result.passed
    enrolment.checked_at, enrolment.policy_version = at, result.policy_version
    enrolment.status = EnrolmentStatus.CHECKED
    reason = _("符合全部条件") if result.passed else _("不符合：{codes}").format(codes="、".join(result.failed))
    save_step(enrolment, log, actor, "check", reason, before, result.failed)


# ---------------------------------------------------------------------------------------------- rights


def scheme_reviewers() -> list[str]:
    """Department codes that review enrolments under the scheme in force."""
    return criteria.scheme().reviewers


def is_reviewer(principal) -> bool:
    """The credit office, or an officer of a reviewing department."""
    return principal.can("safe_consumption.review") and (
        principal.city_wide or principal.organisation_code in scheme_reviewers())


def require_reviewer(principal) -> None:
    """Only the departments the scheme names (and the credit office) review enrolments."""
    principal.require("safe_consumption.review")
    if not is_reviewer(principal):
        raise Forbidden(_("只有放心消费创建工作的审核部门可以办理"), code="not_a_reviewer")


def platform_uscc(principal) -> str:
    """The USCC of the platform a platform client acts for ("" if none)."""
    return Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first() or ""


def may_apply_for(principal, subject: Subject) -> bool:
    """A subject's own account applies for itself or a shop it runs; a platform for a shop on its platform."""
    if not principal.can("safe_consumption.apply"):
        return False
    if principal.acts_as_subject:
        return bool(principal.subject_id) and (
            subject.pk == principal.subject_id
            or (subject.kind == SubjectKind.SHOP and subject.operator_id == principal.subject_id))
    if principal.organisation_kind == OrganisationKind.PLATFORM:
        uscc = platform_uscc(principal)
        return bool(uscc) and subject.kind == SubjectKind.SHOP and subject.platform is not None \
            and subject.platform.uscc == uscc
    return False


def applicable_subject(principal, subject_id: int) -> Subject:
    """The subject the principal applies for (or previews), if it may; a clear refusal otherwise."""
    principal.require("safe_consumption.apply")
    subject = Subject.objects.select_related("platform", "operator").filter(pk=subject_id).first()
    if subject is None:
        raise NotFound(_("未找到该信用主体"))
    if subject.kind not in criteria.scheme().subject_kinds:
        raise ValidationFailed(_("放心消费单位只能由企业或网店申请"), field="subject_id", code="subject_kind_not_allowed")
    if not may_apply_for(principal, subject):
        raise Forbidden(_("只能为本主体、本人经营的网店或本平台的网店申请"), code="not_own_subject")
    return subject


def known_regions() -> dict[str, str]:
    """Region codes an enrolment may name (the city and its districts), with their names."""
    regions = policy.current().regions
    english = (get_language() or "").startswith("en")
    return {r.code: (r.name_en if english else r.name) for r in [regions.city, *regions.districts]}


def _region(given: str, subject: Subject) -> str:
    regions = known_regions()
    given = (given or "").strip()
    if given:
        if given in regions:
            return given
        raise ValidationFailed(_("所在区县代码“{code}”不是本市的区县").format(code=given), field="region",
                               code="unknown_region")
    for code in (subject.region, getattr(subject.operator, "region", "")):
        if code in regions:
            return code
    raise ValidationFailed(_("请选择所在区县"), field="region", code="required")


# ---------------------------------------------------------------------------------------------- apply


def _may_apply_now(subject: Subject, today: dt.date) -> Enrolment | None:
    """The title this application would renew (None for a first application); Conflict when the subject may
    not apply today (an application pending, a title held outside its renewal window, a waiting period)."""
    rules = criteria.scheme(today)
    if Enrolment.objects.filter(subject=subject, status__in=PENDING).exists():
        raise Conflict(_("该主体已有待审核的申请"), code="already_pending")
    held = Enrolment.objects.filter(subject=subject, status__in=HELD).first()
    if held is not None:
        if held.status == EnrolmentStatus.SUSPENDED:
            raise Conflict(_("该主体的放心消费称号已暂停，恢复前不能申请"), code="title_suspended")
        opens = rules.renewal_window.before(held.valid_until)
        if today < opens:
            raise Conflict(_("该主体已是放心消费单位（有效期至{until}），{opens}起可申请续期").format(
                until=held.valid_until, opens=opens), code="title_held")
        return held
    for status, wait in ((EnrolmentStatus.REFUSED, rules.reapply_after_refusal),
                         (EnrolmentStatus.REVOKED, rules.reapply_after_revocation)):
        last = Enrolment.objects.filter(subject=subject, status=status, ended_on__isnull=False) \
            .order_by("-ended_on").values_list("ended_on", flat=True).first()
        if last is not None and today < wait.after(last):
            raise Conflict(_("{date}起方可再次申请").format(date=wait.after(last)), code="reapply_too_soon")
    return None


@logged_write
def apply(principal, *, subject_id: int, region: str = "", statement: str = "",
          now: dt.datetime | None = None) -> Enrolment:
    """Apply for the title for an organisation or shop; every criterion is checked at once and kept."""
    subject = applicable_subject(principal, subject_id)
    now = now or timezone.now()
    today = timezone.localdate(now)
    renews = _may_apply_now(subject, today)
    statement = (statement or "").strip()
    if len(statement) > 2000:
        raise ValidationFailed(_("申请说明不超过2000字"), field="statement", code="too_long")
    org = Organisation.objects.filter(pk=principal.organisation_id).first() if principal.organisation_id else None
    enrolment = Enrolment(subject=subject, region=_region(region, subject), applicant=principal.label,
                          applicant_org=org, statement=statement, applied_at=now, renews=renews)
    with ChainWriter(now) as log:
        save_step(enrolment, log, principal.actor, "apply", statement or _("提出申请"))
        result = criteria.check(subject, today)
        store_check(enrolment, result, log, SYSTEM_ACTOR, now)
    _log_evidence(principal, result)
    return enrolment


def preview(principal, *, subject_id: int, today: dt.date | None = None) -> criteria.CheckResult:
    """What a check would say today, for an applicant deciding whether to apply (nothing is written)."""
    subject = applicable_subject(principal, subject_id)
    result = criteria.check(subject, today)
    _log_evidence(principal, result)
    return result


def _log_evidence(principal, result: criteria.CheckResult) -> None:
    """Access-log the non-public records a check cited to this reader."""
    records = list(CreditRecord.objects.filter(pk__in=result.record_ids()))
    log_reads(principal, records, PURPOSE, "safe_consumption")


# ---------------------------------------------------------------------------------------------- reading


def enrolment_for(enrolment_id: int, principal, lock: bool = False) -> Enrolment:
    """The enrolment if the principal may see it; NotFound otherwise."""
    require_reader(principal)
    found = Enrolment.objects.visible_to(principal).filter(pk=enrolment_id)
    if lock:
        found = found.select_for_update(of=("self",))
    enrolment = found.select_related("subject", "subject__platform", "subject__operator", "honour_record").first()
    if enrolment is None:
        raise NotFound(_("放心消费申请不存在"))
    return enrolment


def require_reader(principal) -> None:
    """Applicants read their own enrolments; of those who review, only the reviewing departments."""
    if principal.can("safe_consumption.apply"):
        return
    require_reviewer(principal)


def enrolments(principal, *, status: str | None = None, region: str | None = None) -> QuerySet:
    """Enrolments the principal may see, newest first; `status` may also be 'pending' or 'held'."""
    require_reader(principal)
    found = Enrolment.objects.visible_to(principal).select_related("subject", "subject__platform")
    if status == "pending":
        found = found.filter(status__in=PENDING)
    elif status == "held":
        found = found.filter(status__in=HELD)
    elif status == "ended":
        found = found.filter(status__in=ENDED)
    elif status:
        found = found.filter(status=status)
    if region:
        found = found.filter(region=region)
    return found


def public_titles(*, q: str = "", region: str = "", platform_id: int | None = None,
                  today: dt.date | None = None) -> QuerySet:
    """Titles on the public list today, searchable by name (or pinyin initials), region and platform."""
    today = today or timezone.localdate()
    found = Enrolment.objects.public(today).select_related("subject", "subject__platform")
    q = (q or "").strip()[:60]
    if q:
        found = found.filter(Q(subject__name__icontains=q) | Q(subject__name_initials__istartswith=q.upper()))
    if region:
        found = found.filter(region=region)
    if platform_id:
        found = found.filter(subject__platform_id=platform_id)
    return found.order_by("-published_on", "subject__name", "id")


def platforms_listed(today: dt.date | None = None) -> list[tuple[int, str]]:
    """Platforms whose shops are on the public list (for the list's platform filter)."""
    ids = (Enrolment.objects.public(today or timezone.localdate()).filter(subject__kind=SubjectKind.SHOP)
           .values_list("subject__platform_id", flat=True).distinct())
    return list(Subject.objects.filter(pk__in=list(ids)).order_by("name").values_list("id", "name"))


def shown_items(results: dict[str, Any], principal) -> list[dict[str, Any]]:
    """A stored check's items for this reader: each criterion's name in the reader's language, the sentence
    that explains the outcome, and only the evidence records the reader may see (the others are counted)."""
    items = results.get("items") or []
    cited = {i for item in items for i in item.get("records", [])}
    visible = set(CreditRecord.objects.visible_to(principal).filter(pk__in=cited).values_list("id", flat=True))
    english = (get_language() or "").startswith("en")
    rules = criteria.scheme()
    shown = []
    for item in items:
        criterion = rules.criterion(item["code"])
        name = (criterion.name.en if english else criterion.name.zh) if criterion else item.get("name", item["code"])
        records = item.get("records", [])
        shown.append({"code": item["code"], "name": name, "passed": item["passed"], "kind": item.get("kind"),
                      "while_held": item.get("while_held"), "explanation": criteria.explain(item),
                      "records": [i for i in records if i in visible],
                      "hidden_records": len([i for i in records if i not in visible])})
    return shown


def steps(enrolment: Enrolment) -> list[EnrolmentStep]:
    """The enrolment's steps, oldest first."""
    return list(enrolment.steps.order_by("id"))
