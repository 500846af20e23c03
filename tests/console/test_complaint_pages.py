"""Console pages of complaints: who sees which pages and cases, the case page (masked complainant, logged
reveal, deadlines, category, steps, channel updates), its action forms moving the case, the escalation queue,
the figures and the upload of a hotline's file."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.access.models import Membership
from ecredit.audit.models import AccessLogEntry
from ecredit.audit.services import Actor
from ecredit.complaints import flows, services
from ecredit.complaints.models import Complaint, Kind, Status
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from ecredit.registry.shops import report_shops
from tests import factories as f
from tests.factories import console_login

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
PLATFORM_USCC = f.uscc(990301, region="320613")
MERCHANT_USCC = f.uscc(301, region="320612")
DEPARTMENTS = {"market_regulation": "南通市市场监督管理局", "postal": "南通市邮政管理局", "commerce": "南通市商务局",
               "food_drug": "市食药监局", "price": "市物价局", "quality": "市质监局"}


def user(org, role, username):
    account = get_user_model().objects.create_user(username, password="Secret-pass-2026")
    Membership.objects.create(user=account, organisation=org, role=role)
    return account


def client_of(account) -> Client:
    client = Client()
    console_login(client, account)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def orgs(db):
    actor = Actor("test", "market_regulation")
    out = {"credit_office": f.organisation("credit_office", "credit_office", name="南通市信用办")}
    for code, name in DEPARTMENTS.items():
        out[code] = f.organisation("department", code, name=name)
    out["hotline_12315"] = f.organisation("hotline", "hotline_12315", name="12315热线")
    registry.register({"uscc": PLATFORM_USCC, "name": "南通优品电商平台有限公司"}, actor, roles=["platform"],
                      region="320613")
    out["platform"] = f.organisation("platform", "platform_c", name="南通优品电商平台有限公司", uscc=PLATFORM_USCC)
    registry.register({"uscc": MERCHANT_USCC, "name": "南通甲数码科技有限公司"}, actor, roles=["merchant"],
                      region="320612")
    report_shops([{"shop_id": "S100", "name": "优品数码专营店", "operator": {"uscc": MERCHANT_USCC}}],
                 f.principal("platform_client", out["platform"]))
    out["agency"] = f.organisation("agency", "agency_t", name="测试信用服务机构")
    return out


@pytest.fixture
def accounts(orgs):
    return {"officer": user(orgs["market_regulation"], "department_officer", "officer"),
            "postal": user(orgs["postal"], "department_officer", "postal"),
            "admin": user(orgs["credit_office"], "credit_office_admin", "admin"),
            "platform": user(orgs["platform"], "platform_client", "platform"),
            "agency": user(orgs["agency"], "agency_client", "agency")}


def hotline_item(ticket: str, **changes) -> dict:
    item = {"投诉单号": ticket, "登记时间": "2026-03-02 09:30:00", "登记类型": "投诉", "投诉人姓名": "张小花",
            "投诉人电话": "13912345678", "投诉人地址": "南通市崇川区工农路1号", "被投诉方名称": "南通甲数码科技有限公司",
            "电商平台名称": "南通优品电商平台有限公司", "网店名称": "优品数码专营店", "订单号": "DD1001",
            "投诉内容": "在网店买的手机屏幕有质量问题，商家拒绝退货退款", "投诉请求": "退货退款", "涉及金额（元）": "2999"}
    item.update(changes)
    return item


def from_12315(orgs, ticket: str = "12315-0001", when: dt.datetime | None = None, **changes) -> Complaint:
    """A complaint received from 12315 (so it has updates to push back)."""
    when = when or dt.datetime.now(TZ).replace(microsecond=0)
    item = hotline_item(ticket, 登记时间=when.strftime("%Y-%m-%d %H:%M:%S"), **changes)
    with time_machine.travel(when, tick=False):
        report = services.intake_hotline("12315", [item], f.principal("hotline_client", orgs["hotline_12315"]))
    assert report.count("accepted") == 1, report.as_dict()
    return Complaint.objects.filter(channel="12315", channel_ticket=ticket).order_by("id").first()


# ---------------------------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize("who, inbox, escalated, figures, upload", [
    ("officer", 200, 200, 200, 200),
    ("admin", 200, 200, 200, 200),
    ("postal", 200, 200, 200, 403),          # no hotline of its own to upload for
    ("platform", 200, 403, 403, 403),        # the complaints about its shops, read only
    ("agency", 403, 403, 403, 403),
])
def test_pages_render_for_the_right_users(accounts, who, inbox, escalated, figures, upload):
    client = client_of(accounts[who])
    assert client.get("/console/complaints/").status_code == inbox
    assert client.get("/console/complaints/escalated/").status_code == escalated
    assert client.get("/console/complaints/figures/").status_code == figures
    assert client.get("/console/complaints/upload/").status_code == upload


def test_anonymous_is_sent_to_login():
    for path in ("/console/complaints/", "/console/complaints/1/", "/console/complaints/figures/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/console/login/")


def test_the_handling_department_sees_the_case_and_others_do_not(orgs, accounts):
    case = from_12315(orgs)
    assert case.handling_org.code == "market_regulation"
    page = text(client_of(accounts["officer"]).get("/console/complaints/"))
    assert case.case_no in page and "商品质量" in page and "剩 " in page
    postal = client_of(accounts["postal"])
    assert case.case_no not in text(postal.get("/console/complaints/"))
    assert postal.get(f"/console/complaints/{case.pk}/").status_code == 404
    assert postal.post(f"/console/complaints/{case.pk}/action", {"action": "accept"}).status_code == 404


def test_the_platform_reads_complaints_about_its_shop_without_the_complainant(orgs, accounts):
    case = from_12315(orgs)
    assert case.shop is not None and case.shop.shop_id == "S100"
    platform = client_of(accounts["platform"])
    page = text(platform.get(f"/console/complaints/{case.pk}/"))
    assert case.case_no in page and "不向平台提供" in page
    assert "张*" not in page and "139****5678" not in page and 'id="accept-form"' not in page
    assert platform.post(f"/console/complaints/{case.pk}/action", {"action": "accept"}).status_code == 403
    assert platform.post(f"/console/complaints/{case.pk}/complainant", {"purpose": "x"}).status_code == 403
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


def test_the_platform_never_reads_the_complainant_in_texts_notes_or_updates(orgs, accounts):
    case = from_12315(orgs, 投诉内容="我是张小花，电话13912345678，住工农路1号，买的手机屏幕有质量问题，商家拒绝退货")
    officer = f.principal("department_officer", orgs["market_regulation"])
    flows.accept(case.pk, officer)
    flows.start_mediation(case.pk, officer, note="已联系张小花（13912345678）约定调解时间")
    flows.terminate(case.pk, officer, reason=next(iter(flows.rules.termination_reasons())),
                    note="张小花不同意商家方案")
    page = text(client_of(accounts["platform"]).get(f"/console/complaints/{case.pk}/"))
    assert case.case_no in page and "约定调解时间" in page and "不同意商家方案" in page
    for personal in ("张小花", "13912345678", "工农路1号"):
        assert personal not in page, personal
    assert "张小花" in text(client_of(accounts["officer"]).get(f"/console/complaints/{case.pk}/"))


def test_inbox_filters_and_counts(orgs, accounts):
    a = from_12315(orgs, "T-1")
    b = from_12315(orgs, "T-2", 投诉人电话="13800001111", 投诉内容="快递丢件，快递公司不赔偿", 被投诉方名称="南通某快递有限公司",
                   网店名称="", 电商平台名称="")
    assert b.handling_org.code == "postal"
    admin = client_of(accounts["admin"])
    page = text(admin.get("/console/complaints/"))
    assert a.case_no in page and b.case_no in page
    assert re.search(r"<b>2</b>办理中", page)
    page = text(admin.get("/console/complaints/?category=courier"))
    assert b.case_no in page and a.case_no not in page
    page = text(admin.get("/console/complaints/?q=DD1001"))
    assert a.case_no in page
    page = text(admin.get("/console/complaints/?overdue=1"))
    assert "没有符合条件的案件" in page


def test_inbox_puts_the_nearest_deadline_first(orgs, accounts):
    today = dt.datetime.now(TZ).replace(microsecond=0)
    later = from_12315(orgs, "T-new", when=today)
    earlier = from_12315(orgs, "T-old", when=today - dt.timedelta(days=3), 投诉人电话="13800002222")
    page = text(client_of(accounts["officer"]).get("/console/complaints/"))
    assert page.index(earlier.case_no) < page.index(later.case_no)


# ---------------------------------------------------------------------------------------------- the case page


def test_case_page_shows_the_case(orgs, accounts):
    case = from_12315(orgs)
    page = text(client_of(accounts["officer"]).get(f"/console/complaints/{case.pk}/"))
    assert "139****5678" in page or case.complainant_phone_masked in page
    assert "13912345678" not in page
    assert "商品质量" in page and "规则匹配" in page and "置信度" in page
    assert "优品数码专营店" in page and f"/subjects/{case.shop_id}/" in page
    assert case.accept_due.isoformat() in page and "受理决定（第十四条" in page
    assert "接收登记" in page                                              # the step history
    assert "已签收" in page and "待确认" in page                           # pushed back to 12315
    assert 'id="accept-form"' in page and 'id="not-accept-form"' in page and 'id="transfer-form"' in page


def test_revealing_the_complainant_needs_a_purpose_and_is_logged(orgs, accounts):
    case = from_12315(orgs)
    officer = client_of(accounts["officer"])
    response = officer.post(f"/console/complaints/{case.pk}/complainant", {"purpose": ""}, follow=True)
    assert "须说明用途" in text(response) and AccessLogEntry.objects.count() == 0
    page = text(officer.post(f"/console/complaints/{case.pk}/complainant", {"purpose": "电话核实投诉情况"}))
    assert "13912345678" in page and "张小花" in page and "已记入访问日志" in page
    entry = AccessLogEntry.objects.get()
    assert entry.purpose == "电话核实投诉情况" and case.case_no in entry.data and entry.channel == "console"
    assert "13912345678" not in text(officer.get(f"/console/complaints/{case.pk}/"))   # shown once only


def test_accepting_on_the_case_page_moves_the_case(orgs, accounts):
    case = from_12315(orgs)
    officer = client_of(accounts["officer"])
    response = officer.post(f"/console/complaints/{case.pk}/action", {"action": "accept", "note": "材料齐全"},
                            follow=True)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.mediation_due is not None
    page = text(response)
    assert "已受理" in page and 'id="mediation-form"' in page and 'id="accept-form"' not in page
    assert case.mediation_due.isoformat() in page
    assert case.updates.filter(event="accepted", status_code="20").exists()
    again = officer.post(f"/console/complaints/{case.pk}/action", {"action": "accept"}, follow=True)
    assert "不能办理此步骤" in text(again)


def test_mediation_to_closure_through_the_forms(orgs, accounts):
    case = from_12315(orgs)
    officer = client_of(accounts["officer"])
    url = f"/console/complaints/{case.pk}/action"
    for data in ({"action": "accept"}, {"action": "start_mediation"},
                 {"action": "pause", "reason": "手机送检测机构检测屏幕"}, {"action": "resume", "note": "检测完毕"},
                 {"action": "mediated", "agreement": "商家退货退款2999元", "merchant_at_fault": "yes",
                  "compensation": "2999"},
                 {"action": "close", "outcome": "mediated", "text": "已退款，投诉人满意"}):
        response = officer.post(url, data, follow=True)
        assert not re.search(r'<li class="error">', text(response)), (data, text(response))
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.upheld and case.record_id is not None
    page = text(officer.get(f"/console/complaints/{case.pk}/"))
    assert "已办结" in page and f"#{case.record_id}" in page and 'id="actions"' not in page


def test_not_accepting_needs_a_reason_from_the_policy(orgs, accounts):
    case = from_12315(orgs)
    officer = client_of(accounts["officer"])
    response = officer.post(f"/console/complaints/{case.pk}/action", {"action": "not_accept", "reason": "bogus"},
                            follow=True)
    assert "不予受理理由应为" in text(response)
    officer.post(f"/console/complaints/{case.pk}/action", {"action": "not_accept", "reason": "already_handled",
                                                         "note": "消费者协会已调解"})
    case.refresh_from_db()
    assert case.status == Status.NOT_ACCEPTED and case.reason_code == "already_handled"


def test_transferring_sends_the_case_to_the_other_department(orgs, accounts):
    case = from_12315(orgs)
    response = client_of(accounts["officer"]).post(f"/console/complaints/{case.pk}/action",
                                                   {"action": "transfer", "department": "postal", "note": "涉及寄递"})
    assert response.status_code == 302 and response["Location"] == "/console/complaints/"
    case.refresh_from_db()
    assert case.handling_org.code == "postal"
    assert case.case_no in text(client_of(accounts["postal"]).get("/console/complaints/"))


def test_a_report_is_filed_from_its_page(orgs, accounts):
    case = from_12315(orgs, "R-1", 登记类型="举报", 投诉内容="该网店销售假冒名牌包，涉嫌侵犯注册商标专用权")
    assert case.kind == Kind.REPORT
    officer = client_of(accounts["officer"])
    page = text(officer.get(f"/console/complaints/{case.pk}/"))
    assert 'id="filing-form"' in page and 'id="accept-form"' not in page
    officer.post(f"/console/complaints/{case.pk}/action", {"action": "decide_filing", "file": "yes",
                                                         "decision_no": "通市监立〔2026〕1号", "note": "线索属实"})
    case.refresh_from_db()
    assert case.status == Status.FILED and case.reporter_notice_due is not None
    assert 'id="reporter-notice-form"' in text(officer.get(f"/console/complaints/{case.pk}/"))


def test_unknown_action_is_a_bad_request(orgs, accounts):
    case = from_12315(orgs)
    assert client_of(accounts["officer"]).post(f"/console/complaints/{case.pk}/action",
                                               {"action": "delete"}).status_code == 400


# ---------------------------------------------------------------------------------------------- queues, figures


def test_overdue_cases_reach_the_escalation_queue(orgs, accounts):
    now = dt.datetime.now(TZ).replace(microsecond=0)
    case = from_12315(orgs, when=now - dt.timedelta(days=30))
    flows.advance()
    case.refresh_from_db()
    assert case.escalation_level >= 1
    officer = client_of(accounts["officer"])
    page = text(officer.get("/console/complaints/escalated/"))
    assert case.case_no in page and "已超期" in page
    assert case.case_no in text(officer.get("/console/complaints/?escalated=1"))
    assert case.case_no not in text(client_of(accounts["postal"]).get("/console/complaints/escalated/"))


def test_figures_per_channel_department_and_category(orgs, accounts):
    case = from_12315(orgs)
    flows.accept(case.pk, f.principal("department_officer", orgs["market_regulation"]))
    page = text(client_of(accounts["admin"]).get("/console/complaints/figures/"))
    assert "按来源渠道" in page and "12315消费者投诉举报" in page
    assert "按承办部门" in page and "南通市市场监督管理局" in page
    assert "按问题类别" in page and "商品质量" in page and "100.0%" in page


# ---------------------------------------------------------------------------------------------- hotline files


def test_uploading_a_hotline_file_reports_each_row(orgs, accounts):
    officer = client_of(accounts["officer"])
    header = text(officer.get("/console/complaints/upload/12315.csv")).lstrip("\ufeff").strip()
    assert header.startswith("投诉单号")
    columns = header.split(",")
    now = dt.datetime.now(TZ).strftime("%Y-%m-%d %H:%M:%S")
    good = hotline_item("F-1", 登记时间=now)
    bad = hotline_item("F-2", 登记时间=now, 投诉人电话="12", 投诉内容="在网店买的耳机没声音，要求退货")
    rows = [",".join(str(item.get(c, "")) for c in columns) for item in (good, bad)]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("12315.csv", ("\n".join([header, *rows]) + "\n").encode("utf-8"), "text/csv")
    page = text(officer.post("/console/complaints/upload/", {"hotline": "12315", "file": upload}))
    assert 'id="upload-result"' in page and "已接收" in page and "拒收" in page
    assert "不是有效的电话号码" in page and ">3<" in page                  # the sheet row of the bad item
    assert Complaint.objects.filter(channel="12315", channel_ticket="F-1").exists()
    assert not Complaint.objects.filter(channel_ticket="F-2").exists()
    assert client_of(accounts["platform"]).get("/console/complaints/upload/12315.csv").status_code == 403
    assert Subject.objects.filter(shop_id="S100").exists()
