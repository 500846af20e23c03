"""Two platforms with two shops each, their principals, and builders of orders and ratings as sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from stdnum import ean

from ecredit.audit.services import Actor
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from ecredit.registry.shops import report_shops
from tests import factories as f


def gtin(n: int, prefix: str = "690") -> str:
    """A valid GTIN-13 with a Chinese GS1 prefix; distinct for distinct n."""
    body = f"{prefix}{n:09d}"
    return body + ean.calc_check_digit(body)


GTIN_A, GTIN_B, GTIN_C = gtin(1), gtin(2), gtin(3)


def at(days_ago: float, hour: int = 10) -> str:
    """An ISO time `days_ago` days before today, at `hour` o'clock Beijing time."""
    day = timezone.localdate() - dt.timedelta(days=int(days_ago))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour))).isoformat()


def order(no: str, *, shop: str = "S1", buyer: str = "buyer-0001", status: str = "completed",
          days_ago: int = 5, items: list[dict] | None = None, amount: str = "99.00", **extra: Any) -> dict:
    """An order as a platform sends it; completed one day after it was placed."""
    row = {"order_id": no, "shop_id": shop, "buyer": buyer, "amount": amount, "status": status,
           "ordered_at": at(days_ago, 9), "paid_at": at(days_ago, 9), "payment_channel": "alipay",
           "waybill": f"SF{no}",
           "items": items if items is not None else [{"gtin": GTIN_A, "category": "food", "quantity": 1,
                                                      "price": amount}]}
    if status in ("shipped", "completed", "refunded"):
        row["shipped_at"] = at(days_ago, 15)
    if status in ("completed", "refunded"):
        row["completed_at"] = at(max(days_ago - 1, 0), 8)
    if status == "refunded":
        row["refunded_at"] = at(max(days_ago - 1, 0), 9)
    if status == "cancelled":
        row["cancelled_at"] = at(days_ago, 11)
    row.update(extra)
    return row


def rating(no: str, value: str = "good", *, days_ago: int = 3, dsr: tuple | None = (5, 5, 5),
           **extra: Any) -> dict:
    """A buyer's rating as a platform sends it, given `days_ago` days before today at noon."""
    row = {"order_id": no, "value": value, "text": "质量很好，物流很快", "rated_at": at(days_ago, 12)}
    if dsr:
        row["dsr"] = dict(zip(("description", "service", "delivery"), dsr))
    row.update(extra)
    return row


@dataclass
class Market:
    platform: Any          # registry subject of platform 1
    other_platform: Any
    org: Any               # access organisation of platform 1
    other_org: Any
    principal: Any         # platform 1's client
    other_principal: Any
    shop: Subject          # S1 of platform 1
    other_shop: Subject    # S1 of platform 2
    admin: Any             # credit office administrator


@pytest.fixture
def market(db) -> Market:
    actor = Actor("test")
    subjects, orgs, principals, shops = [], [], [], []
    for n in (1, 2):
        code = f.uscc(980000 + n)
        subjects.append(registry.register({"uscc": code, "name": f"测试电商平台{n}"}, actor, roles=["platform"]))
        orgs.append(f.organisation("platform", f"platform_{n}", name=f"测试电商平台{n}", uscc=code))
        principals.append(f.principal("platform_client", orgs[-1]))
        report = report_shops([
            {"shop_id": "S1", "name": f"平台{n}甲旗舰店", "operator": {"uscc": f.uscc(970000 + n)}},
            {"shop_id": "S2", "name": f"平台{n}乙专营店", "operator": {"uscc": f.uscc(960000 + n)}}],
            principals[-1])
        assert not report.errors, report.errors
        shops.append(Subject.objects.get(platform=subjects[-1], shop_id="S1"))
    office = f.organisation("credit_office", "credit_office", name="市信用办")
    return Market(subjects[0], subjects[1], orgs[0], orgs[1], principals[0], principals[1], shops[0],
                  shops[1], f.principal("credit_office_admin", office))
