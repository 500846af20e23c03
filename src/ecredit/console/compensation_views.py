"""Console pages of advance compensation (先行赔付, R5.1):

- the supervision page: per platform, claims decided, paid, on time and recovered, the fund against its minimum;
  the claims past their step's deadline; the claims list with filters. Departments (compensation.view) see every
  platform; a platform (compensation.pay) its own row and claims, its fund and a deposit form;
- one claim: parties, amounts, deadlines, its steps and ledger transactions, and for the platform the forms of the
  steps its status allows.

Every write goes through compensation.services / flows; a refused step comes back as the domain's message.
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
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecredit import policy
from ecredit.access.models import OrganisationKind
from ecredit.compensation import figures, flows, services
from ecredit.compensation.services import yuan
from ecredit.compensation.models import RECOVERING, ClaimStatus, CompensationClaim
from ecredit.kit.errors import DomainError, NotFound, ValidationFailed

from .views import console_principal

PAGE_SIZE = 50


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _name(texts) -> str:
    return texts.en if (get_language() or "").startswith("en") else texts.zh


def _codes(kind: str) -> dict[str, str]:
    """Codes of compensation.yaml (bases, harms, rejection reasons) with their names in force today."""
    rules = policy.current().compensation
    today = timezone.localdate()
    return {code: _name(rules.named(kind, code, today).name) for code in getattr(rules, kind)}


def _principal(request):
    principal = console_principal(request)
    if not services.may_view(principal):
        raise PermissionDenied(_("您没有查看先行赔付情况的权限"))
    return principal


def _is_platform(principal) -> bool:
    return principal.can("compensation.pay") and principal.organisation_kind == OrganisationKind.PLATFORM


def _row(claim: CompensationClaim, today, bases: dict[str, str]) -> dict:
    flags = flows.deadline_flags(claim, today)
    tag = ("ok" if claim.status == ClaimStatus.RECOVERED else "bad" if claim.status == ClaimStatus.REJECTED
           else "" if claim.status == ClaimStatus.WRITTEN_OFF else "warn")
    return {"claim": claim, "tag": tag, "basis": bases.get(claim.basis, claim.basis),
            "claimed": yuan(claim.claimed_fen),
            "paid": yuan(claim.paid_fen) if claim.paid_fen else "—",
            "outstanding": yuan(claim.outstanding_fen) if claim.paid_fen else "—", **flags}


def _figure_rows(principal, today) -> list[dict]:
    rows = []
    for f in figures.per_platform(principal, today):
        rows.append({"f": f, "balance": yuan(f.balance_fen) if f.has_fund else "—",
                     "minimum": yuan(f.required_minimum_fen), "paid_amount": yuan(f.paid_fen),
                     "from_fund": yuan(f.paid_from_fund_fen), "from_own": yuan(f.paid_from_own_fen),
                     "recovered": yuan(f.recovered_fen), "outstanding": yuan(f.outstanding_fen),
                     "written_off": yuan(f.written_off_fen), "on_time": _rate(f.on_time_rate),
                     "recovery": _rate(f.recovery_rate),
                     "median": "—" if f.median_days_to_pay is None else f"{f.median_days_to_pay:g}"})
    return rows


@login_required
@require_GET
def index(request):
    """Figures per platform, claims past their deadline, and the claims list (filter by status, platform)."""
    principal = _principal(request)
    today = timezone.localdate()
    bases = _codes("bases")
    status = request.GET.get("status", "")
    if status not in ("open", "overdue", *ClaimStatus.values):
        status = ""
    platform_id = request.GET.get("platform", "")
    platform_id = int(platform_id) if platform_id.isdigit() else None
    found = services.claims(principal, status=None if status in ("", "overdue") else status, platform_id=platform_id,
                            overdue_on=today if status == "overdue" else None)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    overdue = [_row(c, today, bases) for c in services.claims(principal, overdue_on=today)
               .order_by("decision_due", "id")[:100]]
    fund = None
    if _is_platform(principal):
        view = services.fund_view(principal)
        fund = dict(view, balance=yuan(view["balance_fen"]), reserved=yuan(view["reserved_fen"]),
                    minimum=yuan(view["required_minimum_fen"]))
    figure_rows = _figure_rows(principal, today)
    query = "&".join(f"{k}={v}" for k, v in (("status", status), ("platform", platform_id or "")) if v)
    return render(request, "console/compensation/index.html", dict(
        today=today, figure_rows=figure_rows, overdue=overdue,
        rows=[_row(c, today, bases) for c in page.object_list],
        page=page, total=page.paginator.count, status=status, platform_id=platform_id, query=query,
        statuses=[("open", _("办理中")), ("overdue", _("已逾期")), *ClaimStatus.choices],
        platforms=[(r["f"].platform_id, r["f"].platform_name) for r in figure_rows],
        is_platform=_is_platform(principal), fund=fund, rules=policy.current().compensation.procedure_on(today)))


@login_required
@require_POST
def deposit(request):
    """A platform pays into its fund from the console."""
    principal = _principal(request)
    try:
        services.deposit(principal, amount_fen=_fen(request.POST.get("amount", ""), "amount"),
                         reference_no=request.POST.get("reference", ""), memo=request.POST.get("memo", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已记录缴存"))
    return redirect("console:compensation")


def _fen(value: str, field: str) -> int:
    """Yuan typed in a form (up to two decimals) as fen."""
    value = (value or "").strip().replace(",", "")
    try:
        whole, _dot, cents = value.partition(".")
        if not whole.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)):
            raise ValueError
        return int(whole) * 100 + int((cents + "00")[:2])
    except ValueError:
        raise ValidationFailed(_("金额应为数字（元），最多两位小数"), field=field) from None


def _claim(principal, claim_id: int) -> CompensationClaim:
    try:
        return services.claim_for(claim_id, principal)
    except NotFound:
        raise Http404(_("先行赔付申请不存在")) from None


def _steps(claim: CompensationClaim, principal) -> list[dict]:
    names = {"file": _("提出申请"), "accept": _("同意赔付"), "reject": _("不予赔付"), "pay": _("先行赔付"),
             "demand_recovery": _("向商家追偿"), "recover": _("追回"), "write_off": _("核销")}
    return [{"step": s, "name": names.get(s.action, s.action), "amount": yuan(s.amount_fen) if s.amount_fen else "",
             "text": services.readable(s.text, principal)} for s in claim.steps.order_by("at", "id")]


@login_required
@require_GET
def claim_page(request, claim_id: int):
    """One claim: parties, amounts, deadlines, steps, ledger, and the platform's next step."""
    principal = _principal(request)
    claim = _claim(principal, claim_id)
    today = timezone.localdate()
    mine = _is_platform(principal) and services.platform_of(principal).pk == claim.platform_id
    harms = _codes("harms")
    txns = [{"txn": t, "postings": [{"account": p.get_account_display(), "amount": yuan(p.amount_fen)}
                                    for p in t.postings.all()]}
            for t in claim.transactions.prefetch_related("postings").order_by("at", "id")]
    return render(request, "console/compensation/claim.html", dict(
        row=_row(claim, today, _codes("bases")), claim=claim, facts=services.facts_for(claim, principal), today=today,
        steps=_steps(claim, principal), transactions=txns,
        harms=[harms.get(h, h) for h in claim.harms], mine=mine, on_time=flows.paid_on_time(claim),
        reasons=sorted(_codes("rejection_reasons").items()), amounts={
            "claimed": yuan(claim.claimed_fen), "accepted": yuan(claim.accepted_fen), "paid": yuan(claim.paid_fen),
            "from_fund": yuan(claim.paid_from_fund_fen), "from_own": yuan(claim.paid_from_own_fen),
            "recovered": yuan(claim.recovered_fen), "written_off": yuan(claim.written_off_fen),
            "outstanding": yuan(claim.outstanding_fen)},
        can_decide=mine and claim.status == ClaimStatus.FILED, can_pay=mine and claim.status == ClaimStatus.ACCEPTED,
        can_demand=mine and claim.status == ClaimStatus.PAID, can_recover=mine and claim.status in RECOVERING))


