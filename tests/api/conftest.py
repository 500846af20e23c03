"""A small world with one caller of every kind, for tests that go through HTTP like integrators do."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client

from ecredit.archive import flows, services
from ecredit.audit.services import Actor
from ecredit.registry import services as registry
from ecredit.registry import shops
from tests import factories as f
from tests.factories import console_login

CALLERS = ["anon", "badtoken", "platform", "agency", "officer", "investigator", "other_officer", "admin", "subject"]


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int | str] = field(default_factory=dict)
    person_ric: str = ""
    subject_user: object = None
    company_uscc: str = ""
    platform_uscc: str = ""

    def client(self, caller: str) -> Client:
        if caller == "anon":
            return Client()
        if caller == "subject":
            client = Client()
            console_login(client, self.subject_user)
            return client
        token = "ec_not_a_token" if caller == "badtoken" else self.tokens[caller]
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The world, built once per test module inside a transaction rolled back when the module ends. Each test runs
    in a savepoint of it (pytest-django's `db`), so every test still starts from the same fresh world."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(_module_world, db) -> World:
    return _module_world


def build_world() -> World:
    """One caller of every kind and the records, procedures, notices, trades and list entries they act on."""
    w = World()
    market = f.organisation("department", "market_regulation", name="市工商局")
    postal = f.organisation("department", "postal", name="市邮政管理局")
    office = f.organisation("credit_office", "credit_office", name="市信用办")
    w.platform_uscc = f.uscc(990001)
    registry.register({"uscc": w.platform_uscc, "name": "测试电商平台"}, Actor("test"), roles=["platform"])
    platform = f.organisation("platform", "platform_1", name="测试电商平台", uscc=w.platform_uscc)
    agency = f.organisation("agency", "agency_1", name="测试信用服务机构")
    w.company_uscc, w.person_ric = f.uscc(123), f.ric(7)
    officer = f.principal("department_officer", market)
    report = services.ingest([
        f.penalty("PUB1", {"uscc": w.company_uscc, "name": "南通甲商贸有限公司"}, decided_on="2024-03-05"),
        f.penalty("PER1", {"ric": w.person_ric, "name": "张小明"}, decided_on="2024-03-05"),
        f.penalty("OBJ1", {"uscc": f.uscc(124), "name": "南通戊有限公司"}, decided_on="2024-05-05"),
    ], officer)
    assert report.created == 3, report.errors
    w.ids["record_public"], w.ids["record_person"], w.ids["record_objected"] = report.record_ids
    platform_principal = f.principal("platform_client", platform)
    shops.report_shops([{"shop_id": "S1", "name": "甲旗舰店", "operator": {"uscc": w.company_uscc}}],
                       platform_principal)
    fake = {"id": "FO1", "type": "fake_order", "subject": {"platform_uscc": w.platform_uscc, "shop_id": "S1"},
            "decided_on": "2025-05-01", "summary": "组织刷单", "details": {}}
    from ecredit import policy
    fake["details"] = f.minimal_details(policy.current().record_types["fake_order"].details_schema)
    gov = services.ingest([fake], platform_principal)
    assert gov.created == 1, gov.errors
    w.ids["record_gov"] = gov.record_ids[0]
    subject_id = services.CreditRecord.objects.get(pk=w.ids["record_public"]).subject_id
    w.ids["company"] = subject_id
    w.ids["person"] = services.CreditRecord.objects.get(pk=w.ids["record_person"]).subject_id
    own = f.organisation("subject", "self_company", name="南通甲商贸有限公司（本人）")
    w.ids["objection"] = flows.file_objection(w.ids["record_objected"], f.principal("credit_office_admin", office),
                                              reason="请核查处罚信息是否准确").pk
    from ecredit.access.principal import system
    from ecredit.exchange.services import submit

    w.ids["batch"] = submit([f.penalty("B1")], officer, channel="api").pk
    w.ids["repair"] = flows.apply_for_repair(w.ids["record_person"], system(), statement="已缴纳罚款",
                                             attested=["penalty_fulfilled", "harm_removed"]).pk
    w.ids["code"] = "admin_licence"
    w.ids["report_code"] = "ECR-0000-0000-0000-0000"   # a well-formed code of no report: answered "unknown"
    w.ids["plan_task"] = 5      # the plan's task 5: market regulation leads it, the postal administration has no part
    from ecredit.portal import publications

    w.ids["notice"] = publications.publish(officer, kind="typical_case", title="销售不合格商品典型案例",
                                           body="案情介绍", subject_id=subject_id).pk
    for caller, org, role in [("platform", platform, "platform_client"), ("agency", agency, "agency_client"),
                              ("officer", market, "department_officer"),
                              ("investigator", market, "department_investigator"),
                              ("other_officer", postal, "department_officer"), ("admin", office, "credit_office_admin")]:
        w.tokens[caller] = f.client_token(org, role, name=caller)
    from django.contrib.auth import get_user_model

    from ecredit.access.models import Membership

    w.subject_user = get_user_model().objects.create_user("company_self", password="x-Company-2026")
    Membership.objects.create(user=w.subject_user, organisation=own, role="subject_account",
                              subject_id=w.ids["company"])
    from ecredit.marketplace import services as marketplace
    from ecredit.registry.models import Subject
    from tests.marketplace.conftest import order, rating

    marketplace.submit_orders([order("M1")], platform_principal)
    w.ids["rating"] = marketplace.submit_ratings([rating("M1")], platform_principal).ids[0]
    w.ids["shop"] = Subject.objects.get(platform__uscc=w.platform_uscc, shop_id="S1").pk
    _list_entries(w, officer)
    from ecredit.evaluation.batch import rescore_all

    rescore_all()
    from . import (matrix_commitments, matrix_compensation, matrix_complaints, matrix_findings, matrix_logistics,
               matrix_safe_consumption, matrix_trace)

    for module in (matrix_complaints, matrix_compensation, matrix_commitments, matrix_safe_consumption,
                matrix_logistics, matrix_trace, matrix_findings):
        module.build(w)
    return w


def _list_entries(w: World, officer) -> None:
    """List entries at each step the API acts on, and a measure task addressed to the platform."""
    import datetime as dt

    from django.utils import timezone

    from ecredit.lists import flows as list_flows, services as list_services
    from ecredit.lists.models import MeasureTask
    from ecredit.registry.models import Subject

    past = timezone.now() - dt.timedelta(days=40)
    other = Subject.objects.get(uscc=f.uscc(124)).pk

    def proposed(list_type, subject_id, when=past):
        return list_services.propose(officer, list_type=list_type, subject_id=subject_id,
                                     reason="一年内受到较重行政处罚，建议列入", now=when).pk

    # The published entry is about another company: the matrix's own company applies for repair, which a
    # negative listing would block.
    w.ids["listed"] = other
    w.ids["entry"] = proposed("serious_dishonesty", other)
    list_flows.notify(w.ids["entry"], officer, channel="written", reference="告知1号", now=past)
    list_flows.decide(w.ids["entry"], officer, list_subject=True, decision_no="列1号", text="决定列入",
                      now=past + dt.timedelta(days=20))
    list_flows.publish(w.ids["entry"], officer, now=past + dt.timedelta(days=21))
    w.ids["task"] = MeasureTask.objects.get(entry_id=w.ids["entry"], implementer__code="platform_1").pk
    w.ids["pending"] = proposed("abnormal_operation", w.ids["company"])
    w.ids["notified"] = proposed("focus_list", w.ids["company"], timezone.now())
    list_flows.notify(w.ids["notified"], officer, channel="electronic", reference="告知2号")
    w.ids["objected"] = proposed("focus_list", other, timezone.now())
    list_flows.notify(w.ids["objected"], officer, channel="electronic", reference="告知3号")
    list_flows.file_objection(w.ids["objected"], officer, text="当事人称处罚决定已被撤销")
    w.ids["decided"] = proposed("abnormal_operation", other)
    list_flows.notify(w.ids["decided"], officer, channel="written", reference="告知4号", now=past)
    list_flows.decide(w.ids["decided"], officer, list_subject=True, decision_no="列2号", text="决定列入",
                      now=past + dt.timedelta(days=20))
