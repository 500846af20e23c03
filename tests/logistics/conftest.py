"""A courier firm (registry entry + reporting organisation), its principal, a platform, and builders of waybills
and scans as carriers send them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from ecredit.access.principal import Principal
from ecredit.audit.services import Actor
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from tests import factories as f
from tests.factories import console_login

PLATFORM_USCC = f.uscc(990101)
PHONE = "13912345678"


def at(days_ago: float, hour: float = 10.0) -> str:
    """An ISO time `days_ago` days before now, at `hour` o'clock Beijing time (fractional hours allowed)."""
    day = timezone.localdate() - dt.timedelta(days=int(days_ago))
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(0)))
    return (start + dt.timedelta(hours=hour)).isoformat()


def waybill(no: str, *, order_no: str | None = None, days_ago: int = 5, origin: str = "320613",
            destination: str = "310101", weight: str | None = "1.200", **extra: Any) -> dict:
    """A waybill as a carrier sends it, made at 8 o'clock `days_ago` days back, for order `order_no` (default
    O-<no>) of the test platform."""
    row = {"waybill_no": no, "created_at": at(days_ago, 8), "platform_uscc": PLATFORM_USCC,
           "order_no": f"O-{no}" if order_no is None else order_no, "origin": origin, "destination": destination,
           "consignee": {"name": "王小明", "phone": PHONE, "address": "上海市黄浦区南京东路100号3楼"}}
    if weight is not None:
        row["weight_kg"] = weight
    row.update(extra)
    return row


def journey(no: str, *, days_ago: int = 5, hours: float = 30.0, end: str = "signed", hub: bool = True,
            origin: str = "320613", destination: str = "310101") -> list[dict]:
    """The scans of a parcel picked up at 10 o'clock `days_ago` days back in `origin`, through a hub, ending
    (`end`) `hours` later in `destination` (in our vocabulary)."""
    start = at(days_ago, 10)

    def later(h: float) -> str:
        return (dt.datetime.fromisoformat(start) + dt.timedelta(hours=h)).isoformat()

    scans = [{"waybill_no": no, "time": start, "state": "accepted", "station": "南通崇川营业部",
              "station_type": "outlet", "region": origin, "courier_name": "李四", "courier_phone": "13800001111"}]
    if hub:
        scans += [{"waybill_no": no, "time": later(hours * 0.2), "state": "arrived", "station": "南通分拨中心",
                   "region": origin[:4] + "00"},
                  {"waybill_no": no, "time": later(hours * 0.3), "state": "departed", "station": "南通分拨中心",
                   "region": origin[:4] + "00", "next_station": "上海转运中心"},
                  {"waybill_no": no, "time": later(hours * 0.6), "state": "arrived", "station": "上海转运中心",
                   "region": destination[:4] + "00"}]
    if end in ("signed", "refused"):
        scans.append({"waybill_no": no, "time": later(hours * 0.9), "state": "out_for_delivery",
                      "station": "上海黄浦营业部", "region": destination, "courier_name": "赵五",
                      "courier_phone": "13700002222", "text": "派件员赵五正在派件，电话13700002222"})
    if end:
        scans.append({"waybill_no": no, "time": later(hours), "state": end, "station": "上海黄浦营业部",
                      "region": destination})
    return scans


@dataclass
class Carrier:
    subject: Subject
    org: Any
    principal: Principal


def make_carrier(n: int = 1, name: str = "南通示范快递有限公司") -> Carrier:
    uscc = f.uscc(770000 + n)
    subject = registry.register({"uscc": uscc, "name": name}, Actor("test"), roles=["logistics"])
    org = f.organisation("logistics", f"logistics_t{n}", name=name, uscc=uscc)
    return Carrier(subject, org, f.principal("logistics_client", org))


@pytest.fixture
def carrier(db) -> Carrier:
    return make_carrier()


@pytest.fixture
def other_carrier(db) -> Carrier:
    return make_carrier(2, "南通另一快递有限公司")


def console_client(role: str, org, username: str | None = None):
    """A logged-in console client of a user with `role` in `org`."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from ecredit.access.models import Membership

    user = get_user_model().objects.create_user(username or f"u_{role}", password="x-Parcels-2026")
    Membership.objects.create(user=user, organisation=org, role=role)
    client = Client()
    console_login(client, user)
    return client


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()
