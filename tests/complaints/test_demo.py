"""The demo city's complaints: every channel, every step, repeats merged, overdue cases escalated, upheld ones as
records, and a change log that verifies."""

from __future__ import annotations

from collections import Counter

import pytest

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.archive.models import CreditRecord
from ecredit.audit.services import Actor, verify
from ecredit.complaints.models import Complaint, Status
from ecredit.console.demo import complaints as demo
from ecredit.registry import services as registry
from ecredit.registry.shops import report_shops
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_orgs(db) -> dict[str, Organisation]:
    orgs = {d.code: f.organisation(d.kind, d.code, name=d.name.zh) for d in policy.current().departments.departments}
    actor = Actor("test", "market_regulation")
    for n in range(2):
        uscc = f.uscc(880100 + n)
        registry.register({"uscc": uscc, "name": f"南通第{n + 1}电商平台有限公司"}, actor, roles=["platform"],
                          region="320613")
        orgs[f"platform_{n + 1}"] = f.organisation("platform", f"platform_{n + 1}", name=f"南通第{n + 1}电商平台有限公司",
                                                  uscc=uscc)
        shops = []
        for k in range(8):
            merchant = f.uscc(300 + 10 * n + k, region="320612")
            registry.register({"uscc": merchant, "name": f"南通商户{n}{k}有限公司"}, actor, roles=["merchant"],
                              region="320612")
            shops.append({"shop_id": f"S{n}{k}", "name": f"商户{n}{k}旗舰店", "operator": {"uscc": merchant}})
        report_shops(shops, f.principal("platform_client", orgs[f"platform_{n + 1}"]))
    return orgs


def test_demo_complaints_cover_every_channel_and_step(demo_orgs, monkeypatch):
    monkeypatch.setattr(demo, "ITEMS", 60)
    made = demo.build(demo_orgs)
    assert made >= 60
    statuses = Counter(Complaint.objects.values_list("status", flat=True))
    for status in (Status.RECEIVED, Status.MEDIATING, Status.MEDIATED, Status.CLOSED, Status.NOT_ACCEPTED,
                   Status.MERGED):
        assert statuses[status] > 0, (status, statuses)
    channels = set(Complaint.objects.values_list("channel", flat=True))
    assert channels >= {"12315", "12345", "portal", "platform"} and len(channels) >= 7
    assert Complaint.objects.filter(escalation_level__gt=0).exists()
    assert CreditRecord.objects.filter(record_type_id="complaint_upheld").count() == \
        Complaint.objects.exclude(record=None).count() > 0
    assert all(org.kind == "hotline" for code, org in demo_orgs.items() if code.startswith("hotline_"))
    assert verify().ok
