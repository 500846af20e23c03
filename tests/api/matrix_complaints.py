"""The complaints rows of the API authorisation matrix, and what they act on in the shared world."""

from __future__ import annotations

import datetime as dt

CALLERS = ["anon", "badtoken", "platform", "agency", "officer", "investigator", "other_officer", "admin", "subject"]
EVERYONE = {c: 200 for c in CALLERS}
# The handling department (market regulation: officer, investigator) and the credit office take the steps; the
# postal administration does not see the case; platforms, agencies and subjects hold no right to handle.
HANDLERS = {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200, "investigator": 200,
            "other_officer": 404, "admin": 200, "subject": 403}
# Readers of cases: handlers, and those who pass cases on (platforms see complaints about their own shops).
READERS = HANDLERS | {"platform": 200}
# Those who pass cases on or handle them pull their channel's updates (a department's feed is simply empty).
CHANNELS = {"anon": 401, "badtoken": 401, "platform": 200, "agency": 403, "officer": 200, "investigator": 200,
            "other_officer": 200, "admin": 200, "subject": 403}
DEPARTMENTS = {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 201, "investigator": 201,
               "other_officer": 201, "admin": 201, "subject": 403}


def _when(days_ago: int) -> str:
    from django.utils import timezone

    return (timezone.localtime() - dt.timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M:%S")


def hotline_item(ticket: str, kind: str = "投诉", days_ago: int = 3, **extra) -> dict:
    """A 12315 item about the world's platform shop S1 (甲旗舰店), a quality matter for market regulation."""
    return {"投诉单号": ticket, "登记时间": _when(days_ago), "登记类型": kind, "投诉人姓名": "王小红",
            "投诉人电话": "13812345678", "投诉人地址": "南通市崇川区人民路1号", "电商平台名称": "测试电商平台",
            "网店名称": "甲旗舰店", "投诉内容": "购买的蓝牙耳机收到就坏了，商家拒绝退货。", "投诉请求": "退货退款", **extra}


CSV_FILE = "投诉单号,登记时间,登记类型,投诉人电话,被投诉方名称,投诉内容\r\n" \
           "F-1,2026-01-05 09:00:00,投诉,13900001111,南通某商行,买的电饭煲收到就坏了，要求退货\r\n"

ROWS: dict = {
    "complaint_hotlines": ("get", "/api/v1/complaints/hotlines", None, EVERYONE),
    "complaint_hotline_items": ("post", "/api/v1/complaints/hotlines/{complaint_hotline}/items",
                                lambda w: {"items": [hotline_item("M-NEW")]},
                                HANDLERS | {"other_officer": 403}),
    "complaint_hotline_file": ("post", "/api/v1/complaints/hotlines/{complaint_hotline}/files?filename=export.csv", CSV_FILE,
                               HANDLERS | {"other_officer": 403}),
    "complaint_platform_items": ("post", "/api/v1/complaints/platform-items",
                                 lambda w: {"items": [{"ticket": "PF-1", "received_at": _when(1), "shop_id": "S1",
                                                       "content": "网店发货的商品与描述不符，拒绝退款"}]},
                                 {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200}),
    "complaint_walk_in": ("post", "/api/v1/complaints/walk-ins",
                          {"kind": "complaint", "content": "在网店买的羽绒服严重跑绒，商家不予退换",
                           "complainant_name": "陈静", "complainant_phone": "13600001111",
                           "respondent_name": "南通甲商贸有限公司"}, DEPARTMENTS),
    "complaint_list": ("get", "/api/v1/complaints?status=open", None, READERS | {"other_officer": 200}),
    "complaint_figures": ("get", "/api/v1/complaints/figures?by=category", None, HANDLERS | {"other_officer": 200}),
    "complaint_updates": ("get", "/api/v1/complaints/updates?cursor=0", None, CHANNELS),
    "complaint_updates_ack": ("post", "/api/v1/complaints/updates/ack",
                              lambda w: {"ids": [w.ids["complaint_update"]]}, CHANNELS),
    "complaint_daily": ("post", "/api/v1/complaints/daily", None,
                        {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "admin": 200}),
    "complaint_detail": ("get", "/api/v1/complaints/{complaint_received}", None, READERS),
    "complaint_complainant": ("get", "/api/v1/complaints/{complaint_received}/complainant?purpose=联系投诉人调解", None,
                              HANDLERS),
    "complaint_acceptance": ("post", "/api/v1/complaints/{complaint_received}/acceptance", {"accept": True}, HANDLERS),
    "complaint_transfer": ("post", "/api/v1/complaints/{complaint_received}/transfer",
                           {"department": "postal", "note": "属寄递服务问题"}, HANDLERS),
    "complaint_respondent": ("post", "/api/v1/complaints/{complaint_received}/respondent",
                             lambda w: {"subject_id": w.ids["company"]}, HANDLERS),
    "complaint_mediation": ("post", "/api/v1/complaints/{complaint_accepted}/mediation", {}, HANDLERS),
    "complaint_pause": ("post", "/api/v1/complaints/{complaint_mediating}/pause", {"reason": "送检"}, HANDLERS),
    "complaint_resume": ("post", "/api/v1/complaints/{complaint_paused}/resume", {}, HANDLERS),
    "complaint_agreement": ("post", "/api/v1/complaints/{complaint_mediating}/agreement",
                            {"agreement": "商家同意退货退款", "merchant_at_fault": True, "compensation": "99"}, HANDLERS),
    "complaint_termination": ("post", "/api/v1/complaints/{complaint_mediating}/termination",
                              {"reason": "no_agreement"}, HANDLERS),
    "complaint_termination_notice": ("post", "/api/v1/complaints/{complaint_terminated}/termination-notice",
                                     {"channel": "phone"}, HANDLERS),
    "complaint_clue": ("post", "/api/v1/complaints/{complaint_mediating}/clue", {"text": "商家涉嫌销售假冒产品"},
                       HANDLERS),
    "complaint_clue_check": ("post", "/api/v1/complaints/{complaint_clue}/clue-check", {"result": "已移交稽查"},
                             HANDLERS),
    "complaint_closure": ("post", "/api/v1/complaints/{complaint_mediated}/closure",
                          {"outcome": "mediated", "text": "协议已履行"}, HANDLERS),
    "complaint_filing": ("post", "/api/v1/complaints/{report_received}/filing", {"file": True, "note": "决定立案"},
                         HANDLERS),
    "complaint_filing_extension": ("post", "/api/v1/complaints/{report_received}/filing-extension",
                                   {"reason": "需调取平台数据"}, HANDLERS),
    "complaint_reporter_notice": ("post", "/api/v1/complaints/{report_filed}/reporter-notice", {}, HANDLERS),
}


def build(w) -> None:
    """Add to the shared world (`w.ids`, `w.tokens`) what ROWS act on: cases about the platform's shop S1 at each
    step, handled by market regulation."""
    from ecredit.access.models import Organisation
    from ecredit.access.principal import Principal, system
    from ecredit.complaints import flows, services
    from ecredit.complaints.models import ChannelUpdate, Complaint

    officer = Principal.build("test:complaints", "department_officer",
                              Organisation.objects.get(code="market_regulation"))
    # distinct phones: the same phone about the same shop would be merged as a repeat
    items = [hotline_item(f"M-{name}", days_ago=days, 投诉人电话=f"1371111000{days}") for days, name in enumerate(
        ("received", "accepted", "mediating", "paused", "clue", "terminated", "mediated"), start=2)]
    items += [hotline_item("M-report", kind="举报", 投诉人电话="13900002222"),
              hotline_item("M-filed", kind="举报", 投诉人电话="13900003333", days_ago=4)]
    report = services.intake_hotline("12315", items, system("matrix"))
    assert report.count("accepted") == len(items), report.as_dict()
    case = {c.channel_ticket: c.pk for c in Complaint.objects.filter(channel_ticket__startswith="M-")}
    for name in ("accepted", "mediating", "paused", "clue", "terminated", "mediated"):
        flows.accept(case[f"M-{name}"], officer)
    for name in ("mediating", "paused", "clue", "terminated", "mediated"):
        flows.start_mediation(case[f"M-{name}"], officer)
    flows.pause(case["M-paused"], officer, reason="送检")
    flows.record_clue(case["M-clue"], officer, text="商家涉嫌销售假冒产品")
    flows.terminate(case["M-terminated"], officer, reason="refused_to_mediate")
    flows.mediated(case["M-mediated"], officer, agreement="商家同意换货", merchant_at_fault=False)
    flows.decide_filing(case["M-filed"], officer, file=True, note="决定立案")
    for name in ("received", "accepted", "mediating", "paused", "clue", "terminated", "mediated"):
        w.ids[f"complaint_{name}"] = case[f"M-{name}"]
    w.ids["complaint_hotline"] = "12315"
    w.ids["report_received"], w.ids["report_filed"] = case["M-report"], case["M-filed"]
    w.ids["complaint_update"] = ChannelUpdate.objects.order_by("id").values_list("id", flat=True).first()
