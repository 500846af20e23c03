"""Handling beyond the deadline scenarios: upheld complaints become credit records without personal data,
transfers, walk-ins, the portal form and its limits, platforms' forwarded complaints and their update feed,
figures, the daily command."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from ecredit.archive.models import CreditRecord
from ecredit.audit.services import verify
from ecredit.complaints import flows, services
from ecredit.complaints.models import Channel, ChannelUpdate, Complaint, Kind, Status
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

from tests import factories as f

from .conftest import PLATFORM_USCC, on_day
from .samples import SAMPLES

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 10, 9)
RIC = f.ric(73)


def received(city, number: str = "12315", **overrides) -> Complaint:
    item = {**SAMPLES[number][0], **overrides}
    with on_day(DAY):
        report = services.intake_hotline(number, [item], city.hotline(number))
    assert report.count("accepted") == 1, report.as_dict()
    return Complaint.objects.get(case_no=report.rows[0].cases[0])


def test_an_upheld_complaint_becomes_a_record_without_the_complainants_data(city):
    case = received(city)
    officer = city.principal("market_regulation")
    with on_day(DAY):
        flows.accept(case.pk, officer)
        flows.start_mediation(case.pk, officer)
        flows.mediated(case.pk, officer, merchant_at_fault=True, compensation="299",
                       agreement="王小红（138-1234-5678，住南通市崇川区人民路1号）与商家达成协议：商家退货退款299元，"
                                 f"，经办人身份证{RIC}")
    case.refresh_from_db()
    record = CreditRecord.objects.select_related("record_type", "subject", "source").get(pk=case.record_id)
    assert record.record_type_id == "complaint_upheld" and case.upheld
    assert record.subject == city.subjects["shop"]            # about the shop the consumer named
    assert record.source.code == "market_regulation"
    assert record.details["complaint_no"] == case.case_no and record.details["channel"] == "12315"
    assert record.details["compensation_amount_wan"] == pytest.approx(0.0299)
    text = json.dumps([record.summary, record.details], ensure_ascii=False)
    for personal in ("王小红", "13812345678", "138-1234-5678", "人民路1号", RIC):
        assert personal not in text, personal
    # closing it later does not write a second record
    with on_day(DAY):
        flows.close(case.pk, officer, outcome="compensated", text="已退款")
    assert CreditRecord.objects.filter(record_type_id="complaint_upheld").count() == 1
    assert verify().ok


def test_an_upheld_complaint_about_an_unknown_respondent_waits_for_the_officer(city):
    case = received(city, "12312", 被举报投诉企业="南通某不知名商行", 企业统一社会信用代码="")
    officer = city.principal("commerce")
    with on_day(DAY):
        flows.accept(case.pk, officer)
        flows.close(case.pk, officer, outcome="claim_supported", text="支持退还余额")
    case.refresh_from_db()
    assert case.upheld and case.record_id is None
    with on_day(DAY):
        flows.link_respondent(case.pk, officer, subject_id=city.subjects["food"].pk)
    case.refresh_from_db()
    assert case.record.subject == city.subjects["food"] and case.resolved_by == "officer"


def test_a_written_record_keeps_its_subject_and_the_case_cannot_be_re_pointed(city):
    case = received(city, "12312", 被举报投诉企业="南通某不知名商行", 企业统一社会信用代码="")
    officer = city.principal("commerce")
    with on_day(DAY):
        flows.accept(case.pk, officer)
        flows.close(case.pk, officer, outcome="claim_supported", text="支持退还余额")
        flows.link_respondent(case.pk, officer, subject_id=city.subjects["food"].pk)
        with pytest.raises(Conflict) as refused:
            flows.link_respondent(case.pk, officer, subject_id=city.subjects["merchant"].pk)
    assert refused.value.code == "record_written"
    case.refresh_from_db()
    assert case.subject == city.subjects["food"] == case.record.subject


def test_a_clue_check_outlives_the_mediation_and_holds_the_closing(city):
    case = received(city)
    officer = city.principal("market_regulation")
    with on_day(DAY):
        flows.accept(case.pk, officer)
        flows.record_clue(case.pk, officer, text="商家涉嫌销售翻新机冒充新机")
        flows.mediated(case.pk, officer, merchant_at_fault=False, agreement="双方同意退货退款")
    case.refresh_from_db()
    assert case.status == Status.MEDIATED and case.next_due == case.clue_check_due   # still tracked (art. 23)
    with on_day(DAY), pytest.raises(Conflict) as refused:
        flows.close(case.pk, officer, outcome="mediated", text="协议已履行")
    assert refused.value.code == "clue_pending"
    with on_day(DAY):
        flows.check_clue(case.pk, officer, result="已移交执法机构立案调查")
        flows.close(case.pk, officer, outcome="mediated", text="协议已履行")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.next_due is None


def test_an_upheld_agreement_cannot_be_closed_as_not_upheld(city):
    case = received(city)
    officer = city.principal("market_regulation")
    with on_day(DAY):
        flows.accept(case.pk, officer)
        flows.mediated(case.pk, officer, merchant_at_fault=True, agreement="商家同意退货退款")
        with pytest.raises(Conflict) as refused:
            flows.close(case.pk, officer, outcome="not_upheld", text="投诉不成立")
    assert refused.value.code == "already_upheld"
    case.refresh_from_db()
    assert case.status == Status.MEDIATED and case.upheld and case.record_id


def test_transfer_to_another_department_restarts_its_acceptance_clock(city):
    case = received(city)                                       # routed to market regulation
    with on_day(dt.date(2026, 10, 12)):
        flows.transfer(case.pk, city.principal("market_regulation"), department="commerce", note="属商务部门职责")
    case.refresh_from_db()
    assert case.handling_org.code == "commerce" and case.status == Status.RECEIVED
    assert case.accept_due == dt.date(2026, 10, 21)
    assert case.updates.order_by("-id").first().status_code == "11"
    with pytest.raises(NotFound):                               # the sender no longer sees it
        services.case_for(case.pk, city.principal("market_regulation"))
    with on_day(dt.date(2026, 10, 12)):
        flows.transfer(case.pk, city.principal("commerce"), outside="上海市黄浦区市场监督管理局")
    case.refresh_from_db()
    assert case.status == Status.TRANSFERRED and case.next_due is None
    assert case.updates.order_by("-id").first().status_code == "12"


def test_only_the_handling_department_takes_steps(city):
    case = received(city)
    with pytest.raises(NotFound):                               # not its case: it does not even see it
        flows.accept(case.pk, city.principal("postal"))
    with pytest.raises(Forbidden):
        flows.accept(case.pk, city.principal("platform"))
    with on_day(DAY):
        flows.accept(case.pk, city.principal("credit_office"))   # the credit office may act for any department


def test_walk_in_is_handled_by_the_department_that_recorded_it(city):
    postal = city.principal("postal")
    with on_day(DAY):
        made = services.record_walk_in(postal, {"kind": "both", "content": "快递员未经同意把包裹放在快递柜并加收费用，要求退费",
                                                "complainant_name": "陈静", "complainant_phone": "13600001111",
                                                "respondent_name": "南通某快递网点"})
    assert [c.kind for c in made] == [Kind.COMPLAINT, Kind.REPORT]
    assert all(c.handling_org.code == "postal" and c.channel == Channel.DEPARTMENT for c in made)
    assert not ChannelUpdate.objects.exists()                   # nobody to push back to
    with pytest.raises(Forbidden):
        services.record_walk_in(city.principal("platform"), {"content": "x" * 10})


def test_portal_form_and_its_limits(city):
    form = dict(kind="complaint", content="在网店购买的手机是翻新机，商家拒绝退款。", complainant_name="刘洋",
                complainant_phone="13700002222", respondent_name="优品数码专营店", platform_name="南通优品电商平台有限公司",
                claim="退款", remote_address="203.0.113.9")
    with on_day(DAY):
        made = services.submit_portal(**form)
        case = made[0]
        assert case.channel == Channel.PORTAL and case.shop == city.subjects["shop"] and case.resolved_by == "shop_name"
        assert services.portal_status(case.case_no, "137-0000-2222")["status"]
        with pytest.raises(NotFound):
            services.portal_status(case.case_no, "13700009999")
        for n in range(2):
            services.submit_portal(**{**form, "content": form["content"] + str(n)})
        with pytest.raises(Conflict) as refused:                # three per phone per day
            services.submit_portal(**{**form, "remote_address": "198.51.100.1"})
        assert refused.value.code == "rate_limited"
        for n in range(2):                                      # five per address per hour
            services.submit_portal(**{**form, "complainant_phone": f"1350000000{n}"})
        with pytest.raises(Conflict):
            services.submit_portal(**{**form, "complainant_phone": "13500000009"})
        with pytest.raises(ValidationFailed):                   # a complaint needs a name and a phone (art. 9)
            services.submit_portal(**{**form, "complainant_phone": "", "remote_address": "192.0.2.1"})
        anonymous_report = services.submit_portal(kind="report", content="该网店销售无中文标签的进口食品，涉嫌违法。",
                                                  respondent_name="某进口食品店", remote_address="192.0.2.2")
    assert anonymous_report[0].real_name is False and anonymous_report[0].kind == Kind.REPORT
    with on_day(DAY + dt.timedelta(days=1)):
        services.submit_portal(**{**form, "remote_address": "198.51.100.2"})   # a new day


def test_platforms_forward_complaints_about_their_own_shops_and_pull_updates(city):
    platform = city.principal("platform")
    items = [{"ticket": "P-1", "received_at": "2026-10-08 10:00:00", "content": "购买的耳机收到就坏了，店家不理睬",
              "complainant_name": "钱多", "complainant_phone": "13811112222", "shop_id": "S100", "order_no": "O-77"},
             {"ticket": "P-2", "received_at": "2026-10-08 10:00:00", "content": "别的平台的网店问题",
              "platform_uscc": f.uscc(999, region="310101"), "shop_id": "X"}]
    with on_day(DAY):
        report = services.intake_platform(items, platform)
    assert [r.outcome for r in report.rows][0] == "accepted"
    assert report.rows[1].outcome == "rejected"
    case = Complaint.objects.get(channel_ticket="P-1")
    assert case.shop == city.subjects["shop"] and case.resolved_by == "shop_id" and case.order_no == "O-77"
    assert case.platform.uscc == PLATFORM_USCC
    with on_day(DAY):
        flows.accept(case.pk, city.principal("market_regulation"))
    feed = services.updates_feed(platform)
    assert [(u.event, u.status_code) for u in feed] == [("received", "received"), ("accepted", "accepted")]
    assert services.updates_feed(platform, cursor=feed[0].pk) == feed[1:]
    assert services.acknowledge(platform, [u.pk for u in feed] + [999999]) == \
        {"acknowledged": 2, "already": 0, "unknown": 1}
    assert services.acknowledge(platform, [feed[0].pk]) == {"acknowledged": 0, "already": 1, "unknown": 0}
    assert services.updates_feed(platform, pending_only=True) == []
    assert services.updates_feed(city.hotline("12315")) == []      # another channel's updates are not yours
    with pytest.raises(Forbidden):
        services.intake_platform(items, city.hotline("12315"))
    assert verify().ok


def test_a_platform_forwarding_a_repeat_hears_nothing_of_the_other_complainant(city):
    content = "购买的耳机收到就坏了，店家不理睬，要求退货"
    with on_day(DAY):
        services.intake_hotline("12315", [{"投诉单号": "H-1", "登记时间": "2026-10-08 09:00:00", "投诉人姓名": "王小红",
                                           "投诉人电话": "13811112222", "投诉人地址": "南通市崇川区人民路1号",
                                           "电商平台名称": "南通优品电商平台有限公司", "网店名称": "优品数码专营店",
                                           "投诉内容": content}], city.hotline("12315"))
        report = services.intake_platform([{"ticket": "P-9", "received_at": "2026-10-08 10:00:00", "content": content,
                                            "complainant_name": "钱多", "complainant_phone": "13811112222",
                                            "shop_id": "S100"}], city.principal("platform"))
    assert report.rows[0].outcome == "merged", report.as_dict()
    head = Complaint.objects.get(channel_ticket="H-1")
    with on_day(DAY):
        flows.accept(head.pk, city.principal("market_regulation"))
        flows.start_mediation(head.pk, city.principal("market_regulation"),
                              note="已电话联系王小红（13811112222，南通市崇川区人民路1号）组织调解")
    told = [u.text for u in services.updates_feed(city.principal("platform"))]
    assert any("调解" in t for t in told)
    for personal in ("王小红", "13811112222", "人民路1号"):
        assert not any(personal in t for t in told), personal


def test_hotline_updates_are_in_its_own_vocabulary(city):
    case = received(city, "12345")
    officer = city.principal(case.handling_org.code)
    with on_day(DAY):
        flows.accept(case.pk, officer)
    feed = services.updates_feed(city.hotline("12345"))
    assert [(u.status_code, u.status_label) for u in feed] == [("QS", "已签收"), ("BL", "办理中（已受理）")]
    assert case.case_no in feed[1].text and "王" not in feed[1].text


def test_figures_per_channel_department_and_category(city):
    late = received(city)                                       # due 2026-10-15
    on_time = received(city, "12345")
    with on_day(dt.date(2026, 10, 12)):
        flows.accept(on_time.pk, city.principal(on_time.handling_org.code))
    with on_day(dt.date(2026, 10, 19)):
        flows.advance()
        flows.accept(late.pk, city.principal("market_regulation"))
        rows = {r["group"]: r for r in services.figures(city.principal("credit_office"), by="channel")}
    assert rows["12315"]["accepted_on_time_rate"] == 0.0 and rows["12345"]["accepted_on_time_rate"] == 100.0
    assert rows["12315"]["received"] == 1
    with on_day(dt.date(2026, 10, 19)):
        mine = services.figures(city.principal("market_regulation"), by="department")
    assert [r["group"] for r in mine] == ["market_regulation"]  # a department counts its own cases
    with pytest.raises(ValidationFailed):
        services.figures(city.principal("credit_office"), by="colour")


def test_daily_command_prints_its_counts(city):
    received(city)
    out = io.StringIO()
    call_command("complaints-daily", "--date", "2026-10-16", stdout=out)
    assert json.loads(out.getvalue()) == {"overdue": 1, "level_1": 1, "level_2": 0}
    escalated = services.supervision_queue(city.principal("market_regulation"), today=dt.date(2026, 10, 16))
    assert escalated.count() == 1
