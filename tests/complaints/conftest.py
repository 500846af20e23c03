"""A small city for the complaints: the departments that handle cases, the seven hotlines' clients, a platform
with a shop, companies inside and outside the city, and the principals who act for them."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ecredit.access.models import Organisation
from ecredit.audit.services import Actor
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from ecredit.registry.shops import report_shops
from tests import factories as f

TZ = ZoneInfo("Asia/Shanghai")
HOTLINES = ("12315", "12345", "12312", "12318", "12331", "12358", "12365")
DEPARTMENTS = {"market_regulation": "南通市市场监督管理局", "commerce": "南通市商务局", "food_drug": "市食药监局",
               "price": "市物价局", "quality": "市质监局", "postal": "南通市邮政管理局", "cyberspace": "市网信办"}

PLATFORM_USCC = f.uscc(990101, region="320613")
MERCHANT_USCC = f.uscc(201, region="320612")      # runs shop S100 on the platform, in 通州区
FOOD_USCC = f.uscc(202, region="320681")          # a food company in 启东
OUTSIDE_USCC = f.uscc(203, region="310101")       # a Shanghai company


@contextmanager
def on_day(day: dt.date, hour: int = 10):
    """Travel to `day`, `hour` o'clock in Nantong; the clock stands still."""
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False):
        yield


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@dataclass
class City:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)

    def principal(self, code: str, role: str | None = None):
        org = self.orgs[code]
        role = role or {"department": "department_officer", "credit_office": "credit_office_admin",
                        "platform": "platform_client", "hotline": "hotline_client"}[org.kind]
        return f.principal(role, org)

    def hotline(self, number: str):
        return self.principal(f"hotline_{number}")


@pytest.fixture
def city(db) -> City:
    c = City()
    actor = Actor("test", "market_regulation")
    c.orgs["credit_office"] = f.organisation("credit_office", "credit_office", name="南通市信用办")
    for code, name in DEPARTMENTS.items():
        c.orgs[code] = f.organisation("department", code, name=name)
    for number in HOTLINES:
        code = f"hotline_{number}"
        c.orgs[code] = f.organisation("hotline", code, name=f"{number}热线")
    c.subjects["platform"] = registry.register({"uscc": PLATFORM_USCC, "name": "南通优品电商平台有限公司"}, actor,
                                                roles=["platform"], region="320613")
    c.orgs["platform"] = f.organisation("platform", "platform_c", name="南通优品电商平台有限公司", uscc=PLATFORM_USCC)
    c.subjects["merchant"] = registry.register({"uscc": MERCHANT_USCC, "name": "南通甲数码科技有限公司"}, actor,
                                                roles=["merchant"], region="320612")
    c.subjects["food"] = registry.register({"uscc": FOOD_USCC, "name": "南通乙食品有限公司"}, actor, region="320681")
    c.subjects["outside"] = registry.register({"uscc": OUTSIDE_USCC, "name": "上海丙贸易有限公司"}, actor,
                                               region="310101")
    report_shops([{"shop_id": "S100", "name": "优品数码专营店", "operator": {"uscc": MERCHANT_USCC}}],
                 c.principal("platform"))
    c.subjects["shop"] = Subject.objects.get(platform__uscc=PLATFORM_USCC, shop_id="S100")
    return c
