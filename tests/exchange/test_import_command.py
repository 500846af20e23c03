"""`ecredit import FILE --org ORG --type TYPE`: exit status, summary and report."""

from __future__ import annotations

import importlib
import io

import pytest
from django.core.management import CommandError, call_command

from ecredit.archive.models import CreditRecord
from ecredit.exchange.models import Batch
from tests import factories as f
from tests.exchange import sheets as s

pytestmark = pytest.mark.django_db
command = importlib.import_module("ecredit.exchange.management.commands.import")


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


def test_all_rows_accepted_exits_0(department, tmp_path):
    path = tmp_path / "处罚.xlsx"
    path.write_bytes(s.xlsx(s.PENALTY_HEADERS, [
        s.penalty_row("南通甲商贸有限公司", f.uscc(8001), "罚〔2022〕1号", "罚款", "2022-03-04", fine=1),
        s.penalty_row("南通乙商贸有限公司", f.uscc(8002), "罚〔2022〕2号", "警告", "2022年3月5日")]))
    code, out = _run(str(path), "--org", department.code, "--type", "admin_penalty_general")
    assert code == 0, out
    assert "收到 2 行，新增 2，更新 0，未变化 0，退回 0" in out
    assert CreditRecord.objects.count() == 2
    batch = Batch.objects.get()
    assert (batch.channel, batch.organisation_id, batch.submitted_by[:4]) == ("cli", department.pk, "cli:")
    assert not (tmp_path / "处罚_错误报告.xlsx").exists()
    # the same file again: nothing changes, still exit 0
    code, out = _run(str(path), "--org", department.code, "--type", "admin_penalty_general")
    assert code == 0 and "未变化 2" in out and CreditRecord.objects.count() == 2


def test_refused_rows_exit_1_and_write_the_report(department, tmp_path):
    path = tmp_path / "处罚.xlsx"
    path.write_bytes(s.xlsx(s.PENALTY_HEADERS, [
        s.penalty_row("南通甲商贸有限公司", f.uscc(8101), "罚〔2022〕1号", "罚款", "2022-03-04", fine=1),
        s.penalty_row("南通乙商贸有限公司", f.uscc(8102), "罚〔2022〕2号", "警告", "")]))
    report = tmp_path / "out.xlsx"
    code, out = _run(str(path), "--org", department.code, "--type", "admin_penalty_general", "--report", str(report))
    assert code == 1
    assert "退回 1" in out and str(report) in out
    detail = s.read_sheet(report.read_bytes(), "退回明细")
    assert detail[1][:3] == (3, "处罚决定日期", "处罚决定日期为空")
    # without --report the report goes next to the file
    code, out = _run(str(path), "--org", department.code, "--type", "admin_penalty_general")
    assert code == 1 and (tmp_path / "处罚_错误报告.xlsx").exists()


def test_atomic_option(department, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(("记录编号,统一社会信用代码,决定日期,摘要,行政处罚决定书文号,处罚类别\n"
                      f"A,{f.uscc(8201)},2022-01-01,x,罚1,罚款\nB,{f.uscc(8202)},,x,罚2,罚款\n").encode("gbk"))
    code, out = _run(str(path), "--org", department.code, "--type", "admin_penalty_general", "--atomic")
    assert code == 1 and "未写入记录" in out
    assert CreditRecord.objects.count() == 0


def test_unusable_input_is_a_command_error(department, credit_office, tmp_path):
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import", str(tmp_path / "missing.xlsx"), "--org", department.code, "--type", "admin_licence",
                     stdout=io.StringIO())
    path = tmp_path / "x.csv"
    path.write_text("甲,乙\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不存在"):
        call_command("import", str(path), "--org", "nobody", "--type", "admin_licence", stdout=io.StringIO())
    with pytest.raises(CommandError, match="表头") as exc:
        call_command("import", str(path), "--org", department.code, "--type", "admin_licence", stdout=io.StringIO())
    assert exc.value.returncode == 2
    with pytest.raises(CommandError, match="无权报送"):
        call_command("import", str(path), "--org", department.code, "--type", "fake_traffic", stdout=io.StringIO())


def test_the_role_follows_the_organisation_kind():
    assert command.submitting_role("department") == "department_officer"
    assert command.submitting_role("platform") == "platform_client"
    assert command.submitting_role("credit_office") == "credit_office_admin"
    assert command.submitting_role("agency") is None


def test_a_platform_imports_as_a_platform_client(platform_org, tmp_path):
    path = tmp_path / "shops.csv"
    path.write_text("记录编号,平台统一社会信用代码,网店编号,决定日期,摘要,平台处理编号,行为描述\n"
                    f"S1,{platform_org.uscc},shop-9,2025-02-03,刷单,CASE-9,虚构交易\n", encoding="utf-8-sig")
    code, out = _run(str(path), "--org", platform_org.code, "--type", "fake_order")
    assert code == 0, out
    assert CreditRecord.objects.get().subject.shop_id == "shop-9"
