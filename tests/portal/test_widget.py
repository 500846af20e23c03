"""The embeddable query widget (R13.4): loader script, search frame, single badge and help page."""

from __future__ import annotations

import datetime as dt

import pytest

from ecredit.archive import services as archive
from ecredit.audit.services import Actor
from ecredit.policy import current
from ecredit.registry import services as registry
from tests import factories

pytestmark = pytest.mark.django_db

EVIL = "南通<script>alert('x')</script>恶意商贸有限公司"


@pytest.fixture
def listed(town, officer):
    """The town's company also entered in the abnormal-operations list (经营异常名录)."""
    schema = current().record_types["abnormal_operation_list"].details_schema
    details = {**factories.minimal_details(schema), "reason": "未按期公示年度报告", "listed_by": "南通市市场监督管理局"}
    recent = (factories.today() - dt.timedelta(days=10)).isoformat()
    report = archive.ingest([{"id": "L-1", "type": "abnormal_operation_list",
                              "subject": {"uscc": town.company.uscc, "name": town.company.name},
                              "decided_on": recent, "summary": "未按期公示年度报告", "details": details}], officer)
    assert not report.errors, report.errors
    return town


def frame(client, **params):
    return client.get("/widget/frame", params)


def assert_frameable(response):
    assert response.get("X-Frame-Options") is None
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


# ------------------------------------------------------------------------------------------------ loader


def test_loader_is_plain_javascript_that_any_site_may_load(client):
    response = client.get("/widget/v1.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age" in response["Cache-Control"]
    code = response.content.decode().split("*/", 1)[1]    # after the header comment
    assert "[data-ecredit-widget]" in code
    assert "://" not in code                              # frames come from the script's own server
    again = client.get("/widget/v1.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_frame_script_and_styles_are_static_files(client):
    body = frame(client).content.decode()
    assert "/static/portal/widget-frame.js" in body and "/static/portal/widget.css" in body
    assert "<script>" not in body and "onclick" not in body and "style=" not in body


# ------------------------------------------------------------------------------------------------ frame


def test_frame_is_frameable_by_any_site_and_sets_no_cookie(client):
    response = frame(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_frameable(response)
    assert not response.cookies
    assert 'name="q"' in response.content.decode()


def test_frame_finds_a_company_and_shows_its_badge(client, listed):
    response = frame(client, q="海港")
    assert_frameable(response)
    html = response.content.decode()
    assert "南通海港商贸有限公司" in html and "海港好物旗舰店" in html
    assert f'href="/subjects/{listed.company.pk}/"' in html and 'target="_blank"' in html
    assert "列入经营异常名录" in html                       # black-list entry named
    company = html.split(f'data-subject="{listed.company.pk}"')[1].split("</li>")[0]
    assert 'class="ecw-negative">2<' in company            # the public penalty and the list entry
    assert "ecw-verified" in company


def test_persons_never_appear(client, town):
    html = frame(client, q="李小红").content.decode()
    assert "ecw-badge" not in html and f'data-subject="{town.person.pk}"' not in html
    assert frame(client, q=town.person_ric).content.decode().count("ecw-badge") == 0
    assert client.get(f"/widget/badge/{town.person.pk}").status_code == 404


def test_names_are_escaped(client, town):
    registry.register({"uscc": factories.uscc(), "name": EVIL}, Actor("test"))
    html = frame(client, q="恶意商贸").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_query_is_escaped_in_the_search_box(client, db):
    html = frame(client, q='"><script>alert(1)</script>').content.decode()
    assert "<script>alert(1)" not in html


def test_frame_in_english(client, listed):
    html = frame(client, q="海港", lang="en").content.decode()
    assert '<html lang="en">' in html
    assert 'name="lang" value="en"' in html
    assert "Abnormal-operations list entry" in html          # record-type names come from the policy
    assert f"next=%2Fsubjects%2F{listed.company.pk}%2F" in html
    # The visitor's own language cookie does not change the frame: zh unless lang=en.
    client.cookies["django_language"] = "en"
    assert '<html lang="zh-Hans">' in frame(client, q="海港").content.decode()


def test_platform_attribute_keeps_shops_of_that_platform(client, town):
    other_platform = factories.uscc()
    registry.register({"uscc": other_platform, "name": "另一电商平台"}, Actor("test"), roles=["platform"])
    assert "海港好物旗舰店" in frame(client, q="海港", platform=town.platform.uscc).content.decode()
    html = frame(client, q="海港", platform=other_platform).content.decode()
    assert "海港好物旗舰店" not in html and "南通海港商贸有限公司" in html
    assert f'name="platform" value="{other_platform}"' in html
    assert "海港好物旗舰店" in frame(client, q="海港", platform="not-a-code").content.decode()


def test_frame_without_results(client, town):
    html = frame(client, q="不存在的公司名称").content.decode()
    assert "ecw-badge" not in html and "ecw-empty" in html


# ------------------------------------------------------------------------------------------------ badge


def test_single_badge(client, listed):
    response = client.get(f"/widget/badge/{listed.shop.pk}")
    assert response.status_code == 200
    assert_frameable(response)
    html = response.content.decode()
    assert "海港好物旗舰店" in html and "S-1001" in html and 'name="q"' not in html
    missing = client.get("/widget/badge/999999")
    assert missing.status_code == 404
    assert_frameable(missing)


def test_badge_escapes_names(client, db):
    subject = registry.register({"uscc": factories.uscc(), "name": EVIL}, Actor("test"))
    html = client.get(f"/widget/badge/{subject.pk}").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


# ------------------------------------------------------------------------------------------------ help


def test_help_page_shows_the_embed_code_and_a_live_example(client, db):
    response = client.get("/widget/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;div data-ecredit-widget" in html and "/widget/v1.js" in html
    assert '<div data-ecredit-widget' in html and '<script src="/widget/v1.js" async></script>' in html


def test_many_results_link_to_the_portal_search(client, db):
    for n in range(10):
        registry.register({"uscc": factories.uscc(), "name": f"崇川星河贸易有限公司{n}"}, Actor("test"))
    html = frame(client, q="星河贸易").content.decode()
    assert html.count("ecw-badge") == 8 and "/search?q=%E6%98%9F%E6%B2%B3" in html
    english = frame(client, q="星河贸易", lang="en").content.decode()
    assert "/lang/en?next=%2Fsearch%3Fq%3D" in english


def test_badge_follows_new_records_at_once(client, town, officer):
    url = f"/widget/badge/{town.other_company.pk}"
    assert 'class="ecw-negative">0<' in client.get(url).content.decode()
    cached = client.get(url)                                  # served from the cache, same headers
    assert 'class="ecw-negative">0<' in cached.content.decode()
    assert_frameable(cached)
    assert cached["Content-Type"].startswith("text/html")
    recent = (factories.today() - dt.timedelta(days=3)).isoformat()
    report = archive.ingest([factories.penalty("P-NEW", {"uscc": town.other_company.uscc,
                                                         "name": town.other_company.name}, decided_on=recent)],
                            officer)
    assert not report.errors, report.errors
    again = client.get(url)
    assert 'class="ecw-negative">1<' in again.content.decode()
    assert_frameable(again)
