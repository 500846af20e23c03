"""The people and bodies a commitment involves: a company that sells on a platform (and runs a shop there), a
person, the platform, a logistics firm, the market-regulation department, the postal administration, the credit
office, and an agency; with the principals each acts as."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest

from ecredit.access.principal import Principal, anonymous
from ecredit.audit.services import Actor
from ecredit.registry import services as registry
from ecredit.registry import shops
from ecredit.registry.models import Subject
from tests import factories as f

TZ = ZoneInfo("Asia/Shanghai")
DISTRICT = "320612"           # 通州区, a district of regions.yaml
ATTESTED = ["penalty_fulfilled", "harm_removed"]


@dataclass
class Cast:
    """Who is who in a commitments test."""

    orgs: dict = field(default_factory=dict)
    subjects: dict = field(default_factory=dict)
    principals: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> Principal:
        return self.principals[name]


def build_cast() -> Cast:
    """Register the subjects and organisations and make their principals."""
    cast = Cast()
    actor = Actor("test", "market_regulation")
    o = cast.orgs
    o["market"] = f.organisation("department", "market_regulation", name="南通市市场监督管理局")
    o["postal"] = f.organisation("department", "postal", name="南通市邮政管理局")
    o["office"] = f.organisation("credit_office", "credit_office", name="南通市信用办")
    platform_uscc, logistics_uscc = f.uscc(990101), f.uscc(990102)
    registry.register({"uscc": platform_uscc, "name": "甲电商平台"}, actor, roles=["platform"], region=DISTRICT)
    registry.register({"uscc": logistics_uscc, "name": "乙速递有限公司"}, actor, roles=["logistics"])
    o["platform"] = f.organisation("platform", "platform_1", name="甲电商平台", uscc=platform_uscc)
    registry.register({"uscc": f.uscc(990103), "name": "丙电商平台"}, actor, roles=["platform"])
    o["other_platform"] = f.organisation("platform", "platform_2", name="丙电商平台", uscc=f.uscc(990103))
    o["logistics"] = f.organisation("logistics", "logistics_1", name="乙速递有限公司", uscc=logistics_uscc)
    o["agency"] = f.organisation("agency", "agency_1", name="信用服务机构")
    o["self"] = f.organisation("subject", "self_company", name="南通甲商贸有限公司（本人）")
    o["self_person"] = f.organisation("subject", "self_person", name="张小明（本人）")
    s = cast.subjects
    s["company"] = registry.register({"uscc": f.uscc(3001), "name": "南通甲商贸有限公司"}, actor, region=DISTRICT)
    s["outsider"] = registry.register({"uscc": f.uscc(3002, region="110105"), "name": "北京乙科技有限公司"}, actor,
                                      region="110105")
    s["person"] = registry.register({"ric": f.ric(11), "name": "张小明"}, actor, roles=["merchant"])
    s["platform"] = Subject.objects.get(uscc=platform_uscc)
    s["logistics"] = Subject.objects.get(uscc=logistics_uscc)
    p = cast.principals
    p["platform"] = f.principal("platform_client", o["platform"])
    shops.report_shops([{"shop_id": "S1", "name": "甲旗舰店", "operator": {"uscc": s["company"].uscc}}], p["platform"])
    s["shop"] = Subject.objects.get(platform=s["platform"], shop_id="S1")
    p["other_platform"] = f.principal("platform_client", o["other_platform"])
    p["logistics"] = f.principal("logistics_client", o["logistics"])
    p["officer"] = f.principal("department_officer", o["market"])
    p["postal"] = f.principal("department_officer", o["postal"])
    p["admin"] = f.principal("credit_office_admin", o["office"])
    p["agency"] = f.principal("agency_client", o["agency"])
    p["company"] = Principal.build("user:company", "subject_account", o["self"], s["company"].pk)
    p["person"] = Principal.build("user:person", "subject_account", o["self_person"], s["person"].pk)
    p["public"] = anonymous()
    return cast


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """10:00 in Nantong on `day`."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)
