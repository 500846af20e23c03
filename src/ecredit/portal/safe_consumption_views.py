"""Portal pages of 放心消费 (safe consumption) merchants: the public list (search by name, region, platform; each
entry links to the merchant's credit profile), the criteria as a policy officer reads them, and a subject's own
page to preview the criteria and apply for itself or a shop it runs."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ecredit import policy
from ecredit.kit.errors import DomainError
from ecredit.registry.models import Subject, SubjectKind
from ecredit.safe_consumption import criteria, services as sc

from . import services
from .views import _context, _own_account, cached_page

PAGE_SIZE = 100


@require_GET
def titles(request):
    """The 放心消费 merchants today, searchable by name (or pinyin initials), region and platform."""
    q = request.GET.get("q", "").strip()[:60]
    regions = sc.known_regions()
    region = request.GET.get("region", "")
    region = region if region in regions else ""
    platform = request.GET.get("platform", "")
    platform_id = int(platform) if platform.isdigit() else None

    def page():
        today = timezone.localdate()
        found = sc.public_titles(q=q, region=region, platform_id=platform_id, today=today)
        total = found.count()
        rows = [{"e": e, "region_name": regions.get(e.region, "")} for e in found[:PAGE_SIZE]]
        return render(request, "portal/safe_consumption/titles.html", _context(
            request, rows=rows, total=total, per_page=PAGE_SIZE, q=q, region=region, platform_id=platform_id,
            regions=regions.items(), platforms=sc.platforms_listed(today), today=today,
            scheme_name=services.text(criteria.scheme(today).name)))

    key = "safe_consumption:" + urlencode({"q": q, "region": region, "platform": platform_id or ""})
    return cached_page(request, key, page)


def _criterion_rows(rules) -> list[dict]:
    """Each criterion as the page shows it: the sentence, how the system checks it, what follows a failure."""
    consequences = {"suspend": _("暂停称号"), "revoke": _("撤销称号"), "none": _("不影响已取得的称号")}
    return [{"code": c.code, "name": services.text(c.name), "text": services.text(c.text), "how": how(c),
             "while_held": consequences[c.while_held], "reference": c.reference, "proposal": c.proposal,
             "related": c.scope == "related"} for c in rules.criteria]


def how(criterion) -> str:
    """How the system checks a criterion, in words (from the machine check itself, so the two never differ)."""
    check = criterion.check
    if check.verified is not None:
        text = _("核对登记机关、平台报送的实名信息是否经核验")
        return text + (_("（网店同时核对其经营者）") if check.verified.operator_too else "")
    if check.grade is not None:
        return _("读取现行信用评价等级，须为%(grades)s级") % {"grades": "、".join(check.grade.grades)}
    if check.no_list_entry is not None:
        test = check.no_list_entry
        names = [criteria.list_type_name(t) for t in test.list_types]
        if test.polarity:
            names.append(_("所有失信惩戒名单") if test.polarity == "punishment" else _("所有守信激励名单"))
        return _("读取名单信息：不得在%(lists)s中（在列期间）") % {"lists": "、".join(names)}
    test = check.records
    current = policy.current()
    kinds = [services.text(current.record_types[t].name) for t in test.types if t in current.record_types]
    categories = current.catalog.categories
    kinds += [services.text(categories[c]) for c in test.categories if c in categories]
    severity = {"minor": _("轻微"), "general": _("一般"), "serious": _("严重")}
    if test.severity:
        degrees = "、".join(str(severity.get(s, s)) for s in test.severity)
        kinds = [_("%(degrees)s程度的%(kind)s") % {"degrees": degrees, "kind": k} for k in kinds]
    kinds[-1:] = [kinds[-1] + _details_text(test, current)] if kinds else []
    values = {"span": _("近%(span)s内") % {"span": criteria.period_text(str(test.within))} if test.within
              else _("在有效期内的"), "what": "、".join(kinds), "n": test.at_least or test.at_most}
    if test.at_least is not None:
        return _("统计%(span)s%(what)s记录，至少%(n)s条") % values
    if test.at_most == 0:
        return _("统计%(span)s%(what)s记录，不得有") % values
    return _("统计%(span)s%(what)s记录，不超过%(n)s条") % values


def _details_text(test, current) -> str:
    """The details a record test reads, in words, using the labels of the catalog's template ("行业自律型=…")."""
    parts = []
    for values, negated in ((test.details, False), (test.details_not, True)):
        for name, codes in values.items():
            prop = next((current.record_types[t].details_schema.get("properties", {}).get(name) for t in test.types
                         if t in current.record_types), None) or {}
            labels = dict(reversed(pair.split("=", 1)) for pair in str(prop.get("description", "")).split("；")
                          if "=" in pair)
            words = "、".join(labels.get(code, code) for code in codes)
            title = prop.get("title", name)
            parts.append(_("%(field)s不为%(values)s") % {"field": title, "values": words} if negated
                         else _("%(field)s为%(values)s") % {"field": title, "values": words})
    return "（%s）" % "，".join(parts) if parts else ""


