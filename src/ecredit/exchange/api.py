"""Exchange endpoints: push a batch of records, read back batches and their row-level reports."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

from ecredit import jsonbody
from ecredit.kit.errors import NotFound, ValidationFailed

from . import services
from .models import Batch, Channel
from .schemas import BATCH_BODY_SCHEMA, BatchListItem, BatchOut, as_list_item

router = Router(tags=["exchange"])


@router.post("/records/batches", response={200: BatchOut}, summary="Push a batch of up to 10,000 records",
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"application/json": {"schema": BATCH_BODY_SCHEMA}}}})
def push_batch(request):
    body = jsonbody.loads(request.body)   # BadJson (422 bad_json) for what is not JSON we take
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ValidationFailed(_("请求体应为包含 records 列表的JSON对象"), field="records", code="not_a_list")
    atomic = body.get("atomic", False)
    if not isinstance(atomic, bool):
        raise ValidationFailed(_("atomic 应为 true 或 false"), field="atomic", code="bad_type")
    batch = services.submit(body["records"], request.auth, channel=Channel.API,
                            client_batch_id=body.get("batch_id"), atomic=atomic)
    return {**batch.report(), "replayed": batch.replayed}


@router.get("/records/batches", response=list[BatchListItem], summary="Your recent batches")
def list_batches(request, limit: int = 50):
    principal = request.auth
    principal.require("batch.view")
    return [as_list_item(b) for b in Batch.objects.visible_to(principal)[:max(1, min(limit, 500))]]


@router.get("/records/batches/{int:batch_id}", response=BatchOut, summary="One batch with its row-level report")
def get_batch(request, batch_id: int):
    principal = request.auth
    principal.require("batch.view")
    batch = Batch.objects.visible_to(principal).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("批次不存在"))
    return batch.report()
