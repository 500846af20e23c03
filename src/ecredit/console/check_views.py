"""Credit checks in administrative matters (R9.2): an officer names a subject and the matter and downloads
the signed check report; the purpose is written to the access log and printed on the report."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecredit.kit.errors import DomainError
from ecredit.portal import reports
from ecredit.portal.models import CreditReport, ReportScope
from ecredit.portal.report_views import pdf_response
from ecredit.registry import lookups

from .views import console_principal


class CheckForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("统一社会信用代码或主体编号"), max_length=40,
                              widget=forms.TextInput(attrs={"size": 24, "autocomplete": "off"}))
    purpose = forms.CharField(label=gettext_lazy("查询用途（办理的行政事项）"), max_length=200, required=False,
                              widget=forms.TextInput(attrs={"size": 48,
                                                            "placeholder": gettext_lazy("如：政府采购供应商资格审查")}))


def _principal(request):
    principal = console_principal(request)
    if not principal.can("credit.check"):
        raise PermissionDenied(_("您没有信用核查的权限"))
    return principal


def _find(principal, value: str):
    """A subject by its unified social credit code, or by its number in the archive."""
    value = value.strip()
    if value.isdigit() and len(value) < 18:
        return lookups.find(principal, subject_id=int(value))
    return lookups.find(principal, uscc=value)


@login_required
@require_http_methods(["GET", "POST"])
def credit_check(request):
    """The check form; a valid request answers with the report PDF itself."""
    principal = _principal(request)
    form = CheckForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            subject = _find(principal, form.cleaned_data["subject"])
            report = reports.issue_report(subject.pk, principal, scope=ReportScope.CHECK,
                                          purpose=form.cleaned_data["purpose"], channel="console")
        except DomainError as exc:
            field = {"uscc": "subject", "subject": "subject", "purpose": "purpose"}.get(exc.field or "")
            form.add_error(field, str(exc.message))
            status = exc.http_status
        else:
            return pdf_response(report)
    elif request.method == "POST":
        status = 422
    recent = (CreditReport.objects.filter(scope=ReportScope.CHECK, issued_to_org=principal.organisation_code)
              .select_related("subject").defer("pdf", "content").order_by("-issued_at")[:20]
              if principal.organisation_code else [])
    return render(request, "console/credit_check.html", {"form": form, "recent": recent}, status=status)
