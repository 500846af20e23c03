"""The public trace page in a real browser: a consumer types the code and lot from a pack (or opens the Digital
Link its QR code carries), follows the chain from the farm to the shop, opens the producer's profile; a mistyped
code is answered with the digit it should have; the pages fit a phone."""

from __future__ import annotations

import pytest

from tests.trace import chain_world as cw

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def traced(live_server):
    world = cw.build()
    return {"base": live_server.url, "world": world}


def test_a_consumer_searches_a_lot_and_follows_its_chain(page, traced):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    base = traced["base"]
    page.goto(f"{base}/trace/")
    page.fill("#trace-gtin", cw.RICE.lstrip("0"))
    page.fill("#trace-lot", cw.LOT)
    page.click("#trace-query button")
    page.wait_for_url(f"{base}/01/{cw.RICE}/10/{cw.LOT}")
    steps = page.locator("#trace-steps .step-name").all_inner_texts()
    assert steps[:5] == ["生产赋码", "包装", "发货", "收货", "拆包"] and "签收" in steps and "投诉" not in steps
    text = page.locator("main").inner_text()
    assert "南通稻香农业专业合作社" in text and "南通速达快递有限公司" in text
    assert traced["world"].person_name not in text and "13812345678" not in text
    page.locator("#trace-product a").first.click()
    page.wait_for_url(f"{base}/subjects/{traced['world'].farm.pk}/")
    assert "南通稻香农业专业合作社" in page.locator("h1").inner_text()
    assert errors == []


def test_a_scanned_digital_link_opens_the_item_and_a_typo_is_explained(page, traced):
    base = traced["base"]
    page.goto(f"{base}/trace/")
    page.fill("#trace-link", f"https://id.gs1.org/01/{cw.RICE}/21/B002")
    page.click("#trace-link-query button")
    page.wait_for_url(f"{base}/01/{cw.RICE}/21/B002")
    assert "稻香米业旗舰店" in page.locator("#trace-chain").inner_text()
    wrong = cw.RICE[:-1] + str((int(cw.RICE[-1]) + 1) % 10)
    response = page.goto(f"{base}/01/{wrong}/10/{cw.LOT}")
    assert response.status == 400
    assert f"最后一位应为 {cw.RICE[-1]}" in page.locator("#trace-error").inner_text()


@pytest.mark.parametrize("path", ["/trace/", f"/01/{cw.RICE}/10/{cw.LOT}"])
def test_the_pages_fit_a_phone_screen(browser, traced, path):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    phone = context.new_page()
    phone.goto(traced["base"] + path)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 1
