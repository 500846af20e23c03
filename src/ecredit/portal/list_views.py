"""Public pages of the lists: who is on the red and black lists today, and the rules of every list."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from ecredit import policy
from ecredit.archive.models import CreditRecord
from ecredit.registry.models import SubjectKind

from . import services
from .views import _context, cached_page, limited

PER_TYPE = 200


def _public_list_records(type_codes: list[str], today):
    return (CreditRecord.objects.filter(CreditRecord.objects.public_q(today), record_type_id__in=type_codes)
            .exclude(subject__kind=SubjectKind.PERSON))


@require_GET
@limited("lists")
def public_lists(request):
    """Red and black lists in public view today (organisations and shops; persons are never listed here)."""
    current, today = policy.current(), timezone.localdate()
    rule = current.portal(today)
    chosen = request.GET.get("type", "")
    codes = rule.red_list_types + rule.black_list_types
    shown = [chosen] if chosen in codes else codes

    def page():
        counts = dict(_public_list_records(codes, today).values_list("record_type_id").annotate(n=Count("id")))
        groups = []
        for code in shown:
            records = list(_public_list_records([code], today).select_related("subject", "source")
                           .order_by("-decided_on", "-id")[:PER_TYPE])
            if records or chosen:
                groups.append({"code": code, "name": services.text(current.record_types[code].name),
                               "red": code in rule.red_list_types, "records": records, "count": counts.get(code, 0)})
        return render(request, "portal/lists.html", _context(
            request, groups=groups, chosen=chosen, today=today, per_type=PER_TYPE,
            types=[(c, services.text(current.record_types[c].name), c in rule.red_list_types, counts.get(c, 0))
                   for c in codes]))

    return cached_page(request, f"lists:{chosen}", page)


@require_GET
def list_rules(request):
    """Every list type in force: who decides, the grounds, the procedure's deadlines and the measures with their
    legal basis and implementer (generated from lists.yaml)."""
    current = policy.current()

    def implementer_name(implementer) -> str:
        if implementer.department:
            department = current.department(implementer.department)
            return services.text(department.name) if department else implementer.department
        return services.text(current.access.organisation_kinds[implementer.organisation_kind])

    def page():
        types = []
        for code in current.lists.list_types:
            rule = current.list_type(code)
            department = current.department(rule.department)
            measures = []
            for m in rule.measures:
                measure = current.measure(m)
                measures.append({"name": services.text(measure.name), "content": measure.content,
                                 "implementer": implementer_name(measure.implementer),
                                 "legal_basis": measure.legal_basis, "accept": measure.accept_working_days,
                                 "report": measure.report_working_days})
            types.append({"code": code, "name": services.text(rule.name), "polarity": rule.polarity,
                          "department": services.text(department.name) if department else rule.department,
                          "record_type": services.text(current.record_types[rule.record_type].name),
                          "publicity": current.record_types[rule.record_type].publicity,
                          "grounds": [services.text(g.name) for g in rule.grounds],
                          "exit_grounds": [services.text(g.name) for g in rule.exit_grounds],
                          "procedure": rule.procedure, "measures": measures, "reference": rule.reference,
                          "effective": rule.effective})
        return render(request, "portal/list_rules.html", _context(request, types=types))

    return cached_page(request, "list_rules", page)


urlpatterns = [
    path("lists/", public_lists, name="lists"),
    path("rules/lists", list_rules, name="list_rules"),
]
