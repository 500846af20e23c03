"""Departments' own sheets in the national "双公示" layouts, CSV files, chunks, atomic files, and the
error report: what a department sees when it uploads what it already has."""

from __future__ import annotations

import datetime as dt

import pytest

from ecredit.archive.models import CreditRecord
from ecredit.audit.models import ChangeLogEntry
from ecredit.audit.services import verify
from ecredit.exchange import files
from ecredit.exchange.models import Batch, BatchStatus
from ecredit.kit.errors import Forbidden, ValidationFailed
from tests import factories as f
from tests.exchange import sheets as s

pytestmark = pytest.mark.django_db

USCC_HEADER = "行政相对人代码_1（统一社会信用代码）"


def _bad_check_digit(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def messy_penalty_sheet() -> bytes:
    good = f.uscc(1001)
    rows = [
        # 2: code with stray spaces, Chinese date, full-width amount, two kinds with a half-width ;
        s.penalty_row("南通甲商贸有限公司", f" {good[:8]} {good[8:]} ", "通市监罚〔2019〕1号", "罚款;没收违法所得",
                      "2019年3月5日", fine="０.５"),
        # 3: code in lower case, Excel serial date, kinds with 、, amount with a thousands separator
        s.penalty_row("南通乙电子商务有限公司", f.uscc(1003).lower(), "通市监罚〔2019〕2号", "警告、罚款", 43529,
                      fine="1,200"),
        # 4: a wrong check digit
        s.penalty_row("南通丙贸易有限公司", _bad_check_digit(f.uscc(1002)), "通市监罚〔2019〕3号", "罚款", "2019/3/5",
                      fine=1),
        # 5: no decision date
        s.penalty_row("南通丁贸易有限公司", f.uscc(1004), "通市监罚〔2019〕4号", "罚款", "", fine=1),
        # 6: a person: no organisation code, identity card in 证件类型 / 证件号码, a datetime cell
        s.penalty_row("李四", "", "通市监罚〔2019〕5号", "警告", dt.datetime(2019, 3, 6, 0, 0), category="自然人",
                      id_type="身份证", id_no=f.ric(5)),
        # 7: a measure that is not a penalty kind
        s.penalty_row("南通戊贸易有限公司", f.uscc(1006), "通市监罚〔2019〕6号", "责令改正", "20190307"),
        # 8: two bad cells in one row
        s.penalty_row("南通己贸易有限公司", f.uscc(1007), "通市监罚〔2019〕7号", "罚款", "2019年13月5日", fine="abc"),
        # 9: blank row, skipped
        ["" for _ in s.PENALTY_HEADERS],
        # 10: kinds as codes, ISO date, a long phrase that names the kind
        s.penalty_row("南通庚贸易有限公司", f.uscc(1008), "通市监罚〔2019〕8号", "fine；吊销营业执照", "2019-03-08",
                      fine="2"),
    ]
    return s.xlsx(s.PENALTY_HEADERS, rows)


EXPECTED_PROBLEMS = [
    (4, USCC_HEADER, "subject.uscc", "bad_check_digit", f"{USCC_HEADER}校验位错误"),
    (5, "处罚决定日期", "decided_on", "required", "处罚决定日期为空"),
    (7, "处罚类别", "details.penalty_kinds", "bad_choice", None),
    (8, "罚款金额(万元)", "details.fine_amount_wan", "bad_number", "罚款金额(万元)不是有效数字：“abc”"),
    (8, "处罚决定日期", "decided_on", "bad_date",
     "处罚决定日期不是有效日期：“2019年13月5日”（可写作2019-03-05、2019/3/5、2019年3月5日）"),
]


def test_dual_publicity_penalty_sheet_with_messy_cells(officer):
    data = messy_penalty_sheet()
    result = files.import_file(data, "行政处罚.xlsx", "admin_penalty_general", officer)
    assert (result.received, result.created, result.updated, result.unchanged, result.rejected) == (8, 4, 0, 0, 4)
    problems = [(r.row, p.column, p.field, p.code, p.message) for r in result.refused for p in r.problems]
    assert [p[:4] for p in problems] == [e[:4] for e in EXPECTED_PROBLEMS]
    for got, expected in zip(problems, EXPECTED_PROBLEMS):
        if expected[4] is not None:
            assert got[4] == expected[4]
    assert problems[2][4].startswith("处罚类别的值“责令改正”无法识别，可填：警告、通报批评、罚款")
    assert result.ignored == []          # every national column is known (kept or deliberately left out)

    records = {r.source_record_id: r for r in CreditRecord.objects.select_related("subject")}
    assert set(records) == {"通市监罚〔2019〕1号", "通市监罚〔2019〕2号", "通市监罚〔2019〕5号", "通市监罚〔2019〕8号"}
    first = records["通市监罚〔2019〕1号"]
    assert first.subject.uscc == f.uscc(1001) and first.subject.name == "南通甲商贸有限公司"
    assert first.decided_on == dt.date(2019, 3, 5)
    assert first.summary == "销售不合格商品"                      # 违法事实 when there is no 摘要
    assert first.details["penalty_kinds"] == ["fine", "confiscation"]
    assert first.details["fine_amount_wan"] == 0.5
    assert first.details["decision_no"] == "通市监罚〔2019〕1号"
    assert first.details["authority"] == s.AUTHORITY and first.details["authority_uscc"] == s.AUTHORITY_USCC
    assert first.details["basis"].startswith("《中华人民共和国产品质量法》")
    second = records["通市监罚〔2019〕2号"]
    assert second.decided_on == dt.date(2019, 3, 5)             # Excel serial 43529
    assert second.details["penalty_kinds"] == ["warning", "fine"] and second.details["fine_amount_wan"] == 1200
    person = records["通市监罚〔2019〕5号"]
    assert person.subject.kind == "person" and person.subject.name == "李四"
    assert person.decided_on == dt.date(2019, 3, 6)
    assert records["通市监罚〔2019〕8号"].details["penalty_kinds"] == ["fine", "licence_revocation"]

    batch = Batch.objects.get(pk=result.batch_ids[0])
    assert (batch.status, batch.received, batch.created, batch.rejected) == (BatchStatus.PARTIAL, 8, 4, 4)
    assert [(e["row"], e["field"]) for e in batch.errors] == [(p[0], p[2]) for p in EXPECTED_PROBLEMS]
    assert batch.errors[0]["id"] == "通市监罚〔2019〕3号"

    # the error report: one row per refused sheet row, the original cells beside the reasons
    detail = s.read_sheet(result.report(), "退回明细")
    assert detail[0][:3] == ("行号", "错误字段", "错误原因")
    assert detail[0][3:5] == ("行政相对人名称", "行政相对人类别")
    assert [row[0] for row in detail[1:]] == [4, 5, 7, 8]
    assert detail[4][1] == "罚款金额(万元)、处罚决定日期"
    assert detail[4][2].split("\n") == [EXPECTED_PROBLEMS[3][4], EXPECTED_PROBLEMS[4][4]]
    assert detail[1][3] == "南通丙贸易有限公司"
    summary = dict(row[:2] for row in s.read_sheet(result.report(), "汇总"))
    assert (summary["收到"], summary["新增"], summary["更新"], summary["未变化"], summary["退回"]) == (8, 4, 0, 0, 4)
    assert verify().ok


def test_uploading_the_same_sheet_again_changes_nothing(officer):
    data = messy_penalty_sheet()
    files.import_file(data, "行政处罚.xlsx", "admin_penalty_general", officer)
    records = list(CreditRecord.objects.order_by("pk").values_list("pk", "content_hash", "updated_at"))
    log = ChangeLogEntry.objects.count()
    again = files.import_file(data, "行政处罚.xlsx", "admin_penalty_general", officer)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 4)
    assert list(CreditRecord.objects.order_by("pk").values_list("pk", "content_hash", "updated_at")) == records
    assert ChangeLogEntry.objects.count() == log
    assert len(again.batch_ids) == 1 and again.batch_ids[0] != 0


