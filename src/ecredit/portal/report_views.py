"""Credit report downloads and verification (page and form)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from ecredit.kit.errors import DomainError, Forbidden, NotFound, TooManyRequests
from ecredit.throttle import throttle

from . import reports
from .models import ReportScope
from .views import limited, portal_principal, too_many_requests

VERDICTS = {
    "valid": _("报告有效"),
    "altered": _("报告已被修改"),
    "withdrawn": _("报告已失效"),
    "unknown": _("未找到该报告"),
}


def pdf_response(report) -> HttpResponse:
    """The issued PDF as a download named after its verification code."""
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credit-report-{report.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Report-Code"] = report.code
    return response


def _issue(subject_id: int, principal, scope: str) -> HttpResponse:
    try:
        report = reports.issue_report(subject_id, principal, scope=scope, channel="portal")
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from None
    return pdf_response(report)


@require_GET
@limited("report")
def subject_report(request, subject_id: int):
    """A subject's report: the own version for the subject's own login, the public version for anyone else."""
    principal = portal_principal(request)
    scope = ReportScope.OWN if principal.subject_id == subject_id else ReportScope.PUBLIC
    return _issue(subject_id, principal, scope)


@require_GET
@limited("report")
def own_report(request):
    """The logged-in subject's own report (a person's report is only ever issued here)."""
    principal = portal_principal(request)
    if not principal.acts_as_subject or not principal.subject_id:
        if request.user.is_authenticated:
            raise PermissionDenied(_("当前登录的账号不是信用主体本人账号"))
        return redirect(f"{reverse('portal:login')}?next={reverse('portal:own_report')}")
    return _issue(principal.subject_id, principal, ReportScope.OWN)


class VerifyForm(forms.Form):
    """A verification code, or the PDF file itself."""

    code = forms.CharField(label=_("验证码"), max_length=40, required=False,
                           widget=forms.TextInput(attrs={"placeholder": "ECR-XXXX-XXXX-XXXX-XXXX",
                                                         "autocomplete": "off", "spellcheck": "false",
                                                         "size": 28}))
    file = forms.FileField(label=_("报告文件（PDF）"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("file"):
            raise forms.ValidationError(_("请输入验证码或上传报告文件"))
        upload = data.get("file")
        if upload is not None and upload.size > reports.MAX_UPLOAD:
            self.add_error("file", _("文件过大（不超过20MB）"))
        return data


def _page(request, form: VerifyForm, result=None, status: int = 200) -> HttpResponse:
    principal = portal_principal(request)
    return render(request, "portal/verify.html", {
        "form": form, "result": result, "verdict_label": VERDICTS.get(result.verdict, "") if result else "",
        "portal_user": request.user.get_username() if principal.acts_as_subject else ""}, status=status)


@require_http_methods(["GET", "POST"])
def verify(request):
    """Check a report: by its code, or by uploading the file (valid, altered, withdrawn, unknown)."""
    if request.method == "POST" or request.GET.get("code"):
        try:   # the empty form costs nothing: only checks count
            throttle(request, "report")
        except TooManyRequests as error:
            return too_many_requests(request, error)
    if request.method == "GET":
        code = request.GET.get("code", "")
        form = VerifyForm(initial={"code": code})
        return _page(request, form, reports.verify_code(code) if code else None)
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=422)
    upload = form.cleaned_data.get("file")
    try:
        if upload is not None:
            result = reports.verify_pdf(upload.read(reports.MAX_UPLOAD + 1))
        else:
            result = reports.verify_code(form.cleaned_data["code"])
    except DomainError as exc:
        form.add_error("file" if exc.field == "file" else None, str(exc.message))
        return _page(request, form, status=exc.http_status)
    return _page(request, form, result)


@require_GET
@limited("report")
def verify_code(request, code: str):
    """The QR code's target: the verdict on the report with this code."""
    return _page(request, VerifyForm(initial={"code": code}), reports.verify_code(code))


@require_GET
def verify_key(request):
    """The public key that signs reports (PEM), for checking them offline with OpenSSL."""
    return HttpResponse(reports.public_key_pem(), content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("subjects/<int:subject_id>/report.pdf", subject_report, name="report"),
    path("me/report.pdf", own_report, name="own_report"),
    path("verify", verify, name="verify"),
    path("verify/key", verify_key, name="verify_key"),
    path("verify/<str:code>", verify_code, name="verify_code"),
]
