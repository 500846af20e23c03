"""The public parcel query in a real browser: a consumer looks a waybill up, sees its station-by-station timeline
without anyone's personal data, proves the phone's last four digits, sees themselves masked and rates the
delivery; no page raises a console error (no inline script)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from ecredit.audit.services import Actor
from ecredit.logistics import services
from ecredit.logistics.models import DeliveryFeedback
from ecredit.registry import services as registry
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NUMBER = "YT8800000001"
PHONE = "13912345678"


@pytest.fixture
def parcel(live_server):
    cache.clear()
    uscc = f.uscc(880001)
    registry.register({"uscc": uscc, "name": "南通浏览器快递有限公司"}, Actor("test"), roles=["logistics"])
    carrier = f.principal("logistics_client", f.organisation("logistics", "logistics_b", name="南通浏览器快递有限公司",
                                                            uscc=uscc))
    start = timezone.localtime() - dt.timedelta(days=2)

    def at(hours: float) -> str:
        return (start + dt.timedelta(hours=hours)).isoformat()

    made = services.submit_waybills([{
        "waybill_no": NUMBER, "created_at": at(-2), "platform_uscc": f.uscc(990101), "order_no": "DD-1",
        "origin": "320613", "destination": "310101",
        "consignee": {"name": "王小明", "phone": PHONE, "address": "上海市黄浦区南京东路100号3楼"}}], carrier)
    assert not made.errors
    scans = services.submit_scans([
        {"waybill_no": NUMBER, "time": at(0), "state": "GOT", "station": "南通崇川营业部", "courier_name": "李四",
         "courier_phone": "13800001111"},
        {"waybill_no": NUMBER, "time": at(5), "state": "ARRIVAL", "station": "南通分拨中心", "station_type": "hub"},
        {"waybill_no": NUMBER, "time": at(6), "state": "DEPARTURE", "station": "南通分拨中心",
         "next_station": "上海转运中心"},
        {"waybill_no": NUMBER, "time": at(20), "state": "ARRIVAL", "station": "上海转运中心"},
        {"waybill_no": NUMBER, "time": at(27), "state": "SENT", "station": "上海黄浦营业部", "courier_name": "赵五",
         "courier_phone": "13700002222"},
        {"waybill_no": NUMBER, "time": at(30), "state": "SIGNED", "station": "上海黄浦营业部"}],
        carrier, vocabulary="carrier_action")
    assert not scans.errors
    yield live_server.url
    cache.clear()


def watch_errors(page) -> list[str]:
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not (message.location or {}).get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_look_up_prove_and_rate_a_parcel(page, parcel):
    errors = watch_errors(page)
    page.goto(f"{parcel}/parcels/")
    page.fill("#id_no", NUMBER.lower())
    page.click("#parcel-query button[type=submit]")
    page.wait_for_selector("#timeline")
    assert page.locator("#parcel-state").inner_text() == "已签收"
    timeline = page.locator("#timeline").inner_text()
    assert timeline.index("已签收") < timeline.index("已揽收")                 # newest first
    assert "南通分拨中心" in timeline and "上海转运中心" in timeline and "137****2222" in timeline
    body = page.locator("main").inner_text()
    for secret in (PHONE, "王小明", "王**", "南京东路", "13700002222"):
        assert secret not in body

    page.fill("#id_phone_tail", "1234")
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("ul.messages li.error")
    assert "不符" in page.locator("ul.messages").inner_text() and page.locator("#consignee").count() == 0

    page.fill("#id_phone_tail", "5678")
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("#consignee")
    assert page.locator("#consignee-name").inner_text() == "王**"
    assert page.locator("#consignee-phone").inner_text() == "139****5678"
    assert PHONE not in page.locator("main").inner_text()

    page.check("#feedback-form input[name=satisfaction][value='4']")
    page.check("#feedback-form input[name=tags][value='fast']")
    page.fill("#feedback-form textarea[name=text]", "送得挺快")
    page.click("#feedback-form button[type=submit]")
    page.wait_for_selector("#feedback-given")
    assert "满意度 4 分" in page.locator("#feedback-given").inner_text()
    given = DeliveryFeedback.objects.get()
    assert (given.satisfaction, given.tags, given.text, given.complaint) == (4, ["fast"], "送得挺快", False)
    assert not errors, errors
