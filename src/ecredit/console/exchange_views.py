"""Console pages for spreadsheet intake: templates per record type, upload, result and error report."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ecredit import policy
from ecredit.access.principal import for_user
from ecredit.archive.services import may_submit
from ecredit.exchange import files
from ecredit.exchange.models import Batch, Channel
from ecredit.kit.errors import DomainError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 64 * 1024 * 1024


def _principal(request):
    principal = for_user(request.user)
    if not principal.can("record.submit") or principal.organisation_id is None:
        raise PermissionDenied(_("您没有报送信用记录的权限"))
    return principal


def _types(principal) -> list:
    """Record types the principal's organisation may submit, in catalog order."""
    return [rule for rule in policy.current().catalog.record_types if may_submit(principal, rule.code)]


class UploadForm(forms.Form):
    type_code = forms.ChoiceField(label=gettext_lazy("信用信息类型"))
    file = forms.FileField(label=gettext_lazy("文件（.xlsx、.xls 或 .csv）"))
    atomic = forms.BooleanField(label=gettext_lazy("整批接收或整批退回（有任何一行出错则整个文件都不入库）"),
                                required=False)

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type_code"].choices = [(rule.code, rule.name.zh) for rule in types]



def _page(request, principal, form, status=200, error=None):
    recent = (Batch.objects.visible_to(principal).filter(organisation_id=principal.organisation_id,
                                                         channel=Channel.EXCEL)[:10])
    uploads = [(batch, files.report_path(batch.pk).exists()) for batch in recent]
    return render(request, "console/exchange_index.html",
                  dict(types=_types(principal), form=form, error=error, uploads=uploads),
                  status=status)


@login_required
@require_GET
def exchange_index(request):
    principal = _principal(request)
    return _page(request, principal, UploadForm(types=_types(principal)))


@login_required
@require_GET
def exchange_template(request, type_code: str):
    principal = _principal(request)
    if not may_submit(principal, type_code):
        raise Http404
    rule = policy.current().record_types[type_code]
    response = HttpResponse(files.template(type_code), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{rule.name.zh}_模板.xlsx")
    return response


@login_required
@require_http_methods(["POST"])
def exchange_upload(request):
    principal = _principal(request)
    types = _types(principal)
    form = UploadForm(request.POST, request.FILES, types=types)
    if not form.is_valid():
        return _page(request, principal, form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD:
        return _page(request, principal, form, status=400,
                     error=_("文件过大（超过{n}MB），请拆分后上传，或使用命令行导入").format(n=MAX_UPLOAD // 2**20))
    try:
        result = files.import_file(upload.read(), upload.name, form.cleaned_data["type_code"], principal,
                                   channel=Channel.EXCEL, atomic=form.cleaned_data["atomic"])
    except DomainError as exc:
        return _page(request, principal, form, status=400, error=str(exc.message))
    files.save_report(result)
    return redirect("console:exchange_result", batch_id=result.batch_ids[0])


def _own_batch(principal, batch_id: int) -> Batch:
    batch = Batch.objects.filter(pk=batch_id, organisation_id=principal.organisation_id).first()
    if batch is None:
        raise Http404
    return batch


@login_required
@require_GET
def exchange_result(request, batch_id: int):
    principal = _principal(request)
    batch = _own_batch(principal, batch_id)
    summary = files.stored_summary(batch.pk) or {
        "filename": batch.filename, "received": batch.received, "created": batch.created, "updated": batch.updated,
        "unchanged": batch.unchanged, "rejected": batch.rejected, "batches": [batch.pk], "atomic": batch.atomic,
        "problems": [{"row": e.get("row", ""), "column": e.get("field", ""), "message": e.get("message", "")}
                     for e in batch.errors[:200]], "ignored": [], "refused_rows": batch.rejected}
    return render(request, "console/exchange_result.html",
                  dict(batch=batch, summary=summary, has_report=files.report_path(batch.pk).exists()))


@login_required
@require_GET
def exchange_report(request, batch_id: int):
    principal = _principal(request)
    path = files.report_for(batch_id, principal)
    if path is None:
        raise Http404
    batch = _own_batch(principal, batch_id)
    stem = batch.filename.rsplit(".", 1)[0] if batch.filename else str(batch.pk)
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{stem}_处理结果.xlsx", content_type=XLSX)
