"""Portal pages of complaints: the complaint form end to end, its anti-abuse measures, the receipt, tracking with
the right phone only, and the online reporting centre filing a report with the department chosen."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from ecredit.complaints import antispam
from ecredit.complaints.models import Complaint, Kind, Status
from tests import factories as f

pytestmark = pytest.mark.django_db

DEPARTMENTS = {"market_regulation": "南通市市场监督管理局", "postal": "南通市邮政管理局", "commerce": "南通市商务局",
               "food_drug": "市食药监局", "price": "市物价局", "quality": "市质监局"}


@pytest.fixture(autouse=True)
def city(db):
    """The departments that handle cases (routing needs their organisations) and a clean cache (spent tokens
    and lookup counts live there)."""
    cache.clear()
    orgs = {"credit_office": f.organisation("credit_office", "credit_office", name="南通市信用办")}
    for code, name in DEPARTMENTS.items():
        orgs[code] = f.organisation("department", code, name=name)
    yield orgs
    cache.clear()


def token(form: str = "complaint", seconds_ago: int = 60) -> str:
    """A form token issued as if the form had been opened `seconds_ago`."""
    return antispam.issue_token(form, now=timezone.now() - dt.timedelta(seconds=seconds_ago))


def complaint(**changes) -> dict:
    data = {"complainant_name": "张小花", "complainant_phone": "13912345678",
            "complainant_address": "南通市崇川区工农路1号", "respondent_name": "南通甲数码科技有限公司",
            "platform_name": "南通优品电商平台", "shop_name": "优品数码专营店", "order_no": "DD20260301001",
            "content": "在网店买的手机屏幕有质量问题，商家拒绝退货退款", "claim": "退货退款", "amount": "2999.00",
            "form_token": token()}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, path: str, data: dict, ip: str = "10.0.0.1"):
    return client.post(path, data, REMOTE_ADDR=ip)


def text(response) -> str:
    return response.content.decode()


def field_errors(page: str, name: str) -> str:
    """The text of the field block of `name` (its label, input and errors)."""
    match = re.search(rf'<div class="field[^"]*" id="field-{name}">(.*?)</div>', page, re.S)
    assert match, f"no field {name}"
    return match.group(1)


# ---------------------------------------------------------------------------------------------- the form


def test_form_renders_with_token_and_honeypot():
    page = text(Client().get("/complaints/new"))
    assert 'name="form_token"' in page and 'name="website"' in page and "第九条" in page
    assert "script" not in page.split("<main>")[1]          # no inline script (content security policy)


def test_a_valid_complaint_makes_a_case_and_a_receipt():
    client = Client()
    response = post(client, "/complaints/new", complaint())
    assert response.status_code == 302 and response["Location"] == "/complaints/received"
    case = Complaint.objects.get()
    assert case.kind == Kind.COMPLAINT and case.channel == "portal" and case.status == Status.RECEIVED
    assert case.category == "quality" and case.handling_org.code == "market_regulation"
    assert case.complainant_phone_masked != "13912345678" and case.real_name
    assert case.order_no == "DD20260301001" and str(case.amount) == "2999.00"
    receipt = text(client.get("/complaints/received"))
    assert case.case_no in receipt and case.accept_due.isoformat() in receipt
    assert f"/complaints/track?case_no={case.case_no}" in receipt


def test_also_reporting_makes_a_complaint_and_a_report():
    client = Client()
    assert post(client, "/complaints/new", complaint(also_report="on")).status_code == 302
    kinds = sorted(Complaint.objects.values_list("kind", flat=True))
    assert kinds == [Kind.COMPLAINT, Kind.REPORT]
    receipt = text(client.get("/complaints/received"))
    assert all(no in receipt for no in Complaint.objects.values_list("case_no", flat=True))


def test_missing_fields_are_named_one_by_one():
    page = text(post(Client(), "/complaints/new", complaint(
        complainant_name="", complainant_phone="", complainant_address="", respondent_name="", shop_name="",
        claim="", content="太差了")))
    assert "请填写您的姓名（第九条）" in field_errors(page, "complainant_name")
    assert "请填写联系电话（第九条）" in field_errors(page, "complainant_phone")
    assert "请填写通讯地址（第九条）" in field_errors(page, "complainant_address")
    assert "请填写被投诉（举报）人的名称，或网店名称" in field_errors(page, "respondent_name")
    assert "请填写具体的投诉请求（第九条）" in field_errors(page, "claim")
    assert "至少" in field_errors(page, "content")
    assert Complaint.objects.count() == 0
    assert 'value="南通优品电商平台"' in page                     # what was typed is kept


def test_bad_values_are_named_by_field():
    page = text(post(Client(), "/complaints/new", complaint(
        respondent_uscc="91320600ABCDEFGH12", amount="一千", aware_on=(timezone.localdate() + dt.timedelta(days=3))
        .isoformat())))
    assert "统一社会信用代码校验不通过" in field_errors(page, "respondent_uscc")
    assert "请填写数字金额" in field_errors(page, "amount")
    assert "日期不能晚于今天" in field_errors(page, "aware_on")
    assert Complaint.objects.count() == 0


def test_a_phone_the_service_cannot_read_is_shown_under_the_phone():
    page = text(post(Client(), "/complaints/new", complaint(complainant_phone="12345")))
    assert "不是有效的电话号码" in field_errors(page, "complainant_phone")
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("changes, message", [
    ({"website": "http://spam.example"}, "提交未通过校验"),
    ({"form_token": "forged"}, "表单已失效"),
    ({"form_token": token("report:postal")}, "表单已失效"),        # a token of another form
], ids=["honeypot", "forged-token", "other-form"])
def test_robots_are_refused(changes, message):
    page = text(post(Client(), "/complaints/new", complaint(**changes)))
    assert message in page and Complaint.objects.count() == 0


def test_too_fast_is_refused_and_the_form_keeps_its_token():
    fresh = antispam.issue_token("complaint")
    page = text(post(Client(), "/complaints/new", complaint(form_token=fresh)))
    assert "提交过快" in page and Complaint.objects.count() == 0
    assert f'value="{fresh}"' in page                             # fixing it a moment later goes through


def test_an_expired_form_is_refused_and_a_new_token_given():
    limit = antispam.limits().form_max_age_minutes
    old = token(seconds_ago=limit * 60 + 5)
    page = text(post(Client(), "/complaints/new", complaint(form_token=old)))
    assert f"超过{limit}分钟" in page and Complaint.objects.count() == 0
    assert f'value="{old}"' not in page and 'name="form_token" value="' in page


def test_a_replayed_submission_is_refused():
    data = complaint()
    assert post(Client(), "/complaints/new", data).status_code == 302
    page = text(post(Client(), "/complaints/new", data, ip="10.0.0.2"))
    assert "已经提交过" in page and Complaint.objects.count() == 1


def test_a_replay_sent_at_the_same_moment_is_refused(monkeypatch):
    """Two posts of one form that both pass the token check (neither has spent it yet) make one case."""
    real_value = antispam.limits_store.value
    monkeypatch.setattr(antispam.limits_store, "value",
                        lambda key: 0 if key.startswith("complaints:form-nonce:") else real_value(key))
    data = complaint()
    assert post(Client(), "/complaints/new", data).status_code == 302
    page = text(post(Client(), "/complaints/new", data, ip="10.0.0.2"))
    assert "已经提交过" in page and Complaint.objects.count() == 1


def test_a_refused_submission_gives_its_token_back():
    """A form the service refuses (here: the per-phone limit) can be corrected and sent with the same token."""
    data = complaint(complainant_phone="123")
    page = text(post(Client(), "/complaints/new", data))
    assert "电话" in page and Complaint.objects.count() == 0
    assert post(Client(), "/complaints/new", {**data, "complainant_phone": "13912345678"}).status_code == 302


def test_a_request_without_an_address_is_still_limited():
    """A proxy that drops REMOTE_ADDR must not switch the per-address limit off."""
    limit = antispam.limits().per_ip_per_hour
    for n in range(limit):
        response = post(Client(), "/complaints/new", complaint(complainant_phone=f"1391234{n:04d}"), ip="")
        assert response.status_code == 302, text(response)
    page = text(post(Client(), "/complaints/new", complaint(complainant_phone="13800000000"), ip=""))
    assert "提交过于频繁" in page and Complaint.objects.count() == limit


def test_submissions_per_address_stop_at_the_policy_number():
    limit = antispam.limits().per_ip_per_hour
    for n in range(limit):
        response = post(Client(), "/complaints/new", complaint(complainant_phone=f"1391234{n:04d}"))
        assert response.status_code == 302, text(response)
    page = text(post(Client(), "/complaints/new", complaint(complainant_phone="13800000000")))
    assert "提交过于频繁" in page and Complaint.objects.count() == limit
    other = post(Client(), "/complaints/new", complaint(complainant_phone="13800000000"), ip="10.9.9.9")
    assert other.status_code == 302


def test_submissions_per_phone_stop_at_the_policy_number():
    limit = antispam.limits().per_phone_per_day
    for n in range(limit):
        assert post(Client(), "/complaints/new", complaint(), ip=f"10.1.0.{n}").status_code == 302
    page = text(post(Client(), "/complaints/new", complaint(), ip="10.1.1.1"))
    assert "该电话今日提交次数已达上限" in page
    assert Complaint.objects.filter(kind=Kind.COMPLAINT).values("channel_ticket").distinct().count() == limit


# ---------------------------------------------------------------------------------------------- tracking


def filed(phone: str = "13912345678") -> Complaint:
    assert post(Client(), "/complaints/new", complaint(complainant_phone=phone), ip="10.2.0.1").status_code == 302
    return Complaint.objects.order_by("-id").first()


def test_tracking_shows_the_case_to_the_right_phone_only():
    case = filed()
    page = text(Client().post("/complaints/track", {"case_no": case.case_no, "phone": "139-1234-5678"}))
    assert case.case_no in page and "已接收（待受理）" in page and "已收到，交南通市市场监督管理局办理" in page
    assert case.accept_due.isoformat() in page and "受理决定期限" in page
    assert "张小花" not in page and "13912345678" not in page          # never the complainant's data back
    wrong = text(Client().post("/complaints/track", {"case_no": case.case_no, "phone": "13900000000"}))
    assert "未找到该案件" in wrong and "已接收（待受理）" not in wrong
    unknown = text(Client().post("/complaints/track", {"case_no": "TS20990101000001", "phone": "13912345678"}))
    assert "未找到该案件" in unknown


def test_tracking_shows_acceptance_and_the_mediation_deadline():
    from ecredit.complaints import flows

    case = filed()
    flows.accept(case.pk, f.principal("department_officer", case.handling_org))
    case.refresh_from_db()
    page = text(Client().post("/complaints/track", {"case_no": case.case_no, "phone": "13912345678"}))
    assert "已受理" in page and case.mediation_due.isoformat() in page and "调解期限" in page


def test_a_repeat_shows_the_case_it_was_merged_into():
    filed()
    assert post(Client(), "/complaints/new", complaint(), ip="10.2.0.2").status_code == 302
    repeat = Complaint.objects.get(status=Status.MERGED)
    page = text(Client().post("/complaints/track", {"case_no": repeat.case_no, "phone": "13912345678"}))
    assert "重复件已合并" in page and "合并办理的案件" in page and repeat.merged_into.case_no in page


def test_tracking_is_limited_per_address():
    limit = antispam.limits().track_per_ip_per_hour
    for _ in range(limit):
        page = text(Client().post("/complaints/track", {"case_no": "TS1", "phone": "1"}, REMOTE_ADDR="10.3.0.1"))
        assert "未找到该案件" in page
    page = text(Client().post("/complaints/track", {"case_no": "TS1", "phone": "1"}, REMOTE_ADDR="10.3.0.1"))
    assert "查询过于频繁" in page


def test_tracking_without_an_address_is_still_limited():
    limit = antispam.limits().track_per_ip_per_hour
    for _ in range(limit):
        Client().post("/complaints/track", {"case_no": "TS1", "phone": "1"}, REMOTE_ADDR="")
    page = text(Client().post("/complaints/track", {"case_no": "TS1", "phone": "1"}, REMOTE_ADDR=""))
    assert "查询过于频繁" in page


def test_tracking_form_prefills_the_case_number():
    assert 'value="TS20260301000001"' in text(Client().get("/complaints/track?case_no=TS20260301000001"))


# ---------------------------------------------------------------------------------------------- reporting centre


def test_reporting_centre_lists_departments_with_what_they_handle_and_hotlines():
    page = text(Client().get("/report-centre/"))
    assert "南通市邮政管理局" in page and "快递物流" in page and "/report-centre/postal/" in page
    assert "12315" in page and "12312" in page and "第三十三条" in page


def report(**changes) -> dict:
    data = {"identity": "real", "complainant_name": "李举报", "complainant_phone": "13712345678",
            "respondent_name": "南通某快递服务有限公司", "waybill_no": "YT1234567890",
            "content": "该快递网点未经许可经营快递业务，并私自开拆用户快件", "form_token": token("report:postal")}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_real_name_report_is_filed_with_a_receipt():
    client = Client()
    form = text(client.get("/report-centre/postal/"))
    assert "向南通市邮政管理局举报" in form and "保密承诺" in form and "第三十一条第二款" in form
    response = post(client, "/report-centre/postal/", report())
    assert response.status_code == 302, text(response)
    case = Complaint.objects.get()
    assert case.kind == Kind.REPORT and case.real_name and case.filing_due is not None
    assert "YT1234567890" in case.content or case.waybill_no == "YT1234567890"
    receipt = text(client.get("/complaints/received"))
    assert case.case_no in receipt and "五个工作日内告知您" in receipt


def test_a_report_goes_to_the_department_chosen():
    # Classified as false advertising (market regulation's), yet addressed to the postal administration.
    response = post(Client(), "/report-centre/postal/", report(content="该网店销售的商品涉嫌虚假宣传，夸大产品功效"))
    assert response.status_code == 302, text(response)
    case = Complaint.objects.get()
    assert case.kind == Kind.REPORT and case.handling_org.code == "postal"


def test_an_anonymous_report_keeps_no_identity():
    response = post(Client(), "/report-centre/postal/", report(identity="anonymous", complainant_name="李举报",
                                                               complainant_phone="13712345678"))
    assert response.status_code == 302
    case = Complaint.objects.get()
    assert not case.real_name and not case.complainant_cipher and case.complainant_phone_masked == ""


def test_a_real_name_report_needs_name_and_phone():
    page = text(post(Client(), "/report-centre/postal/", report(complainant_name="", complainant_phone="")))
    assert "实名举报请填写姓名" in field_errors(page, "complainant_name")
    assert "实名举报请填写联系电话" in field_errors(page, "complainant_phone")
    assert Complaint.objects.count() == 0


def test_a_complaint_token_does_not_open_a_report_form():
    page = text(post(Client(), "/report-centre/postal/", report(form_token=token("complaint"))))
    assert "表单已失效" in page and Complaint.objects.count() == 0


def test_unknown_department_is_not_found():
    assert Client().get("/report-centre/nowhere/").status_code == 404
