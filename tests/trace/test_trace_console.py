"""Officers' trace pages: the product list, one product's lots and items, and a chain with every event (complaints
and the captured documents too), the reading of documents access-logged; others are refused."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.access.models import Membership
from ecredit.audit.models import AccessLogEntry
from tests import factories as f

from . import chain_world as cw
from tests.factories import console_login

pytestmark = pytest.mark.django_db


def logged_in(org, role: str, name: str) -> Client:
    account = get_user_model().objects.create_user(name, password="Secret-pass-2026")
    Membership.objects.create(user=account, organisation=org, role=role)
    client = Client()
    console_login(client, account)
    return client


@pytest.fixture
def world(db):
    return cw.build()


@pytest.fixture
def officer_client(world):
    return logged_in(f.organisation("department", "quality", name="市质监局"), "department_officer", "quality1")


def test_product_list_and_product_page(officer_client):
    page = officer_client.get("/console/trace/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "稻香有机大米 5kg" in html and "米香脆米饼 200g" in html and "食用农产品" in html
    assert officer_client.get("/console/trace/?category=food").content.decode().count('<tr id="product-') == 1
    product = officer_client.get(f"/console/trace/products/{cw.RICE}/").content.decode()
    assert "B002" in product and "南通稻香农业专业合作社" in product


def test_chain_page_shows_every_event_and_logs_the_reading(officer_client, world):
    before = AccessLogEntry.objects.count()
    page = officer_client.get("/console/trace/chain", {"gtin": cw.RICE, "serial": "B002"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "投诉" in html and "不公开" in html                         # the complaint step, marked not public
    assert world.person_name in html                                  # the captured document, for officers
    assert AccessLogEntry.objects.count() == before + 1
    bad = officer_client.get("/console/trace/chain", {"gtin": "6901234000101", "lot": "X"})
    assert bad.status_code == 400 and "校验位错误" in bad.content.decode()


def test_without_trace_view_the_pages_are_refused(world, platform_org):
    client = logged_in(platform_org, "platform_client", "platform1")
    assert client.get("/console/trace/").status_code == 403
    assert client.get("/console/trace/chain", {"gtin": cw.RICE, "serial": "B002"}).status_code == 403



def test_paging_keeps_a_search_with_special_characters(officer_client, world):
    from ecredit.console.trace_views import PAGE_SIZE
    from ecredit.kit import gs1
    from ecredit.trace import products

    for n in range(PAGE_SIZE + 1):
        products.register(world.capturer, gtin=gs1.gtin_with_check_digit(f"6901234{n + 100:05d}"),
                          name=f"R&D 样品 {n}")
    html = officer_client.get("/console/trace/", {"q": "R&D"}).content.decode()
    assert "?q=R%26D&amp;page=2" in html                        # not ?q=R&D&page=2, which searches for "R"
