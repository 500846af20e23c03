"""No answer of the public site carries an unmasked resident ID or mobile number: a crawler walks every page
and API answer of the demo city that the public can reach and checks each body."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from stdnum.cn import ric as stdnum_ric

from ecredit.registry.models import Subject

RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# Public paths outside the page links: the public API answers.
API_PATHS = ["/api/v1/public/search?q=南通", "/api/v1/public/search?q=nt", "/api/v1/public/notices?kind=risk_alert",
             "/api/v1/public/notices?kind=typical_case", "/api/v1/public/notices?kind=platform_event",
             "/api/v1/public/notices?kind=merchant_disclosure", "/api/v1/openapi.json"]
SKIP = ("/console", "/static", "/api/v1/docs", "/i18n", "/login", "/lang/", "/me/")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _leaks(body: str) -> list[str]:
    found = [m for m in RESIDENT_ID.findall(body) if stdnum_ric.is_valid(m.upper())]
    return found + MOBILE.findall(body)


@pytest.fixture
def demo_city(db):
    call_command("demo", scale=0.05, seed=20261128, verbosity=0)


@pytest.mark.slow
def test_no_public_answer_contains_an_unmasked_id_or_mobile(demo_city, no_rate_limits):
    from ecredit.archive.models import CreditRecord

    planted = CreditRecord.objects.public().filter(summary__contains="公民身份号码")
    assert planted.exists(), "the demo city must carry personal data in some texts, or this test proves nothing"
    client = Client()
    subjects = Subject.objects.exclude(kind="person").values_list("id", flat=True)
    queue = ["/", "/rules/publicity", "/rules/objection-and-repair", "/verify", "/widget/",
             *[f"/subjects/{pk}/" for pk in subjects], *[f"/api/v1/public/subjects/{pk}" for pk in subjects],
             *[f"/widget/badge/{pk}" for pk in subjects], *API_PATHS]
    seen, leaks = set(), {}
    while queue:
        path = queue.pop()
        if path in seen or path.startswith(SKIP) or path.endswith(".pdf"):   # reports: see test_reports
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code in (200, 302, 404), (path, response.status_code)
        if response.status_code != 200 or "pdf" in response.get("Content-Type", ""):
            continue
        body = response.content.decode("utf-8", errors="replace")
        if found := _leaks(body):
            leaks[path] = found
        if "html" in response.get("Content-Type", ""):
            parser = _Links()
            parser.feed(body)
            for link in parser.links:
                target = urlsplit(urljoin(path, link))
                if not target.netloc or target.netloc == "testserver":
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(seen) > len(subjects)
    assert leaks == {}
