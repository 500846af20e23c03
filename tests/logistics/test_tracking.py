"""The public parcel query, the consignee's proof and feedback, on the portal and by API; officers' lookup."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from ecredit.audit.models import AccessLogEntry
from ecredit.audit.services import verify as verify_log
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.logistics import services
from ecredit.logistics.models import DeliveryFeedback
from ecredit.logistics.services import tracking
from tests import factories as f

from .conftest import PHONE, console_client, journey, waybill

pytestmark = pytest.mark.django_db
NO = "YT5550000001"


@pytest.fixture
def parcel(carrier):
    services.submit_waybills([waybill(NO)], carrier.principal)
    services.submit_scans(journey(NO, days_ago=3), carrier.principal)
    return services.find(NO)[0]


def page(client: Client, **query) -> str:
    return client.get("/parcels/", query, REMOTE_ADDR="10.1.1.1").content.decode()


def test_public_timeline_shows_stations_and_hides_personal_data(parcel):
    html = page(Client(), no=NO)
    assert "南通分拨中心" in html and "上海转运中心" in html and "已签收" in html
    for secret in (PHONE, "王小明", "王**", "南京东路", "13700002222", "13800001111"):
        assert secret not in html
    assert "137****2222" in html   # the courier, masked
    api = Client().get(f"/api/v1/parcels/tracking/{NO}").json()
    assert api[0]["state"] == "signed" and len(api[0]["scans"]) == 6
    assert PHONE not in str(api) and "王" not in str(api) and "consignee" not in str(api)


def test_the_consignees_name_in_a_carriers_text_is_masked_when_shown(parcel, carrier):
    services.submit_scans([{"waybill_no": NO, "time": journey(NO, days_ago=3)[-1]["time"], "state": "signed",
                            "station": "丰巢柜", "text": "王小明您好，您的快件已放入丰巢柜"}], carrier.principal)
    texts = [s["text"] for s in services.public_view(parcel)["scans"]]
    assert "王**您好，您的快件已放入丰巢柜" in texts and not any("王小明" in t for t in texts)


def test_lowercase_and_fullwidth_numbers_are_found(parcel):
    assert services.find("yt5550000001") and services.find("ＹＴ５５５００００００１")
    assert services.find("no such") == []


def test_the_consignee_proves_the_phone_tail_and_sees_themselves_masked(parcel):
    client = Client()
    with_wrong = client.post("/parcels/verify", {"waybill": parcel.pk, "phone_tail": "0000"}, follow=True,
                             REMOTE_ADDR="10.1.1.1").content.decode()
    assert "收件人手机号后四位不符" in with_wrong and "consignee-name" not in with_wrong
    html = client.post("/parcels/verify", {"waybill": parcel.pk, "phone_tail": "5678"}, follow=True,
                       REMOTE_ADDR="10.1.1.1").content.decode()
    assert "王**" in html and "139****5678" in html and "上海市黄浦区****" in html
    assert PHONE not in html and "王小明" not in html
    assert "feedback-form" in html


def test_wrong_tails_are_limited_per_waybill(parcel):
    limit = tracking.limits().verify_failures_per_waybill_per_day
    for n in range(limit):
        with pytest.raises(NotFound):
            services.verify(parcel, f"{n:04d}", f"10.0.0.{n}")
    with pytest.raises(tracking.Refused):      # even the right tail, from yet another address, today
        services.verify(parcel, "5678", "10.0.1.1")
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert services.verify(parcel, "5678", "10.0.1.1", now=tomorrow)


def test_lookups_are_limited_per_address(parcel):
    limit = tracking.limits().lookups_per_ip_per_hour
    client = Client()
    for _ in range(limit):
        assert "parcel-no" in page(client, no=NO)
    html = page(client, no=NO)
    assert "查询过于频繁" in html and "parcel-no" not in html
    assert Client().get(f"/api/v1/parcels/tracking/{NO}", REMOTE_ADDR="10.1.1.1").status_code == 429
    assert "parcel-no" in Client().get("/parcels/", {"no": NO}, REMOTE_ADDR="10.9.9.9").content.decode()


def test_feedback_once_per_waybill_on_the_page(parcel):
    client = Client()
    client.post("/parcels/verify", {"waybill": parcel.pk, "phone_tail": "5678"}, REMOTE_ADDR="10.1.1.1")
    html = client.post("/parcels/feedback", {"waybill": parcel.pk, "satisfaction": "2", "tags": ["late", "rude"],
                                             "text": "太慢了，打13912345678没人接", "complaint": "1"},
                       follow=True, REMOTE_ADDR="10.1.1.1").content.decode()
    assert "感谢您的评价" in html and "您已评价：满意度 2 分" in html
    given = DeliveryFeedback.objects.get()
    assert (given.satisfaction, given.tags, given.complaint) == (2, ["late", "rude"], True)
    assert PHONE not in given.text and given.log_seq
    again = client.post("/parcels/feedback", {"waybill": parcel.pk, "satisfaction": "5"}, follow=True,
                        REMOTE_ADDR="10.1.1.1").content.decode()
    assert DeliveryFeedback.objects.count() == 1 and "feedback-form" not in again
    assert verify_log().ok


def test_feedback_needs_the_proof(parcel):
    html = Client().post("/parcels/feedback", {"waybill": parcel.pk, "satisfaction": "1"}, follow=True,
                         REMOTE_ADDR="10.1.1.1").content.decode()
    assert "请先验证收件人手机号后四位" in html and not DeliveryFeedback.objects.exists()
    with pytest.raises(Forbidden):
        services.give_feedback("forged", satisfaction=5)
    proof = services.verify(parcel, "5678", "10.1.1.1")
    later = timezone.now() + dt.timedelta(minutes=tracking.limits().verified_minutes + 1)
    with pytest.raises(Forbidden):
        services.give_feedback(proof, satisfaction=5, now=later)


@pytest.mark.parametrize("values, code", [
    ({"satisfaction": 6}, "bad_satisfaction"), ({"satisfaction": "x"}, "bad_satisfaction"),
    ({"satisfaction": 4, "tags": ["fast", "cheap"]}, "bad_tag"), ({"satisfaction": 4, "text": "长" * 501}, "too_long")])
def test_feedback_values_are_checked(parcel, values, code):
    proof = services.verify(parcel, "5678", "10.1.1.1")
    with pytest.raises(ValidationFailed) as refused:
        services.give_feedback(proof, **values)
    assert refused.value.code == code


def test_feedback_closes_after_the_window(parcel):
    window = services.common.rules().feedback_rule().window
    late = dt.datetime.combine(window.after(timezone.localdate()) + dt.timedelta(days=5), dt.time(12),
                               timezone.get_current_timezone())
    proof = services.verify(parcel, "5678", "10.1.1.1", now=late)
    with pytest.raises(Conflict):
        services.give_feedback(proof, satisfaction=5, now=late)


def test_feedback_by_api(parcel):
    client = Client()
    wrong = client.post(f"/api/v1/parcels/tracking/{NO}/feedback", {"phone_tail": "1234", "satisfaction": 5},
                        content_type="application/json")
    assert wrong.status_code == 404 and wrong.json()["code"] == "tail_mismatch"
    seen = client.post(f"/api/v1/parcels/tracking/{NO}/verification", {"phone_tail": "5678"},
                       content_type="application/json").json()
    assert seen["consignee"]["phone"] == "139****5678" and seen["consignee"]["can_give_feedback"]
    given = client.post(f"/api/v1/parcels/tracking/{NO}/feedback",
                        {"phone_tail": "5678", "satisfaction": 5, "tags": ["fast"], "text": "很快"},
                        content_type="application/json")
    assert given.status_code == 201 and given.json()["tag_labels"] == ["送达及时"]
    again = client.post(f"/api/v1/parcels/tracking/{NO}/feedback", {"phone_tail": "5678", "satisfaction": 1},
                        content_type="application/json")
    assert again.status_code == 409


def test_same_number_at_two_carriers_asks_which(parcel, other_carrier):
    services.submit_waybills([waybill(NO, order_no="O-OTHER")], other_carrier.principal)
    html = page(Client(), no=NO)
    assert "parcel-carriers" in html and "南通另一快递有限公司" in html
    ambiguous = Client().post(f"/api/v1/parcels/tracking/{NO}/verification", {"phone_tail": "5678"},
                              content_type="application/json")
    assert ambiguous.status_code == 409 and ambiguous.json()["code"] == "ambiguous_waybill"
    chosen = page(Client(), no=NO, carrier=parcel.carrier_id)
    assert "parcel-no" in chosen and "南通分拨中心" in chosen


def test_officers_see_the_consignee_masked_and_investigators_in_full_with_a_purpose(parcel, department):
    officer = console_client("department_officer", department)
    found = officer.get("/console/parcels/", {"q": NO}).content.decode()
    assert f"/console/parcels/waybills/{parcel.pk}/" in found
    detail = officer.get(f"/console/parcels/waybills/{parcel.pk}/").content.decode()
    assert "王**" in detail and PHONE not in detail and "reveal-form" not in detail
    assert officer.post(f"/console/parcels/waybills/{parcel.pk}/consignee", {"purpose": "x"}).status_code == 403
    investigator = console_client("department_investigator", department)
    refused = investigator.post(f"/console/parcels/waybills/{parcel.pk}/consignee", {"purpose": ""}, follow=True)
    assert PHONE not in refused.content.decode()
    shown = investigator.post(f"/console/parcels/waybills/{parcel.pk}/consignee",
                              {"purpose": "核查空包裹线索"}).content.decode()
    assert PHONE in shown and "王小明" in shown
    entry = AccessLogEntry.objects.get()
    assert entry.purpose == "核查空包裹线索" and entry.data == f"consignee:{parcel.carrier_id}:{NO}"


def test_platform_staff_and_the_public_have_no_console_parcels(parcel, platform_org):
    staff = console_client("platform_client", platform_org)
    assert staff.get("/console/parcels/").status_code == 403
    with pytest.raises(Forbidden):
        services.officer_waybill(parcel.pk, f.principal("platform_client", platform_org))
