"""Credit report endpoints: verification (public), the signing key, report downloads (credit checks, R9.2)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Router, Schema

from ecredit import jsonbody
from ecredit.kit.crypto import ed25519_public_hex
from ecredit.kit.errors import Forbidden, ValidationFailed
from ecredit.throttle import throttle

from . import pdf, reports
from .report_views import pdf_response

# Order matters: /reports/signing-key and /reports/verify before /reports/{code}, which would match them.
router = Router(tags=["reports"])


class ReportVerificationOut(Schema):
    verdict: str                      # valid | altered | withdrawn | unknown
    code: str
    subject_name: str
    scope: str
    scope_label: str
    issued_at: dt.datetime | None
    reason: str


class SigningKeyOut(Schema):
    algorithm: str
    public_key: str                   # raw Ed25519 public key, hex
    fingerprint: str
    pem: str
    signed_message: str               # the format of the message each report's signature covers


_VERIFY_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "properties": {"code": {"type": "string"}},
                                    "required": ["code"]}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                 "format": "binary"}}}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}
_PDF_RESPONSE = {"responses": {"200": {"description": "The signed report (PDF)",
                                       "content": {"application/pdf": {"schema": {"type": "string",
                                                                                  "format": "binary"}}}}}}


@router.get("/reports/signing-key", response=SigningKeyOut, auth=None,
            summary="The key that signs credit reports")
def signing_key(request):
    public_hex = ed25519_public_hex(settings.KEYS.signing_key)
    return {"algorithm": reports.ALGORITHM, "public_key": public_hex, "fingerprint": pdf.key_fingerprint(public_hex),
            "pem": reports.public_key_pem(),
            "signed_message": "ecredit-report:<code>:<SM3 of canonical content JSON>:<issued_at, UTC>"}


@router.post("/reports/verify", response=ReportVerificationOut, auth=None, openapi_extra=_VERIFY_BODY,
             summary="Verify a credit report: JSON {code}, or the PDF (multipart `file`, or the body itself)")
def verify_report(request):
    throttle(request, "report")
    kind = request.content_type or ""
    if kind.startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("请上传报告文件（字段名 file）"), field="file", code="required")
        if upload.size > reports.MAX_UPLOAD:
            raise ValidationFailed(_("文件过大（不超过20MB）"), field="file", code="too_large")
        return reports.verify_pdf(upload.read()).as_dict()
    if kind == "application/pdf" or kind == "application/octet-stream":
        return reports.verify_pdf(request.body).as_dict()
    body = jsonbody.loads(request.body or b"{}")   # BadJson (422) for what is not JSON we take
    if not isinstance(body, dict) or not isinstance(body.get("code"), str) or not body["code"].strip():
        raise ValidationFailed(_("请提供验证码 code 或上传报告文件"), field="code", code="required")
    return reports.verify_code(body["code"]).as_dict()


@router.get("/reports/{code}", response=ReportVerificationOut, auth=None,
            summary="Verify a credit report by its code")
def verify_by_code(request, code: str):
    throttle(request, "report")
    return reports.verify_code(code).as_dict()


@router.get("/subjects/{int:subject_id}/report", openapi_extra=_PDF_RESPONSE,
            summary="A subject's signed credit report (PDF): own, credit check (purpose, R9.2) or public")
def subject_report(request, subject_id: int, purpose: str = ""):
    principal = request.auth
    if principal.is_anonymous:
        raise Forbidden(_("请先登录或提供令牌"), code="unauthenticated")
    throttle(request, "report")   # a subject's own account; clients and officers are not limited
    return pdf_response(reports.issue_report(subject_id, principal, purpose=purpose, channel="api"))
