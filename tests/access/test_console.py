"""The console's API client pages: the credit office issues a client, sees its token once, revokes it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.access.models import ApiClient, Membership
from ecredit.audit.services import verify
from tests import factories as f
from tests.factories import console_login

from .conftest import batches_status

pytestmark = pytest.mark.django_db


def login(org, role, username="u") -> Client:
    user = get_user_model().objects.create_user(username, password="Secret-pass-2026")
    Membership.objects.create(user=user, organisation=org, role=role)
    client = Client(enforce_csrf_checks=True)
    console_login(client, user)
    return client


def csrf(client: Client) -> str:
    client.get("/console/api-clients/")
    return client.cookies["csrftoken"].value


def token_on(page: str) -> str:
    return re.search(r'id="token" readonly value="(ec_[^"]+)"', page).group(1)


def test_issue_show_once_rotate_revoke(credit_office, platform_org):
    browser = login(credit_office, "credit_office_admin")
    page = browser.get("/console/api-clients/").content.decode()
    assert "签发接口客户端" in page and 'href="/console/api-clients/"' in page        # page and nav entry
    answer = browser.post("/console/api-clients/issue", {
        "csrfmiddlewaretoken": csrf(browser), "organisation": platform_org.code, "role": "platform_client",
        "name": "order-sync", "scopes": ["batch.view", "record.read"], "days": "90"})
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    token = token_on(answer.content.decode())
    assert batches_status(token) == 200

    listing = browser.get("/console/api-clients/").content.decode()
    assert token not in listing and token[:10] in listing                          # shown once, prefix after
    assert "order-sync" in listing and "查看报送批次" in listing and "有效" in listing
    client = ApiClient.objects.get(name="order-sync")
    assert token not in browser.get(f"/console/api-clients/{client.pk}/").content.decode()

    rotated = browser.post(f"/console/api-clients/{client.pk}/rotate", {"csrfmiddlewaretoken": csrf(browser)})
    new = token_on(rotated.content.decode())
    assert new != token and batches_status(new) == 200 and batches_status(token) == 200   # overlap

    done = browser.post(f"/console/api-clients/{client.pk}/revoke",
                        {"csrfmiddlewaretoken": csrf(browser), "reason": "合作终止"}, follow=True)
    assert "已吊销" in done.content.decode()
    assert batches_status(new) == 401 and batches_status(token) == 401
    detail = browser.get(f"/console/api-clients/{client.pk}/").content.decode()
    assert "合作终止" in detail and "签发" in detail and "轮换令牌" in detail
    assert verify().ok


def test_refused_scopes_keep_the_form_and_say_why(credit_office, platform_org):
    browser = login(credit_office, "credit_office_admin")
    answer = browser.post("/console/api-clients/issue", {
        "csrfmiddlewaretoken": csrf(browser), "organisation": platform_org.code, "role": "platform_client",
        "name": "too-much", "scopes": ["finding.run"]})
    page = answer.content.decode()
    assert answer.status_code == 422 and "运行造假检测任务（finding.run）" in page and 'value="too-much"' in page
    assert not ApiClient.objects.exists()


def test_writes_need_csrf(credit_office, platform_org):
    browser = login(credit_office, "credit_office_admin")
    answer = browser.post("/console/api-clients/issue", {"organisation": platform_org.code,
                                                         "role": "platform_client", "name": "x"})
    assert answer.status_code == 403 and not ApiClient.objects.exists()


def test_legacy_clients_are_flagged_and_scopes_change(credit_office, platform_org):
    f.client_token(platform_org, "platform_client", name="legacy")
    browser = login(credit_office, "credit_office_admin")
    assert "永不过期" in browser.get("/console/api-clients/").content.decode()
    client = ApiClient.objects.get(name="legacy")
    browser.post(f"/console/api-clients/{client.pk}/scopes", {"csrfmiddlewaretoken": csrf(browser),
                                                              "scopes": ["record.read"]})
    client.refresh_from_db()
    assert client.scopes == ["record.read"] and verify().ok


def test_other_roles_have_neither_the_page_nor_the_menu(department, credit_office):
    officer = login(department, "department_officer")
    assert officer.get("/console/api-clients/").status_code == 403
    assert "/console/api-clients/" not in officer.get("/console/").content.decode()
