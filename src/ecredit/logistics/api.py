"""Parcels: courier firms push waybills and tracking scans (JSON batches or their own files); anyone tracks a
parcel by its waybill number (the consignee masked), the consignee proves the phone's last four digits to see
their own details and give feedback; anyone reads courier firms' monthly figures and the state vocabularies."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Status

from ecredit import jsonbody
from ecredit.kit.errors import Conflict, NotFound, ValidationFailed

from . import files, services
from .models import ParcelBatch, ParcelChannel
from .schemas import (SCANS_BODY_SCHEMA, WAYBILLS_BODY_SCHEMA, CarrierFiguresOut, ParcelBatchOut, ParcelFeedbackIn,
                      ParcelFeedbackOut, ParcelFileOut, ParcelProofIn, ParcelTrackingOut, ParcelVerifiedOut,
                      ParcelVocabularyOut)
from .services import common, tracking


def _body(request, key: str) -> dict:
    body = jsonbody.loads(request.body)   # BadJson (422 bad_json) for what is not JSON we take
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise ValidationFailed(_("请求体应为包含 {key} 列表的JSON对象").format(key=key), field=key, code="not_a_list")
    if not isinstance(body.get("atomic", False), bool):
        raise ValidationFailed(_("atomic 应为 true 或 false"), field="atomic", code="bad_type")
    return body


def _request_body(schema: dict) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _remote(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "")[:64]


def push_waybills(request):
    body = _body(request, "waybills")
    batch = services.submit_waybills(body["waybills"], request.auth, channel=ParcelChannel.API,
                                     client_batch_id=body.get("batch_id"), atomic=body.get("atomic", False))
    return services.report(batch)


def push_scans(request):
    body = _body(request, "scans")
    batch = services.submit_scans(body["scans"], request.auth, vocabulary=str(body.get("vocabulary") or "ecredit"),
                                  channel=ParcelChannel.API, client_batch_id=body.get("batch_id"),
                                  atomic=body.get("atomic", False))
    return services.report(batch)


def push_file(request, layout: str, filename: str = "", atomic: bool = False):
    common.require_reporter(request.auth)
    upload = request.FILES.get("file")
    data, name = (upload.read(), upload.name) if upload is not None else (request.body, filename or "upload.csv")
    if not data:
        raise ValidationFailed(_("请上传文件"), field="file", code="required")
    return files.import_parcels(data, name, layout, request.auth, atomic=atomic).as_dict()


def batch(request, batch_id: int):
    request.auth.require("batch.view")
    found = ParcelBatch.objects.visible_to(request.auth).filter(pk=batch_id).first()
    if found is None:
        raise NotFound(_("未找到该批次"))
    return services.report(found)


def _one(waybill_no: str, carrier_id: int | None, request=None):
    found = (services.lookup(waybill_no, _remote(request), carrier_id) if request is not None
             else services.find(waybill_no, carrier_id))
    if not found:
        raise NotFound(_("未找到该运单，请核对运单号"), field="waybill_no", code="no_waybill")
    if len(found) > 1:
        raise Conflict(_("多家寄递企业有此运单号，请注明 carrier_id：{ids}").format(
            ids="、".join(f"{w.carrier_id}（{w.carrier.name}）" for w in found)), field="carrier_id",
            code="ambiguous_waybill")
    return found[0]


def _refusal(refused: tracking.Refused) -> ValidationFailed:
    error = ValidationFailed(refused.message, code=refused.code)
    error.http_status = 429
    return error


def track(request, waybill_no: str, carrier_id: int | None = None):
    try:
        found = services.lookup(waybill_no, _remote(request), carrier_id)
    except tracking.Refused as refused:
        raise _refusal(refused) from None
    if not found:
        raise NotFound(_("未找到该运单，请核对运单号"), field="waybill_no", code="no_waybill")
    return [services.public_view(w) for w in found]


def verification(request, waybill_no: str, body: ParcelProofIn):
    try:
        waybill = _one(waybill_no, body.carrier_id, request)
        services.verify(waybill, body.phone_tail, _remote(request))
    except tracking.Refused as refused:
        raise _refusal(refused) from None
    return {"tracking": services.public_view(waybill), "consignee": services.consignee_view(waybill)}


def feedback(request, waybill_no: str, body: ParcelFeedbackIn):
    try:
        waybill = _one(waybill_no, body.carrier_id, request)
        proof = services.verify(waybill, body.phone_tail, _remote(request))
    except tracking.Refused as refused:
        raise _refusal(refused) from None
    given = services.give_feedback(proof, satisfaction=body.satisfaction, tags=body.tags, text=body.text,
                                   complaint=body.complaint, channel="api")
    return Status(201, tracking.feedback_out(given))


def figures(request, month: str | None = None):
    first = None
    if month:
        try:
            first = dt.date.fromisoformat(f"{month[:7]}-01")
        except ValueError:
            raise ValidationFailed(_("月份应为 YYYY-MM"), field="month", code="bad_month") from None
    return [dict(carrier_id=f.carrier_id, carrier=f.carrier.name, month=f.month, waybills=f.waybills,
                 delivered=f.delivered, refused=f.refused, returned=f.returned, on_time=f.on_time, late=f.late,
                 on_time_rate=f.on_time_rate, lost=f.lost, loss_rate=f.loss_rate, complaints=f.complaints,
                 complaints_per_million=f.complaints_per_million, feedback_count=f.feedback_count,
                 feedback_average=f.feedback_average, judged=f.judged, passed=f.passed, final=f.final,
                 record_id=f.record_id, policy_version=f.policy_version) for f in services.carrier_figures(first)]


def vocabularies(request):
    rules = common.rules()
    out = []
    for code in rules.vocabularies:
        version = rules.vocabulary(code)
        out.append(dict(code=code, name=str(version.name), effective=version.effective, reference=version.reference,
                        proposal=version.proposal,
                        codes={k: {"state": v.state, "label": v.label} for k, v in version.codes.items()}))
    return out


def build_router() -> Router:
    """Logistics' operations on a new router (a router joins one API only; tests mount their own)."""
    router = Router(tags=["logistics"])
    router.post("/parcels/waybills", response={200: ParcelBatchOut},
                summary="Push a batch of up to 10,000 waybills (consignees kept encrypted)",
                openapi_extra=_request_body(WAYBILLS_BODY_SCHEMA))(push_waybills)
    router.post("/parcels/scans", response={200: ParcelBatchOut},
                summary="Push a batch of up to 10,000 tracking scans, states in a vocabulary of your choice",
                openapi_extra=_request_body(SCANS_BODY_SCHEMA))(push_scans)
    router.post("/parcels/files", response=ParcelFileOut,
                summary="Push a file (xlsx/xls/csv, UTF-8 or GBK; multipart field `file` or the raw body with "
                        "?filename=) in a layout of logistics.yaml: aggregator_scans, carrier_scans, waybills")(
        push_file)
    router.get("/parcels/batches/{int:batch_id}", response=ParcelBatchOut,
               summary="One of your batches with its refused rows")(batch)
    router.get("/parcels/vocabularies", response=list[ParcelVocabularyOut], auth=None,
               summary="The state vocabularies scans may use, each code with the state it means")(vocabularies)
    router.get("/parcels/figures", response=list[CarrierFiguresOut], auth=None,
               summary="Courier firms' figures for a month of pick-ups (?month=YYYY-MM; default the latest)")(
        figures)
    router.get("/parcels/tracking/{waybill_no}", response=list[ParcelTrackingOut], auth=None,
               summary="A parcel's station-by-station timeline (one per carrier with that number; no consignee "
                       "data; rate-limited)")(track)
    router.post("/parcels/tracking/{waybill_no}/verification", response=ParcelVerifiedOut, auth=None,
                summary="The consignee's own view (masked) for the last four digits of the consignee's phone")(
        verification)
    router.post("/parcels/tracking/{waybill_no}/feedback", response={201: ParcelFeedbackOut}, auth=None,
                summary="The consignee's satisfaction feedback on the delivery (once per waybill)")(feedback)
    return router


router = build_router()
