"""An officer's day in the console, in a real browser: log in, see the objection waiting, handle it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from ecredit.access.models import Membership
from ecredit.archive import flows
from ecredit.archive.models import CreditRecord, ObjectionStatus
from ecredit.exchange.services import submit
from tests import factories as f
from tests.browser.conftest import console_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Officer-pass-2026"


@pytest.fixture
def officer_login(live_server):
    department = f.organisation("department", "market_regulation", name="市工商局")
    office = f.organisation("credit_office", "credit_office", name="市信用办")
    officer = f.principal("department_officer", department)
    submit([f.penalty("BR1", {"uscc": f.uscc(7001), "name": "南通浏览器测试有限公司"})], officer, channel="api")
    record = CreditRecord.objects.get(source_record_id="BR1")
    objection = flows.file_objection(record.pk, f.principal("credit_office_admin", office),
                                     reason="处罚决定书已被撤销")
    user = get_user_model().objects.create_user("officer", password=PASSWORD)
    Membership.objects.create(user=user, organisation=department, role="department_officer")
    return live_server.url, objection


def log_in(page, base: str) -> None:
    """Open the console, get sent to the login page, log in as the officer, land on the workbench."""
    console_sign_in(page, base, "officer", PASSWORD, start="/console/")
    page.wait_for_url(f"{base}/console/")


def test_officer_logs_in_and_decides_an_objection(page, officer_login):
    base, objection = officer_login
    log_in(page, base)
    assert page.locator("h1").inner_text().startswith("工作台")
    page.click(f"a[href='/console/objections/{objection.pk}/']")
    page.fill("textarea[name=note]", "受理核查")
    page.click("button[value=accept]")
    assert "已办理" in page.locator(".messages").inner_text()
    page.fill("textarea[name=note]", "经核查，处罚决定已撤销")
    page.click("button[value=revoke]")
    assert "已办理" in page.locator(".messages").inner_text()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert objection.record.status == "revoked"


def test_language_switch_to_english(page, officer_login):
    base, _ = officer_login
    log_in(page, base)
    page.select_option("select[name=language]", "en")
    page.click("header form button:has-text('切换')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Workbench")
