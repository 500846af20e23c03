"""Each of the seven hotlines is read in its own layout, by JSON and by file (xlsx and CSV), into the same case;
what cannot be read is refused row by row, naming the hotline's own column."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ecredit.complaints import services
from ecredit.complaints.models import Complaint, Kind
from ecredit.kit.errors import Forbidden

from .conftest import HOTLINES, TZ, on_day
from .samples import SAMPLES, csv_bytes, xlsx

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 10, 9)


def check_case(number: str, expected: dict) -> list[Complaint]:
    made = list(Complaint.objects.filter(channel=number).order_by("kind"))
    assert sorted(c.kind for c in made) == sorted(expected["kind"])
    for case in made:
        assert timezone.localtime(case.received_at).replace(tzinfo=None) == expected["received_at"]
        for name in ("respondent_uscc", "respondent_name", "order_no", "claim", "aware_on", "real_name",
                     "out_of_area", "resolved_by"):
            if name in expected:
                assert getattr(case, name) == expected[name], name
        if "amount" in expected:
            assert case.amount == expected["amount"]
        if "region" in expected:
            assert case.handling_region == expected["region"]
        if "name_masked" in expected:
            assert case.complainant_name_masked == expected["name_masked"]
        if "phone_masked" in expected:
            assert case.complainant_phone_masked == expected["phone_masked"]
        for part in expected.get("content_has", []):
            assert part in case.content
        assert case.channel_org.code == f"hotline_{number}"
    return made


@pytest.mark.parametrize("number", HOTLINES)
def test_each_hotline_json_layout(city, number):
    item, expected = SAMPLES[number]
    with on_day(DAY):
        report = services.intake_hotline(number, [item], city.hotline(number))
    assert report.count("rejected") == 0, report.as_dict()
    assert report.rows[0].outcome == "accepted"
    made = check_case(number, expected)
    assert report.rows[0].cases == [c.case_no for c in sorted(made, key=lambda c: c.pk)]


@pytest.mark.parametrize("number", HOTLINES)
def test_each_hotline_file_layout_xlsx_and_csv(city, number):
    item, expected = SAMPLES[number]
    with on_day(DAY):
        report = services.intake_hotline_file(number, xlsx([item], title_row=f"{number}来件导出"), "export.xlsx",
                                              city.hotline(number))
    assert report.count("accepted") == 1, report.as_dict()
    assert report.rows[0].row == 3          # title row, header row, then the item
    check_case(number, expected)
    with on_day(DAY):
        again = services.intake_hotline_file(number, csv_bytes([item], "gb18030"), "export.csv", city.hotline(number))
    assert again.count("duplicate") == 1 and again.count("accepted") == 0


def test_a_hotline_may_send_only_its_own_items(city):
    item, _ = SAMPLES["12315"]
    with pytest.raises(Forbidden):
        services.intake_hotline("12315", [item], city.hotline("12345"))
    # the department the hotline belongs to receives its export and may load it; the credit office too
    with on_day(DAY):
        assert services.intake_hotline("12315", [item], city.principal("market_regulation")).count("accepted") == 1
    with pytest.raises(Forbidden):
        services.intake_hotline("12315", [item], city.principal("postal"))


def test_rows_are_refused_one_by_one_naming_the_hotlines_column(city):
    good, _ = SAMPLES["12345"]
    rows = [good,
            {**good, "工单编号": "B2", "来电时间": "昨天下午"},
            {**good, "工单编号": "B3", "诉求类型": "咨询"},
            {**good, "工单编号": "B4", "反映内容": "", "工单标题": ""},
            {**good, "工单编号": "B5", "来电号码": "12"},
            {**good, "工单编号": ""}]
    with on_day(DAY):
        report = services.intake_hotline("12345", rows, city.hotline("12345"))
    outcomes = [(r.outcome, r.column) for r in report.rows]
    assert outcomes == [("accepted", ""), ("rejected", "来电时间"), ("rejected", "诉求类型"),
                        ("rejected", "工单标题"),
                        ("rejected", "来电号码"), ("rejected", "工单编号")]
    assert "来电时间" in report.rows[1].message and "2026/09/30 14:05" in report.rows[1].message
    assert "咨询" in report.rows[2].message
    assert report.rows[3].code == "required"
    assert Complaint.objects.count() == 1


def test_spreadsheet_formulas_are_refused_naming_the_column(city):
    good, _ = SAMPLES["12345"]
    rows = [{**good, "工单编号": "=cmd|' /C calc'!A0"},
            {**good, "工单编号": "F2", "反映内容": "=HYPERLINK(\"http://evil.example\",\"点此\")"},
            {**good, "工单编号": "F3", "反映内容": "@SUM(1+1)*cmd|' /C calc'!A0"},
            {**good, "工单编号": "F4", "反映内容": "-2 元的优惠券无法使用，商家不予解释，要求说明情况"}]
    with on_day(DAY):
        report = services.intake_hotline("12345", rows, city.hotline("12345"))
    assert [(r.outcome, r.code) for r in report.rows] == [("rejected", "formula"), ("rejected", "formula"),
                                                           ("rejected", "formula"), ("accepted", "")]
    assert report.rows[0].column == "工单编号" and "公式" in report.rows[0].message
    assert report.rows[1].column == "反映内容" and report.rows[2].column == "反映内容"
    assert Complaint.objects.count() == 1


def test_atomic_batch_writes_nothing_when_one_row_is_refused(city):
    good, _ = SAMPLES["12365"]
    rows = [good, {**good, "编号": "X2", "接报时间": "2026.13.40 11:20"}]
    with on_day(DAY):
        report = services.intake_hotline("12365", rows, city.hotline("12365"), atomic=True)
    assert [r.outcome for r in report.rows] == ["not_written", "rejected"]
    assert Complaint.objects.count() == 0


def test_a_bad_code_is_a_warning_not_a_refusal(city):
    item, _ = SAMPLES["12315"]
    item = {**item, "被投诉方统一社会信用代码": "91320600MA1234567X"}
    with on_day(DAY):
        report = services.intake_hotline("12315", [item], city.hotline("12315"))
    assert report.rows[0].outcome == "accepted"
    assert any("校验不通过" in w for w in report.rows[0].warnings)
    assert Complaint.objects.get().respondent_uscc == ""


def test_both_complaint_and_report_become_two_cases_pointing_at_each_other(city):
    item, _ = SAMPLES["12331"]
    with on_day(DAY):
        services.intake_hotline("12331", [item], city.hotline("12331"))
    complaint = Complaint.objects.get(kind=Kind.COMPLAINT)
    report = Complaint.objects.get(kind=Kind.REPORT)
    assert complaint.sibling_id == report.pk and report.sibling_id == complaint.pk
    assert complaint.case_no.startswith("TS20261009") and report.case_no.startswith("JB20261009")
    assert complaint.accept_due and report.filing_due and not report.accept_due


def test_received_time_is_beijing_time(city):
    item, _ = SAMPLES["12315"]
    with on_day(DAY):
        services.intake_hotline("12315", [item], city.hotline("12315"))
    assert Complaint.objects.get().received_at == dt.datetime(2026, 9, 30, 14, 5, 33, tzinfo=TZ)


def test_template_has_the_hotlines_own_headers():
    text = services.template("12312").decode("utf-8-sig")
    assert text.splitlines()[0].split(",")[:3] == ["举报投诉编号", "受理日期", "受理时刻"]


# ---------------------------------------------------------------------------------------------- properties

from decimal import Decimal  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ecredit import policy  # noqa: E402
from ecredit.complaints import layouts  # noqa: E402

CHINESE = st.text(st.sampled_from(list("投诉商家退款，。；（）质量快递订单收到坏了网店客服不理睬123abc ")), min_size=6,
                  max_size=80).map(str.strip).filter(lambda t: len(t) >= 5)
canonical = st.fixed_dictionaries({
    "ticket": st.from_regex(r"[A-Z0-9][A-Z0-9\-]{3,20}", fullmatch=True),
    "received_at": st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2027, 12, 31)).map(lambda t: t.replace(microsecond=0)),
    "kind": st.sampled_from(["complaint", "report"]),
    "complainant_name": st.sampled_from(["王小红", "欧阳娜娜", ""]),
    "complainant_phone": st.sampled_from(["13812345678", "051385123456", ""]),
    "respondent_name": st.sampled_from(["南通甲数码科技有限公司", "南通乙（启东）食品有限公司"]),
    "content": CHINESE,
    "amount": st.decimals(0, 10**7, places=2),
})


def _precision(source) -> str:
    fmt = source.formats[0] if source.formats else "%S"
    return "second" if "%S" in fmt else "minute" if "%M" in fmt else "day"


@settings(max_examples=60, deadline=None)
@given(number=st.sampled_from(HOTLINES), values=canonical)
def test_writing_then_reading_an_item_gives_it_back(number, values):
    layout = policy.current().complaints.hotlines[number][0].layout
    back, warnings = layouts.read_item(layout, layouts.write_item(layout, values))
    assert back["ticket"] == values["ticket"] and back["content"] == values["content"]
    source = next(s for s in layout.fields if s.to == "received_at")
    moment = values["received_at"]
    moment = {"second": moment, "minute": moment.replace(second=0),
              "day": moment.replace(hour=0, minute=0, second=0)}[_precision(source)]
    assert back["received_at"] == moment
    if any(s.to == "kind" for s in layout.fields):
        assert back["kind"] == values["kind"]
    assert back.get("respondent_name") == values["respondent_name"]
    if any(s.to == "amount" for s in layout.fields):
        assert back["amount"] == values["amount"].quantize(Decimal("0.01"))
    if values["complainant_phone"] and any(s.to == "complainant_phone" for s in layout.fields):
        assert back["complainant_phone"] == values["complainant_phone"]
    assert warnings == []


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans()))
def test_reading_never_fails_otherwise_than_by_naming_the_column(value):
    layout = policy.current().complaints.hotlines["12331"][0].layout
    item = {**SAMPLES["12331"][0], "受理时间": value, "金额（元）": value, "件类": value}
    try:
        layouts.read_item(layout, item)
    except layouts.ItemError as exc:
        assert exc.column in ("受理时间", "金额（元）", "件类") and exc.message
