"""Console pages of 放心消费 (safe consumption) merchants:

- the enrolments the user may see: a reviewing department's queue (pending first), a platform's applications for
  its shops with the form to preview the criteria and apply;
- one enrolment: each criterion's result with its evidence, the latest re-check, the honour record, the steps
  taken, and the forms of the steps its status allows (check again, approve / refuse, publish, suspend,
  reinstate, revoke).

Every write goes through safe_consumption.services / flows; a refused step comes back as the domain's message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecredit.access.models import Organisation
from ecredit.archive.models import CreditRecord
from ecredit.archive.services import log_reads, present
from ecredit.kit.errors import DomainError, NotFound, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind
from ecredit.safe_consumption import criteria, flows, services
from ecredit.safe_consumption.models import HELD, PENDING, EnrolmentStatus

from .views import console_principal

PAGE_SIZE = 50


def step_names() -> dict[str, str]:
    """The steps' action codes as the timeline names them."""
    return {"apply": _("提出申请"), "check": _("条件核验"), "approve": _("审核通过"), "refuse": _("不予认定"),
            "publish": _("发布"), "suspend": _("暂停"), "reinstate": _("恢复"), "revoke": _("撤销"),
            "expire": _("期满"), "renewed": _("续期接续")}


def _principal(request):
    principal = console_principal(request)
    if not (services.is_reviewer(principal) or principal.can("safe_consumption.apply")):
        raise PermissionDenied(_("您没有办理放心消费单位的权限"))
    return principal


def _tag(status: str) -> str:
    return {"published": "ok", "approved": "ok", "checked": "warn", "applied": "warn", "suspended": "bad",
            "revoked": "bad", "refused": ""}.get(status, "")


def _find_subject(principal, value: str) -> Subject:
    """A shop by its shop id on the principal's platform, or any subject by its number in the archive."""
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(_("请填写网店编号或主体编号"), field="subject")
    if principal.organisation_kind == "platform":
        uscc = services.platform_uscc(principal)
        shop = Subject.objects.filter(kind=SubjectKind.SHOP, platform__uscc=uscc, shop_id=value).first()
        if shop is not None:
            return shop
    if value.isdigit():
        subject = Subject.objects.filter(pk=int(value)).first()
        if subject is not None:
            return subject
    raise NotFound(_("未找到该网店或主体"))


@login_required
@require_http_methods(["GET", "POST"])
def enrolments_page(request):
    """The enrolments the user may see; a platform previews the criteria for one of its shops and applies."""
    principal = _principal(request)
    reviewer = services.is_reviewer(principal)
    status = request.GET.get("status", "pending" if reviewer else "")
    if status not in ("pending", "held", "ended", *EnrolmentStatus.values):
        status = ""
    region = request.GET.get("region", "")
    regions = services.known_regions()
    found = services.enrolments(principal, status=status or None, region=region if region in regions else None)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"e": e, "tag": _tag(e.status), "region_name": regions.get(e.region, e.region),
             "failed": [i["name"] for i in (e.results.get("items") or []) if not i["passed"]]}
            for e in page.object_list]
    preview = None
    form = {"subject": "", "region": "", "statement": ""}
    if request.method == "POST":
        if not principal.can("safe_consumption.apply"):
            raise PermissionDenied(_("您没有申请放心消费单位的权限"))
        form = {k: request.POST.get(k, "") for k in form}
        try:
            subject = _find_subject(principal, form["subject"])
            if "apply" in request.POST:
                enrolment = services.apply(principal, subject_id=subject.pk, region=form["region"],
                                           statement=form["statement"])
                messages.success(request, _("已提交申请，系统已完成条件核验"))
                return redirect("console:safe_consumption_enrolment", enrolment_id=enrolment.pk)
            result = services.preview(principal, subject_id=subject.pk)
            preview = {"subject": subject, "passed": result.passed,
                       "items": _evidence(services.shown_items(result.as_dict(), principal), principal)}
        except DomainError as exc:
            messages.error(request, str(exc.message))
    query = "&".join(f"{k}={v}" for k, v in (("status", status), ("region", region)) if v)
    return render(request, "console/safe_consumption/enrolments.html", dict(
        rows=rows, page=page, total=page.paginator.count, status=status, region=region, regions=regions.items(),
        statuses=[("pending", _("待审核")), ("held", _("持有称号（含暂停）")), ("ended", _("已终止")),
                  *EnrolmentStatus.choices],
        query=query, reviewer=reviewer, can_apply=principal.can("safe_consumption.apply"), form=form,
        preview=preview, scheme=criteria.scheme()))


