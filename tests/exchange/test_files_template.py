"""The Excel template of a record type: its columns, its 填写说明 sheet, and a filled-in template going in."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from ecredit.archive.models import CreditRecord
from ecredit.exchange import files
from ecredit.exchange.models import Batch, BatchStatus
from ecredit.registry.models import Subject
from tests import factories as f
from tests.exchange import sheets as s

pytestmark = pytest.mark.django_db

BASE = ["记录编号*", "主体名称", "统一社会信用代码", "身份证号码", "平台统一社会信用代码", "网店编号", "决定日期*",
        "摘要*", "依据"]


def test_penalty_template_has_chinese_headers_instructions_and_lists():
    wb = openpyxl.load_workbook(io.BytesIO(files.template("admin_penalty_general")))
    assert wb.sheetnames == ["行政处罚信息（一般）", "填写说明", "选项"]
    assert wb["选项"].sheet_state == "hidden"
    headers = [cell.value for cell in wb.worksheets[0][1]]
    assert headers[:9] == BASE
    assert headers[9:12] == ["行政处罚决定书文号*", "违法行为类型", "违法事实"]
    assert "处罚类别*" in headers and "罚款金额（万元）" in headers and "法定代表人" in headers
    # codes are text, so Excel does not round an 18-digit number
    assert wb.worksheets[0].column_dimensions["C"].number_format == "@"
    # a drop-down list of the Chinese penalty kinds on 处罚类别
    kinds_col = openpyxl.utils.get_column_letter(headers.index("处罚类别*") + 1)
    validations = {str(dv.sqref).split(":")[0]: dv for dv in wb.worksheets[0].data_validations.dataValidation}
    assert f"{kinds_col}2" in validations
    formula = validations[f"{kinds_col}2"].formula1
    options = wb["选项"]
    first_col = formula.split("!")[1].split(":")[0].replace("$", "")
    labels = [options[f"{first_col[0]}{row}"].value for row in range(2, 14)]
    assert labels[:3] == ["警告", "通报批评", "罚款"]
    # the instructions explain every column: description, format and allowed values
    rows = list(wb["填写说明"].iter_rows(values_only=True))
    described = {row[0]: row for row in rows if row and row[0]}
    assert described["处罚类别"][1] == "必填"
    assert "警告（warning）" in described["处罚类别"][4]
    assert "万元" in described["罚款金额（万元）"][3]
    assert "日期" in described["决定日期"][3]
    assert any("双公示" in str(row[0]) for row in rows if row and row[0])


def test_licence_template_dates_and_optional_columns():
    wb = openpyxl.load_workbook(io.BytesIO(files.template("admin_licence")))
    headers = [cell.value for cell in wb.worksheets[0][1]]
    assert headers[9:] == ["行政许可决定书文号*", "项目名称", "许可证书名称", "许可编号", "审批类别", "许可内容",
                           "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "法定代表人"]


def test_unknown_type_is_refused():
    with pytest.raises(Exception) as exc:
        files.template("no_such_type")
    assert "未知的信用信息类型" in str(exc.value)


def test_template_round_trip(officer):
    code, person = f.uscc(2001), f.ric(21)
    template = files.template("admin_penalty_general")
    data = s.filled_template(template, [
        {"记录编号": "CF-2024-001", "主体名称": "南通甲商贸有限公司", "统一社会信用代码": code,
         "决定日期": dt.date(2024, 5, 6), "摘要": "销售不合格电动自行车头盔",
         "行政处罚决定书文号": "通市监罚〔2024〕101号", "处罚类别": "罚款；没收违法所得",
         "罚款金额（万元）": 2.5, "没收违法所得、没收非法财物的金额（万元）": "0.3", "所属领域": "一般",
         "处罚机关": "南通市市场监督管理局"},
        {"记录编号": "CF-2024-002", "主体名称": "王五", "身份证号码": person, "决定日期": "2024/5/7",
         "摘要": "无照经营", "行政处罚决定书文号": "通市监罚〔2024〕102号", "处罚类别": "warning"},
    ])
    result = files.import_file(data, "模板.xlsx", "admin_penalty_general", officer)
    assert (result.received, result.created, result.rejected) == (2, 2, 0), result.as_dict()
    assert result.ok and not result.refused
    first = CreditRecord.objects.get(source_record_id="CF-2024-001")
    assert first.decided_on == dt.date(2024, 5, 6)
    assert first.details["penalty_kinds"] == ["fine", "confiscation"]
    assert first.details["fine_amount_wan"] == 2.5 and first.details["confiscation_amount_wan"] == 0.3
    assert first.details["field"] == "general"
    assert first.subject.uscc == code
    second = CreditRecord.objects.get(source_record_id="CF-2024-002")
    assert second.subject.kind == "person" and second.details["penalty_kinds"] == ["warning"]
    batch = Batch.objects.get(pk=result.batch_ids[0])
    assert (batch.channel, batch.status, batch.received, batch.created) == ("excel", BatchStatus.ACCEPTED, 2, 2)
    assert batch.filename == "模板.xlsx"
    assert Subject.objects.count() == 2


def test_template_for_a_platform_type_takes_shops(platform_org):
    from ecredit.access.principal import Principal

    platform = Principal.build("test:platform", "platform_client", platform_org)
    data = s.filled_template(files.template("fake_order"), [
        {"记录编号": "SD-1", "主体名称": "某某旗舰店", "平台统一社会信用代码": platform_org.uscc, "网店编号": " 10086 ",
         "决定日期": "2025-01-02", "摘要": "虚构交易", "平台处理编号": "CASE-1", "涉及订单号": "A1；A2,A3",
         "虚构订单数": "3", "是否涉及空包裹": "是", "行为描述": "同一买家集中下单"},
    ])
    result = files.import_file(data, "shop.xlsx", "fake_order", platform)
    assert result.ok, result.as_dict()
    record = CreditRecord.objects.get()
    assert record.details["order_ids"] == ["A1", "A2", "A3"]
    assert record.details["order_count"] == 3 and record.details["empty_parcel"] is True
    assert record.subject.shop_id == "10086"


def _all_types() -> list[str]:
    from ecredit import policy

    return [rule.code for rule in policy.current().catalog.record_types]


@pytest.mark.parametrize("type_code", _all_types())
def test_every_template_reads_back_its_own_headers(type_code):
    layout = files.layout(type_code)
    wb = openpyxl.load_workbook(io.BytesIO(files.template(type_code)))
    headers = [cell.value for cell in wb.worksheets[0][1]]
    assert headers == [column.header for column in layout.columns]
    assert [layout.match(header)[0] for header in headers] == [column.target for column in layout.columns]
    assert len(set(headers)) == len(headers)