@login_required
@require_POST
def claim_action(request, claim_id: int):
    """One step of the claim from its page; the domain refuses what the status does not allow."""
    principal = _principal(request)
    _claim(principal, claim_id)
    post = request.POST
    action = post.get("action", "")
    done = {"accept": _("已同意赔付"), "reject": _("已决定不予赔付"), "pay": _("已记录赔付"),
            "demand": _("已向商家追偿"), "recover": _("已记录追回"), "write_off": _("已核销")}
    if action not in done:
        return HttpResponseBadRequest(_("未知的操作"))
    try:
        if action == "accept":
            amount = post.get("amount", "").strip()
            flows.accept(claim_id, principal, amount_fen=_fen(amount, "amount") if amount else None,
                         note=post.get("note", ""))
        elif action == "reject":
            flows.reject(claim_id, principal, reason=post.get("reason", ""), note=post.get("note", ""))
        elif action == "pay":
            flows.pay(claim_id, principal, source=post.get("source", "auto"),
                      reference_no=post.get("reference", ""))
        elif action == "demand":
            flows.demand_recovery(claim_id, principal, note=post.get("note", ""))
        elif action == "recover":
            flows.record_recovery(claim_id, principal, amount_fen=_fen(post.get("amount", ""), "amount"),
                                  reference_no=post.get("reference", ""), note=post.get("note", ""))
        else:
            flows.write_off(claim_id, principal, note=post.get("note", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done[action])
    return redirect("console:compensation_claim", claim_id=claim_id)


urlpatterns: list = [
    path("compensation/", index, name="compensation"),
    path("compensation/deposit", deposit, name="compensation_deposit"),
    path("compensation/claims/<int:claim_id>/", claim_page, name="compensation_claim"),
    path("compensation/claims/<int:claim_id>/action", claim_action, name="compensation_claim_action"),
]
