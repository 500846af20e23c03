"""Portal pages: complaints and reports from the public (R10.3, R10.4).

- `/complaints/new`: a consumer's complaint (投诉) with what Order 20 art. 9 requires (name, phone, address; the
  respondent; the claim and the facts), optionally also reporting a violation (art. 7: two cases);
- `/complaints/received`: the receipt (case numbers, the acceptance deadline, how to track);
- `/complaints/track`: a case's status, steps and deadlines, for whoever gives its number and the phone left;
- `/report-centre/`: the online reporting centre: the departments that take reports, what each handles, their
  hotlines; `/report-centre/<department>/`: a report (举报) addressed to one of them, anonymous or real-name,
  under the confidentiality of art. 33.

No outside captcha service: the forms carry a signed token with a shortest fill time and a life, a honeypot,
and the service limits submissions per network address and per phone (complaints.yaml: portal); tracking is
limited per address (`complaints.antispam`). Pages with tokens or personal data are never cached.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ecredit.complaints import antispam
from ecredit.complaints.models import Kind
from ecredit.complaints.services import pages, submit_portal
from ecredit.kit.errors import DomainError, NotFound
from ecredit.kit.identifiers import is_valid_uscc, normalise_uscc

from .views import _context

RECEIPT_SESSION_KEY = "complaints_receipt"


def remote_address(request) -> str:
    """The visitor's network address as the server saw it (the front proxy must pass the real one)."""
    return (request.META.get("REMOTE_ADDR") or "")[:64]


# ---------------------------------------------------------------------------------------------- forms


class _Respondent(forms.Form):
    """Who the complaint or report is about: a name or a shop, and what identifies them."""

    respondent_name = forms.CharField(label=gettext_lazy("被投诉（举报）人名称或姓名"), max_length=200, required=False)
    respondent_uscc = forms.CharField(label=gettext_lazy("统一社会信用代码（选填）"), max_length=18, required=False)
    respondent_address = forms.CharField(label=gettext_lazy("被投诉（举报）人地址"), max_length=300, required=False,
                                         help_text=gettext_lazy("网店可不填，写明平台和网店名称即可"))
    platform_name = forms.CharField(label=gettext_lazy("电商平台（选填）"), max_length=200, required=False)
    shop_name = forms.CharField(label=gettext_lazy("网店名称（选填）"), max_length=200, required=False)
    shop_id = forms.CharField(label=gettext_lazy("网店编号（选填）"), max_length=64, required=False)
    order_no = forms.CharField(label=gettext_lazy("订单号（选填）"), max_length=64, required=False)
    waybill_no = forms.CharField(label=gettext_lazy("快递运单号（选填）"), max_length=64, required=False)
    content = forms.CharField(label=gettext_lazy("事实经过"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6}),
                              error_messages={"required": gettext_lazy("请填写事实经过")})

    def clean_respondent_uscc(self) -> str:
        value = (self.cleaned_data.get("respondent_uscc") or "").strip().upper()
        if value and not is_valid_uscc(value):
            raise forms.ValidationError(_("统一社会信用代码校验不通过，请核对；不清楚可以不填"))
        return normalise_uscc(value) if value else ""

    def clean_content(self) -> str:
        value = (self.cleaned_data.get("content") or "").strip()
        minimum = antispam.limits().min_content_chars
        if len(value) < minimum:
            raise forms.ValidationError(_("请具体描述事实经过（至少{n}个字）").format(n=minimum))
        return value

    def clean(self):
        data = super().clean()
        if not (data.get("respondent_name") or "").strip() and not (data.get("shop_name") or "").strip():
            self.add_error("respondent_name", _("请填写被投诉（举报）人的名称，或网店名称"))
        return data


