"""Report downloads and verification as people use them: portal pages, the console's credit check, the API."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.access.models import Membership
from ecredit.access.principal import anonymous
from ecredit.audit.models import AccessLogEntry
from ecredit.portal import reports
from ecredit.portal.models import CreditReport, ReportScope
from tests import factories
from tests.factories import console_login

pytestmark = pytest.mark.django_db
PASSWORD = "Long-enough-pw-1"


def login_as_subject(subject_id: int, username: str) -> Client:
    org = factories.organisation("subject", f"self_{username}")
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    Membership.objects.create(user=user, organisation=org, role="subject_account", subject_id=subject_id)
    client = Client()
    console_login(client, user)
    return client


def login_as_officer(department, username="officer1", role="department_officer") -> Client:
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    Membership.objects.create(user=user, organisation=department, role=role)
    client = Client()
    console_login(client, user)
    return client


def api_mounted() -> bool:
    from ecredit.api import api

    return any(p.endswith("/reports/signing-key") for p in api.get_openapi_schema()["paths"])


needs_api = pytest.mark.skipif("not api_mounted()", reason="report_api router not mounted in ecredit/api.py yet")


# ------------------------------------------------------------------------------------------------ downloads


def test_public_download_is_an_attachment_named_by_its_code(town):
    response = Client().get(f"/subjects/{town.company.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    code = response["X-Report-Code"]
    assert f'filename="credit-report-{code}.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    assert CreditReport.objects.get(code=code).scope == ReportScope.PUBLIC
    again = Client().get(f"/subjects/{town.company.pk}/report.pdf")
    assert again["X-Report-Code"] == code                                  # same day, same content: same file


def test_person_report_needs_the_persons_own_login(town, department):
    assert Client().get(f"/subjects/{town.person.pk}/report.pdf").status_code == 404
    company = login_as_subject(town.company.pk, "company")
    assert company.get(f"/subjects/{town.person.pk}/report.pdf").status_code == 404
    # Officers browsing the portal are the public there.
    assert login_as_officer(department).get(f"/subjects/{town.person.pk}/report.pdf").status_code == 404
    person = login_as_subject(town.person.pk, "lixiaohong")
    response = person.get(f"/subjects/{town.person.pk}/report.pdf")
    assert response.status_code == 200
    report = CreditReport.objects.get(code=response["X-Report-Code"])
    assert report.scope == ReportScope.OWN and report.subject_id == town.person.pk
    mine = person.get("/me/report.pdf")
    assert mine.status_code == 200
    assert CreditReport.objects.get(code=mine["X-Report-Code"]).scope == ReportScope.OWN


def test_own_report_redirects_to_login_or_refuses_staff(town, department):
    response = Client().get("/me/report.pdf")
    assert response.status_code == 302 and response["Location"].startswith("/login")
    assert "next=/me/report.pdf" in response["Location"]
    assert login_as_officer(department).get("/me/report.pdf").status_code == 403


# ------------------------------------------------------------------------------------------------ /verify


def test_verify_page_by_code_qr_link_and_upload(town):
    report = reports.issue_report(town.company.pk, anonymous())
    client = Client(enforce_csrf_checks=True)
    page = client.get("/verify")
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in page.content.decode()
    qr = client.get(f"/verify/{report.code}").content.decode()
    assert 'data-verdict="valid"' in qr and "南通海港商贸有限公司" in qr
    unknown = client.get("/verify", {"code": "ECR-0000-0000-0000-0000"}).content.decode()
    assert 'data-verdict="unknown"' in unknown
    # POST without the CSRF token is refused; with it the file is judged.
    from io import BytesIO

    upload = BytesIO(bytes(report.pdf))
    upload.name = "report.pdf"
    assert client.post("/verify", {"file": upload}).status_code == 403
    token = client.cookies["csrftoken"].value
    upload.seek(0)
    answer = client.post("/verify", {"file": upload, "csrfmiddlewaretoken": token})
    assert answer.status_code == 200 and 'data-verdict="valid"' in answer.content.decode()
    changed = bytearray(report.pdf)
    changed[len(changed) // 2] ^= 0xFF
    upload = BytesIO(bytes(changed))
    upload.name = "report.pdf"
    answer = client.post("/verify", {"file": upload, "csrfmiddlewaretoken": token}).content.decode()
    assert 'data-verdict="altered"' in answer and report.code in answer
    by_code = client.post("/verify", {"code": report.code.lower(), "csrfmiddlewaretoken": token})
    assert 'data-verdict="valid"' in by_code.content.decode()
    assert client.post("/verify", {"csrfmiddlewaretoken": token}).status_code == 422


def test_signing_key_is_published_as_pem(town):
    response = Client().get("/verify/key")
    assert response.status_code == 200 and response.content.startswith(b"-----BEGIN PUBLIC KEY-----")


# ------------------------------------------------------------------------------------------------ console


def test_console_credit_check_logs_and_prints_the_purpose(town, department):
    client = login_as_officer(department)
    page = client.get("/console/checks/")
    assert page.status_code == 200 and 'name="purpose"' in page.content.decode()
    refused = client.post("/console/checks/", {"subject": town.company.uscc, "purpose": ""})
    assert refused.status_code == 422 and "用途" in refused.content.decode()
    response = client.post("/console/checks/", {"subject": town.company.uscc, "purpose": "招标投标资格审查"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    report = CreditReport.objects.get(code=response["X-Report-Code"])
    assert report.scope == ReportScope.CHECK and report.purpose == "招标投标资格审查"
    assert AccessLogEntry.objects.filter(subject_id=town.company.pk, purpose="招标投标资格审查",
                                         channel="console").exists()
    person = client.post("/console/checks/", {"subject": str(town.person.pk), "purpose": "审查"})
    assert person.status_code == 403                                    # a person's report is the person's own
    bad_code = client.post("/console/checks/", {"subject": "91320602MA1XXXXXXX", "purpose": "审查"})
    assert bad_code.status_code == 422
    listing = client.get("/console/checks/").content.decode()
    assert report.code in listing and "招标投标资格审查" in listing


def test_console_credit_check_needs_the_right(town, credit_office):
    assert Client().get("/console/checks/").status_code == 302                     # to the login
    user = get_user_model().objects.create_user("nobody", password=PASSWORD)
    Membership.objects.create(user=user, organisation=factories.organisation("subject", "self_x"),
                              role="subject_account", subject_id=town.company.pk)
    client = Client()
    console_login(client, user)
    assert client.get("/console/checks/").status_code == 403


# ------------------------------------------------------------------------------------------------ API


@needs_api
def test_api_verifies_by_code_json_and_file(town):
    report = reports.issue_report(town.company.pk, anonymous())
    client = Client()
    answer = client.get(f"/api/v1/reports/{report.code}").json()
    assert answer["verdict"] == "valid" and answer["subject_name"] == "南通海港商贸有限公司"
    assert client.post("/api/v1/reports/verify", {"code": report.code},
                       content_type="application/json").json()["verdict"] == "valid"
    from io import BytesIO

    upload = BytesIO(bytes(report.pdf)[:-10] + b"tampered!\n")
    upload.name = "r.pdf"
    assert client.post("/api/v1/reports/verify", {"file": upload}).json()["verdict"] == "altered"
    raw = client.post("/api/v1/reports/verify", bytes(report.pdf), content_type="application/pdf").json()
    assert raw["verdict"] == "valid"
    garbage = client.post("/api/v1/reports/verify", "not json", content_type="application/json")
    assert garbage.status_code == 422
    key = client.get("/api/v1/reports/signing-key").json()
    assert key["algorithm"] == "ed25519" and key["public_key"] == report.signing_key


@needs_api
def test_api_department_download_needs_a_purpose(town, department):
    token = factories.client_token(department, "department_officer")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    refused = client.get(f"/api/v1/subjects/{town.company.pk}/report")
    assert refused.status_code == 422 and refused.json()["field"] == "purpose"
    response = client.get(f"/api/v1/subjects/{town.company.pk}/report", {"purpose": "行政许可审查"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert CreditReport.objects.get(code=response["X-Report-Code"]).purpose == "行政许可审查"
    assert AccessLogEntry.objects.filter(subject_id=town.company.pk, purpose="行政许可审查", channel="api").exists()
    assert Client().get(f"/api/v1/subjects/{town.company.pk}/report").status_code == 401
    assert client.get(f"/api/v1/subjects/{town.person.pk}/report", {"purpose": "审查"}).status_code == 403
