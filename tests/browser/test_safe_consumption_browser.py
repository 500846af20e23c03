"""The public list of 放心消费 merchants in a real browser: a visitor searches it by region and name, opens a
merchant's profile from it and finds the honour there; the list and the criteria page fit a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.safe_consumption.world import Town

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def listed(live_server):
    town = Town()
    company = town.merchant("南通浏览器放心商贸有限公司")
    town.title(company)
    other = town.merchant("南通如皋浏览器商贸有限公司")
    town.approve(town.apply(other, region="320682"))
    return {"base": live_server.url, "company": company, "other": other}


def test_a_visitor_searches_the_list_and_opens_a_profile(page, listed):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    base = listed["base"]
    page.goto(f"{base}/safe-consumption/")
    assert page.locator("tr.title-row").count() == 2
    page.select_option("#title-search select[name=region]", "320682")
    page.click("#title-search button")
    expect(page.locator("tr.title-row")).to_have_count(1)       # waits for the new page, unlike count()
    assert "南通如皋浏览器商贸有限公司" in page.locator("#titles").inner_text()
    page.select_option("#title-search select[name=region]", "")
    page.fill("#title-search input[name=q]", "浏览器放心")
    page.click("#title-search button")
    rows = page.locator("tr.title-row")
    page.wait_for_url("**q=*")
    expect(rows).to_have_count(1)
    rows.locator("a").click()
    page.wait_for_url(f"{base}/subjects/{listed['company'].pk}/")
    assert "南通市电子商务放心消费单位" in page.locator("main").inner_text()      # the honour on the profile
    assert errors == []


@pytest.mark.parametrize("path", ["/safe-consumption/", "/safe-consumption/criteria"])
def test_the_pages_fit_a_phone_screen(browser, listed, path):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    phone = context.new_page()
    phone.goto(listed["base"] + path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 1
