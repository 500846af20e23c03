"""The pages: the portal's public list (search by name, region, platform; links to profiles) and criteria page, a
subject account's application page, and the console's queue, enrolment page and review steps."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.access.models import Membership
from ecredit.archive.models import CreditRecord
from ecredit.safe_consumption import criteria
from ecredit.safe_consumption.models import Enrolment, EnrolmentStatus
from tests.factories import console_login

pytestmark = pytest.mark.django_db


def login(org, role: str, subject_id: int | None = None) -> Client:
    user = get_user_model().objects.create_user(f"user_{org.code}_{role}", password="Pages-pass-2026")
    Membership.objects.create(user=user, organisation=org, role=role, subject_id=subject_id)
    client = Client()
    console_login(client, user)
    return client


@pytest.fixture
def listed(town):
    """A published company title and a published shop title (another region), and a pending application."""
    company = town.merchant("南通放心商贸有限公司")
    town.title(company)
    shop = town.merchant("南通如皋好物有限公司", shop=True)
    town.approve(town.apply(shop, region="320682"))
    pending = town.apply(town.merchant("南通待审商贸有限公司"))
    return {"company": company, "shop": shop, "pending": pending}


def test_the_public_list_links_each_merchant_to_its_profile(town, listed):
    page = Client().get("/safe-consumption/").content.decode()
    assert page.count('class="title-row"') == 2
    assert f'href="/subjects/{listed["company"].pk}/"' in page and f'href="/subjects/{listed["shop"].pk}/"' in page
    assert "南通待审商贸有限公司" not in page
    assert "南通市电子商务放心消费单位" in page


@pytest.mark.parametrize("query, expected", [
    ({"q": "放心商贸"}, ["company"]),
    ({"q": "ntfx"}, ["company"]),                      # pinyin initials of 南通放心…
    ({"region": "320682"}, ["shop"]),
    ({"platform": "PLATFORM"}, ["shop"]),
    ({"q": "不存在的名字"}, []),
])
def test_the_public_list_searches_by_name_region_and_platform(town, listed, query, expected):
    if query.get("platform") == "PLATFORM":
        query = {"platform": str(town.platform_subject.pk)}
    page = Client().get("/safe-consumption/", query).content.decode()
    assert page.count('class="title-row"') == len(expected)
    for key in expected:
        assert f'href="/subjects/{listed[key].pk}/"' in page


def test_the_list_leaves_out_a_title_the_moment_it_is_suspended(town, listed):
    from ecredit.safe_consumption import flows

    client = Client()
    assert client.get("/safe-consumption/").content.decode().count('class="title-row"') == 2
    enrolment = Enrolment.objects.get(subject=listed["company"], status=EnrolmentStatus.PUBLISHED)
    flows.suspend(enrolment.pk, town.officer, reason="核查期间暂停")
    assert client.get("/safe-consumption/").content.decode().count('class="title-row"') == 1


def test_the_criteria_page_reads_like_the_policy(town):
    page = Client().get("/safe-consumption/criteria").content.decode()
    for criterion in criteria.scheme().criteria:
        assert f'id="criterion-{criterion.code}"' in page and criterion.text.zh in page
    assert "拟定标准，待市里确认" in page and "南通市放心消费创建活动办公室" in page
    assert "近1年内" in page and "不超过2条" in page


def test_a_subject_account_previews_and_applies_on_the_portal(town):
    company = town.merchant("南通门户申请商贸有限公司")
    shop = town.shop(company, "门户申请旗舰店")
    assert Client().get("/safe-consumption/apply")["Location"].startswith("/login")
    client = login(_subject_org(company), "subject_account", company.pk)
    page = client.get("/safe-consumption/apply").content.decode()
    assert "门户申请旗舰店" in page and "南通门户申请商贸有限公司" in page
    preview = client.post("/safe-consumption/apply", {"subject": company.pk, "preview": "1"}).content.decode()
    assert 'id="preview"' in preview and "符合全部条件" in preview
    response = client.post("/safe-consumption/apply", {"subject": shop.pk, "apply": "1", "region": "320613"})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(subject=shop)
    assert enrolment.status == EnrolmentStatus.CHECKED
    assert f'id="enrolment-{enrolment.pk}"' in client.get("/safe-consumption/apply").content.decode()


def _subject_org(subject):
    from tests import factories as f

    return f.organisation("subject", f"portal_self_{subject.pk}", name=subject.name)


def test_an_officer_reviews_from_the_console(town, listed):
    client = login(town.market, "department_officer")
    queue = client.get("/console/safe-consumption/").content.decode()
    pending = listed["pending"]
    assert f'id="enrolment-{pending.pk}"' in queue
    page = client.get(f"/console/safe-consumption/{pending.pk}/").content.decode()
    assert 'id="criterion-commitment_signed"' in page and 'id="review-form"' in page
    response = client.post(f"/console/safe-consumption/{pending.pk}/action",
                           {"action": "approve", "decision_no": "通放心〔2026〕88号", "reason": "符合条件",
                            "publish": "yes"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == EnrolmentStatus.PUBLISHED
    page = client.get(f"/console/safe-consumption/{pending.pk}/").content.decode()
    record = CreditRecord.objects.get(pk=pending.honour_record_id)
    assert 'id="record"' in page and record.details["document_no"] in page
    assert client.post(f"/console/safe-consumption/{pending.pk}/action", {"action": "fly"}).status_code == 400


def test_a_failing_enrolment_cannot_be_approved_from_the_console(town):
    company = town.company("南通无承诺商贸有限公司")
    town.grade(company)
    enrolment = town.apply(company)
    client = login(town.market, "department_officer")
    page = client.get(f"/console/safe-consumption/{enrolment.pk}/").content.decode()
    assert 'value="approve" disabled' in page
    response = client.post(f"/console/safe-consumption/{enrolment.pk}/action",
                           {"action": "approve", "decision_no": "1号", "reason": "同意"}, follow=True)
    assert "不符合以下条件" in response.content.decode()
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.CHECKED


def test_a_platform_applies_for_its_shop_from_the_console_and_others_are_kept_out(town):
    shop = town.merchant("南通平台申请有限公司", shop=True)
    client = login(town.platform_org, "platform_client")
    preview = client.post("/console/safe-consumption/", {"subject": shop.shop_id, "preview": "1"}).content.decode()
    assert 'id="preview"' in preview
    response = client.post("/console/safe-consumption/", {"subject": shop.shop_id, "apply": "1"})
    enrolment = Enrolment.objects.get(subject=shop)
    assert response["Location"] == f"/console/safe-consumption/{enrolment.pk}/"
    assert 'id="review-form"' not in client.get(response["Location"]).content.decode()
    assert login(town.postal, "department_officer").get("/console/safe-consumption/").status_code == 403