def test_corrected_rows_go_in_on_the_next_upload(officer):
    files.import_file(messy_penalty_sheet(), "a.xlsx", "admin_penalty_general", officer)
    fixed = s.xlsx(s.PENALTY_HEADERS, [
        s.penalty_row("南通丁贸易有限公司", f.uscc(1004), "通市监罚〔2019〕4号", "罚款", "2019-03-05", fine=1)])
    result = files.import_file(fixed, "b.xlsx", "admin_penalty_general", officer)
    assert (result.created, result.rejected) == (1, 0)


def test_title_rows_above_the_header_keep_sheet_row_numbers(officer):
    data = s.xlsx(s.PENALTY_HEADERS, [
        s.penalty_row("南通甲商贸有限公司", f.uscc(3001), "罚〔2020〕1号", "罚款", "2020-01-02", fine=1),
        s.penalty_row("南通乙商贸有限公司", f.uscc(3002), "罚〔2020〕2号", "罚款", "", fine=1),
    ], title_rows=["南通市市场监督管理局行政处罚信息公示表", "填报日期：2020年1月10日"])
    result = files.import_file(data, "t.xlsx", "admin_penalty_general", officer)
    assert result.header_row == 3
    assert [(r.row, r.problems[0].column) for r in result.refused] == [(5, "处罚决定日期")]


