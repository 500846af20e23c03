"""Complaints in a real browser: a consumer files a complaint on the portal, an officer accepts it in the
console, and the tracking page then shows it accepted; no page raises a console error (no inline script)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from ecredit.access.models import Membership
from ecredit.complaints import antispam
from ecredit.complaints.models import Complaint, Status
from tests import factories as f
from tests.browser.conftest import console_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Complaints-pass-2026"


@pytest.fixture
def town(live_server):
    cache.clear()
    department = f.organisation("department", "market_regulation", name="南通市市场监督管理局")
    f.organisation("credit_office", "credit_office", name="南通市信用办")
    user = get_user_model().objects.create_user("officer", password=PASSWORD)
    Membership.objects.create(user=user, organisation=department, role="department_officer")
    yield {"base": live_server.url}
    cache.clear()


def watch_errors(page) -> list[str]:
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not (message.location or {}).get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_file_accept_and_track(page, town):
    base = town["base"]
    errors = watch_errors(page)

    # A consumer files a complaint; a first try without the claim is sent back with the field named.
    page.goto(f"{base}/complaints/new")
    page.fill("#id_complainant_name", "王小明")
    page.fill("#id_complainant_phone", "13612345678")
    page.fill("#id_complainant_address", "南通市崇川区人民中路100号")
    page.fill("#id_respondent_name", "南通浏览器测试电器有限公司")
    page.fill("#id_shop_name", "浏览器测试电器旗舰店")
    page.fill("#id_order_no", "DD-BROWSER-1")
    page.fill("#id_content", "在网店买的电水壶质量有问题，用了两天就漏水，商家拒绝退货")
    page.wait_for_timeout(antispam.limits().min_fill_seconds * 1000 + 300)
    page.click("#complaint-form button[type=submit]")
    assert "请填写具体的投诉请求" in page.locator("#field-claim").inner_text()
    assert page.input_value("#id_content").startswith("在网店买的电水壶")
    page.fill("#id_claim", "退货退款")
    page.click("#complaint-form button[type=submit]")
    page.wait_for_url(f"{base}/complaints/received")
    case_no = page.locator(".caseno").first.inner_text().strip()
    case = Complaint.objects.get(case_no=case_no)
    assert case.status == Status.RECEIVED and case.handling_org.code == "market_regulation"

    # The officer accepts it in the console.
    officer = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    console = officer.new_page()
    console_errors = watch_errors(console)
    console_sign_in(console, base, "officer", PASSWORD)
    console.wait_for_url(f"{base}/console/")
    console.goto(f"{base}/console/complaints/")
    console.click(f"text={case_no}")
    console.wait_for_url(f"{base}/console/complaints/{case.pk}/")
    assert "13612345678" not in console.locator("#complainant-phone").inner_text()
    console.fill("#accept-form textarea[name=note]", "材料齐全，予以受理")
    console.click("#accept-form button")
    console.wait_for_selector("#mediation-form")
    assert console.locator("#case-status").inner_text() == "已受理"
    officer.close()

    # The consumer tracks it: accepted, with the mediation deadline.
    page.goto(f"{base}/complaints/track?case_no={case_no}")
    assert page.input_value("#id_case_no") == case_no
    page.fill("#id_phone", "13612345678")
    page.click("#track-form button[type=submit]")
    page.wait_for_selector(".tracked")
    assert page.locator("#tracked-status").inner_text() == "已受理"
    case.refresh_from_db()
    assert case.mediation_due.isoformat() in page.locator(".tracked").inner_text()
    assert errors == [] and console_errors == []
