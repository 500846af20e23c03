"""The console's spreadsheet pages: templates, upload, result and error report, as a department officer."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from ecredit.access.models import Membership
from ecredit.archive.models import CreditRecord
from ecredit.exchange.models import Batch
from tests import factories as f
from tests.exchange import sheets as s
from tests.factories import console_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _login(client, org, role: str, username: str):
    user = User.objects.create_user(username, password="Nantong-test-2026")
    Membership.objects.create(user=user, organisation=org, role=role)
    console_login(client, user)
    return user


@pytest.fixture
def officer_client(client, department):
    _login(client, department, "department_officer", "market")
    return client


def _upload(client, data: bytes, name: str, type_code: str = "admin_penalty_general", atomic: bool = False):
    form = {"type_code": type_code, "file": SimpleUploadedFile(name, data)}
    if atomic:
        form["atomic"] = "on"
    return client.post("/console/exchange/upload", form)


def test_login_is_required(client):
    response = client.get("/console/exchange/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_the_page_lists_the_types_the_department_may_submit(officer_client):
    response = officer_client.get("/console/exchange/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "表格报送" in page and "行政处罚信息（一般）" in page and "行政许可信息" in page
    assert "虚假流量" not in page                          # a platform's type
    assert "/console/exchange/templates/admin_licence.xlsx" in page
    assert 'enctype="multipart/form-data"' in page and "整批接收或整批退回" in page


def test_template_download(officer_client):
    response = officer_client.get("/console/exchange/templates/admin_licence.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and "utf-8''" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.worksheets[0]["A1"].value == "记录编号*"
    assert officer_client.get("/console/exchange/templates/fake_traffic.xlsx").status_code == 404


def test_upload_shows_the_counts_and_offers_the_report(officer_client, department, media):
    data = s.xlsx(s.PENALTY_HEADERS, [
        s.penalty_row("南通甲商贸有限公司", f.uscc(9001), "罚〔2023〕1号", "罚款", "2023年3月5日", fine=1),
        s.penalty_row("南通乙商贸有限公司", f.uscc(9002)[:-1] + "?", "罚〔2023〕2号", "罚款", "2023-03-05", fine=1),
        s.penalty_row("南通丙商贸有限公司", f.uscc(9003), "罚〔2023〕3号", "罚款", "", fine=1)])
    response = _upload(officer_client, data, "处罚信息.xlsx")
    assert response.status_code == 302
    batch = Batch.objects.get()
    assert response["Location"] == f"/console/exchange/results/{batch.pk}/"
    assert (batch.channel, batch.received, batch.created, batch.rejected) == ("excel", 3, 1, 2)
    assert (media / "reports" / f"{batch.pk}.xlsx").exists()

    page = officer_client.get(response["Location"]).content.decode()
    assert '<b id="received">3</b>' in page and '<b id="created">1</b>' in page and '<b id="rejected">2</b>' in page
    assert "处罚决定日期为空" in page and "下载错误报告" in page

    report = officer_client.get(f"/console/exchange/results/{batch.pk}/report.xlsx")
    assert report.status_code == 200
    content = b"".join(report.streaming_content)
    detail = s.read_sheet(content, "退回明细")
    assert [row[0] for row in detail[1:]] == [3, 4]
    assert detail[2][1:3] == ("处罚决定日期", "处罚决定日期为空")
    assert CreditRecord.objects.count() == 1

    # uploading the same file again changes nothing
    again = _upload(officer_client, data, "处罚信息.xlsx")
    page = officer_client.get(again["Location"]).content.decode()
    assert '<b id="created">0</b>' in page and '<b id="unchanged">1</b>' in page
    assert CreditRecord.objects.count() == 1
    # the index lists recent uploads
    assert "处罚信息.xlsx" in officer_client.get("/console/exchange/").content.decode()


def test_atomic_upload(officer_client):
    data = s.xlsx(s.PENALTY_HEADERS, [
        s.penalty_row("南通甲商贸有限公司", f.uscc(9101), "罚1", "罚款", "2023-03-05"),
        s.penalty_row("南通乙商贸有限公司", f.uscc(9102), "罚2", "罚款", "")])
    response = _upload(officer_client, data, "a.xlsx", atomic=True)
    page = officer_client.get(response["Location"]).content.decode()
    assert "整批退回" in page and CreditRecord.objects.count() == 0


def test_a_file_that_cannot_be_used_is_explained_on_the_form(officer_client):
    response = _upload(officer_client, "甲,乙\n1,2\n".encode("gbk"), "x.csv")
    assert response.status_code == 400
    assert "未找到可识别的表头" in response.content.decode()
    response = _upload(officer_client, b"x", "x.csv", type_code="fake_order")
    assert response.status_code == 400                        # not among the department's choices
    assert Batch.objects.count() == 0


def test_the_report_is_served_to_the_batch_organisation_only(client, officer_client, department, other_department):
    data = s.xlsx(s.PENALTY_HEADERS, [s.penalty_row("南通甲商贸有限公司", f.uscc(9201), "罚1", "罚款", "")])
    location = _upload(officer_client, data, "a.xlsx")["Location"]
    batch = Batch.objects.get()
    officer_client.logout()
    _login(client, other_department, "department_officer", "post")
    assert client.get(location).status_code == 404
    assert client.get(f"/console/exchange/results/{batch.pk}/report.xlsx").status_code == 404


def test_users_without_the_submit_right_are_refused(client, department):
    from ecredit.access.models import Organisation

    agency = Organisation.objects.create(code="agency_x", name="信用服务机构", kind="agency")
    _login(client, agency, "agency_client", "agency")
    assert client.get("/console/exchange/").status_code == 403
