"""Request limits on the public API (security.yaml rate_limits): 429 in the API's error shape with
Retry-After, per address, per window; API clients with a valid token are not limited; the document says so."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.test import Client

from ecredit import policy
from tests import factories

pytestmark = pytest.mark.django_db
WINDOW = 60
ADDRESS = "203.0.113.9"
# The limited operations: (bucket, method, path, JSON body).
LIMITED = [
    ("search", "get", "/api/v1/public/search?q=海港", None),
    ("profile", "get", "/api/v1/public/subjects/999999999", None),
    ("lists", "get", "/api/v1/public/notices", None),
    ("report", "get", "/api/v1/reports/ECR-AAAA-BBBB-CCCC-DDDD", None),
    ("report", "post", "/api/v1/reports/verify", {"code": "ECR-AAAA-BBBB-CCCC-DDDD"}),
]
IDS = ["search", "profile", "notices", "report-by-code", "report-verify"]


@pytest.fixture
def clock():
    """Time stands still at the start of a window of WINDOW seconds; `clock.shift(seconds)` moves it."""
    start = (int(time.time()) // WINDOW + 1) * WINDOW
    with time_machine.travel(dt.datetime.fromtimestamp(start, dt.UTC), tick=False) as traveller:
        yield traveller


def call(client: Client, method: str, path: str, body=None):
    if method == "post":
        return client.post(path, body, content_type="application/json")
    return client.get(path)


def assert_refused(response, retry_after: int = WINDOW) -> None:
    assert response.status_code == 429 and response["Retry-After"] == str(retry_after)
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"code": "rate_limited", "message": f"请求过于频繁，请{retry_after}秒后再试",
                               "details": {"retry_after": retry_after}}


@pytest.mark.parametrize(("kind", "method", "path", "body"), LIMITED, ids=IDS)
def test_a_public_operation_beyond_its_limit_answers_429(rate_limits, clock, kind, method, path, body):
    rate_limits(**{kind: (2, WINDOW)})
    client = Client(REMOTE_ADDR=ADDRESS)
    assert [call(client, method, path, body).status_code != 429 for _ in range(2)] == [True, True]
    clock.shift(20)
    assert_refused(call(client, method, path, body), retry_after=WINDOW - 20)


def test_another_address_and_the_next_window_are_allowed(rate_limits, clock):
    rate_limits(search=(1, WINDOW))
    client = Client(REMOTE_ADDR=ADDRESS)
    assert client.get("/api/v1/public/search", {"q": "海港"}).status_code == 200
    assert client.get("/api/v1/public/search", {"q": "海港"}).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.20").get("/api/v1/public/search", {"q": "海港"}).status_code == 200
    clock.shift(WINDOW)
    assert client.get("/api/v1/public/search", {"q": "海港"}).status_code == 200


def test_the_portal_and_the_api_share_one_bucket(rate_limits, clock):
    """A scraper does not get twice the limit by alternating the page and its API form."""
    rate_limits(search=(2, WINDOW))
    client = Client(REMOTE_ADDR=ADDRESS)
    assert client.get("/search", {"q": "海港"}).status_code == 200
    assert client.get("/api/v1/public/search", {"q": "海港"}).status_code == 200
    assert client.get("/api/v1/public/search", {"q": "海港"}).status_code == 429


def test_a_client_with_a_token_is_not_limited_and_a_bad_token_is(platform_org, rate_limits, clock):
    rate_limits(search=(1, WINDOW), report=(1, WINDOW))
    token = factories.client_token(platform_org, "platform_client")
    system = Client(REMOTE_ADDR=ADDRESS, HTTP_AUTHORIZATION=f"Bearer {token}")
    for _ in range(4):
        assert system.get("/api/v1/public/search", {"q": "海港"}).status_code == 200
        assert system.get("/api/v1/reports/ECR-AAAA-BBBB-CCCC-DDDD").status_code == 200
    forged = Client(REMOTE_ADDR="198.51.100.30", HTTP_AUTHORIZATION="Bearer ec_not_a_token")
    assert forged.get("/api/v1/public/search", {"q": "海港"}).status_code == 200
    assert forged.get("/api/v1/public/search", {"q": "海港"}).status_code == 429


def test_the_shipped_limit_is_the_one_in_security_yaml(clock):
    bucket = policy.current().security.rate_limit("search")
    client = Client(REMOTE_ADDR=ADDRESS)
    for _ in range(bucket.requests):
        assert client.get("/api/v1/public/search", {"q": "x"}).status_code == 200
    assert_refused(client.get("/api/v1/public/search", {"q": "x"}), retry_after=bucket.per_seconds)


def test_the_document_lists_429_with_retry_after_for_the_limited_operations(client):
    document = client.get("/api/v1/openapi.json").json()
    operations = [("get", "/api/v1/public/search"), ("get", "/api/v1/public/subjects/{subject_id}"),
                  ("get", "/api/v1/public/notices"), ("get", "/api/v1/reports/{code}"),
                  ("post", "/api/v1/reports/verify"), ("get", "/api/v1/subjects/{subject_id}/report")]
    for method, path in operations:
        answer = document["paths"][path][method]["responses"]["429"]
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, path
        assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer", path
