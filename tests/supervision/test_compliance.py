"""Platforms' compliance figures (R11.1) on a small planted case whose numbers are worked out by hand."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecredit import policy
from ecredit.archive import services as archive
from ecredit.audit.services import Actor
from ecredit.portal import publications
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from ecredit.registry.shops import report_shops
from ecredit.supervision.services import compliance, interviews
from tests import factories as f

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 12, 31)          # the window (1 year) starts on 2024-12-31


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=CST), tick=False)


def shop_ref(uscc, shop_id):
    return {"platform_uscc": uscc, "shop_id": shop_id}


@pytest.fixture
def planted(platform_org, department, officer):
    """Platform P (4 shops) and platform Q (1 shop), with reports, alerts, complaints and an interview."""
    p_uscc = platform_org.uscc
    p_client = f.principal("platform_client", platform_org)
    a_uscc, b_uscc = f.uscc(401), f.uscc(402)
    registry.register({"uscc": a_uscc, "name": "南通甲商贸有限公司"}, Actor("test"))      # verified operator
    with at(dt.date(2024, 6, 3)):
        # S4: operator A under another name (shop unverified), and not re-reported since June 2024: stale
        report_shops([{"shop_id": "S4", "name": "丁店", "operator": {"uscc": a_uscc, "name": "别的名字"}}], p_client)
    with at(dt.date(2025, 12, 1)):
        report_shops([
            {"shop_id": "S1", "name": "甲店", "operator": {"uscc": a_uscc, "name": "南通甲商贸有限公司"}},
            {"shop_id": "S2", "name": "乙店", "operator": {"uscc": a_uscc}},
            {"shop_id": "S3", "name": "丙店", "operator": {"uscc": b_uscc, "name": "南通乙商贸有限公司"}},   # B unknown
        ], p_client)
    q_uscc = f.uscc(990002)
    registry.register({"uscc": q_uscc, "name": "另一平台"}, Actor("test"), roles=["platform"])
    q_org = f.organisation("platform", "platform_q", name="另一平台", uscc=q_uscc)
    q_client = f.principal("platform_client", q_org)
    registry.register({"uscc": f.uscc(990003), "name": "无网店平台"}, Actor("test"), roles=["platform"])
    with at(dt.date(2025, 12, 1)):
        report_shops([{"shop_id": "Q1", "name": "Q店", "operator": {"uscc": a_uscc}}], q_client)

    fake = f.minimal_details(policy.current().record_types["fake_order"].details_schema)
    # P's dishonesty reports: (decided, received) -> working days, counted with the 2025 holiday calendar:
    reports = [
        (dt.date(2025, 9, 29), dt.date(2025, 9, 30)),     # 1
        (dt.date(2025, 9, 30), dt.date(2025, 10, 9)),     # 1: 1-8 October are holidays
        (dt.date(2025, 9, 26), dt.date(2025, 10, 10)),    # 5: Sun 28 Sep (a working day), 29, 30 Sep, 9, 10 Oct
        (dt.date(2025, 11, 3), dt.date(2025, 11, 17)),    # 10
        (dt.date(2024, 11, 1), dt.date(2024, 11, 4)),     # before the window: not counted
    ]
    for n, (decided, received) in enumerate(reports, 1):
        with at(received):
            report = archive.ingest([{"id": f"FO{n}", "type": "fake_order", "subject": shop_ref(p_uscc, "S1"),
                                      "decided_on": decided.isoformat(), "summary": "刷单", "details": fake}],
                                    p_client)
            assert report.created == 1, report.errors
    with at(dt.date(2025, 11, 10)):
        archive.ingest([{"id": "QFO1", "type": "fake_order", "subject": shop_ref(q_uscc, "Q1"),
                         "decided_on": "2025-11-01", "summary": "刷单", "details": fake}], q_client)
        # risk alerts: two by P, one by Q
        for shop_id in ("S1", "S3"):
            shop = Subject.objects.get(platform__uscc=p_uscc, shop_id=shop_id)
            publications.publish(p_client, kind="risk_alert", title=f"{shop.name}风险提示", body="谨慎交易",
                                 subject_id=shop.pk)
        publications.publish(q_client, kind="risk_alert", title="Q店风险提示", body="谨慎交易",
                             subject_id=Subject.objects.get(shop_id="Q1").pk)
        # complaints about P's shops: two inside the window, one revoked, one too old
        complaint = f.minimal_details(policy.current().record_types["complaint_upheld"].details_schema)
        items = [{"id": f"C{n}", "type": "complaint_upheld", "subject": shop_ref(p_uscc, shop_id),
                  "decided_on": decided, "summary": "投诉成立", "details": complaint}
                 for n, (shop_id, decided) in enumerate([("S1", "2025-06-01"), ("S3", "2025-10-20"),
                                                         ("S2", "2025-07-01"), ("S2", "2024-10-01")], 1)]
        written = archive.ingest(items, officer)
        assert written.created == 4, written.errors
        archive.revoke(written.record_ids[2], officer, reason="原处理决定撤销")
        p = Subject.objects.get(uscc=p_uscc)
        interviews.record_interview(officer, p.pk, measure="interview", decided_on="2025-11-05",
                                    failings="未按规定报送平台内经营者身份信息", form_id="t1")
    return p, Subject.objects.get(uscc=q_uscc)


def test_figures_of_a_planted_case(planted):
    p, q = planted
    with at(TODAY):
        report = compliance.compute()
    assert report.since == dt.date(2024, 12, 31) and report.rule.report_deadline_working_days == 5
    assert [row.subject_id for row in report.platforms] == [p.pk, q.pk]        # the platform without shops is not
    row = report.platforms[0]
    assert (row.shops, row.verified_shops, row.stale_shops) == (4, 2, 1)       # S1, S2 verified; S4 stale
    assert row.verification_rate == 0.5 and row.timely_shop_share == 0.75
    assert row.reports == 4 and row.reports_within_deadline == 3                # days 1, 1, 5, 10
    assert row.report_median_days == 3.0 and row.report_timely_share == 0.75    # (1 + 5) / 2
    assert row.risk_alerts == 2
    assert row.complaints == 2 and row.complaints_per_1000_shops == 500.0       # 2 × 1,000 / 4
    assert row.interviews == 1 and row.last_interview == dt.date(2025, 11, 5)
    assert row.joint_action_response_rate is None
    other = report.platforms[1]
    assert (other.shops, other.verified_shops, other.reports, other.report_median_days, other.risk_alerts,
            other.complaints_per_1000_shops, other.interviews) == (1, 1, 1, 6.0, 1, 0.0, 0)


def test_the_query_count_does_not_grow_with_the_number_of_shops(planted, platform_org):
    with at(TODAY), CaptureQueriesContext(connection) as few:
        compliance.compute()
    with at(dt.date(2025, 12, 1)):
        report_shops([{"shop_id": f"X{n}", "name": f"新店{n}", "operator": {"uscc": f.uscc(500 + n)}}
                      for n in range(30)], f.principal("platform_client", platform_org))
    with at(TODAY), CaptureQueriesContext(connection) as many:
        report = compliance.compute()
    assert report.platforms[0].shops == 34 and len(many.captured_queries) == len(few.captured_queries) <= 10


def test_the_joint_action_column_counts_the_platforms_answers(planted, platform_org, officer):
    """Tasks from a published list entry: platform P accepted its task in time, platform Q let the deadline pass."""
    from ecredit.lists import flows, joint, services as lists

    p, _q = planted
    listed = registry.register({"uscc": f.uscc(410), "name": "南通失信商贸有限公司"}, Actor("test"))
    with at(dt.date(2025, 9, 1)):
        entry = lists.propose(officer, list_type="serious_dishonesty", subject_id=listed.pk, reason="一年内受到较重行政处罚")
        flows.notify(entry.pk, officer, channel="written", reference="告知1号")
    with at(dt.date(2025, 9, 15)):
        flows.decide(entry.pk, officer, list_subject=True, decision_no="列1号", text="决定列入")
        flows.publish(entry.pk, officer)
        mine = list(joint.tasks_of(f.principal("platform_client", platform_org)))
        assert [t.measure for t in mine] == ["platform_no_onboarding"]
        joint.respond(mine[0].pk, f.principal("platform_client", platform_org), action="accept")
    with at(TODAY):
        rows = compliance.compute().platforms
    assert rows[0].subject_id == p.pk and rows[0].joint_action_response_rate == 1.0
    assert rows[1].joint_action_response_rate == 0.0


def test_timeliness_median_and_within():
    assert compliance.timeliness({}, 5) == (None, 0)
    assert compliance.timeliness({3: 1}, 5) == (3.0, 1)
    assert compliance.timeliness({1: 2, 5: 1, 10: 1}, 5) == (3.0, 3)
    assert compliance.timeliness({0: 1, 2: 1, 9: 1}, 1) == (2.0, 1)
