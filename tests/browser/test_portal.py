"""A visitor on the public portal, in a real browser: search, open a profile, download the credit report and
verify it; switch to English; read the portal on a phone's screen."""

from __future__ import annotations

import pytest

from tests.portal.conftest import town  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_profile_report_and_verify(page, live_server, town, tmp_path):  # noqa: F811
    base = live_server.url
    page.goto(f"{base}/")
    page.fill("form.search input[name=q]", "海港商贸")
    page.click("form.search button")
    page.click("#results a:has-text('南通海港商贸有限公司')")
    assert page.locator("#subject-name").inner_text() == "南通海港商贸有限公司"
    assert page.locator(f"#record-{town.penalty.pk}").is_visible()
    with page.expect_download() as download_info:
        page.click("#download-report")
    pdf = tmp_path / "report.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    page.goto(f"{base}/verify")
    page.set_input_files("input[type=file]", str(pdf))
    page.click("#verify-form button[type=submit]")
    assert "valid" in page.locator(".verdict").get_attribute("class")
    # the same file with one byte changed is refused as altered
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(bytes(data))
    page.goto(f"{base}/verify")
    page.set_input_files("input[type=file]", str(altered))
    page.click("#verify-form button[type=submit]")
    assert "altered" in page.locator(".verdict").get_attribute("class")


def test_english_switch_on_the_portal(page, live_server, town):  # noqa: F811
    base = live_server.url
    page.goto(f"{base}/subjects/{town.company.pk}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith(f"/subjects/{town.company.pk}/")
    assert page.locator("#records h2").inner_text().startswith("Credit record")
    page.goto(f"{base}/rules/publicity")
    assert page.locator("html").get_attribute("lang") == "en"     # the choice is kept


@pytest.mark.parametrize("path", ["/", "/subjects/{company}/", "/rules/publicity"])
def test_pages_fit_a_phone_screen(browser, live_server, town, path):  # noqa: F811
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + path.format(company=town.company.pk))
    # nothing but wide tables (which scroll inside their card) may be wider than the screen
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 1
