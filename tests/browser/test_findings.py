"""Findings in a real browser: an officer opens the fake-order ring from the findings list, sees it drawn as a
graph, tries to dismiss it without a reason (the browser asks for one), then confirms it and sees the credit
records it wrote; no page raises a console error (no inline script)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from ecredit.access.models import Membership
from ecredit.audit.services import Actor
from ecredit.findings import services
from ecredit.findings.models import Finding, FindingKind, FindingStatus
from tests import factories as f
from tests.findings import world as planted
from tests.browser.conftest import console_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Findings-pass-2026"


@pytest.fixture
def town(live_server):
    w = planted.build()
    market = f.organisation("department", "market_regulation", name="南通市市场监督管理局")
    f.organisation("credit_office", "credit_office", name="南通市信用办")
    user = get_user_model().objects.create_user("officer", password=PASSWORD, is_staff=True)
    Membership.objects.create(user=user, organisation=market, role="department_officer")
    run = services.run_detection(Actor("system:test", "credit_office"), detectors=["order_ring"])
    assert run.status == "finished", run.error
    return {"base": live_server.url, "ring": Finding.objects.get(kind=FindingKind.ORDER_RING), "w": w}


def test_an_officer_opens_a_ring_sees_its_graph_and_confirms_it(page, town):
    base, ring = town["base"], town["ring"]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in
            (m.location or {}).get("url", "") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    console_sign_in(page, base, "officer", PASSWORD, start="/console/")
    page.wait_for_url(f"{base}/console/")

    page.click("header nav a:has-text('造假线索')")
    page.wait_for_url(f"{base}/console/findings/")
    page.click(f"#finding-{ring.pk} td:nth-child(3) a")
    page.wait_for_url(f"{base}/console/findings/{ring.pk}/")

    graph = page.locator("#ring-graph svg.ring-graph")
    assert graph.is_visible() and graph.bounding_box()["height"] > 200
    assert graph.locator("g.ring-shop").count() == len(planted.RING_SHOPS)
    assert graph.locator("g.ring-buyer").count() == len(town["w"].ring_buyers)
    assert graph.locator("g.other-shop").count() >= 1                       # camouflage at popular shops
    assert "团伙网店" in graph.locator("g.ring-shop title").first.text_content()

    # A dismissal without a reason does not leave the page: the browser asks for the reason first.
    page.click("#dismiss-form button")
    assert page.url == f"{base}/console/findings/{ring.pk}/"
    assert page.locator("#dismiss-form textarea").evaluate("el => el.validity.valueMissing")
    ring.refresh_from_db()
    assert ring.status == FindingStatus.OPEN

    page.fill("#confirm-form textarea", "经调取交易流水并约谈经营者，确认组织刷单")
    page.click("#confirm-form button")
    page.wait_for_load_state()
    assert "已确认该线索" in page.locator(".messages").inner_text()
    assert page.locator("#finding-status").inner_text() == "已确认"
    assert page.locator("#records tbody tr").count() == len(planted.RING_SHOPS)
    assert page.locator("#confirm-form").count() == 0
    ring.refresh_from_db()
    assert ring.status == FindingStatus.CONFIRMED and len(ring.record_ids) == len(planted.RING_SHOPS)
    assert errors == []
