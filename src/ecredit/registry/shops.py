"""Platforms' real-name reports of their shops (R1.2) and the list of shops that need a regulator's look."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.audit.services import ChainWriter
from ecredit.kit.errors import Forbidden, ValidationFailed
from ecredit.kit.identifiers import is_region_code

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


@dataclass
class _ShopRow:
    index: int
    shop_id: str
    name: str
    url: str
    region: str
    operator: services.SubjectRef


def _text(row: dict, key: str) -> str:
    """A member as text: numbers are spelt out (ids may come as numbers); an object or a list is refused, not
    stored as its Python spelling."""
    value = row.get(key)
    if isinstance(value, (dict, list, bool)):
        raise ValidationFailed(_("{key} 应为文本").format(key=key), field=key, code="bad_type")
    return str(value or "").strip()


def _parse_row(index: int, row: Any) -> _ShopRow:
    if not isinstance(row, dict):
        raise ValidationFailed(_("应为JSON对象"), code="not_an_object")
    shop_id = _text(row, "shop_id")
    if len(shop_id) > 64:
        raise ValidationFailed(_("网店编号不能超过64个字符"), field="shop_id", code="too_long")
    name = _text(row, "name")[:200]
    if not shop_id or not name:
        raise ValidationFailed(_("网店编号和名称为必填项"), field="shop_id" if not shop_id else "name", code="required")
    region = _text(row, "region")
    if region and not is_region_code(region):
        raise ValidationFailed(_("行政区划代码应为6位数字"), field="region", code="bad_region")
    operator = services.parse_ref(row.get("operator") or {})
    if operator.kind == SubjectKind.SHOP:
        raise ValidationFailed(_("经营者应为组织或自然人"), field="operator", code="bad_operator")
    return _ShopRow(index, shop_id, name, _text(row, "url")[:300], region, operator)


@transaction.atomic
def report_shops(rows: list[dict[str, Any]], principal) -> ShopReport:
    """Record a platform's report of its shops and their operators; a shop counts as verified when its
    operator's code is valid and, for an organisation the registry knows, its name matches.

    Works on the whole report at once (a few queries per report, not per shop), like record intake."""
    principal.require("shop.report")
    if len(rows) > MAX_SHOPS:
        raise ValidationFailed(_("每批最多{n}个网店").format(n=MAX_SHOPS), field="shops", code="batch_too_large")
    platform = platform_subject(principal)
    report, now = ShopReport(received=len(rows)), timezone.now()
    parsed: dict[str, _ShopRow] = {}
    for index, row in enumerate(rows):
        try:
            item = _parse_row(index, row)
            if item.shop_id in parsed:
                raise ValidationFailed(_("同一批次中网店编号重复"), field="shop_id", code="duplicate_in_batch")
            parsed[item.shop_id] = item
        except ValidationFailed as exc:
            report.errors.append({"index": index, "shop_id": str(row.get("shop_id", "")) if isinstance(row, dict)
                                  else "", "field": exc.field or "", "code": exc.code, "message": str(exc.message)})
    with ChainWriter(now) as log:
        operator_ids = services.resolve({item.operator for item in parsed.values()}, principal.actor, log)
        operators = Subject.objects.only("id", "name", "verified", "region").in_bulk(
            [i for i in operator_ids.values() if isinstance(i, int)])
        have_role = set(SubjectRole.objects.filter(subject_id__in=list(operators), role="merchant")
                        .values_list("subject_id", flat=True))
        SubjectRole.objects.bulk_create([SubjectRole(subject_id=i, role="merchant") for i in operators
                                         if i not in have_role], batch_size=500)
        existing = {}
        ids = list(parsed)
        for start in range(0, len(ids), 900):
            existing.update((s.shop_id, s) for s in Subject.objects.select_for_update().filter(
                platform=platform, shop_id__in=ids[start:start + 900]))
        new, changed, logged = [], [], []
        for item in parsed.values():
            operator = operators[operator_ids[item.operator.lookup]]
            matches = not operator.verified or not item.operator.name or operator.name == item.operator.name
            shop = existing.get(item.shop_id)
            before = services.subject_state(shop) if shop else None
            if shop is None:
                shop = Subject(kind=SubjectKind.SHOP, platform=platform, shop_id=item.shop_id)
                new.append(shop)
            else:
                changed.append(shop)
            if shop.name != item.name:
                shop.rename(item.name)
            shop.operator_id, shop.shop_url = operator.pk, item.url
            shop.region = item.region or operator.region or ""
            shop.last_reported_at, shop.updated_at, shop.verified = now, now, bool(matches)
            shop.verified_at = now if matches else None
            report.verified += shop.verified
            logged.append((shop, before, "" if matches else "operator name differs from registry"))
        services.insert_subjects(new, log)
        Subject.objects.bulk_update(changed, ["name", "name_initials", "operator", "shop_url", "region", "last_reported_at",
                                              "verified", "verified_at", "updated_at"], batch_size=500)
        for shop, before, reason in logged:
            state = services.subject_state(shop)
            if state != before:
                log.append(principal.actor, "shop_report", services.MODEL, shop.pk, state, reason)
        report.created, report.updated = len(new), len(changed)
    report.errors.sort(key=lambda e: e["index"])
    return report


# The plan's task 1 (落实实名登记和认证制度): its lead and cooperating departments (departments.yaml) receive
# the shops whose real-name data is unverified or stale (R1.2).
REAL_NAME_TASK = 1


def supervises_real_names(principal) -> bool:
    """True for the credit office and for the departments the plan gives task 1."""
    if principal.city_wide:
        return True
    department = policy.current().department(principal.organisation_code)
    return bool(department) and REAL_NAME_TASK in (*department.leads, *department.supports)


def shops_needing_attention(principal, platform_id: int | None = None) -> QuerySet:
    """Shops not verified, or not re-reported within the policy's interval, for the supervising department."""
    principal.require("shop.view_stale")
    if not supervises_real_names(principal):
        raise Forbidden(_("本部门不承担网店实名登记监管任务（实施方案任务一）"), code="not_supervisor")
    due = services.shop_report_due()
    shops = Subject.objects.visible_to(principal).shops().filter(
        Q(verified=False) | Q(last_reported_at__lt=due) | Q(last_reported_at__isnull=True))
    if platform_id:
        shops = shops.filter(platform_id=platform_id)
    return shops.select_related("platform", "operator").order_by("platform_id", "last_reported_at")
