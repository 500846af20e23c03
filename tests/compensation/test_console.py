"""The console page of advance compensation (/console/compensation/): an officer sees every platform's figures
and claims; a platform its own row, claims and fund, and works its claims through the forms."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.access.models import Membership
from ecredit.compensation import flows
from ecredit.compensation.models import ClaimStatus, CompensationClaim
from tests.factories import console_login

pytestmark = pytest.mark.django_db


def login(org, role: str, username: str) -> Client:
    account = get_user_model().objects.create_user(username, password="Secret-pass-2026")
    Membership.objects.create(user=account, organisation=org, role=role)
    client = Client()
    console_login(client, account)
    return client


@pytest.fixture
def claims(world):
    world.fund(deposit=4000)
    mine = world.claim(amount_fen=12345)
    flows.accept(mine.pk, world.platform)
    flows.pay(mine.pk, world.platform)
    theirs = world.claim(by=world.other_platform, amount_fen=500)
    return mine, theirs


def test_an_officer_sees_every_platform(world, claims):
    mine, theirs = claims
    page = login(world.orgs["market_regulation"], "department_officer", "officer").get("/console/compensation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲电商平台" in html and "乙电商平台" in html
    assert f'id="claim-{mine.pk}"' in html and f'id="claim-{theirs.pk}"' in html
    # 123.45 yuan paid: 40 from the fund, 83.45 from the platform's own money; its fund is below the minimum.
    row = re.search(rf'id="platform-{world.platform_subject.pk}".*?</tr>', html, re.S).group(0)
    assert "¥123.45" in row and "¥40.00" in row and "¥83.45" in row and "不足" in row
    assert 'id="deposit-form"' not in html
    detail = login(world.orgs["credit_office"], "credit_office_admin", "admin").get(
        f"/console/compensation/claims/{theirs.pk}/")
    assert detail.status_code == 200 and 'id="accept-form"' not in detail.content.decode()


def test_a_platform_sees_only_its_own(world, claims):
    mine, theirs = claims
    client = login(world.orgs["platform_1"], "platform_client", "platform")
    html = client.get("/console/compensation/").content.decode()
    assert "甲电商平台" in html and "乙电商平台" not in html
    assert f'id="claim-{mine.pk}"' in html and f'id="claim-{theirs.pk}"' not in html
    assert 'id="deposit-form"' in html and "¥40.00" not in re.search(r'id="fund-balance".*?</td>', html, re.S).group(0)
    assert client.get(f"/console/compensation/claims/{theirs.pk}/").status_code == 404
    assert client.post(f"/console/compensation/claims/{theirs.pk}/action", {"action": "accept"}).status_code == 404


def test_a_platform_works_a_claim_through_the_forms(world):
    claim = world.claim(amount_fen=20000)
    client = login(world.orgs["platform_1"], "platform_client", "platform")
    page = client.get(f"/console/compensation/claims/{claim.pk}/").content.decode()
    assert 'id="accept-form"' in page and 'id="reject-form"' in page and "138****5678" in page
    url = f"/console/compensation/claims/{claim.pk}/action"
    client.post(url, {"action": "accept", "amount": "150.5"})
    assert CompensationClaim.objects.get(pk=claim.pk).accepted_fen == 15050
    client.post(url, {"action": "pay", "source": "fund"})           # no fund: refused with the domain's message
    refused = client.get(f"/console/compensation/claims/{claim.pk}/").content.decode()
    assert "尚未设立消费者权益保证金" in refused
    client.post(url, {"action": "pay", "source": "own", "reference": "PAY-9"})
    client.post(url, {"action": "demand", "note": "已通知"})
    client.post(url, {"action": "recover", "amount": "50"})
    client.post(url, {"action": "write_off", "note": "商家已注销"})
    claim = CompensationClaim.objects.get(pk=claim.pk)
    assert (claim.status, claim.paid_fen, claim.recovered_fen, claim.written_off_fen) == \
        (ClaimStatus.WRITTEN_OFF, 15050, 5000, 10050)
    assert client.post(url, {"action": "nonsense"}).status_code == 400


def test_a_deposit_from_the_console(world):
    world.fund()
    client = login(world.orgs["platform_1"], "platform_client", "platform")
    client.post("/console/compensation/deposit", {"amount": "1,000.00", "reference": "BANK-1"})
    client.post("/console/compensation/deposit", {"amount": "12.345", "reference": "BANK-2"})
    html = client.get("/console/compensation/").content.decode()
    assert "¥1,000.00" in html and "金额应为数字" in html


def test_others_are_refused(world):
    agency = login(world.orgs["market_regulation"].__class__.objects.create(code="agency_x", name="机构",
                                                                             kind="agency"), "agency_client", "agency")
    assert agency.get("/console/compensation/").status_code == 403
    assert Client().get("/console/compensation/").status_code == 302   # to the login page


def test_a_mobile_number_in_the_facts_is_masked_for_officers_but_not_for_the_platform(world):
    claim = world.claim(amount_fen=800, facts="消费者（电话13912345678）收到的电水壶漏电，商家拒绝退货")
    officer = login(world.orgs["market_regulation"], "department_officer", "officer2")
    html = officer.get(f"/console/compensation/claims/{claim.pk}/").content.decode()
    assert "13912345678" not in html and "139****5678" in html
    platform = login(world.orgs["platform_1"], "platform_client", "platform2")
    assert "13912345678" in platform.get(f"/console/compensation/claims/{claim.pk}/").content.decode()
