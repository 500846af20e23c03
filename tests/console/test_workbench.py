"""The officer's workbench: my department's batches and their errors, objections waiting on me."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.access.models import Membership
from ecredit.archive import flows
from ecredit.archive.models import ObjectionStatus
from ecredit.exchange.services import submit
from tests import factories as f
from tests.factories import console_login

pytestmark = pytest.mark.django_db


def login(org, role, username="u"):
    user = get_user_model().objects.create_user(username, password="Secret-pass-2026")
    Membership.objects.create(user=user, organisation=org, role=role)
    client = Client()
    console_login(client, user)
    return client


@pytest.fixture
def busy_department(department, officer, admin):
    submit([f.penalty("W1"), f.penalty("W2", {"uscc": "91320602MA1X2345", "name": "坏代码"})], officer,
           channel="api", client_batch_id="B-1")
    from ecredit.archive.models import CreditRecord

    record = CreditRecord.objects.get(source_record_id="W1")
    objection = flows.file_objection(record.pk, admin, reason="处罚信息与事实不符")
    return objection


def test_login_page_and_redirect():
    response = Client().get("/console/")
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    assert "登录" in Client().get("/console/login/").content.decode()


def test_workbench_shows_batches_errors_and_objection_deadlines(busy_department, department):
    page = login(department, "department_officer").get("/console/").content.decode()
    assert "部分接收" in page and "待我办理的异议" in page
    assert busy_department.decide_due.strftime("%Y-%m-%d") in page
    batch_page = login(department, "department_officer", "u2").get(
        f"/console/batches/{busy_department.record.batch_id}/").content.decode()
    assert "统一社会信用代码长度错误" in batch_page and "W2" in batch_page


def test_other_department_sees_neither_batches_nor_objections(busy_department, other_department):
    client = login(other_department, "department_officer")
    page = client.get("/console/").content.decode()
    assert "部分接收" not in page and "暂无待办异议" in page
    assert client.get(f"/console/objections/{busy_department.pk}/").status_code == 404


def test_agency_user_has_no_console(db):
    from tests import factories as f

    agency = f.organisation("agency", "agency_t", name="测试信用服务机构")
    assert login(agency, "agency_client").get("/console/").status_code == 403


def test_officer_handles_objection_through_the_forms(busy_department, department):
    client = login(department, "department_officer")
    url = f"/console/objections/{busy_department.pk}/action"
    client.post(url, {"action": "accept", "note": "受理"})
    response = client.post(url, {"action": "reject", "note": "处罚决定合法有效"}, follow=True)
    assert "已办理" in response.content.decode()
    busy_department.refresh_from_db()
    assert busy_department.status == ObjectionStatus.REJECTED


def test_form_error_is_shown_not_raised(busy_department, department):
    client = login(department, "department_officer")
    response = client.post(f"/console/objections/{busy_department.pk}/action", {"action": "refuse", "note": ""},
                           follow=True)
    assert response.status_code == 200 and "不予受理须说明理由" in response.content.decode()


def test_english_switch(busy_department, department):
    client = login(department, "department_officer")
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    page = client.get("/console/").content.decode()
    assert "Workbench" in page


def test_pages_stay_chinese_for_an_english_browser_until_switched(busy_department, department):
    client = login(department, "department_officer")
    page = client.get("/console/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "工作台" in page and "Workbench" not in page