class ComplaintForm(_Respondent):
    """A consumer's complaint (Order 20 art. 9), optionally also a report of a violation (art. 7)."""

    complainant_name = forms.CharField(label=gettext_lazy("您的姓名"), max_length=60,
                                       error_messages={"required": gettext_lazy("请填写您的姓名（第九条）")})
    complainant_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20,
                                        error_messages={"required": gettext_lazy("请填写联系电话（第九条）")})
    complainant_address = forms.CharField(label=gettext_lazy("通讯地址"), max_length=300,
                                          error_messages={"required": gettext_lazy("请填写通讯地址（第九条）")})
    claim = forms.CharField(label=gettext_lazy("投诉请求（诉求）"), max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=gettext_lazy("如：退货退款、换货、赔偿损失"),
                            error_messages={"required": gettext_lazy("请填写具体的投诉请求（第九条）")})
    amount = forms.DecimalField(label=gettext_lazy("涉及金额（元，选填）"), required=False, min_value=Decimal("0"),
                                max_value=Decimal("999999999999"), decimal_places=2,
                                error_messages={"invalid": gettext_lazy("请填写数字金额"),
                                                "min_value": gettext_lazy("金额不能为负数"),
                                                "max_decimal_places": gettext_lazy("金额最多保留两位小数")})
    aware_on = forms.DateField(label=gettext_lazy("知道权益受损的日期（选填）"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}),
                               error_messages={"invalid": gettext_lazy("日期格式应为 年-月-日")})
    also_report = forms.BooleanField(label=gettext_lazy("同时举报经营者的违法行为"), required=False,
                                     help_text=gettext_lazy("投诉和举报将分别登记、分别处理（第七条）"))

    field_order = ["complainant_name", "complainant_phone", "complainant_address", "respondent_name",
                   "respondent_uscc", "respondent_address", "platform_name", "shop_name", "shop_id", "order_no",
                   "waybill_no", "content", "claim", "amount", "aware_on", "also_report"]

    def clean_aware_on(self):
        value = self.cleaned_data.get("aware_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天"))
        return value


class ReportForm(_Respondent):
    """A report (举报) to one department: anonymous or real-name (a real-name reporter is told whether a case is
    filed, art. 31(2)); the reporter is kept confidential (art. 33)."""

    identity = forms.ChoiceField(label=gettext_lazy("举报方式"), widget=forms.RadioSelect, initial="real",
                                 choices=[("real", gettext_lazy("实名举报（处理部门将告知是否立案）")),
                                          ("anonymous", gettext_lazy("匿名举报（不留姓名和电话，无法查询进度）"))],
                                 error_messages={"required": gettext_lazy("请选择实名或匿名举报")})
    complainant_name = forms.CharField(label=gettext_lazy("您的姓名"), max_length=60, required=False)
    complainant_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20, required=False)
    complainant_address = forms.CharField(label=gettext_lazy("通讯地址（选填）"), max_length=300, required=False)

    field_order = ["identity", "complainant_name", "complainant_phone", "complainant_address", "respondent_name",
                   "respondent_uscc", "respondent_address", "platform_name", "shop_name", "shop_id", "order_no",
                   "waybill_no", "content"]

    def clean(self):
        data = super().clean()
        if data.get("identity") == "real":
            if not (data.get("complainant_name") or "").strip():
                self.add_error("complainant_name", _("实名举报请填写姓名"))
            if not (data.get("complainant_phone") or "").strip():
                self.add_error("complainant_phone", _("实名举报请填写联系电话"))
        elif data.get("identity") == "anonymous":
            for name in ("complainant_name", "complainant_phone", "complainant_address"):
                data[name] = ""
        return data


class TrackForm(forms.Form):
    """A case number and the phone left with it."""

    case_no = forms.CharField(label=gettext_lazy("案件编号"), max_length=32,
                              error_messages={"required": gettext_lazy("请填写案件编号")})
    phone = forms.CharField(label=gettext_lazy("投诉（举报）时留下的联系电话"), max_length=20,
                            error_messages={"required": gettext_lazy("请填写联系电话")})


# ---------------------------------------------------------------------------------------------- submitting


def _guard(request, form: forms.Form, form_name: str) -> dict | None:
    """The anti-abuse checks before a form is looked at: honeypot, token. A refusal becomes a form error; the
    token's payload when the submission may go ahead."""
    if antispam.honeypot_filled(request.POST):
        form.add_error(None, _("提交未通过校验，请刷新页面后重新填写"))
        return None
    try:
        return antispam.check_token(request.POST.get("form_token", ""), form_name)
    except antispam.Refused as refused:
        form.add_error(None, refused.message)
        return None


def _submit(request, form: forms.Form, payload: dict, kind: str, department: str = "") -> list | None:
    """Claim the form's token and make the case(s) through the service; a refusal it names a field for goes
    under that field (and gives the token back)."""
    if not antispam.spend_token(payload):
        form.add_error(None, _("该表单已经提交过，如需再次投诉举报请重新打开表单"))
        return None
    made = None
    try:
        made = _make(request, form, kind, department)
    finally:
        if not made:
            antispam.release_token(payload)
    return made


def _make(request, form: forms.Form, kind: str, department: str) -> list | None:
    """The service call itself: the case(s) made, or None with the refusal on the form."""
    data = form.cleaned_data
    values = {name: data.get(name) or "" for name in (
        "complainant_name", "complainant_phone", "complainant_address", "respondent_name", "respondent_uscc",
        "respondent_address", "platform_name", "shop_name", "shop_id", "order_no", "waybill_no", "content",
        "claim")}
    try:
        return submit_portal(kind=kind, amount=data.get("amount"), aware_on=data.get("aware_on"),
                            department=department, remote_address=remote_address(request), **values)
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc.message))
        return None