@require_GET
def criteria_page(request):
    """The scheme in force: its criteria, validity, re-check and grounds for removal, with their sources."""
    def page():
        rules = criteria.scheme()
        return render(request, "portal/safe_consumption/criteria.html", _context(
            request, scheme=rules, name=services.text(rules.name), awarded_by=services.text(rules.awarded_by),
            rows=_criterion_rows(rules), valid_for=criteria.period_text(str(rules.valid_for)),
            renewal_window=criteria.period_text(str(rules.renewal_window)),
            suspension_limit=criteria.period_text(str(rules.suspension_limit)),
            reapply_after_refusal=criteria.period_text(str(rules.reapply_after_refusal)),
            reapply_after_revocation=criteria.period_text(str(rules.reapply_after_revocation)),
            reviewers=[services.text(d.name) for d in map(_department, rules.reviewers) if d]))
    return cached_page(request, "safe_consumption_criteria", page)


def _department(code: str):
    return policy.current().department(code)


@require_http_methods(["GET", "POST"])
def apply(request):
    """A subject's own account: its enrolments, a preview of the criteria, and the application for itself or a
    shop it runs."""
    principal = _own_account(request)
    if principal is None:
        if request.user.is_authenticated:
            raise Http404
        return redirect(f"{reverse('portal:login')}?next={reverse('portal:safe_consumption_apply')}")
    own = Subject.objects.filter(pk=principal.subject_id).first()
    candidates = [own] if own and own.kind in criteria.scheme().subject_kinds else []
    candidates += list(Subject.objects.filter(kind=SubjectKind.SHOP, operator_id=principal.subject_id)
                       .select_related("platform").order_by("name")[:200])
    preview, chosen = None, None
    if request.method == "POST":
        chosen = request.POST.get("subject", "")
        try:
            subject_id = int(chosen) if chosen.isdigit() else 0
            if "apply" in request.POST:
                sc.apply(principal, subject_id=subject_id, region=request.POST.get("region", ""),
                         statement=request.POST.get("statement", ""))
                messages.success(request, _("已提交申请，系统已完成条件核验，请等待审核部门审核"))
                return redirect("portal:safe_consumption_apply")
            result = sc.preview(principal, subject_id=subject_id)
            preview = {"passed": result.passed, "items": sc.shown_items(result.as_dict(), principal)}
        except DomainError as exc:
            messages.error(request, str(exc.message))
    mine = [{"e": e, "items": sc.shown_items(e.results, principal), "recheck": sc.shown_items(e.recheck, principal)}
            for e in sc.enrolments(principal)[:50]]
    return render(request, "portal/safe_consumption/apply.html", _context(
        request, candidates=candidates, chosen=chosen, preview=preview, mine=mine,
        regions=sc.known_regions().items(), scheme_name=services.text(criteria.scheme().name)))


urlpatterns: list = [
    path("safe-consumption/", titles, name="safe_consumption"),
    path("safe-consumption/criteria", criteria_page, name="safe_consumption_criteria"),
    path("safe-consumption/apply", apply, name="safe_consumption_apply"),
]