def test_older_and_newer_licence_layouts(officer):
    headers = ["行政许可决定书文号", "项目名称", "审批类别", "许可内容", "行政相对人名称", "统一社会信用代码",
               "法定代表人", "许可决定日期", "许可截止期", "许可机关", "当前状态", "地方编码"]
    old = s.xlsx(headers, [["苏食经〔2018〕88号", "食品经营许可", "普通", "预包装食品销售", "南通甲食品有限公司",
                            f.uscc(4001), "赵六", "2018.6.1", "2023年5月31日", "南通市行政审批局", "有效", "320600"]])
    result = files.import_file(old, "old.xlsx", "admin_licence", officer)
    assert result.ok, result.as_dict()
    record = CreditRecord.objects.get(source_record_id="苏食经〔2018〕88号")
    assert record.decided_on == dt.date(2018, 6, 1) and record.summary == "预包装食品销售"
    assert record.details == {"decision_no": "苏食经〔2018〕88号", "project_name": "食品经营许可", "category": "普通",
                              "content": "预包装食品销售", "legal_representative": "赵六",
                              "valid_until": "2023-05-31", "authority": "南通市行政审批局"}
    headers = ["行政许可决定书文号", "许可证书名称", "许可编号", "许可内容", "行政相对人名称", "行政相对人代码_1（统一社会信用代码）",
               "许可决定日期", "有效期自", "有效期至", "许可机关", "许可机关统一社会信用代码", "数据来源单位"]
    new = s.xlsx(headers, [["苏食经〔2021〕9号", "食品经营许可证", "JY13206000000001", "网络食品销售", "南通乙食品有限公司",
                            f.uscc(4002), dt.date(2021, 2, 3), 44230, "长期", "南通市行政审批局", s.AUTHORITY_USCC, "x"]])
    result = files.import_file(new, "new.xlsx", "admin_licence", officer)
    assert result.ok, result.as_dict()
    record = CreditRecord.objects.get(source_record_id="苏食经〔2021〕9号")
    assert record.details["valid_from"] == "2021-02-03" and "valid_until" not in record.details
    assert record.details["licence_no"] == "JY13206000000001"


