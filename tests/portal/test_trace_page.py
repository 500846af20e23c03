"""The public trace page reached by a GS1 Digital Link on our host: a consumer scanning a pack sees where the
product came from, each step with date, place and responsible party — and never anyone's personal data."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ecredit.kit import gs1
from tests.trace import chain_world as cw

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return cw.build()


def steps_shown(html: str) -> list[str]:
    return re.findall(r'class="step-name">([^<]+)<', html)


def test_a_known_lot_shows_its_chain_with_places_and_responsible_parties(world):
    answer = Client().get(f"/01/{cw.RICE}/10/{cw.LOT}")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "稻香有机大米 5kg" in html and "食用农产品" in html
    shown = steps_shown(html)
    assert shown[:5] == ["生产赋码", "包装", "发货", "收货", "拆包"]
    assert {"上架", "销售", "配送", "签收", "评价"} <= set(shown)
    assert "投诉" not in shown                                   # complaints are for officers
    assert "南通稻香农业专业合作社" in html and "南通粮油配送有限公司" in html and "南通速达快递有限公司" in html
    assert f'href="/subjects/{world.farm.pk}/"' in html
    assert "3 件" in html                                          # the lot's three bags


def test_an_item_page_by_serial(world):
    answer = Client().get(f"/01/{cw.RICE}/21/B002")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert steps_shown(html)[-1] == "评价" and "签收" in steps_shown(html)
    assert "稻香米业旗舰店" in html and "南通优选电商平台" in html


def test_no_personal_data_on_the_page_or_in_the_public_api(world):
    pages = [Client().get(f"/01/{cw.RICE}/10/{cw.LOT}").content.decode(),
             Client().get(f"/01/{cw.RICE}/21/B002").content.decode(),
             Client().get(f"/api/v1/trace/chain?gtin={cw.RICE}&serial=B002").content.decode("unicode_escape")]
    for text in pages:
        assert world.person_name not in text                      # the consignee's name captured in the event
        assert "13812345678" not in text and "1381234" not in text
        assert "NT20250905001" not in text                         # the order number stays with officers
    officer_view = Client(HTTP_AUTHORIZATION="Bearer " + _officer_token()).get(
        f"/api/v1/trace/chain?gtin={cw.RICE}&serial=B002").json()
    assert officer_view["full"] is True
    assert any(s["step"] == "complaint" for s in officer_view["steps"])


def test_the_public_api_counts_a_lot_s_serials_but_does_not_list_them(world):
    url = f"/api/v1/trace/chain?gtin={cw.RICE}&lot={cw.LOT}"
    public = Client().get(url).json()
    assert (public["full"], public["serial_count"], public["serials"]) == (False, 3, [])
    assert "B003" not in Client().get(url).content.decode()      # B003 was only commissioned and listed
    officer = Client(HTTP_AUTHORIZATION="Bearer " + _officer_token()).get(url).json()
    assert officer["serials"] == list(cw.SERIALS)


def _officer_token() -> str:
    from tests import factories as f

    org = f.organisation("department", "quality", name="市质监局")
    return f.client_token(org, "department_officer")


def test_unknown_lot_is_404_with_what_was_looked_for(world):
    answer = Client().get(f"/01/{cw.RICE}/10/NOPE")
    assert answer.status_code == 404
    html = answer.content.decode()
    assert f"没有找到商品 {cw.RICE} 批号 NOPE 的追溯记录" in html and "稻香有机大米" in html


def test_unknown_product_is_404(world):
    other = gs1.gtin_with_check_digit("695555500001")
    answer = Client().get(f"/01/{other}/10/L1")
    assert answer.status_code == 404 and "尚未在本平台登记" in answer.content.decode()


def test_a_wrong_check_digit_is_400_naming_the_right_digit(world):
    wrong = cw.RICE[:-1] + str((int(cw.RICE[-1]) + 1) % 10)
    answer = Client().get(f"/01/{wrong}/10/{cw.LOT}")
    assert answer.status_code == 400
    assert f"最后一位应为 {cw.RICE[-1]}" in answer.content.decode()


@pytest.mark.parametrize("path, words", [
    ("/01/12345/10/L1", "位"),
    ("/01/{gtin}/21/B001/10/L1", "链接结构不符合GS1数字链接标准"),
    ("/01/{gtin}/10/L1?17=251399", "日期无效"),
])
def test_other_broken_links_are_400_with_a_reason(world, path, words):
    answer = Client().get(path.format(gtin=cw.RICE))
    assert answer.status_code == 400 and words in answer.content.decode()


def test_a_short_gtin_redirects_to_the_14_digit_link(world):
    answer = Client().get(f"/01/{cw.RICE[1:]}/10/{cw.LOT}?17=261231")
    assert answer.status_code == 301 and answer["Location"] == f"/01/{cw.RICE}/10/{cw.LOT}?17=261231"
    assert "2026-12-31" in Client().get(answer["Location"]).content.decode()


def test_a_gtin_alone_shows_the_product(world):
    answer = Client().get(f"/01/{cw.RICE}")
    assert answer.status_code == 200 and "稻香有机大米" in answer.content.decode()


def test_search_form_goes_to_the_digital_link(world):
    answer = Client().get("/trace/", {"gtin": cw.RICE[1:], "lot": cw.LOT})
    assert answer.status_code == 302 and answer["Location"] == f"/01/{cw.RICE}/10/{cw.LOT}"
    scanned = Client().get("/trace/", {"link": f"https://id.gs1.org/01/{cw.RICE}/21/B002"})
    assert scanned["Location"] == f"/01/{cw.RICE}/21/B002"
    foreign = Client().get("/trace/", {"link": f"https://example.net/01/{cw.RICE}/21/B002"})
    assert foreign.status_code == 400 and "不是本平台或认可的解析服务的链接" in foreign.content.decode()
    wrong = Client().get("/trace/", {"gtin": cw.RICE[:-1] + "0" if cw.RICE[-1] != "0" else cw.RICE[:-1] + "1"})
    assert wrong.status_code == 400 and "校验位错误" in wrong.content.decode()
    form = Client().get("/trace/")
    assert form.status_code == 200 and "稀土产品" in form.content.decode()