def _evidence(items: list[dict], principal) -> list[dict]:
    """Each criterion with its evidence records as the viewer may see them (summaries masked as required)."""
    ids = {i for item in items for i in item["records"]}
    records = {r.pk: r for r in CreditRecord.objects.visible_to(principal).filter(pk__in=ids)
               .select_related("record_type", "subject")}
    log_reads(principal, list(records.values()), _("放心消费审核"), "console")
    for item in items:
        item["evidence"] = [{"record": records[i], "summary": present(records[i], principal)[0],
                             "public": CreditRecord.objects.is_public(records[i])}
                            for i in item["records"] if i in records]
    return items


@login_required
@require_GET
def enrolment_page(request, enrolment_id: int):
    """One enrolment: each criterion's result with its evidence, the honour record, the steps, the forms."""
    principal = _principal(request)
    try:
        enrolment = services.enrolment_for(enrolment_id, principal)
    except NotFound:
        raise Http404
    except DomainError as exc:
        raise PermissionDenied(str(exc.message))
    reviewer = services.is_reviewer(principal)
    status = enrolment.status
    names = step_names()
    taken = services.steps(enrolment)
    orgs = dict(Organisation.objects.filter(code__in={s.organisation for s in taken}).values_list("code", "name"))
    steps = [{"s": s, "name": names.get(s.action, s.action), "organisation": orgs.get(s.organisation, s.organisation)}
             for s in taken]
    return render(request, "console/safe_consumption/enrolment.html", dict(
        e=enrolment, tag=_tag(status), today=timezone.localdate(),
        region_name=services.known_regions().get(enrolment.region, enrolment.region),
        items=_evidence(services.shown_items(enrolment.results, principal), principal),
        recheck=_evidence(services.shown_items(enrolment.recheck, principal), principal),
        steps=steps, record=enrolment.honour_record,
        valid_for=criteria.period_text(str(criteria.scheme().valid_for)),
        can_check=reviewer and status in PENDING, can_review=reviewer and status == EnrolmentStatus.CHECKED,
        can_publish=reviewer and status == EnrolmentStatus.APPROVED,
        can_suspend=reviewer and status in (EnrolmentStatus.APPROVED, EnrolmentStatus.PUBLISHED),
        can_reinstate=reviewer and status == EnrolmentStatus.SUSPENDED,
        can_revoke=reviewer and status in HELD))


@login_required
@require_POST
def enrolment_action(request, enrolment_id: int):
    """One step of the procedure from the enrolment page; the domain refuses what the status does not allow."""
    principal = _principal(request)
    post = request.POST
    action = post.get("action", "")
    done = {"check": _("已重新核验"), "approve": _("已审核通过，荣誉记录已写入信用档案"), "refuse": _("已作出不予认定决定"),
            "publish": _("已在门户发布"), "suspend": _("已暂停称号"), "reinstate": _("已恢复称号"),
            "revoke": _("已撤销称号")}
    if action not in done:
        return HttpResponseBadRequest(_("未知的操作"))
    reason = post.get("reason", "")
    try:
        if action == "check":
            flows.check_again(enrolment_id, principal)
        elif action in ("approve", "refuse"):
            flows.review(enrolment_id, principal, approve=action == "approve", reason=reason,
                         decision_no=post.get("decision_no", ""), publish=post.get("publish") == "yes")
        elif action == "publish":
            flows.publish(enrolment_id, principal)
        else:
            getattr(flows, action)(enrolment_id, principal, reason=reason)
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done[action])
    return redirect("console:safe_consumption_enrolment", enrolment_id=enrolment_id)


urlpatterns: list = [
    path("safe-consumption/", enrolments_page, name="safe_consumption"),
    path("safe-consumption/<int:enrolment_id>/", enrolment_page, name="safe_consumption_enrolment"),
    path("safe-consumption/<int:enrolment_id>/action", enrolment_action, name="safe_consumption_action"),
]
