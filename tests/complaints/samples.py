"""One item of each hotline in its own layout, as its export writes it, and what we must read from it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from .conftest import FOOD_USCC, MERCHANT_USCC, OUTSIDE_USCC

# hotline -> (item as the hotline sends it, what the case must say)
SAMPLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "12315": ({
        "投诉单号": "1320600202609300001", "登记时间": "2026-09-30 14:05:33", "登记类型": "投诉",
        "投诉人姓名": "王小红", "投诉人电话": "138-1234-5678", "投诉人地址": "江苏省南通市崇川区人民路1号",
        "被投诉方名称": "南通甲数码科技有限公司", "被投诉方统一社会信用代码": MERCHANT_USCC,
        "被投诉方地址": "南通市通州区金沙镇", "被投诉方所在地": "通州区", "电商平台名称": "南通优品电商平台有限公司",
        "网店名称": "优品数码专营店", "订单号": "2026093012345", "投诉内容": "购买的蓝牙耳机收到就坏了，商家拒绝退货。",
        "投诉请求": "退货退款", "涉及金额（元）": "299.00", "知道权益受损日期": "2026-09-25",
    }, {"kind": ["complaint"], "received_at": dt.datetime(2026, 9, 30, 14, 5, 33), "respondent_uscc": MERCHANT_USCC,
        "name_masked": "王**", "phone_masked": "138****5678", "amount": Decimal("299.00"), "order_no": "2026093012345",
        "aware_on": dt.date(2026, 9, 25), "claim": "退货退款", "resolved_by": "shop_name", "region": "320612"}),
    "12345": ({
        "工单编号": "NT12345-20260930-0088", "来电时间": "2026/09/30 09:12", "诉求类型": "投诉", "来电人": "李明",
        "来电号码": "13912345678", "联系地址": "南通市崇川区青年路", "工单标题": "网购食品过期",
        "反映内容": "来电人反映在网上买的饼干已过保质期，要求商家退一赔十。",
        "涉事主体": f"南通乙食品有限公司（统一社会信用代码：{FOOD_USCC}）", "所属区县": "启东市",
    }, {"kind": ["complaint"], "received_at": dt.datetime(2026, 9, 30, 9, 12), "respondent_uscc": FOOD_USCC,
        "respondent_name": "南通乙食品有限公司", "content_has": ["标题：网购食品过期", "已过保质期"],
        "resolved_by": "uscc", "region": "320681"}),
    "12312": ({
        "举报投诉编号": "SW2026000123", "受理日期": "2026-09-29", "受理时刻": "16:40:00", "类别": "商务投诉",
        "姓名": "赵强", "手机号码": "+86 137 0000 1111", "通讯地址": "南通市海门区", "被举报投诉企业": "上海丙贸易有限公司",
        "企业统一社会信用代码": OUTSIDE_USCC, "企业地址": "上海市黄浦区", "电商平台": "", "店铺名称": "",
        "订单编号": "", "事项描述": "办理的单用途预付卡，商家关店后拒绝退还余额。", "诉求": "退还预付卡余额",
        "涉及金额（万元）": "0.5",
    }, {"kind": ["complaint"], "received_at": dt.datetime(2026, 9, 29, 16, 40), "amount": Decimal("5000.00"),
        "phone_masked": "137****1111", "out_of_area": True, "region": "310101"}),
    "12318": ({
        "举报编号": "WH20260930007", "举报日期": "20260930", "举报时间": "1405", "举报人": "孙丽",
        "联系电话": "0513-85123456", "被举报单位名称": "南通某网络科技有限公司", "被举报单位地址": "南通市崇川区",
        "网站（网店）名称": "某某游戏平台", "举报内容": "网络游戏平台向未成年人提供无实名认证的充值服务。",
    }, {"kind": ["report"], "received_at": dt.datetime(2026, 9, 30, 14, 5), "phone_masked": "051*****3456"}),
    "12331": ({
        "投诉举报编号": "SY2026-0930-011", "受理时间": "2026年09月30日 10时30分", "件类": "投诉举报",
        "投诉举报人": "周杰", "联系方式": "15800001234", "联系地址": "南通市如皋市", "被投诉举报对象": "南通乙食品有限公司",
        "对象地址": "启东市", "产品名称": "全麦饼干", "生产批号": "20260301", "问题描述": "饼干中发现异物，疑似生产环节不卫生。",
        "诉求": "退款并查处", "金额（元）": 35,
    }, {"kind": ["complaint", "report"], "received_at": dt.datetime(2026, 9, 30, 10, 30),
        "content_has": ["产品名称：全麦饼干", "批号：20260301", "异物"], "amount": Decimal("35.00"),
        "resolved_by": "name"}),
    "12358": ({
        "单号": "JG26093001", "登记日期": "2026-09-30", "类别": "价格举报", "反映人": "",
        "联系电话": "", "被反映单位": f"南通甲数码科技有限公司（{MERCHANT_USCC}）", "经营地址": "通州区",
        "网店名称": "优品数码专营店", "价格问题描述": "网店先提价后打折，虚构原价进行促销。", "诉求": "查处价格欺诈",
        "涉及金额": "1,299",
    }, {"kind": ["report"], "received_at": dt.datetime(2026, 9, 30, 0, 0), "respondent_uscc": MERCHANT_USCC,
        "real_name": False, "amount": Decimal("1299.00")}),
    "12365": ({
        "编号": "ZJ-2026-0930-3", "接报时间": "2026.09.30 11:20", "类型": "申诉", "申诉（举报）人": "吴刚",
        "电话": "18600002222", "地址": "南通市海安市", "被申诉（举报）单位": "南通甲数码科技有限公司", "单位地址": "通州区",
        "产品名称": "电热水壶", "规格型号": "DR-1.7L", "质量问题": "使用一周后漏电，存在安全隐患。", "申诉要求": "更换并赔偿",
        "金额（元）": "129",
    }, {"kind": ["complaint"], "received_at": dt.datetime(2026, 9, 30, 11, 20),
        "content_has": ["产品：电热水壶", "规格型号：DR-1.7L"], "claim": "更换并赔偿", "resolved_by": "name"}),
}


def xlsx(rows: list[dict[str, Any]], *, title_row: str | None = None) -> bytes:
    """A workbook with the rows under their headers (and an optional title row above, as exports have)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    headers = list(rows[0])
    if title_row:
        sheet.append([title_row])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict[str, Any]], encoding: str = "utf-8-sig") -> bytes:
    """A CSV file with the rows under their headers."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    headers = list(rows[0])
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return buffer.getvalue().encode(encoding)
