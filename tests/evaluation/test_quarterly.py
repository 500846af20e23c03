"""The quarterly evaluation report (R10.1): distributions by model, district and platform at the quarter's end,
the biggest movers over the quarter, grade changes within it, and its page, PDF and xlsx."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.cache import cache

from ecredit.archive.services import ingest
from ecredit.audit.services import Actor
from ecredit.evaluation import quarterly
from ecredit.evaluation.batch import rescore_all
from ecredit.evaluation.models import CurrentScore
from ecredit.kit.errors import ValidationFailed
from ecredit.registry import services as registry
from ecredit.registry import shops
from ecredit.registry.models import Subject
from tests import factories as f
from tests.factories import console_login

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 20)
Q3 = quarterly.Period(quarterly.Quarter(2025, 3), dt.date(2025, 7, 1), dt.date(2025, 9, 30), False)
TONGZHOU, CHONGCHUAN, OLD_CODE = "320612", "320613", "320602"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def honour(rid: str, subject: dict, decided_on: str) -> dict:
    return {"id": rid, "type": "honour", "subject": subject, "decided_on": decided_on, "summary": "诚信经营示范",
            "details": {"honour_name": "诚信经营示范企业", "awarded_by": "南通市商务局"}}


@pytest.fixture
def city(admin, platform_org):
    """Four firms, a courier and a shop, scored at the end of Q2 2025, in Q3 and after Q3."""
    s = {"a": {"uscc": f.uscc(101, TONGZHOU), "name": "=HYPERLINK(\"http://x\")南通甲商贸有限公司"},
         "b": {"uscc": f.uscc(102, CHONGCHUAN), "name": "南通乙商贸有限公司"},
         "c": {"uscc": f.uscc(103, OLD_CODE), "name": "南通丙商贸有限公司"},
         "d": {"uscc": f.uscc(104, TONGZHOU), "name": "南通丁商贸有限公司"}}
    courier = registry.register({"ric": f.ric(21), "name": "张小明"}, Actor("test"), roles=["courier"])
    shops.report_shops([{"shop_id": "S1", "name": "甲旗舰店", "operator": {"uscc": s["b"]["uscc"]}}],
                       f.principal("platform_client", platform_org))
    first = ingest([
        f.penalty("B1", s["b"], decided_on="2025-03-05"),
        f.penalty("C1", s["c"], decided_on="2025-03-05"), f.penalty("C2", s["c"], decided_on="2025-04-05"),
        f.penalty("A-later", s["a"], decided_on="2025-07-10", type_code="admin_penalty_serious"),
        honour("B-H1", s["b"], "2025-07-20"), honour("B-H2", s["b"], "2025-08-01"),
        f.penalty("P1", {"ric": f.ric(21), "name": "张小明"}, decided_on="2025-07-15"),
        f.penalty("C3", s["c"], decided_on="2025-10-05"),
    ], admin)
    assert not first.errors, first.errors
    rescore_all(dt.date(2025, 6, 30))          # the standing at the quarter's start
    late = ingest([f.penalty("D1", s["d"], decided_on="2025-07-05")], admin)   # D first appears in Q3
    assert not late.errors, late.errors
    rescore_all(dt.date(2025, 8, 15))          # inside Q3
    rescore_all(dt.date(2025, 10, 10))         # after Q3: C3 must not count in the Q3 report
    ids = {k: Subject.objects.get(uscc=v["uscc"]).pk for k, v in s.items()}
    ids["courier"] = courier.pk
    ids["shop"] = Subject.objects.get(shop_id="S1").pk
    ids["platform"] = Subject.objects.get(uscc=platform_org.uscc).pk
    return ids


# ------------------------------------------------------------------------------------------------ quarters


def test_quarters_parse_and_default_to_the_last_completed_one():
    assert str(quarterly.Quarter.parse("2026q4")) == "2026Q4"
    assert quarterly.Quarter.parse("2026-Q1").first == dt.date(2026, 1, 1)
    assert quarterly.Quarter(2026, 4).last == dt.date(2026, 12, 31)
    assert quarterly.resolve(None, today=dt.date(2026, 11, 28)).quarter == quarterly.Quarter(2026, 3)
    assert quarterly.resolve("", today=dt.date(2026, 2, 1)).quarter == quarterly.Quarter(2025, 4)
    current = quarterly.resolve("current", today=dt.date(2026, 11, 28))
    assert (str(current.quarter), current.end, current.to_date) == ("2026Q4", dt.date(2026, 11, 28), True)
    past = quarterly.resolve("2026Q2", today=dt.date(2026, 11, 28))
    assert (past.start, past.end, past.to_date) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30), False)
    for bad in ("2026Q5", "Q4", "2026"):
        with pytest.raises(ValidationFailed):
            quarterly.Quarter.parse(bad)
    with pytest.raises(ValidationFailed):
        quarterly.resolve("2027Q1", today=dt.date(2026, 11, 28))


# ------------------------------------------------------------------------------------------------ contents


def _row(breakdown, key):
    return next((r for r in breakdown.rows if r.key == key), None)


def test_distributions_at_the_quarters_end(city):
    report = quarterly.build(Q3, english=False, use_cache=False)
    by = {b.code: b for b in report.breakdowns}
    # At 2025-09-30: A 75-20 = 55 D; B 75-5+6 = 76 B; C 75-10 = 65 C (C3 comes after the quarter); D 70 C.
    enterprise = _row(by["model"], "enterprise")
    assert enterprise.counts == {"D": 1, "B": 1, "C": 2}
    assert enterprise.label == "电子商务企业信用评价模型"
    assert {r.key for r in by["model"].rows} == {"enterprise", "courier", "shop", "platform"}
    assert report.overall.total == 7 == by["model"].total.total
    tongzhou, chongchuan = _row(by["district"], TONGZHOU), _row(by["district"], CHONGCHUAN)
    assert (tongzhou.label, tongzhou.counts) == ("通州区", {"D": 1, "C": 1})
    assert chongchuan.label == "崇川区" and chongchuan.total == 2           # B and its shop (the operator's region)
    other = _row(by["district"], quarterly.OTHER_REGION)
    assert other.label == "其他地区或未登记" and other.total == 3   # C, the courier, the platform (old code 320602)
    assert sum(r.total for r in by["district"].rows) == report.overall.total
    platform = _row(by["platform"], str(city["platform"]))
    assert platform.label == "测试电商平台" and platform.total == 1 == by["platform"].total.total
    shop_grade = CurrentScore.objects.get(subject_id=city["shop"], in_force=True).grade
    assert platform.counts == {shop_grade: 1}
    assert report.grades == ["A", "B", "C", "D"]


def test_the_current_quarter_to_date_matches_the_current_scores(city):
    period = quarterly.Period(quarterly.Quarter(2025, 4), dt.date(2025, 10, 1), TODAY, True)
    report = quarterly.build(period, english=False, use_cache=False)
    current = CurrentScore.objects.filter(in_force=True)
    assert report.overall.total == current.count()
    for grade in report.grades:
        assert report.overall.counts.get(grade, 0) == current.filter(grade=grade).count()


def test_movers_up_and_down_with_names_as_the_public_sees_them(city):
    report = quarterly.build(Q3, english=False, use_cache=False)
    up = [(m.subject_id, m.delta, m.start_grade, m.end_grade) for m in report.movers_up]
    down = [(m.subject_id, m.delta, m.start_grade, m.end_grade) for m in report.movers_down]
    assert up == [(city["b"], Decimal(6), "C", "B")]
    assert down == [(city["a"], Decimal(-20), "B", "D"), (city["courier"], Decimal(-10), "B", "B")]
    courier = report.movers_down[1]
    assert courier.name == "张**" and courier.key == ""                 # masked, no resident ID
    assert report.movers_down[0].key == Subject.objects.get(pk=city["a"]).uscc
    assert city["d"] not in {m.subject_id for m in report.movers_up + report.movers_down}   # no start score
    assert report.compared == 6


def test_grade_changes_within_the_quarter(city):
    report = quarterly.build(Q3, english=False, use_cache=False)
    changes = {row.model_code: (row.first, row.up, row.down) for row in report.changes}
    assert changes == {"enterprise": (1, 1, 1), "courier": (0, 0, 0)}
    assert report.changes_total.total == 3
    assert sorted(report.transitions) == [("B", "D", 1), ("C", "B", 1)]


def test_labels_follow_the_language(city):
    report = quarterly.build(Q3, english=True, use_cache=False)
    by = {b.code: b for b in report.breakdowns}
    assert _row(by["model"], "enterprise").label == "E-commerce enterprise model"
    assert _row(by["district"], TONGZHOU).label == "Tongzhou District"


def test_the_report_is_cached_until_a_score_is_written(city, admin):
    from ecredit.evaluation.services import rescore_subjects

    first = quarterly.build(Q3, english=False)
    assert quarterly.build(Q3, english=False).generated_at == first.generated_at
    ingest([f.penalty("B9", {"uscc": Subject.objects.get(pk=city["b"]).uscc}, decided_on="2025-09-01")], admin)
    rescore_subjects([city["b"]], dt.date(2025, 9, 30))
    again = quarterly.build(Q3, english=False)
    assert again.generated_at != first.generated_at
    assert [m.delta for m in again.movers_up] == [Decimal(1)]          # B: 70 → 71


# ------------------------------------------------------------------------------------------------ files


def test_xlsx_has_a_sheet_per_breakdown_and_neutralises_formulas(city):
    from openpyxl import load_workbook

    from ecredit.console.evaluation_views import render_xlsx

    report = quarterly.build(Q3, english=False, use_cache=False)
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    assert wb.sheetnames == ["概况", "按主体类型（评价模型）", "按地区", "网店按所在平台", "分数上升最多", "分数下降最多",
                             "等级变化"]
    districts = {row[0]: row for row in wb["按地区"].iter_rows(min_row=2, values_only=True)}
    assert districts["通州区"][1:] == (0, 0, 1, 1, 2)
    down = list(wb["分数下降最多"].iter_rows(min_row=2, values_only=True))
    assert down[0][2] == "'=HYPERLINK(\"http://x\")南通甲商贸有限公司"     # shown as text, never run
    assert down[0][7] == -20 and down[1][2] == "张**"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_pdf_renders_with_chinese_text(city):
    from pypdf import PdfReader

    from ecredit.console.evaluation_views import render_pdf

    data = render_pdf(quarterly.build(Q3, english=False, use_cache=False))
    assert data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "信用评价季度报告" in text and "2025Q3" in text
    assert "通州区" in text


def test_charts_are_inline_svg_with_escaped_text():
    from ecredit.evaluation import charts

    svg = charts.stacked_shares([("<script>x</script>", {"A": 1, "B": 3})], ["A", "B", "C", "D"], title="T&T")
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg and "T&amp;T" in svg
    assert "75%" in svg
    columns = charts.grade_columns({"A": 2, "D": 1}, ["A", "B", "C", "D"], title="分布")
    assert columns.count("<rect") == 4
    bars = charts.diverging_bars([("甲", 6.0), ("乙", -20.0)], title="变化")
    assert "+6" in bars and "-20" in bars


# ------------------------------------------------------------------------------------------------ console


def _login(client, role: str, org, username: str):
    from django.contrib.auth import get_user_model

    from ecredit.access.models import Membership

    user = get_user_model().objects.create_user(username, password="x-Quarter-2026")
    Membership.objects.create(user=user, organisation=org, role=role)
    console_login(client, user)


def test_console_page_and_downloads(client, city, department):
    _login(client, "department_officer", department, "officer_q")
    page = client.get("/console/evaluation/quarterly/?quarter=2025Q3")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "通州区" in html and "张**" in html and "<script" not in html
    assert "/console/evaluation/quarterly/2025Q3.pdf" in html
    pdf = client.get("/console/evaluation/quarterly/2025Q3.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = client.get("/console/evaluation/quarterly/2025Q3.xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert client.get("/console/evaluation/quarterly/?quarter=2099Q1").status_code == 422
    assert client.get("/console/evaluation/quarterly/2025Q9.pdf").status_code == 422
    assert client.get("/console/evaluation/quarterly/").status_code == 200     # the last completed quarter


def test_console_refuses_the_anonymous_and_those_without_the_console(client, city):
    response = client.get("/console/evaluation/quarterly/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]
    _login(client, "subject_account", f.organisation("subject", "self_q"), "self_q")
    assert client.get("/console/evaluation/quarterly/").status_code == 403
    assert client.get("/console/evaluation/quarterly/2025Q3.xlsx").status_code == 403