def test_gbk_csv(officer):
    text = "\n".join([
        "记录编号,主体名称,统一社会信用代码,决定日期,摘要,行政处罚决定书文号,处罚类别,罚款金额（万元）",
        f"C1,南通甲商贸有限公司,{f.uscc(5001)},2019年3月5日,销售过期食品,通市监罚〔2019〕11号,罚款,\"1,000\"",
        f"C2,南通乙商贸有限公司,{f.uscc(5002)},2019/3/6,无照经营,通市监罚〔2019〕12号,警告；罚款,0.2",
        f"C3,南通丙商贸有限公司,{f.uscc(5003)},,无照经营,通市监罚〔2019〕13号,警告,",
    ])
    result = files.import_file(text.encode("gbk"), "处罚.csv", "admin_penalty_general", officer)
    assert (result.created, result.rejected) == (2, 1)
    assert [(r.row, r.problems[0].message) for r in result.refused] == [(4, "决定日期为空")]
    assert CreditRecord.objects.get(source_record_id="C1").details["fine_amount_wan"] == 1000
    assert CreditRecord.objects.get(source_record_id="C2").subject.name == "南通乙商贸有限公司"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(officer, encoding):
    text = ("记录编号,主体名称,统一社会信用代码,决定日期,摘要,行政处罚决定书文号,处罚类别\r\n"
            f"E1,南通甲商贸有限公司,{f.uscc(5101)},20190305,销售过期食品,罚〔2019〕1号,罚款\r\n")
    result = files.import_file(text.encode(encoding), "x.csv", "admin_penalty_general", officer)
    assert result.ok and CreditRecord.objects.get().subject.name == "南通甲商贸有限公司"


def test_files_larger_than_a_chunk_are_split_and_rows_keep_their_numbers(officer):
    rows = [s.penalty_row(f"南通{i}号商贸有限公司", f.uscc(6000 + i), f"罚〔2021〕{i}号", "罚款",
                          "2021-01-04" if i != 5 else "bad", fine=1) for i in range(7)]
    result = files.import_file(s.xlsx(s.PENALTY_HEADERS, rows), "c.xlsx", "admin_penalty_general", officer,
                               chunk_size=3)
    assert len(result.batch_ids) == 3
    assert (result.received, result.created, result.rejected) == (7, 6, 1)
    assert [r.row for r in result.refused] == [7]
    batches = Batch.objects.filter(pk__in=result.batch_ids).order_by("pk")
    assert [b.received for b in batches] == [3, 3, 1]
    assert batches[1].errors[0]["row"] == 7 and batches[1].errors[0]["index"] == 2
    stages = []
    files.import_file(s.xlsx(s.PENALTY_HEADERS, rows), "c.xlsx", "admin_penalty_general", officer, chunk_size=3,
                      progress=lambda stage, done, total: stages.append((stage, done, total)))
    assert stages[-4:] == [("write", 0, 7), ("write", 3, 7), ("write", 6, 7), ("write", 7, 7)]
    assert ("read", 8, 8) in stages or any(stage == "read" for stage, *_ in stages)


def test_atomic_file_with_a_bad_row_writes_nothing(officer):
    result = files.import_file(messy_penalty_sheet(), "a.xlsx", "admin_penalty_general", officer, atomic=True)
    assert result.blocked and (result.created, result.rejected) == (0, 8)
    assert CreditRecord.objects.count() == 0
    batch = Batch.objects.get(pk=result.batch_ids[0])
    assert (batch.status, batch.atomic, batch.rejected) == (BatchStatus.REJECTED, True, 8)
    summary = dict(row[:2] for row in s.read_sheet(result.report(), "汇总"))
    assert "未写入任何记录" in summary["说明"]


def test_atomic_file_without_errors_goes_in(officer):
    data = s.xlsx(s.PENALTY_HEADERS, [s.penalty_row("南通甲商贸有限公司", f.uscc(7001), "罚1", "罚款", "2020-1-2")])
    result = files.import_file(data, "a.xlsx", "admin_penalty_general", officer, atomic=True)
    assert result.ok and result.created == 1


