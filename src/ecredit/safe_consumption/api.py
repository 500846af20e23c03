"""放心消费 API: the criteria and the public list (anyone), applications and previews (a subject's own account,
a platform for its shops), enrolments and the review procedure (the reviewing departments and the credit
office), and the daily re-check (the credit office)."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel

from ecredit.kit.errors import Forbidden
from ecredit.registry.services import display_name

from . import criteria, flows, services
from .models import Enrolment
from .schemas import (ApplyIn, CheckOut, EnrolmentDetailOut, EnrolmentOut, PreviewIn, EnrolmentReasonIn, ReviewIn,
                      SchemeOut, TitleOut)

router = Router(tags=["safe_consumption"])


def _text(texts) -> str:
    return texts.en if (get_language() or "").startswith("en") else texts.zh


def scheme_out() -> dict:
    """The scheme in force as the API and the criteria page show it."""
    rules = criteria.scheme()
    return dict(
        name=_text(rules.name), effective=rules.effective, reference=rules.reference,
        awarded_by=_text(rules.awarded_by), reviewers=rules.reviewers, subject_kinds=rules.subject_kinds,
        valid_for=str(rules.valid_for), renewal_window=str(rules.renewal_window),
        suspension_limit=str(rules.suspension_limit), reapply_after_refusal=str(rules.reapply_after_refusal),
        reapply_after_revocation=str(rules.reapply_after_revocation),
        criteria=[dict(code=c.code, name=_text(c.name), text=_text(c.text),
                       check=plain(c.check), scope=c.scope, while_held=c.while_held, proposal=c.proposal,
                       reference=c.reference) for c in rules.criteria])


def plain(value):
    """Rule values as JSON (unset keys left out): periods as their ISO 8601 text (P1Y)."""
    if isinstance(value, BaseModel):
        return {k: plain(getattr(value, k)) for k in type(value).model_fields
                if getattr(value, k) not in (None, [], {})}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def title_out(enrolment: Enrolment) -> dict:
    """A title on the public list (organisations and shops only: their names are public)."""
    subject = enrolment.subject
    return dict(subject_id=subject.pk, name=subject.name, kind=subject.kind,
                platform=subject.platform.name if subject.platform_id else "", region=enrolment.region,
                region_name=services.known_regions().get(enrolment.region, ""), decision_no=enrolment.decision_no,
                valid_from=enrolment.valid_from, valid_until=enrolment.valid_until,
                published_on=enrolment.published_on, profile=f"/subjects/{subject.pk}/")


def enrolment_out(enrolment: Enrolment, principal) -> dict:
    """An enrolment as its applicant and its reviewers see it."""
    subject = enrolment.subject
    return dict(id=enrolment.pk, subject_id=subject.pk, subject_name=display_name(subject, principal),
                subject_kind=subject.kind, platform=subject.platform.name if subject.platform_id else "",
                region=enrolment.region, status=enrolment.status, status_label=enrolment.get_status_display(),
                applicant=enrolment.applicant, applied_at=enrolment.applied_at, renews=enrolment.renews_id,
                passed=enrolment.passed, checked_at=enrolment.checked_at, policy_version=enrolment.policy_version,
                decided_on=enrolment.decided_on, decision_no=enrolment.decision_no,
                decision_text=enrolment.decision_text, valid_from=enrolment.valid_from,
                valid_until=enrolment.valid_until, honour_record_id=enrolment.honour_record_id,
                published_on=enrolment.published_on, suspended_on=enrolment.suspended_on,
                ended_on=enrolment.ended_on, end_reason=enrolment.end_reason)


def _detail(enrolment_id: int, principal) -> dict:
    enrolment = services.enrolment_for(enrolment_id, principal)
    return dict(enrolment_out(enrolment, principal), statement=enrolment.statement,
                criteria=services.shown_items(enrolment.results, principal),
                recheck=services.shown_items(enrolment.recheck, principal),
                steps=[dict(action=s.action, from_status=s.from_status, to_status=s.to_status, actor=s.actor,
                            organisation=s.organisation, at=s.at, reason=s.reason, failed=s.failed)
                       for s in services.steps(enrolment)])


@router.get("/safe-consumption/criteria", response=SchemeOut, auth=None,
            summary="The 放心消费 scheme in force: criteria with their machine checks, validity, reviewers")
def scheme(request):
    return scheme_out()


@router.get("/safe-consumption/merchants", response=list[TitleOut], auth=None,
            summary="The public list of 放心消费 merchants today (search by name, region, platform)")
def merchants(request, q: str = "", region: str = "", platform_id: int | None = None, limit: int = 100):
    limit = max(1, min(limit, 500))
    return [title_out(e) for e in services.public_titles(q=q, region=region, platform_id=platform_id)[:limit]]


@router.post("/safe-consumption/check", response=CheckOut,
             summary="Preview the criteria check for a subject you may apply for (nothing is stored)")
def preview(request, body: PreviewIn):
    result = services.preview(request.auth, subject_id=body.subject_id)
    data = result.as_dict()
    return dict(subject_id=result.subject_id, checked_on=result.checked_on, policy_version=result.policy_version,
                passed=result.passed, items=services.shown_items(data, request.auth))


@router.post("/safe-consumption/enrolments", response={201: EnrolmentDetailOut},
             summary="Apply for the title (a subject's own account, or a platform for its shop); checked at once")
def apply(request, body: ApplyIn):
    enrolment = services.apply(request.auth, subject_id=body.subject_id, region=body.region,
                               statement=body.statement)
    return Status(201, _detail(enrolment.pk, request.auth))


@router.get("/safe-consumption/enrolments", response=list[EnrolmentOut],
            summary="Enrolments you may see (applicants their own; reviewing departments all)")
def enrolments(request, status: str | None = None, region: str | None = None, limit: int = 100):
    limit = max(1, min(limit, 500))
    return [enrolment_out(e, request.auth)
            for e in services.enrolments(request.auth, status=status, region=region)[:limit]]


@router.get("/safe-consumption/enrolments/{int:enrolment_id}", response=EnrolmentDetailOut,
            summary="An enrolment with each criterion's result, its evidence and the steps taken")
def enrolment_detail(request, enrolment_id: int):
    return _detail(enrolment_id, request.auth)


@router.post("/safe-consumption/enrolments/{int:enrolment_id}/check", response=EnrolmentDetailOut,
             summary="Run the criteria check of a pending enrolment again (reviewers)")
def check_again(request, enrolment_id: int):
    flows.check_again(enrolment_id, request.auth)
    return _detail(enrolment_id, request.auth)


@router.post("/safe-consumption/enrolments/{int:enrolment_id}/review", response=EnrolmentDetailOut,
             summary="Approve (every criterion must pass; writes the honour record) or refuse, with the reason")
def review(request, enrolment_id: int, body: ReviewIn):
    flows.review(enrolment_id, request.auth, approve=body.approve, reason=body.reason,
                 decision_no=body.decision_no, publish=body.publish)
    return _detail(enrolment_id, request.auth)


@router.post("/safe-consumption/enrolments/{int:enrolment_id}/publication", response=EnrolmentDetailOut,
             summary="Publish an approved title on the portal's list")
def publish(request, enrolment_id: int):
    flows.publish(enrolment_id, request.auth)
    return _detail(enrolment_id, request.auth)


@router.post("/safe-consumption/enrolments/{int:enrolment_id}/suspension", response=EnrolmentDetailOut,
             summary="Suspend a title (ends its honour record)")
def suspend(request, enrolment_id: int, body: EnrolmentReasonIn):
    flows.suspend(enrolment_id, request.auth, reason=body.reason)
    return _detail(enrolment_id, request.auth)


@router.post("/safe-consumption/enrolments/{int:enrolment_id}/reinstatement", response=EnrolmentDetailOut,
             summary="Reinstate a suspended title once every criterion passes again (a new honour record)")
def reinstate(request, enrolment_id: int, body: EnrolmentReasonIn):
    flows.reinstate(enrolment_id, request.auth, reason=body.reason)
    return _detail(enrolment_id, request.auth)


@router.post("/safe-consumption/enrolments/{int:enrolment_id}/revocation", response=EnrolmentDetailOut,
             summary="Revoke a title (ends its honour record)")
def revoke(request, enrolment_id: int, body: EnrolmentReasonIn):
    flows.revoke(enrolment_id, request.auth, reason=body.reason)
    return _detail(enrolment_id, request.auth)


@router.post("/safe-consumption/recheck", summary="Re-check every title held now, as the daily pass does "
             "(the credit office)")
def recheck(request):
    principal = request.auth
    principal.require("safe_consumption.review")
    if not principal.city_wide:
        raise Forbidden(_("只有信用办可以发起全市放心消费复核"), code="not_city_wide")
    return flows.recheck()
