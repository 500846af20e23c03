"""The query widget embedded in another site's page, in a real browser: the platform's page is served
from another origin (a plain http.server on its own port) and includes only the live server's loader."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from ecredit.archive import services as archive
from ecredit.audit.services import Actor
from ecredit.registry import services as registry
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLATFORM_PAGE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>某电商平台首页</title></head>
<body>
<h1>某电商平台</h1>
<div id="lookup" data-ecredit-widget></div>
<div id="one" data-ecredit-widget data-subject="{subject_id}" data-lang="en"></div>
<script src="{server}/widget/v1.js" async></script>
</body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def platform_site(tmp_path):
    """A static site on another port: (write(html) -> url of the page)."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(html: str) -> str:
        (tmp_path / "index.html").write_text(html, encoding="utf-8")
        return f"http://127.0.0.1:{server.server_address[1]}/index.html"

    yield publish
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def listed_company(live_server):
    department = f.organisation("department", "market_regulation", name="市市场监督管理局")
    officer = f.principal("department_officer", department)
    code = f.uscc(8101)
    company = registry.register({"uscc": code, "name": "南通星辰贸易有限公司"}, Actor("test"))
    report = archive.ingest([f.penalty("W-1", {"uscc": code, "name": company.name},
                                       decided_on=f.today().isoformat())], officer)
    assert not report.errors, report.errors
    return company


def test_platform_page_embeds_the_widget_and_finds_a_company(page, live_server, platform_site,
                                                              listed_company):
    url = platform_site(PLATFORM_PAGE.format(server=live_server.url, subject_id=listed_company.pk))
    page.goto(url)
    lookup = page.locator("#lookup iframe")
    lookup.wait_for()
    assert lookup.get_attribute("src").startswith(f"{live_server.url}/widget/frame")
    frame = page.frame_locator("#lookup iframe")
    frame.locator("input[name=q]").fill("星辰贸易")
    frame.locator("button[type=submit]").click()
    badge = frame.locator(".ecw-badge").first
    badge.wait_for()
    assert "南通星辰贸易有限公司" in badge.inner_text()
    assert badge.locator(".ecw-negative").inner_text() == "1"
    link = badge.locator("a.ecw-name")
    assert link.get_attribute("href") == f"/subjects/{listed_company.pk}/"
    assert link.get_attribute("target") == "_blank"
    with page.context.expect_page() as opened:
        link.click()
    profile = opened.value
    profile.wait_for_load_state()
    assert profile.url == f"{live_server.url}/subjects/{listed_company.pk}/"
    assert "南通星辰贸易有限公司" in profile.locator("h1").inner_text()
    profile.close()
    # The frame told the page its height and the loader resized the iframe to show the badge whole.
    page.wait_for_function("document.querySelector('#lookup iframe').getBoundingClientRect().height > 100")
    inner = frame.locator("#ecw").evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
    outer = lookup.evaluate("e => Math.round(e.getBoundingClientRect().height)")
    assert abs(outer - inner) <= 2

    # The single badge, in English, without a search box.
    one = page.frame_locator("#one iframe")
    one.locator(".ecw-badge").wait_for()
    assert one.locator("input[name=q]").count() == 0
    assert one.locator("html").get_attribute("lang") == "en"
    assert "南通星辰贸易有限公司" in one.locator(".ecw-badge").inner_text()