def _receipt(request, made: list) -> None:
    request.session[RECEIPT_SESSION_KEY] = [
        {"case_no": c.case_no, "kind": c.kind, "kind_label": str(c.get_kind_display()),
         "merged": bool(c.merged_into_id), "accept_due": c.accept_due.isoformat() if c.accept_due else "",
         "filing_due": c.filing_due.isoformat() if c.filing_due else "", "real_name": c.real_name,
         "handling_org": c.handling_org.name if c.handling_org_id else ""} for c in made]


def _render_form(request, template: str, form, form_name: str, **extra):
    token = form.data.get("form_token") if form.is_bound else ""
    if not token:
        token = antispam.issue_token(form_name)
    return render(request, template, _context(request, form=form, form_token=token,
                                              honeypot=antispam.HONEYPOT_FIELD, **extra))


def _fresh_token_if_stale(form: forms.Form, form_name: str) -> None:
    """A form sent back with its errors keeps its token while it is still good (so fixing a field quickly is
    not "too fast"); an expired or spent one is replaced."""
    try:
        antispam.check_token(form.data.get("form_token", ""), form_name)
    except antispam.Refused as refused:
        if refused.code != "too_fast":
            form.data = form.data.copy()
            form.data["form_token"] = antispam.issue_token(form_name)


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """The complaint form (投诉)."""
    limits = antispam.limits()
    if request.method == "POST":
        form = ComplaintForm(request.POST)
        payload = _guard(request, form, "complaint")
        if payload is not None and form.is_valid():
            kind = "both" if form.cleaned_data.get("also_report") else Kind.COMPLAINT
            made = _submit(request, form, payload, kind)
            if made:
                _receipt(request, made)
                return redirect("portal:complaint_received")
        _fresh_token_if_stale(form, "complaint")
    else:
        form = ComplaintForm()
    return _render_form(request, "portal/complaints/new.html", form, "complaint", limits=limits)


@never_cache
def complaint_received(request):
    """The receipt of what was just submitted (kept in the visitor's session only)."""
    receipt = request.session.get(RECEIPT_SESSION_KEY)
    if not receipt:
        return redirect("portal:complaint_track")
    for item in receipt:
        for name in ("accept_due", "filing_due"):
            item[name + "_date"] = dt.date.fromisoformat(item[name]) if item[name] else None
    return render(request, "portal/complaints/received.html", _context(request, receipt=receipt))


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_track(request):
    """A case's status, steps and deadlines for its number and the phone left with it (POST: the phone stays
    out of addresses and logs)."""
    found = None
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            try:
                antispam.count_lookup(remote_address(request))
                found = pages.track(form.cleaned_data["case_no"], form.cleaned_data["phone"])
            except antispam.Refused as refused:
                form.add_error(None, refused.message)
            except NotFound:
                form.add_error(None, _("未找到该案件，请核对案件编号和联系电话"))
    else:
        form = TrackForm(initial={"case_no": request.GET.get("case_no", "")[:32]})
    return render(request, "portal/complaints/track.html", _context(request, form=form, found=found))


def report_centre(request):
    """The online reporting centre: who takes which reports, their hotlines, and the forms."""
    return render(request, "portal/complaints/report_centre.html", _context(
        request, departments=pages.reporting_departments()))


@never_cache
@require_http_methods(["GET", "POST"])
def report_form(request, department_code: str):
    """A report to one department (举报)."""
    try:
        department = pages.reporting_department(department_code)
    except NotFound:
        raise Http404
    form_name = f"report:{department_code}"
    if request.method == "POST":
        form = ReportForm(request.POST)
        payload = _guard(request, form, form_name)
        if payload is not None and form.is_valid():
            made = _submit(request, form, payload, Kind.REPORT, department=department_code)
            if made:
                _receipt(request, made)
                return redirect("portal:complaint_received")
        _fresh_token_if_stale(form, form_name)
    else:
        form = ReportForm()
    return _render_form(request, "portal/complaints/report_form.html", form, form_name, department=department,
                        action=reverse("portal:report_form", args=[department_code]))


urlpatterns = [
    path("complaints/new", complaint_new, name="complaint_new"),
    path("complaints/received", complaint_received, name="complaint_received"),
    path("complaints/track", complaint_track, name="complaint_track"),
    path("report-centre/", report_centre, name="report_centre"),
    path("report-centre/<slug:department_code>/", report_form, name="report_form"),
]
