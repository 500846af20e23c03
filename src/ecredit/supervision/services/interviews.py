"""Regulators' interviews (约谈), notices (通报) and rectification orders (责令整改) to platforms that fail their
duties (R11.3, plan task 11): written as public credit records through the archive's intake, so they are
change-logged, counted in the platform's archive and shown on its public profile like any other record."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.archive.models import CreditRecord
from ecredit.archive.services import ingest
from ecredit.kit.errors import Forbidden, NotFound, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind

from .compliance import PLATFORM_ROLE

MEASURES = {"interview": gettext_lazy("约谈"), "notice": gettext_lazy("通报"),
            "rectification_order": gettext_lazy("责令整改")}
# What the record's summary calls the measure: the summary is archive content and stays in Chinese.
MEASURE_WORDS = {"interview": "约谈", "notice": "通报", "rectification_order": "责令整改"}
DUTIES = {"real_name": gettext_lazy("实名登记核验"), "credit_evaluation": gettext_lazy("信用评价"),
          "risk_alert": gettext_lazy("风险提示"), "complaint_handling": gettext_lazy("投诉举报处理"),
          "reporting": gettext_lazy("向主管部门报送"), "data_keeping": gettext_lazy("信息保存"),
          "other": gettext_lazy("其他")}


def interview_type(today: dt.date | None = None) -> str:
    """The record type of interviews and notices (the first of the compliance rule's `interview_types`)."""
    rule = policy.in_force(policy.current().plan.compliance, today or timezone.localdate())
    return rule.interview_types[0]


def platform(subject_id: int) -> Subject:
    """The registry entry of a platform (an organisation with the role `platform`); NotFound otherwise."""
    subject = Subject.objects.filter(pk=subject_id, kind=SubjectKind.ORGANISATION,
                                     roles__role=PLATFORM_ROLE).first()
    if subject is None:
        raise NotFound(_("未找到该电子商务平台"), field="subject_id")
    return subject


def _date(value, field_name: str, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("{field}不是有效日期（应为YYYY-MM-DD）").format(field=label), field=field_name,
                               code="bad_date") from None


def record_interview(principal, subject_id: int, *, measure: str, failings: str, decided_on=None,
                     rectification: str = "", rectification_deadline=None, document_no: str = "",
                     duties: Iterable[str] = (), authority: str = "", form_id: str = "") -> CreditRecord:
    """Record a regulator's measure against a platform as a public credit record; returns the record.

    `form_id` is the submitting form's one-time id: sending the same form twice writes one record."""
    principal.require("supervision.view")
    principal.require("record.submit")
    if principal.organisation_kind not in ("department", "credit_office") or principal.organisation_id is None:
        raise Forbidden(_("只有行业主管、监管部门或信用办可以记录约谈、通报"), code="not_regulator")
    subject = platform(subject_id)
    if measure not in MEASURES:
        raise ValidationFailed(_("措施类型应为约谈、通报或责令整改"), field="measure", code="bad_measure")
    today = timezone.localdate()
    decided = _date(decided_on, "decided_on", _("措施日期")) or today
    deadline = _date(rectification_deadline, "rectification_deadline", _("整改期限"))
    failings, rectification = str(failings or "").strip(), str(rectification or "").strip()
    if not failings:
        raise ValidationFailed(_("请写明平台未履行主体责任的情形"), field="failings", code="required")
    if measure == "rectification_order" and not (rectification and deadline):
        raise ValidationFailed(_("责令整改须写明整改要求和整改期限"), field="rectification", code="required")
    if deadline and deadline < decided:
        raise ValidationFailed(_("整改期限不能早于措施日期"), field="rectification_deadline", code="bad_deadline")
    authority = str(authority or "").strip() or Organisation.objects.filter(
        pk=principal.organisation_id).values_list("name", flat=True).first() or principal.organisation_code
    details = {"measure": measure, "authority": authority[:200], "failings": failings}
    chosen = [d for d in dict.fromkeys(duties or ()) if d]
    if chosen:
        details["duties"] = chosen
    for key, value in (("document_no", str(document_no or "").strip()), ("rectification", rectification),
                       ("rectification_deadline", deadline.isoformat() if deadline else "")):
        if value:
            details[key] = value
    words = MEASURE_WORDS[measure]
    summary = f"{authority}对{subject.name}{words}：{failings}"
    if len(summary) > 500:
        summary = summary[:499] + "…"
    item = {"id": f"interview-{form_id or uuid.uuid4().hex}", "type": interview_type(today),
            "subject": {"uscc": subject.uscc, "name": subject.name}, "decided_on": decided.isoformat(),
            "summary": summary, "details": details}
    report = ingest([item], principal, atomic=True)
    if report.errors:
        error = report.errors[0]
        field_name = error.field.removeprefix("details.") if error.field.startswith("details.") else error.field
        raise ValidationFailed(error.message, field=field_name or None, code=error.code)
    return CreditRecord.objects.select_related("record_type", "subject").get(pk=report.record_ids[0])
