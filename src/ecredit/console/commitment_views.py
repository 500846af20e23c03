"""Console pages of credit commitments (信用承诺):

- the inbox of an accepting organisation: commitments waiting for acceptance, commitments whose fulfilment it
  should assess (overdue ones marked), and every commitment it may see, searchable;
- one commitment: its standard-format text, the signature check, its records, the steps as the change log tells
  them, and the forms to accept or refuse it and to assess its fulfilment;
- the signing form of a platform: for itself, or collecting a merchant's industry self-discipline commitment.

Every write goes through commitments.services / flows; a refused step comes back as the domain's message.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.audit.models import ChangeLogEntry
from ecredit.commitments import flows, services, signing
from ecredit.commitments.models import CommitmentType, Fulfilment, Status, Visibility
from ecredit.kit.errors import DomainError, NotFound, ValidationFailed
from ecredit.registry import lookups

from .views import console_principal

PAGE_SIZE = 50


def _principal(request):
    principal = console_principal(request)
    if not (principal.can("commitment.handle") or principal.can("commitment.sign")):
        raise PermissionDenied(_("您没有办理信用承诺的权限"))
    return principal


def _step_names() -> dict[str, str]:
    return {"sign": _("签署"), "accept": _("受理（生效并公开）"), "in_force": _("生效并公开"), "refuse": _("不予受理"),
            "withdraw": _("撤回"), "assess": _("认定履约情况"), "expire": _("到期")}


@login_required
@require_GET
def inbox_page(request):
    """What waits on the organisation, and the commitments it may see."""
    principal = _principal(request)
    today = timezone.localdate()
    waiting = flows.inbox(principal) if principal.can("commitment.handle") else None
    q, kind, status = (request.GET.get(k, "") for k in ("q", "type", "status"))
    kind = kind if kind in CommitmentType.values else ""
    status = status if status in Status.values else ""
    found = services.search(principal, q=q, commitment_type=kind, status=status)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    services.log_reads(principal, page.object_list, "办理信用承诺", "console")
    to_accept = list(waiting["to_accept"][:100]) if waiting else []
    to_assess = list(waiting["to_assess"][:100]) if waiting else []
    query = "&".join(f"{k}={v}" for k, v in (("q", q), ("type", kind), ("status", status)) if v)
    return render(request, "console/commitments/inbox.html", dict(
        today=today, to_accept=to_accept, to_assess=to_assess, page=page, total=page.paginator.count, q=q,
        kind=kind, status=status, types=CommitmentType.choices, statuses=Status.choices, query=query,
        may_sign=principal.can("commitment.sign") and principal.organisation_kind in ("platform", "logistics")))


def _commitment(request, code: str):
    principal = _principal(request)
    try:
        return principal, services.commitment_for(code, principal)
    except NotFound:
        raise Http404 from None


def _timeline(c) -> list[dict]:
    steps = list(ChangeLogEntry.objects.filter(model=services.MODEL, object_id=c.pk).order_by("seq")
                 .values("seq", "at", "actor", "organisation", "action", "reason"))
    orgs = dict(Organisation.objects.filter(code__in={s["organisation"] for s in steps if s["organisation"]})
                .values_list("code", "name"))
    names = _step_names()
    return [{**s, "action_name": names.get(s["action"], s["action"]),
             "organisation_name": orgs.get(s["organisation"], s["organisation"])} for s in steps]


@login_required
@require_GET
def commitment_page(request, code: str):
    """One commitment with its text, signature check, records, steps and the forms its status allows."""
    principal, c = _commitment(request, code)
    services.log_reads(principal, [c], "办理信用承诺", "console")
    today = timezone.localdate()
    return render(request, "console/commitments/detail.html", dict(
        c=c, today=today, subject_name=services.shown_name(c, principal), type_name=services.type_name(c.commitment_type),
        paragraphs=c.text.split("\n"), signature_ok=signing.signature_ok(c), steps=_timeline(c),
        may_accept=c.status == Status.SIGNED and flows.may_accept(c, principal),
        may_assess=(c.status in (Status.IN_FORCE, Status.EXPIRED) and c.published_on is not None
                    and c.fulfilment == Fulfilment.PENDING and flows.may_assess(c, principal)),
        overdue=c.fulfilment == Fulfilment.PENDING and c.published_on and c.assessment_due < today,
        fulfilments=[(v, label) for v, label in Fulfilment.choices if v != Fulfilment.PENDING]))


@login_required
@require_POST
def commitment_action(request, code: str):
    """Accept, refuse, or assess fulfilment."""
    principal, c = _commitment(request, code)
    action = request.POST.get("action", "")
    try:
        if action == "accept":
            flows.accept(c.code, principal)
            messages.success(request, _("已受理，承诺生效并按公开类型公开"))
        elif action == "refuse":
            flows.accept(c.code, principal, accept=False, reason=request.POST.get("reason", ""))
            messages.success(request, _("已决定不予受理"))
        elif action == "assess":
            c = flows.assess(c.code, principal, fulfilment=request.POST.get("fulfilment", ""),
                             text=request.POST.get("text", ""), decision_no=request.POST.get("decision_no", ""),
                             measures=request.POST.get("measures", ""))
            messages.success(request, _("已认定履约情况：%(f)s") % {"f": c.get_fulfilment_display()})
        else:
            raise ValidationFailed(_("未知的操作"), field="action")
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("console:commitment", code=c.code)


# ---------------------------------------------------------------------------------------------- signing


def _find_subject(principal, value: str):
    """A merchant by its number in the archive, its USCC, or its shop id on the principal's platform."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit() and len(value) < 18:
        return lookups.find(principal, subject_id=int(value))
    if len(value) == 18:
        return lookups.find(principal, uscc=value.upper())
    uscc = Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first()
    return lookups.find(principal, platform_uscc=uscc, shop_id=value)