def test_duplicate_ids_in_one_file(officer):
    rows = [s.penalty_row("南通甲商贸有限公司", f.uscc(7101), "罚〔2020〕1号", "罚款", "2020-01-02"),
            s.penalty_row("南通乙商贸有限公司", f.uscc(7102), "罚〔2020〕1号", "罚款", "2020-01-02")]
    result = files.import_file(s.xlsx(s.PENALTY_HEADERS, rows), "d.xlsx", "admin_penalty_general", officer)
    assert [(r.row, r.problems[0].message) for r in result.refused] == [
        (3, "行政处罚决定书文号“罚〔2020〕1号”与第2行重复")]


def test_rows_the_archive_refuses_are_mapped_back_to_their_rows(officer):
    """A shop is not a subject of an administrative penalty: only the archive knows that."""
    data = s.filled_template(files.template("admin_penalty_general"), [
        {"记录编号": "A1", "统一社会信用代码": f.uscc(7201), "决定日期": "2020-01-02", "摘要": "x",
         "行政处罚决定书文号": "罚A1", "处罚类别": "罚款"},
        {"记录编号": "A2", "平台统一社会信用代码": f.uscc(7202), "网店编号": "S1", "决定日期": "2020-01-02",
         "摘要": "x", "行政处罚决定书文号": "罚A2", "处罚类别": "罚款"},
    ])
    result = files.import_file(data, "t.xlsx", "admin_penalty_general", officer)
    assert result.created == 1
    [refused] = result.refused
    assert refused.row == 3 and refused.problems[0].code == "subject_kind_not_allowed"
    assert "不适用于此类主体" in refused.problems[0].message


def test_excel_rounded_codes_and_unsupported_documents(officer):
    rows = [s.penalty_row("李四", "", "罚〔2020〕1号", "罚款", "2020-01-02", id_type="身份证", id_no=3.20602198503171e17),
            s.penalty_row("John", "", "罚〔2020〕2号", "罚款", "2020-01-02", id_type="护照", id_no="E12345678")]
    result = files.import_file(s.xlsx(s.PENALTY_HEADERS, rows), "p.xlsx", "admin_penalty_general", officer)
    assert [(r.row, r.problems[0].column, r.problems[0].code) for r in result.refused] == [
        (2, "法定代表人证件号码", "number_rounded"), (3, "法定代表人证件类型", "unsupported_document")]
    assert "文本格式" in result.refused[0].problems[0].message


def test_files_that_cannot_be_used_are_refused_whole(officer):
    with pytest.raises(ValidationFailed) as exc:
        files.import_file(b"PK\x03\x04 broken", "x.xlsx", "admin_penalty_general", officer)
    assert exc.value.code == "unreadable"
    with pytest.raises(ValidationFailed) as exc:
        files.import_file("甲,乙\n1,2\n".encode(), "x.csv", "admin_penalty_general", officer)
    assert exc.value.code == "no_header"
    with pytest.raises(ValidationFailed) as exc:
        files.import_file("记录编号,统一社会信用代码,摘要\nA,B,C\n".encode(), "x.csv", "admin_penalty_general", officer)
    assert exc.value.code == "missing_columns"
    assert "决定日期" in str(exc.value.message) and "行政处罚决定书文号" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        files.import_file(s.xlsx(s.PENALTY_HEADERS, []), "x.xlsx", "admin_penalty_general", officer)
    assert exc.value.code == "empty"


def test_an_organisation_may_only_send_its_own_types(officer):
    with pytest.raises(Forbidden):
        files.import_file(b"", "x.csv", "fake_traffic", officer)


