"""Marketplace endpoints: platforms push orders and ratings, add appended reviews and shield reviews; anyone
reads a shop's reputation figures."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

from ecredit import jsonbody
from ecredit.kit.errors import NotFound, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind

from . import services
from .models import TradeChannel
from .schemas import (
    ORDERS_BODY_SCHEMA,
    RATINGS_BODY_SCHEMA,
    AppendedIn,
    RatingOut,
    ReputationOut,
    ShieldIn,
    ShieldOut,
    TradeBatchOut,
)
from .services.reputation import FIGURE_COLUMNS


def _body(request, key: str) -> dict:
    body = jsonbody.loads(request.body)   # BadJson (422 bad_json) for what is not JSON we take
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise ValidationFailed(_("请求体应为包含 {key} 列表的JSON对象").format(key=key), field=key, code="not_a_list")
    if not isinstance(body.get("atomic", False), bool):
        raise ValidationFailed(_("atomic 应为 true 或 false"), field="atomic", code="bad_type")
    return body


def _request_body(schema: dict) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def push_orders(request):
    body = _body(request, "orders")
    batch = services.submit_orders(body["orders"], request.auth, channel=TradeChannel.API,
                                   client_batch_id=body.get("batch_id"), atomic=body.get("atomic", False))
    return services.report(batch)


def push_ratings(request):
    body = _body(request, "ratings")
    batch = services.submit_ratings(body["ratings"], request.auth, channel=TradeChannel.API,
                                    client_batch_id=body.get("batch_id"), atomic=body.get("atomic", False))
    return services.report(batch)


def append(request, rating_id: int, body: AppendedIn):
    rating = services.append_review(rating_id, request.auth, text=body.text, appended_at=body.appended_at)
    return services.present(rating)


def shield(request, rating_id: int, body: ShieldIn):
    item = services.shield(rating_id, request.auth, body.ground, body.note)
    return {"rating": item.rating_id, "ground": item.ground, "reference": item.reference,
            "shielded_at": item.shielded_at, "log_seq": item.log_seq}


def reputation(request, subject_id: int):
    shop = Subject.objects.filter(pk=subject_id, kind=SubjectKind.SHOP).only("id", "name").first()
    if shop is None:
        raise NotFound(_("未找到该网店"))
    figures = services.reputation_of(shop.pk)
    return {"shop": shop.pk, "name": shop.name, "as_of": figures.as_of,
            "figures": {name: getattr(figures, name) for name in FIGURE_COLUMNS},
            "policy_version": figures.policy_version}


def build_router() -> Router:
    """The marketplace's operations on a new router (a router joins one API only; tests mount their own)."""
    router = Router(tags=["marketplace"])
    router.post("/marketplace/orders", response={200: TradeBatchOut},
                summary="Push a batch of up to 10,000 orders of your platform's shops",
                openapi_extra=_request_body(ORDERS_BODY_SCHEMA))(push_orders)
    router.post("/marketplace/ratings", response={200: TradeBatchOut},
                summary="Push a batch of up to 10,000 ratings (both directions) of your orders",
                openapi_extra=_request_body(RATINGS_BODY_SCHEMA))(push_ratings)
    router.post("/marketplace/ratings/{int:rating_id}/appended", response=RatingOut,
                summary="Add the appended review of a rating (once, within the appended window)")(append)
    router.post("/marketplace/ratings/{int:rating_id}/shield", response=ShieldOut,
                summary="Shield a review's text on a ground of the rating rules (never deleted)")(shield)
    router.get("/marketplace/shops/{int:subject_id}/reputation", response=ReputationOut,
               summary="A shop's public reputation figures: points, good-rating rate, DSR, refund and "
                       "complaint rates")(reputation)
    return router


router = build_router()
