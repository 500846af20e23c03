"""Platforms' real-name reports of their shops (R1.2) and the list of shops that need a regulator's look."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit.audit.services import ChainWriter
from ecredit.kit.errors import Forbidden, ValidationFailed

from . import services
from .models import Subject, SubjectKind, SubjectRole

MAX_SHOPS = 10_000


@dataclass
class ShopReport:
    """Outcome of a shop report: counts, and each refused row with its reason."""

    received: int = 0
    created: int = 0
    updated: int = 0
    verified: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def platform_subject(principal) -> Subject:
    """The registry entry of the platform the principal acts for."""
    from ecredit.access.models import Organisation

    organisation = Organisation.objects.filter(pk=principal.organisation_id).first()
    platform = Subject.objects.filter(uscc=organisation.uscc, kind=SubjectKind.ORGANISATION).first() \
        if organisation and organisation.uscc else None
    if platform is None:
        raise Forbidden(_("本单位未登记为电子商务平台"))
    return platform


@transaction.atomic
def report_shops(rows: list[dict[str, Any]], principal) -> ShopReport:
    """Record a platform's report of its shops and their operators; a shop counts as verified when its
    operator's code is valid and, for an organisation the registry knows, its name matches."""
    principal.require("shop.report")
    if len(rows) > MAX_SHOPS:
        raise ValidationFailed(_("每批最多{n}个网店").format(n=MAX_SHOPS), field="shops", code="batch_too_large")
    platform = platform_subject(principal)
    report, now = ShopReport(received=len(rows)), timezone.now()
    with ChainWriter(now) as log:
        for index, row in enumerate(rows):
            try:
                _report_one(row, platform, principal, log, now, report)
            except ValidationFailed as exc:
                report.errors.append({"index": index, "shop_id": str((row or {}).get("shop_id", ""))
                                      if isinstance(row, dict) else "", "field": exc.field or "",
                                      "code": exc.code, "message": str(exc.message)})
    return report


def _report_one(row: Any, platform: Subject, principal, log: ChainWriter, now, report: ShopReport) -> None:
    if not isinstance(row, dict):
        raise ValidationFailed(_("应为JSON对象"), code="not_an_object")
    shop_id = str(row.get("shop_id") or "").strip()[:64]
    name = str(row.get("name") or "").strip()[:200]
    if not shop_id or not name:
        raise ValidationFailed(_("网店编号和名称为必填项"), field="shop_id" if not shop_id else "name", code="required")
    operator_raw = row.get("operator") or {}
    operator_ref = services.parse_ref(operator_raw)
    if operator_ref.kind == SubjectKind.SHOP:
        raise ValidationFailed(_("经营者应为组织或自然人"), field="operator", code="bad_operator")
    operator_id = services.resolve([operator_ref], principal.actor, log)[operator_ref.lookup]
    operator = Subject.objects.get(pk=operator_id)
    name_matches = not operator.verified or not operator_ref.name or operator.name == operator_ref.name
    SubjectRole.objects.get_or_create(subject=operator, role="merchant")
    shop = Subject.objects.select_for_update().filter(platform=platform, shop_id=shop_id).first()
    before = services.subject_state(shop) if shop else None
    if shop is None:
        shop = Subject(kind=SubjectKind.SHOP, platform=platform, shop_id=shop_id, name=name)
        report.created += 1
    else:
        report.updated += 1
    shop.name, shop.operator = name, operator
    shop.shop_url = str(row.get("url") or "")[:300]
    shop.region = str(row.get("region") or operator.region or "")[:6]
    shop.last_reported_at = now
    shop.verified = bool(name_matches)
    shop.verified_at = now if shop.verified else None
    shop.save()
    report.verified += shop.verified
    state = services.subject_state(shop)
    if state != before:
        log.append(principal.actor, "shop_report", services.MODEL, shop.pk, state,
                   "" if name_matches else "operator name differs from registry")


def shops_needing_attention(principal, platform_id: int | None = None) -> QuerySet:
    """Shops not verified, or not re-reported within the policy's interval, for the supervising department."""
    principal.require("shop.view_stale")
    due = services.shop_report_due()
    shops = Subject.objects.visible_to(principal).shops().filter(
        Q(verified=False) | Q(last_reported_at__lt=due) | Q(last_reported_at__isnull=True))
    if platform_id:
        shops = shops.filter(platform_id=platform_id)
    return shops.select_related("platform", "operator").order_by("platform_id", "last_reported_at")
