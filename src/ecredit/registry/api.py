"""Registry endpoints: subjects, identities (logged), and platforms' shop reports (R1.2)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

from ecredit.audit.services import record_access
from ecredit.kit.errors import ValidationFailed

from . import lookups, services, shops
from .schemas import IdentityOut, ShopAttentionOut, ShopReportIn, ShopReportOut, SubjectOut

router = Router(tags=["registry"])


@router.get("/subjects/{int:subject_id}", response=SubjectOut, summary="A subject's registry entry")
def get_subject(request, subject_id: int, purpose: str = ""):
    principal = request.auth
    subject = lookups.find(principal, subject_id=subject_id)
    if subject.kind == "person":  # a person's registry entry is never public: log who looked
        record_access(principal.actor, subject.pk, "subject", purpose or "查阅主体信息", "api")
    out = lookups.brief(subject, principal)
    out.update(region=subject.region, roles=list(subject.roles.values_list("role", flat=True)),
               platform=subject.platform_id, shop_id=subject.shop_id, operator=subject.operator_id,
               former_names=[n for n in subject.names.filter(valid_to__isnull=False).values_list("name", flat=True)]
               if subject.kind != "person" else [])
    return out


@router.get("/subjects/{int:subject_id}/identity", response=IdentityOut,
            summary="A person's full resident ID (right required; purpose logged)")
def get_identity(request, subject_id: int, purpose: str = ""):
    principal = request.auth
    principal.require("record.read")
    subject = lookups.find(principal, subject_id=subject_id)
    value = services.reveal_resident_id(subject, principal, purpose, "api")
    return {"subject": subject.pk, "resident_id": value, "masked": value == subject.ric_masked}


@router.post("/shops/reports", response=ShopReportOut, summary="Report your platform's shops and operators")
def report_shops(request, body: ShopReportIn):
    report = shops.report_shops(body.shops, request.auth)
    return report.__dict__


@router.get("/shops/attention", response=list[ShopAttentionOut],
            summary="Shops unverified or not re-reported in time (for supervising departments)")
def shops_attention(request, platform_id: int | None = None, limit: int = 200):
    principal = request.auth
    if not 1 <= limit <= 5000:
        raise ValidationFailed(_("limit 应在1到5000之间"), field="limit")
    out = []
    for shop in shops.shops_needing_attention(principal, platform_id)[:limit]:
        reason = _("未核验") if not shop.verified else _("逾期未报送")
        out.append(dict(id=shop.pk, platform=shop.platform.name, shop_id=shop.shop_id, name=shop.name,
                        operator=services.display_name(shop.operator, principal) if shop.operator else "",
                        verified=shop.verified, last_reported_at=shop.last_reported_at, reason=reason))
    return out
