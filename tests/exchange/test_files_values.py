"""Reading cells: dates in every spelling departments use, numbers, enum labels, and header names."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.exchange.files import columns, values
from ecredit.exchange.files.values import BadValue, parse_date, to_serial

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def _spellings(day: dt.date) -> list:
    y, m, d = day.year, day.month, day.day
    texts = [f"{y}年{m}月{d}日", f"{y}年{m:02}月{d:02}日", f"{y}/{m}/{d}", f"{y}/{m:02}/{d:02}", f"{y}-{m:02}-{d:02}",
             f"{y}-{m}-{d}", f"{y}.{m}.{d}", f"{y}{m:02}{d:02}", f"{y}-{m:02}-{d:02} 00:00:00", f"{y}/{m}/{d} 8:30",
             f" {y} 年 {m} 月 {d} 日 ", f"{y}-{m:02}-{d:02}T10:20:30", str(to_serial(day))]
    return [*texts, *(t.translate(FULL_WIDTH) for t in texts), day, dt.datetime(y, m, d, 13, 5),
            float(to_serial(day)), to_serial(day), to_serial(day) + 0.75, int(f"{y}{m:02}{d:02}"),
            float(f"{y}{m:02}{d:02}")]


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1949, 1, 1), max_value=dt.date(2100, 12, 31)), st.data())
def test_any_date_in_a_supported_spelling_reads_back_as_itself(day, data):
    spelling = data.draw(st.sampled_from(_spellings(day)))
    assert parse_date(spelling) == day


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_date_parser_never_raises_anything_but_bad_value(text):
    try:
        result = parse_date(text)
    except BadValue as exc:
        assert exc.code == "bad_date" and "{column}" in exc.message
    else:
        assert result is None or isinstance(result, dt.date)


@pytest.mark.parametrize("text", ["2019年2月30日", "2019/13/1", "20191301", "3/5/2019", "明天", "2019", True,
                                  dt.time(10, 0), -5, 0])
def test_impossible_dates_are_refused(text):
    with pytest.raises(BadValue):
        parse_date(text)


def test_open_ended_dates():
    assert parse_date("长期", open_ended=True) is None
    with pytest.raises(BadValue):
        parse_date("长期")
    assert parse_date("  ") is None and parse_date(None) is None


@pytest.mark.parametrize("cell,expected", [
    ("1,234.5", 1234.5), ("１，２３４．５", 1234.5), (" 12 ", 12), (3.0, 3), (0.25, 0.25), ("5万元", 5), ("¥8", 8),
    ("98.5%", 98.5), ("", None)])
def test_numbers(cell, expected):
    assert values.parse_number(cell) == expected


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=20), st.floats(), st.integers(), st.booleans(), st.none()))
def test_number_parser_never_raises_anything_but_bad_value(cell):
    try:
        result = values.parse_number(cell)
    except BadValue as exc:
        assert "{column}" in exc.message
    else:
        assert result is None or (isinstance(result, (int, float)) and abs(result) <= 10**12)


def test_numbers_refused():
    for cell in ("abc", "1.2.3", "nan", "inf", "1e400", 1e300, True):
        with pytest.raises(BadValue):
            values.parse_number(cell)
    with pytest.raises(BadValue) as exc:
        values.parse_number("5000元", per_wan=True)
    assert exc.value.code == "bad_unit"
    with pytest.raises(BadValue):
        values.parse_number("2.5", integer=True)
    assert values.parse_number("2024年度", integer=True) == 2024
    assert values.parse_number("50000", scale=0.0001) == 5


def test_text_and_identifiers():
    assert values.parse_text(12345.0) == "12345"
    assert values.parse_text(dt.datetime(2020, 1, 2)) == "2020-01-02"
    assert values.parse_identifier(" 9132 0602 ＭＡ１ ") == "91320602MA1"
    with pytest.raises(BadValue):
        values.parse_identifier(3.20602198503171e17)


def test_enum_labels_and_codes():
    layout = columns.layout("admin_penalty_general")
    kinds = layout.column("details.penalty_kinds")
    labels = [label for _code, label in kinds.choices]
    keywords = columns.PENALTY_KEYWORDS
    read = lambda cell: values.parse_enum_list(cell, kinds.lookup, labels, keywords)  # noqa: E731
    assert read("罚款；没收违法所得、没收非法财物") == ["fine", "confiscation"]
    assert read("FINE, warning") == ["fine", "warning"]
    assert read("吊销营业执照") == ["licence_revocation"]
    assert read("责令停产停业") == ["closure"]
    assert read("暂扣许可证") == ["licence_suspension"]
    assert read("罚款人民币5000元") == ["fine"]
    with pytest.raises(BadValue):
        read("责令改正")
    field = layout.column("details.field")
    assert values.parse_enum("特种设备", field.lookup, []) == "special_equipment"
    # a type that only refers to another type's codes borrows its labels
    breach = columns.layout("commitment_breach").column("details.commitment_type")
    assert breach.lookup.get(columns.normalise_value("容缺受理型")) == "tolerance_acceptance"


def test_booleans():
    assert [values.parse_boolean(v) for v in ("是", "否", "Y", "n", 1, 0.0, True, "√", "")] == [
        True, False, True, False, True, False, True, True, None]
    with pytest.raises(BadValue):
        values.parse_boolean("也许")


# --------------------------------------------------------------------------------------------- headers

NATIONAL = {
    "行政相对人名称": "subject.name", "行政相对人代码_1（统一社会信用代码）": "subject.uscc",
    "行政相对人代码_1": "subject.uscc", "法定代表人证件类型": "person.id_type", "证件号码": "person.id_no",
    "法定代表人身份证号": "person.id_no", "行政处罚决定书文号": "details.decision_no", "处罚决定日期": "decided_on",
    "处罚类别": "details.penalty_kinds", "处罚类别1": "details.penalty_kinds", "罚款金额（万元）": "details.fine_amount_wan",
    "罚款金额": "details.fine_amount_wan", "违法事实": "details.facts", "处罚依据": "details.basis",
    "处罚机关": "details.authority", "没收违法所得、没收非法财物的金额（万元）": "details.confiscation_amount_wan",
    "行政相对人代码_2（工商注册号）": "ignore", "数据来源单位": "ignore", "记录编号*": "id", "摘要": "summary",
}
LICENCE = {"许可决定日期": "decided_on", "有效期自": "details.valid_from", "有效期至": "details.valid_until",
           "许可生效期": "details.valid_from", "许可截止期": "details.valid_until", "许可证书名称": "details.licence_name",
           "许可编号": "details.licence_no", "许可机关": "details.authority", "统一社会信用代码": "subject.uscc"}


def test_national_headers():
    penalty = columns.layout("admin_penalty_general")
    for header, target in NATIONAL.items():
        assert penalty.match(header)[0] == target, header
    licence = columns.layout("admin_licence")
    for header, target in LICENCE.items():
        assert licence.match(header)[0] == target, header
    assert penalty.match("罚款金额（元）") == ("details.fine_amount_wan", 0.0001)
    assert penalty.match("序号")[0] == "ignore" and penalty.match("随便一列")[0] is None


def _noisy(draw, text: str) -> str:
    out = []
    for char in text:
        if draw(st.booleans()) and 0x21 <= ord(char) < 0x7F:
            char = chr(ord(char) + 0xFEE0)
        out.append(draw(st.sampled_from(["", " ", "\u3000", "\t"])) + char)
    return draw(st.sampled_from(["", " ", "*", "＊", " * "])) + "".join(out) + draw(
        st.sampled_from(["", "*", " *", "：", " ", "\n"]))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted({**NATIONAL}.items())), st.data())
def test_headers_match_whatever_the_spacing_width_and_asterisks(pair, data):
    header, target = pair
    noisy = _noisy(data.draw, header)
    assert columns.layout("admin_penalty_general").match(noisy)[0] == target, noisy


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_header_normalisation_is_idempotent(text):
    once = columns.normalise_header(text)
    assert columns.normalise_header(once) == once
    assert not any(ch.isspace() or ch == "*" for ch in once)
    assert unicodedata.normalize("NFKC", once) == once


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["记录编号*", "决定日期*", "处罚类别*", "罚款金额（万元）", "所属领域", "处罚机关统一社会信用代码"]),
       st.data())
def test_template_headers_match_their_own_columns(header, data):
    layout = columns.layout("admin_penalty_general")
    target = next(c.target for c in layout.columns if c.header == header)
    assert layout.match(_noisy(data.draw, header))[0] == target


# --------------------------------------------------------------------------------------------- whole rows

_CELLS = st.one_of(st.none(), st.text(max_size=12), st.floats(allow_nan=True), st.integers(-10**20, 10**20),
                   st.booleans(), st.dates(), st.datetimes(), st.times())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_CELLS, min_size=0, max_size=30), min_size=1, max_size=5))
def test_no_cell_makes_reading_raise(rows):
    """Whatever is in the cells, every row comes out as an item or as problems with a sheet row number."""
    from ecredit.exchange.files import reading

    headers = [c.header for c in columns.layout("admin_penalty_general").columns]
    table = [headers, *rows]
    original = reading.sheets
    reading.sheets = lambda data, filename: [("Sheet1", table)]
    try:
        parsed = reading.parse(b"", "x.xlsx", "admin_penalty_general")
    finally:
        reading.sheets = original
    for row in parsed.rows:
        assert (row.item is None) == bool(row.problems)
        assert 2 <= row.row <= len(table)
        for problem in row.problems:
            assert problem.column and problem.message and "{column}" not in problem.message
