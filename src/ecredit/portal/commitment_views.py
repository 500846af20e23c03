"""Portal pages of credit commitments (信用承诺, plan task 7):

- /commitments/: the public commitments in force or expired, searchable by name, code or matter and by type;
- /commitments/<code>/: one commitment in standard format with its signature check; a commitment the reader may
  not see still answers whether it exists, is intact and stands (the text stays hidden);
- /me/commitments/: a subject's own commitments, and the form to sign one (reached from /me/).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.access.principal import anonymous
from ecredit.archive.models import CreditRecord
from ecredit.commitments import flows, services, signing
from ecredit.commitments.models import CommitmentType, Visibility
from ecredit.registry.models import Subject
from ecredit.kit.errors import DomainError

from . import services as portal_services
from .views import _context, _own_account, cached_page, portal_principal

PAGE_SIZE = 50


def _verdict_label(verdict: str) -> str:
    return {"valid": _("真实有效"), "withdrawn": _("已失效"), "altered": _("校验失败"), "mismatch": _("文本不一致"),
            "unknown": _("未找到")}.get(verdict, verdict)


def _types() -> list[tuple[str, str]]:
    current = policy.current()
    return [(code, portal_services.text(current.commitments.type_rule(code).name)) for code in current.commitments.types]


@require_GET
def commitments_page(request):
    """Public commitments, newest first, by name, code or matter and by type."""
    q = (request.GET.get("q") or "").strip()[:60]
    chosen = request.GET.get("type", "")
    if chosen not in CommitmentType.values:
        chosen = ""
    try:
        page_no = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page_no = 1

    def page():
        found = services.search(anonymous(), q=q, commitment_type=chosen)
        total = found.count()
        items = list(found[(page_no - 1) * PAGE_SIZE:page_no * PAGE_SIZE])
        return render(request, "portal/commitments/list.html", _context(
            request, items=items, total=total, q=q, chosen=chosen, types=_types(), page_no=page_no,
            has_next=page_no * PAGE_SIZE < total, names={c: services.type_name(c) for c in CommitmentType.values}))

    return cached_page(request, f"commitments:{q}:{chosen}:{page_no}", page)


@require_GET
def commitment_page(request, code: str):
    """One commitment: its standard-format text when the reader may see it, and always the signature check.
    Not cached: the check must run against the row as it is now."""
    principal = portal_principal(request)
    result = services.verify(code, principal, channel="portal")
    if result.verdict == "unknown" and signing.normalise_code(code) is None:
        raise Http404
    c = result.commitment
    return render(request, "portal/commitments/detail.html", _context(
        request, result=result, c=c, verdict_label=_verdict_label(result.verdict),
        subject_name=services.shown_name(c, principal) if c and result.shown else "",
        type_name=services.type_name(c.commitment_type) if c else "",
        paragraphs=c.text.split("\n") if c and result.shown else [],
        message=c.get_status_display() if c else ""))


# ---------------------------------------------------------------------------------------------- own account


def _acceptors() -> list[Organisation]:
    kinds = {kind for versions in policy.current().commitments.types.values() for v in versions for kind in v.acceptors}
    return list(Organisation.objects.filter(active=True, kind__in=kinds).order_by("kind", "name"))


def _sign_context(request, principal, error: str = "", values: dict | None = None) -> dict:
    today = dt.date.today()
    current = policy.current().commitments
    rules = [(code, current.type_rule(code, today)) for code in current.types]
    templates = [{"code": code, "rule": rule, "promises": [(current.promises[p].name.zh, current.promises[p].text)
                                                         for p in rule.template.promises]} for code, rule in rules]
    own = services.search(principal, subject_id=principal.subject_id).select_related("accepted_by")
    shops = list(Subject.objects.filter(operator_id=principal.subject_id).order_by("name")[:100])
    negative = list(CreditRecord.objects.filter(subject_id=principal.subject_id, polarity="negative")
                    .select_related("record_type").order_by("-decided_on")[:100])
    # The form's request id: submitted twice, it signs once (nothing is kept under it after an error).
    client_ref = (values or {}).get("client_ref") or uuid.uuid4().hex
    return _context(request, principal=principal, own=list(own[:200]), rules=rules, templates=templates,
                    acceptors=_acceptors(), shops=shops, negative=negative, error=error, values=values or {},
                    visibilities=Visibility.choices, client_ref=client_ref)


def my_commitments(request):
    """The subject's own commitments and the signing form (the standard format is shown before signing)."""
    principal = _own_account(request)
    if principal is None:
        if request.user.is_authenticated:
            return render(request, "portal/me.html", _context(request, not_subject=True), status=403)
        return redirect(f"{reverse('portal:login')}?next={reverse('portal:my_commitments')}")
    if request.method != "POST":
        return render(request, "portal/commitments/mine.html", _sign_context(request, principal))
    form = request.POST
    try:
        valid_until = dt.date.fromisoformat(form["valid_until"]) if form.get("valid_until") else None
    except ValueError:
        return render(request, "portal/commitments/mine.html",
                      _sign_context(request, principal, _("有效期不是有效日期"), form), status=422)
    try:
        c, _created = services.sign_once(
            principal, client_ref=form.get("client_ref", ""), commitment_type=form.get("commitment_type", ""),
            subject_id=int(form["subject_id"]) if form.get("subject_id", "").isdigit() else None,
            matter=form.get("matter", ""), accepted_by=form.get("accepted_by", ""),
            valid_until=valid_until, visibility=form.get("visibility") or None,
            record_id=int(form["record_id"]) if form.get("record_id", "").isdigit() else None)
    except DomainError as exc:
        return render(request, "portal/commitments/mine.html",
                      _sign_context(request, principal, str(exc.message), form), status=exc.http_status)
    return redirect("portal:commitment", code=c.code)


@require_POST
def withdraw(request, code: str):
    """The signer withdraws a commitment not yet accepted."""
    principal = _own_account(request)
    if principal is None:
        return redirect(f"{reverse('portal:login')}?next={reverse('portal:my_commitments')}")
    try:
        flows.withdraw(code, principal, reason=request.POST.get("reason", "") or _("本人撤回"))
    except DomainError as exc:
        return render(request, "portal/commitments/mine.html", _sign_context(request, principal, str(exc.message)),
                      status=exc.http_status)
    return redirect("portal:commitment", code=code)


urlpatterns = [
    path("commitments/", commitments_page, name="commitments"),
    path("commitments/<str:code>/", commitment_page, name="commitment"),
    path("me/commitments/", my_commitments, name="my_commitments"),
    path("me/commitments/<str:code>/withdraw", withdraw, name="commitment_withdraw"),
]
