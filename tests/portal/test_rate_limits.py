"""Request limits on the portal (security.yaml rate_limits): a visitor who asks too often from one address
gets a page in Chinese that says when to try again; other visitors, officers and the next window are not."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit import policy
from ecredit.access.models import Membership
from ecredit.ops.models import SharedCounter
from tests import factories

pytestmark = pytest.mark.django_db
WINDOW = 60
ONE_OF_EACH = {"search": (1, WINDOW), "profile": (1, WINDOW), "report": (1, WINDOW), "lists": (1, WINDOW)}


@pytest.fixture
def clock():
    """Time stands still at the start of a window of WINDOW seconds; `clock.shift(seconds)` moves it."""
    start = (int(time.time()) // WINDOW + 1) * WINDOW
    with time_machine.travel(dt.datetime.fromtimestamp(start, dt.UTC), tick=False) as traveller:
        yield traveller


def visitor(address: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=address)


def account(username: str, organisation, role: str, subject_id: int | None = None) -> Client:
    user = get_user_model().objects.create_user(username, password="Long-enough-pw-1")
    Membership.objects.create(user=user, organisation=organisation, role=role, subject_id=subject_id)
    client = Client(REMOTE_ADDR="203.0.113.7")
    factories.console_login(client, user)        # an officer's login counts only with its second step
    return client


def assert_refused(response, retry_after: int = WINDOW) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(retry_after)
    page = response.content.decode()
    assert f"请求过于频繁，请{retry_after}秒后再试" in page
    assert "信用南通" in page and 'id="rate-limited"' in page        # the portal's own page, not a bare error


def test_search_beyond_the_limit_is_refused_with_when_to_try_again(town, rate_limits, clock):
    rate_limits(search=(3, WINDOW))
    client = visitor()
    for _ in range(3):
        assert client.get("/search", {"q": "海港"}).status_code == 200
    clock.shift(15)
    assert_refused(client.get("/search", {"q": "海港"}), retry_after=WINDOW - 15)


def test_another_address_is_not_affected(town, rate_limits, clock):
    rate_limits(search=(2, WINDOW))
    scraper = visitor("203.0.113.7")
    for _ in range(2):
        scraper.get("/search", {"q": "海港"})
    assert scraper.get("/search", {"q": "海港"}).status_code == 429
    assert visitor("198.51.100.20").get("/search", {"q": "海港"}).status_code == 200


def test_the_next_window_is_allowed_again(town, rate_limits, clock):
    rate_limits(search=(2, WINDOW))
    client = visitor()
    for _ in range(2):
        client.get("/search", {"q": "海港"})
    assert client.get("/search", {"q": "海港"}).status_code == 429
    clock.shift(WINDOW)
    assert client.get("/search", {"q": "海港"}).status_code == 200


def test_a_cached_profile_is_counted_too(town, rate_limits, clock):
    """The profile is served from the page cache after its first rendering: no way past the limit there."""
    rate_limits(profile=(2, WINDOW))
    client, url = visitor(), f"/subjects/{town.company.pk}/"
    first, cached = client.get(url), client.get(url)
    assert first.status_code == cached.status_code == 200 and first.content == cached.content
    assert_refused(client.get(url))


# Every limited page, and the bucket it counts in: one request is allowed, the second refused.
PAGES = [
    ("search", lambda t: "/search?q=海港"),
    ("profile", lambda t: f"/subjects/{t.company.pk}/"),
    ("profile-missing", lambda t: "/subjects/999999999/"),      # counted before the lookup that finds nothing
    ("lists", lambda t: "/lists/"),
    ("notices", lambda t: "/notices/risk_alert/"),
    ("notice", lambda t: "/notice/999999999/"),
    ("report-pdf", lambda t: f"/subjects/{t.company.pk}/report.pdf"),
    ("verify-by-code", lambda t: "/verify?code=ECR-AAAA-BBBB-CCCC-DDDD"),
    ("verify-link", lambda t: "/verify/ECR-AAAA-BBBB-CCCC-DDDD"),
]


@pytest.mark.parametrize("url", [p[1] for p in PAGES], ids=[p[0] for p in PAGES])
def test_every_limited_page_refuses_beyond_its_limit(town, rate_limits, clock, url):
    rate_limits(**ONE_OF_EACH)
    client = visitor()
    assert client.get(url(town)).status_code != 429
    assert_refused(client.get(url(town)))


def test_posting_a_code_to_verify_counts_and_the_empty_form_does_not(town, rate_limits, clock):
    rate_limits(report=(1, WINDOW))
    client = visitor()
    for _ in range(3):
        assert client.get("/verify").status_code == 200
    assert client.post("/verify", {"code": "ECR-AAAA-BBBB-CCCC-DDDD"}).status_code == 200
    assert_refused(client.post("/verify", {"code": "ECR-AAAA-BBBB-CCCC-DDDD"}))


def test_each_kind_has_its_own_bucket(town, rate_limits, clock):
    rate_limits(search=(1, WINDOW))
    client = visitor()
    client.get("/search", {"q": "海港"})
    assert client.get("/search", {"q": "海港"}).status_code == 429
    assert client.get(f"/subjects/{town.company.pk}/").status_code == 200
    assert client.get("/lists/").status_code == 200


def test_officers_are_not_limited_and_subjects_own_accounts_are(town, department, rate_limits, clock):
    rate_limits(**ONE_OF_EACH)
    officer = account("officer1", department, "department_officer")
    for _ in range(3):
        assert officer.get("/search", {"q": "海港"}).status_code == 200
        assert officer.get(f"/subjects/{town.company.pk}/").status_code == 200
    own = account("haigang", factories.organisation("subject", "self_haigang"), "subject_account",
                  town.company.pk)
    assert own.get(f"/subjects/{town.company.pk}/").status_code == 200
    assert_refused(own.get(f"/subjects/{town.company.pk}/"))


def test_the_shipped_limit_is_the_one_in_security_yaml(town, clock):
    bucket = policy.current().security.rate_limit("report")
    client = visitor()
    for _ in range(bucket.requests):
        assert client.get("/verify/ECR-AAAA-BBBB-CCCC-DDDD").status_code == 200
    assert_refused(client.get("/verify/ECR-AAAA-BBBB-CCCC-DDDD"), retry_after=bucket.per_seconds)


def test_a_changed_limit_is_obeyed(town, rate_limits, clock):
    rate_limits(lists=(4, WINDOW))
    client = visitor()
    assert [client.get("/lists/").status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    rate_limits(lists=(6, WINDOW))
    assert client.get("/lists/").status_code == 200
    assert client.get("/lists/").status_code == 429


def test_no_address_is_stored(town, rate_limits, clock):
    rate_limits(search=(1, WINDOW))
    client = visitor("198.51.100.77")
    client.get("/search", {"q": "海港"})
    assert client.get("/search", {"q": "海港"}).status_code == 429
    rows = list(SharedCounter.objects.values_list("name", "hits"))
    assert any("throttle:search" in key for key, _ in rows)
    assert not any("198.51.100.77" in f"{key} {value}" for key, value in rows)
