"""The portal's pages as a visitor uses them: search, profile, what is and is not shown, languages, caching."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecredit.archive import services as archive
from ecredit.archive.models import CreditRecord
from ecredit.portal import services
from tests import factories


@pytest.fixture
def client():
    return Client()


def test_home_shows_figures_and_list_entries(client, town):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "信用南通" in text and 'id="red"' in text and 'id="black"' in text
    assert services.figures().public_records >= 1


def test_search_by_partial_name_pinyin_initials_code_and_shop(client, town):
    assert town.company in services.search("海港商贸", services_public()).subjects
    by_initials = services.search("nthg", services_public())
    assert by_initials.matched_by == "initials" and town.company in by_initials.subjects
    # A full code or a shop id goes straight to the profile.
    assert client.get("/search", {"q": town.company.uscc.lower()})["Location"] == f"/subjects/{town.company.pk}/"
    assert client.get("/search", {"q": "S-1001"})["Location"] == f"/subjects/{town.shop.pk}/"
    page = client.get("/search", {"q": "海港"}).content.decode()
    assert "南通海港商贸有限公司" in page and "海港好物旗舰店" in page


def test_persons_are_never_found_or_shown_to_the_public(client, town):
    assert services.search("李小红", services_public()).subjects == []
    assert services.search(town.person_ric, services_public()).subjects == []
    assert client.get(f"/subjects/{town.person.pk}/").status_code == 404
    assert client.get(f"/api/v1/public/subjects/{town.person.pk}").status_code == 404


def services_public():
    from ecredit.access.principal import anonymous

    return anonymous()


def test_profile_shows_public_records_inside_their_window_only(client, town):
    page = client.get(f"/subjects/{town.company.pk}/").content.decode()
    assert f'id="record-{town.penalty.pk}"' in page
    assert f'id="record-{town.old_penalty.pk}"' not in page          # its publicity ended years ago
    assert "王大明" in page                                            # an organisation's legal representative
    assert "营业执照已核验" in page
    shop_page = client.get(f"/subjects/{town.shop.pk}/").content.decode()
    assert f'id="record-{town.fake_order.pk}"' not in shop_page       # government-shared, never public
    assert "经营者身份已核验" in shop_page and "测试电商平台" in shop_page


def test_a_record_not_yet_published_is_not_shown(client, town):
    CreditRecord.objects.filter(pk=town.penalty.pk).update(public_from=factories.today() + dt.timedelta(days=1))
    page = client.get(f"/subjects/{town.company.pk}/").content.decode()
    assert f'id="record-{town.penalty.pk}"' not in page


def test_a_record_leaves_the_profile_the_day_after_its_window(town):
    public = services_public()
    until = town.penalty.public_until
    on_last_day = services.profile(town.company.pk, public, today=until)
    assert town.penalty.pk in [r.id for r in on_last_day.all_records]
    after = services.profile(town.company.pk, public, today=until + dt.timedelta(days=1))
    assert town.penalty.pk not in [r.id for r in after.all_records]


def test_phone_numbers_in_record_text_are_masked(client, town):
    page = client.get(f"/subjects/{town.company.pk}/").content.decode()
    assert "13812345678" not in page and "138****5678" in page


def test_a_revoked_record_disappears_from_the_cached_profile_at_once(client, town, officer):
    url = f"/subjects/{town.company.pk}/"
    assert f'id="record-{town.penalty.pk}"' in client.get(url).content.decode()
    assert f'id="record-{town.penalty.pk}"' in client.get(url).content.decode()     # served from the cache
    archive.revoke(town.penalty.pk, officer, reason="处罚决定被撤销")
    assert f'id="record-{town.penalty.pk}"' not in client.get(url).content.decode()


def test_a_new_record_shows_at_once(client, town, officer):
    url = f"/subjects/{town.other_company.pk}/"
    assert "未被列入失信名单" in client.get(url).content.decode()
    report = archive.ingest([factories.penalty("P-NEW", {"uscc": town.other_company.uscc, "name": "x"},
                                               decided_on=(factories.today() - dt.timedelta(days=2)).isoformat())],
                            officer)
    assert not report.errors
    new = CreditRecord.objects.get(source_record_id="P-NEW")
    assert f'id="record-{new.pk}"' in client.get(url).content.decode()


def test_names_with_markup_are_escaped(client, town, officer):
    from ecredit.audit.services import Actor
    from ecredit.registry import services as registry

    evil = registry.register({"uscc": factories.uscc(), "name": "<script>alert(1)</script>商贸公司"}, Actor("t"))
    page = client.get(f"/subjects/{evil.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    results = client.get("/search", {"q": "<script>"}).content.decode()
    assert "<script>alert" not in results


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=120) | st.binary(max_size=60).map(lambda b: b.decode("latin-1")))
def test_search_never_errors_whatever_is_typed(client, db, no_rate_limits, query):
    response = client.get("/search", {"q": query})
    assert response.status_code in (200, 302)
    api = client.get("/api/v1/public/search", {"q": query})
    assert api.status_code == 200


def test_english_switch_keeps_the_page(client, town):
    url = f"/subjects/{town.company.pk}/"
    response = client.get("/lang/en", {"next": url})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Basic information" in page or "Credit records" in page
    assert client.get("/lang/en", {"next": "https://evil.example/"})["Location"] == "/"


def test_rules_page_is_generated_from_the_policy(client, db):
    from ecredit import policy

    page = client.get("/rules/publicity").content.decode()
    for rule in policy.current().catalog.record_types:
        assert f'id="type-{rule.code}"' in page
    assert "3206**********1234" in page                                 # the masking pattern, by example
    steps = client.get("/rules/objection-and-repair").content.decode()
    deadlines = policy.current().deadlines
    assert f"{deadlines.objection.decide[-1].working_days} 个工作日" in steps


def test_public_profile_api_matches_the_page(client, town):
    body = client.get(f"/api/v1/public/subjects/{town.company.pk}").json()
    ids = [r["id"] for section in ("licences", "lists", "commitments", "records") for r in body[section]]
    assert town.penalty.pk in ids and town.old_penalty.pk not in ids
    assert body["verified"] is True


def test_subject_account_sees_its_own_archive(client, town):
    from django.contrib.auth import get_user_model

    from ecredit.access.models import Membership

    org = factories.organisation("subject", "self_service")
    user = get_user_model().objects.create_user("lixiaohong", password="Long-enough-pw-1")
    Membership.objects.create(user=user, organisation=org, role="subject_account", subject_id=town.person.pk)
    assert client.get("/me/")["Location"].startswith("/login")
    assert client.post("/login", {"username": "lixiaohong", "password": "Long-enough-pw-1"}).status_code == 302
    page = client.get("/me/").content.decode()
    assert f'id="record-{town.person_penalty.pk}"' in page
    assert town.person_ric not in page                                  # her own ID is still shown masked



def test_writes_about_other_subjects_leave_a_profile_cached(client, town, officer, monkeypatch):
    url = f"/subjects/{town.company.pk}/"
    first = client.get(url).content
    report = archive.ingest([factories.penalty("P-ELSE", {"uscc": town.other_company.uscc, "name": "x"},
                                               decided_on=(factories.today() - dt.timedelta(days=2)).isoformat())],
                            officer)
    assert not report.errors

    def must_not_render(*args, **kwargs):
        raise AssertionError("the profile was rendered again")

    monkeypatch.setattr(services, "profile", must_not_render)
    assert client.get(url).content == first


def test_the_explanation_names_only_records_the_public_may_see(client, town):
    from ecredit.evaluation.services import rescore_subjects

    rescore_subjects([town.shop.pk])
    page = client.get(f"/subjects/{town.shop.pk}/").content.decode()
    line = page[page.index('id="line-platform_reports"'):]
    line = line[:line.index("</tr>")]
    assert f"#{town.fake_order.pk}" not in line and "其中 1 条不向社会公开" in line
