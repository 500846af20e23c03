"""The pages: the portal's public list and commitment page with its signature check, a subject signing from its
own account, and the department's inbox where commitments are accepted and assessed."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.access.models import Membership
from ecredit.commitments import flows, services
from ecredit.commitments.models import Commitment, Status
from tests.factories import console_login

pytestmark = pytest.mark.django_db


def login(org, role: str, subject_id: int | None = None, name: str = "") -> Client:
    user = get_user_model().objects.create_user(name or f"{org.code}-{role}", password="x-Test-2026")
    Membership.objects.create(user=user, organisation=org, role=role, subject_id=subject_id)
    client = Client()
    console_login(client, user)
    return client


@pytest.fixture
def published(cast):
    public = services.sign(cast["company"], commitment_type="approval_substitute", matter="食品经营许可证核发",
                           accepted_by="market_regulation")
    restricted = services.sign(cast["company"], commitment_type="certification", matter="经营场所使用证明",
                               accepted_by="market_regulation")
    return flows.accept(public.code, cast["officer"]), flows.accept(restricted.code, cast["officer"])


def test_public_list_and_search(cast, published):
    public, restricted = published
    client = Client()
    page = client.get("/commitments/").content.decode()
    assert public.code in page and restricted.code not in page and "审批替代型" in page
    for query in ("南通甲商贸", public.code, public.code[:14], "食品经营"):
        assert public.code in client.get("/commitments/", {"q": query}).content.decode(), query
    assert public.code not in client.get("/commitments/", {"q": "北京"}).content.decode()
    assert public.code not in client.get("/commitments/", {"type": "voluntary"}).content.decode()
    assert public.code in client.get("/commitments/", {"type": "approval_substitute"}).content.decode()
    assert client.get("/commitments/", {"type": "x' OR 1=1", "page": "-3"}).status_code == 200


def test_commitment_page_shows_the_text_and_the_signature_check(cast, published):
    public, restricted = published
    page = Client().get(f"/commitments/{public.code}/").content.decode()
    assert 'data-verdict="valid"' in page and "信用承诺书（审批替代型）" in page and "违诺担责" in page
    assert public.content_digest in page.replace(" ", "")      # shown in groups of 8, as fingerprints are
    hidden = Client().get(f"/commitments/{restricted.code}/").content.decode()
    assert 'data-verdict="valid"' in hidden and 'id="not-shown"' in hidden and "经营场所使用证明" not in hidden
    own = login(cast.orgs["self"], "subject_account", cast.subjects["company"].pk)
    assert "经营场所使用证明" in own.get(f"/commitments/{restricted.code}/").content.decode()
    Commitment.objects.filter(pk=public.pk).update(text=public.text.replace("违诺担责", "免责"))
    assert 'data-verdict="altered"' in Client().get(f"/commitments/{public.code}/").content.decode()
    assert Client().get("/commitments/32061220261129999999/").status_code == 200
    assert Client().get("/commitments/not-a-code/").status_code == 404


def test_subject_signs_from_its_own_account(cast):
    assert Client().get("/me/commitments/").status_code == 302
    own = login(cast.orgs["self"], "subject_account", cast.subjects["company"].pk)
    assert 'id="my-commitments"' in own.get("/me/").content.decode()
    form = own.get("/me/commitments/").content.decode()
    assert 'id="sign-form"' in form and "信用承诺书（容缺受理型）" in form and "甲旗舰店" in form
    refused = own.post("/me/commitments/", {"commitment_type": "approval_substitute", "matter": "",
                                            "accepted_by": "market_regulation"})
    assert refused.status_code == 422 and "请填写承诺事项" in refused.content.decode()
    token = form.split('name="client_ref" value="')[1].split('"')[0]
    signing = {"commitment_type": "approval_substitute", "matter": "食品经营许可证核发",
               "accepted_by": "market_regulation", "client_ref": token}
    response = own.post("/me/commitments/", signing)
    again = own.post("/me/commitments/", signing)            # the form submitted twice signs once
    c = Commitment.objects.get()
    assert response.status_code == 302 and response.url == f"/commitments/{c.code}/"
    assert again.url == response.url
    assert c.signed_by == "user:self_company-subject_account" and c.status == Status.SIGNED
    assert c.code in own.get("/me/commitments/").content.decode()
    own.post(f"/me/commitments/{c.code}/withdraw", {"reason": "改为一般程序办理"})
    c.refresh_from_db()
    assert c.status == Status.WITHDRAWN
    officer = login(cast.orgs["market"], "department_officer")
    assert officer.get("/me/commitments/").status_code == 403


def test_department_accepts_and_assesses_in_the_console(cast):
    c = services.sign(cast["company"], commitment_type="tolerance_acceptance", matter="食品经营许可证核发",
                      accepted_by="market_regulation")
    officer = login(cast.orgs["market"], "department_officer")
    inbox = officer.get("/console/commitments/").content.decode()
    assert f'id="accept-{c.code}"' in inbox
    page = officer.get(f"/console/commitments/{c.code}/").content.decode()
    assert 'id="accept-form"' in page and "签名有效" in page
    officer.post(f"/console/commitments/{c.code}/action", {"action": "accept"})
    c.refresh_from_db()
    assert c.status == Status.IN_FORCE
    assert f'id="assess-{c.code}"' in officer.get("/console/commitments/").content.decode()
    officer.post(f"/console/commitments/{c.code}/action", {"action": "assess", "fulfilment": "partly",
                                                           "text": "逾期仅补交部分材料"})
    c.refresh_from_db()
    assert c.fulfilment == "partly" and c.breach_record_id
    page = officer.get(f"/console/commitments/{c.code}/").content.decode()
    assert "部分履行" in page and "认定履约情况" in page and 'id="assess-form"' not in page
    postal = login(cast.orgs["postal"], "department_officer")
    assert postal.get(f"/console/commitments/{c.code}/").status_code == 200        # published: visible
    assert postal.post(f"/console/commitments/{c.code}/action", {"action": "accept"}).status_code == 302
    waiting = services.sign(cast["company"], commitment_type="approval_substitute", matter="许可",
                            accepted_by="market_regulation")
    assert postal.get(f"/console/commitments/{waiting.code}/").status_code == 404
    agency = login(cast.orgs["agency"], "agency_client")
    assert agency.get("/console/commitments/").status_code == 403


def test_platform_collects_a_merchant_commitment_in_the_console(cast):
    platform = login(cast.orgs["platform"], "platform_client")
    assert 'id="sign-link"' in platform.get("/console/commitments/").content.decode()
    assert 'id="sign-form"' in platform.get("/console/commitments/sign").content.decode()
    response = platform.post("/console/commitments/sign", {"commitment_type": "industry_self_discipline",
                                                           "subject": "S1"})
    c = Commitment.objects.get()
    assert response.status_code == 302 and c.subject == cast.subjects["shop"] and c.status == Status.IN_FORCE
    refused = platform.post("/console/commitments/sign", {"commitment_type": "voluntary",
                                                          "subject": str(cast.subjects["outsider"].uscc)})
    assert refused.status_code in (403, 404)
