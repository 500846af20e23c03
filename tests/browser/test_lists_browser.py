"""The lists in a real browser: a department officer proposes, notifies, decides and publishes through the
pages; a platform user accepts and reports its measure task; the pages fit a phone and raise no errors."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model

from ecredit.access.models import Membership
from ecredit.audit.services import Actor
from ecredit.lists import flows, services
from ecredit.lists.models import EntryStatus, ListEntry, MeasureTask, TaskStatus
from ecredit.registry import services as registry
from tests import factories as f
from tests.browser.conftest import console_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Lists-pass-2026"


def account(org, role: str, username: str) -> None:
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    Membership.objects.create(user=user, organisation=org, role=role)


@pytest.fixture
def town(live_server):
    """A department, the credit office, a platform and two companies; one entry proposed and notified a
    month ago (its objection window has closed), so that it can be decided today."""
    department = f.organisation("department", "market_regulation", name="市工商局")
    office = f.organisation("credit_office", "credit_office", name="市信用办")
    platform_uscc = f.uscc(990101)
    registry.register({"uscc": platform_uscc, "name": "浏览器测试电商平台"}, Actor("test"), roles=["platform"])
    platform = f.organisation("platform", "platform_b", name="浏览器测试电商平台", uscc=platform_uscc)
    account(department, "department_officer", "officer")
    account(office, "credit_office_admin", "admin")
    account(platform, "platform_client", "platform")
    officer = f.principal("department_officer", department)
    old = registry.register({"uscc": f.uscc(7101), "name": "南通名单浏览器测试有限公司"}, Actor("test"))
    fresh = registry.register({"uscc": f.uscc(7102), "name": "南通新提出测试有限公司"}, Actor("test"))
    month_ago = dt.datetime.combine(f.today() - dt.timedelta(days=30), dt.time(10), tzinfo=dt.timezone.utc)
    with time_machine.travel(month_ago, tick=False):
        entry = services.propose(officer, list_type="serious_dishonesty", subject_id=old.pk,
                                 reason="一年内三次销售假冒商品，情节严重")
        flows.notify(entry.pk, officer, channel="written", reference="通市监告〔2026〕7号")
    return {"base": live_server.url, "entry": entry, "fresh": fresh, "platform": platform, "officer": officer}


def watch_errors(page) -> list[str]:
    """Collect console errors and uncaught exceptions (a CSP violation is reported as a console error). The
    browser's own request for /favicon.ico (the console has none) is not the page's error."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not (message.location or {}).get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def log_in(page, base: str, username: str) -> None:
    console_sign_in(page, base, username, PASSWORD)
    page.wait_for_url(f"{base}/console/")


def message(page) -> str:
    return page.locator(".messages").inner_text()


def test_officer_publishes_and_platform_reports(page, town):
    base, entry = town["base"], town["entry"]
    errors = watch_errors(page)
    log_in(page, base, "officer")
    page.click("header nav a[href='/console/lists/']")
    assert page.locator("h1").inner_text() == "红黑名单"

    # a new proposal through the form, then the notice
    page.select_option("#propose-form select[name=list_type]", "serious_dishonesty")
    page.fill("#propose-form input[name=subject]", town["fresh"].uscc)
    page.fill("#propose-form textarea[name=reason]", "一年内多次销售假冒商品")
    page.click("#propose-form button")
    assert "已提出列入建议" in message(page)
    assert "已提出（待告知）" in page.locator("#entry-status").inner_text()
    page.select_option("#notify-form select[name=channel]", "electronic")
    page.fill("#notify-form input[name=reference]", "通市监告〔2026〕8号")
    page.click("#notify-form button[value=notify]")
    assert "已记录告知" in message(page)
    # deciding to list inside the objection window is refused with the domain's message
    page.check("#decide-form input[value=list]")
    page.fill("#decide-form input[name=decision_no]", "X")
    page.fill("#decide-form textarea[name=text]", "列入")
    page.click("#decide-form button[value=decide]")
    assert "期满后方可决定" in page.locator(".messages li.error").inner_text()

    # the entry notified a month ago: decide and publish
    page.goto(f"{base}/console/lists/")
    page.click(f"#entry-{entry.pk} a")
    assert "南通名单浏览器测试有限公司" in page.locator("main").inner_text()
    page.check("#decide-form input[value=list]")
    page.fill("#decide-form input[name=decision_no]", "通市监列〔2026〕7号")
    page.fill("#decide-form textarea[name=text]", "异议期满未提出异议，决定列入")
    page.click("#decide-form button[value=decide]")
    assert "已作出决定" in message(page)
    page.click("#publish-form button[value=publish]")
    assert "已发布" in message(page)
    assert "在列（已发布）" in page.locator("#entry-status").inner_text()
    assert page.locator("#record").is_visible() and page.locator("#tasks").is_visible()
    timeline = page.locator("#timeline").inner_text()
    assert "告知当事人" in timeline and "决定列入" in timeline and "发布" in timeline
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED and entry.record_id

    # the platform user answers its task
    page.click("header form.inline button")            # log out
    log_in(page, base, "platform")
    page.click("header nav a[href='/console/lists/tasks/']")
    task = MeasureTask.objects.get(entry=entry, implementer=town["platform"])
    card = page.locator(f"#task-{task.pk}")
    assert "平台限制入驻和参与营销活动" in card.inner_text()
    card.locator("button[value=accept]").click()
    assert "已接收" in message(page)
    card = page.locator(f"#task-{task.pk}")
    card.locator("textarea[name=text]").fill("已限制新开店铺并暂停营销活动")
    card.locator("button[value=report]").click()
    assert "已反馈实施情况" in message(page)
    task.refresh_from_db()
    assert task.status == TaskStatus.EXECUTED
    assert errors == []


@pytest.mark.parametrize("path", ["/console/lists/", "/console/lists/{entry}/", "/console/lists/tasks/",
                                  "/console/lists/supervision/"])
def test_list_pages_fit_a_phone_screen(browser, town, path):
    base, entry = town["base"], town["entry"]
    flows.decide(entry.pk, town["officer"], list_subject=True, decision_no="通市监列〔2026〕7号", text="列入")
    flows.publish(entry.pk, town["officer"])
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, base, "admin")
    response = page.goto(base + path.format(entry=entry.pk))
    assert response.status == 200
    # nothing but wide tables (which scroll inside their card) may be wider than the screen
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 1
    assert errors == []
    assert ListEntry.objects.get(pk=entry.pk).status == EntryStatus.PUBLISHED
