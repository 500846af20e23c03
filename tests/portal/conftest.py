"""A small archive for portal tests: a department's records about an organisation, a shop and a person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from ecredit.archive import services as archive
from ecredit.archive.models import CreditRecord
from ecredit.audit.services import Actor
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from ecredit.registry.shops import report_shops
from tests import factories


@dataclass
class Town:
    """Subjects and records the portal tests look at."""

    company: Subject
    other_company: Subject
    person: Subject
    person_ric: str
    shop: Subject
    platform: Subject
    penalty: CreditRecord          # public, inside its window
    old_penalty: CreditRecord      # its window has ended
    fake_order: CreditRecord       # government-shared only
    person_penalty: CreditRecord   # about a person


def _one(report, principal, item):
    assert not report.errors, report.errors
    return CreditRecord.objects.get(source_id=principal.organisation_id, source_record_id=item["id"])


@pytest.fixture
def town(db, officer, platform_org) -> Town:
    today = factories.today()
    company_code, other_code, person_ric = factories.uscc(), factories.uscc(), factories.ric(7)
    company = registry.register({"uscc": company_code, "name": "南通海港商贸有限公司"}, Actor("test"),
                                legal_representative="王大明", region="320602")
    other = registry.register({"uscc": other_code, "name": "如皋长江电子商务有限公司"}, Actor("test"))
    platform_principal = factories.principal("platform_client", platform_org)
    shop_report = report_shops([{"shop_id": "S-1001", "name": "海港好物旗舰店", "url": "https://shop.example/1001",
                                 "operator": {"uscc": company_code, "name": "南通海港商贸有限公司"}}],
                               platform_principal)
    assert not shop_report.errors
    recent = (today - dt.timedelta(days=30)).isoformat()
    items = [
        factories.penalty("P-1", {"uscc": company_code, "name": company.name}, decided_on=recent),
        factories.penalty("P-OLD", {"uscc": company_code, "name": company.name}, decided_on="2019-08-01",
                          kinds=["fine"], fine=0.5),
        factories.penalty("P-PERSON", {"ric": person_ric, "name": "李小红"}, decided_on=recent),
    ]
    items[0]["summary"] = "销售不合格商品（当事人联系电话13812345678）"
    report = archive.ingest(items, officer)
    assert not report.errors, report.errors
    platform_item = {"id": "F-1", "type": "fake_order", "subject": {"platform_uscc": platform_org.uscc,
                                                                   "shop_id": "S-1001"},
                     "decided_on": recent, "summary": "组织刷单", "details": {}}
    from ecredit.policy import current
    platform_item["details"] = factories.minimal_details(current().record_types["fake_order"].details_schema)
    fake = archive.ingest([platform_item], platform_principal)
    assert not fake.errors, fake.errors
    get = CreditRecord.objects.get
    return Town(company=Subject.objects.get(uscc=company_code), other_company=Subject.objects.get(uscc=other_code),
                person=Subject.objects.get(kind="person"), person_ric=person_ric,
                shop=Subject.objects.get(shop_id="S-1001"), platform=Subject.objects.get(uscc=platform_org.uscc),
                penalty=get(source_record_id="P-1"), old_penalty=get(source_record_id="P-OLD"),
                fake_order=get(source_record_id="F-1"), person_penalty=get(source_record_id="P-PERSON"))


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with no cached pages."""
    from django.core.cache import cache

    cache.clear()
    yield