def test_formula_injection_is_neutralised_in_the_report(officer):
    rows = [s.penalty_row("=HYPERLINK(\"http://evil.example\",\"点我\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)",
                          "2020-01-02", facts="=1+1")]
    result = files.import_file(s.xlsx(s.PENALTY_HEADERS, rows), "evil.xlsx", "admin_penalty_general", officer)
    assert result.rejected == 1
    import io

    import openpyxl

    detail = openpyxl.load_workbook(io.BytesIO(result.report()))["退回明细"]
    written = [cell for cell in detail[2] if isinstance(cell.value, str)]
    assert written
    for cell in written:
        assert cell.data_type == "s"
        assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
    values = [cell.value for cell in detail[2]]
    assert "'=HYPERLINK(\"http://evil.example\",\"点我\")" in values
    assert "'+cmd|' /C calc'!A0" in values and "'=1+1" in values
    assert files.safe("-1") == "'-1" and files.safe("a=b") == "a=b" and files.safe(-1) == -1


def test_atomic_file_refused_in_a_later_chunk_writes_nothing_at_all(officer):
    """Only the archive refuses the shop rows, in the second and third chunk: the first chunk, already
    through the archive, is rolled back with them, and every chunk's batch says it was refused."""
    from ecredit.registry.models import Subject

    def row(rid: str, n: int, shop: bool = False) -> dict:
        who = ({"平台统一社会信用代码": f.uscc(n), "网店编号": f"S{n}"} if shop else {"统一社会信用代码": f.uscc(n)})
        return {"记录编号": rid, **who, "决定日期": "2020-01-02", "摘要": "x", "行政处罚决定书文号": f"罚{rid}",
                "处罚类别": "罚款"}

    data = s.filled_template(files.template("admin_penalty_general"), [
        row("A1", 7301), row("A2", 7302), row("A3", 7303), row("A4", 7304, shop=True), row("A5", 7305, shop=True)])
    entries_before = ChangeLogEntry.objects.count()
    result = files.import_file(data, "t.xlsx", "admin_penalty_general", officer, atomic=True, chunk_size=2)
    assert CreditRecord.objects.count() == 0 and Subject.objects.count() == 0
    assert ChangeLogEntry.objects.count() == entries_before and verify().ok
    assert result.blocked and not result.ok
    assert (result.received, result.created, result.updated, result.unchanged, result.rejected) == (5, 0, 0, 0, 5)
    assert [(r.row, r.problems[0].code) for r in result.refused] == [(5, "subject_kind_not_allowed"),
                                                                      (6, "subject_kind_not_allowed")]
    batches = list(Batch.objects.filter(pk__in=result.batch_ids).order_by("pk"))
    assert [b.pk for b in batches] == result.batch_ids and len(batches) == 3
    assert [(b.status, b.atomic, b.received, b.created, b.rejected) for b in batches] == [
        (BatchStatus.REJECTED, True, 2, 0, 2), (BatchStatus.REJECTED, True, 2, 0, 2),
        (BatchStatus.REJECTED, True, 1, 0, 1)]
    assert Batch.objects.count() == 3
    assert [(e["row"], e["index"], e["id"]) for b in batches for e in b.errors] == [(5, 1, "A4"), (6, 0, "A5")]
    summary = dict(line[:2] for line in s.read_sheet(result.report(), "汇总"))
    assert "未写入任何记录" in summary["说明"] and summary["新增"] == 0 and summary["退回"] == 5


def test_atomic_file_over_several_chunks_goes_in_whole(officer):
    rows = [s.penalty_row(f"南通{i}号商贸有限公司", f.uscc(7400 + i), f"罚〔2021〕{i}号", "罚款", "2021-01-04", fine=1)
            for i in range(5)]
    result = files.import_file(s.xlsx(s.PENALTY_HEADERS, rows), "c.xlsx", "admin_penalty_general", officer,
                               atomic=True, chunk_size=2)
    assert result.ok and not result.blocked and (result.received, result.created) == (5, 5)
    assert [b.status for b in Batch.objects.filter(pk__in=result.batch_ids)] == [BatchStatus.ACCEPTED] * 3
    assert CreditRecord.objects.count() == 5 and verify().ok
