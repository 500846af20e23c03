"""A small world for advance compensation: two platforms with a shop each, a department, the credit office."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
import time_machine
from django.utils import timezone

from ecredit.audit.services import Actor
from ecredit.compensation import flows, services
from ecredit.registry import services as registry
from ecredit.registry import shops
from tests import factories as f

MERCHANT_USCC = f.uscc(770001)
OTHER_MERCHANT_USCC = f.uscc(770002)


@dataclass
class World:
    platform: object = None            # principal of platform 1
    other_platform: object = None      # principal of platform 2
    officer: object = None
    investigator: object = None
    admin: object = None
    agency: object = None
    platform_subject: object = None
    other_platform_subject: object = None
    orgs: dict = field(default_factory=dict)
    seq: int = 0

    def claim(self, by=None, amount_fen: int = 10000, now: dt.datetime | None = None, **extra):
        """File a claim (by platform 1 unless said), with a fresh claim id."""
        self.seq += 1
        body = dict(claim_id=f"C{self.seq:05d}", shop_id="S1", order_no=f"O{self.seq}", consumer_name="王小红",
                    consumer_phone="13812345678", amount_fen=amount_fen, basis="platform_promise",
                    harms=["quality_defect"], facts="收到的电水壶漏电，商家拒绝退货")
        body.update(extra)
        claim, _created = flows.file_claim(by or self.platform, now=now, **body)
        return claim

    def fund(self, by=None, minimum: int = 0, deposit: int = 0):
        """Agree a fund (and pay `deposit` into it)."""
        by = by or self.platform
        services.agree_fund(by, agreement_no="保证金协议〔2025〕1号", agreed_on=dt.date(2025, 1, 2),
                            agreed_minimum_fen=minimum, contribution_terms="每户商家缴存一万元",
                            management_terms="专户存管，按月对账", use_terms="用于先行赔付消费者损失",
                            refund_terms="商家退出平台且无未结赔付的，三十日内退还", custodian="某银行南通分行")
        if deposit:
            self.seq += 1
            services.deposit(by, amount_fen=deposit, reference_no=f"DEP{self.seq}")


def _platform(n: int, code: str, name: str):
    uscc = f.uscc(990000 + n)
    registry.register({"uscc": uscc, "name": name}, Actor("test"), roles=["platform"])
    org = f.organisation("platform", code, name=name, uscc=uscc)
    return org, f.principal("platform_client", org)


@pytest.fixture
def world(db) -> World:
    w = World()
    registry.register({"uscc": MERCHANT_USCC, "name": "南通甲电器有限公司"}, Actor("test"), roles=["merchant"])
    registry.register({"uscc": OTHER_MERCHANT_USCC, "name": "南通乙商贸有限公司"}, Actor("test"), roles=["merchant"])
    org1, w.platform = _platform(11, "platform_c1", "甲电商平台")
    org2, w.other_platform = _platform(12, "platform_c2", "乙电商平台")
    shops.report_shops([{"shop_id": "S1", "name": "甲电器旗舰店", "operator": {"uscc": MERCHANT_USCC}}], w.platform)
    shops.report_shops([{"shop_id": "S1", "name": "乙百货店", "operator": {"uscc": OTHER_MERCHANT_USCC}}],
                       w.other_platform)
    market = f.organisation("department", "market_regulation", name="市市场监管局")
    office = f.organisation("credit_office", "credit_office", name="市信用办")
    w.officer = f.principal("department_officer", market)
    w.investigator = f.principal("department_investigator", market)
    w.admin = f.principal("credit_office_admin", office)
    w.agency = f.principal("agency_client", f.organisation("agency", "agency_c"))
    w.platform_subject = services.platform_of(w.platform)
    w.other_platform_subject = services.platform_of(w.other_platform)
    w.orgs = {"platform_1": org1, "platform_2": org2, "market_regulation": market, "credit_office": office}
    return w


def on_day(day: dt.date, hour: int = 10):
    """Run as of 10:00 local time on `day` (deadlines count from the local date)."""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return time_machine.travel(at, tick=False)