@login_required
def sign_page(request):
    """A platform signs a commitment for itself, or collects its merchant's industry self-discipline commitment."""
    principal = _principal(request)
    if not principal.can("commitment.sign"):
        raise PermissionDenied(_("您没有签署信用承诺的权限"))
    current = policy.current().commitments
    acceptors = {k for versions in current.types.values() for v in versions for k in v.acceptors}
    context = dict(types=[(code, current.type_rule(code)) for code in current.types],
                   acceptors=Organisation.objects.filter(active=True, kind__in=acceptors).order_by("kind", "name"),
                   visibilities=Visibility.choices, values=request.POST,
                   # The form's request id: submitted twice, it signs once (an error keeps nothing under it).
                   client_ref=request.POST.get("client_ref") or uuid.uuid4().hex)
    if request.method != "POST":
        return render(request, "console/commitments/sign.html", context)
    form = request.POST
    try:
        subject = _find_subject(principal, form.get("subject", ""))
        valid_until = dt.date.fromisoformat(form["valid_until"]) if form.get("valid_until") else None
        c, _created = services.sign_once(
            principal, client_ref=form.get("client_ref", ""), commitment_type=form.get("commitment_type", ""),
            subject_id=subject.pk if subject else None, matter=form.get("matter", ""),
            accepted_by=form.get("accepted_by", ""), valid_until=valid_until,
            visibility=form.get("visibility") or None)
    except ValueError:
        messages.error(request, _("有效期不是有效日期"))
        return render(request, "console/commitments/sign.html", context, status=422)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return render(request, "console/commitments/sign.html", context, status=exc.http_status)
    messages.success(request, _("已签署信用承诺 %(code)s") % {"code": c.code})
    return redirect("console:commitment", code=c.code)


urlpatterns = [
    path("commitments/", inbox_page, name="commitments"),
    path("commitments/sign", sign_page, name="commitment_sign"),
    path("commitments/<str:code>/", commitment_page, name="commitment"),
    path("commitments/<str:code>/action", commitment_action, name="commitment_action"),
]
