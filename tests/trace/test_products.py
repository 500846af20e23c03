"""Registering products by GTIN: a right code is stored once as GTIN-14 with its category and owner, a wrong one
is refused with the digit it should have, and only the registrant, the owner or the credit office change it."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given, settings, strategies as st

from ecredit.audit.services import Actor, verify
from ecredit.kit import gs1
from ecredit.kit.errors import Conflict, Forbidden, ValidationFailed
from ecredit.registry import services as registry
from ecredit.trace import products
from tests import factories as f

pytestmark = pytest.mark.django_db
RICE = gs1.gtin_with_check_digit("690123400010")
PILLS = gs1.gtin_with_check_digit("692123450030")


@pytest.fixture
def farm(db):
    return registry.register({"uscc": f.uscc(8101), "name": "南通稻香农业专业合作社"}, Actor("test"), roles=["merchant"])


@pytest.fixture
def capturer(platform_org):
    return f.principal("platform_client", platform_org)


def test_registered_product_is_stored_as_gtin14_and_change_logged(capturer, farm):
    product = products.register(capturer, gtin=RICE.lstrip("0"), name="  稻香 有机大米  5kg ", brand="稻香",
                                category="edible_farm_product", owner_id=farm.pk, net_weight_kg="5")
    assert product.gtin == RICE and len(product.gtin) == 14
    assert product.name == "稻香 有机大米 5kg" and product.owner == farm and product.log_seq
    described = products.describe(product)
    assert described["china"] is True and described["gs1_country"] == "中国"
    assert described["category_name"] == "食用农产品" and described["unit"] == "lot"
    assert verify().ok


def test_a_wrong_check_digit_is_refused_with_the_right_digit(capturer):
    wrong = RICE[:-1] + str((int(RICE[-1]) + 1) % 10)
    with pytest.raises(ValidationFailed) as exc:
        products.register(capturer, gtin=wrong, name="大米")
    assert exc.value.code == "gtin_bad_check_digit" and f"应为 {RICE[-1]}" in str(exc.value.message)


@given(st.text("0123456789", min_size=1, max_size=16))
@settings(max_examples=30, deadline=None)
def test_only_valid_gtins_are_accepted(text):
    try:
        code = products.clean_gtin(text)
    except ValidationFailed as exc:
        assert exc.field == "gtin" and exc.code.startswith("gtin_")
        assert not gs1.is_valid_gtin(text)
    else:
        assert gs1.is_valid_gtin(text) and code == text.zfill(14)


def test_a_gtin_is_registered_once(capturer):
    products.register(capturer, gtin=RICE, name="大米")
    with pytest.raises(Conflict):
        products.register(capturer, gtin=RICE[1:], name="又一次")


def test_unknown_category_names_the_known_ones(capturer):
    with pytest.raises(ValidationFailed) as exc:
        products.register(capturer, gtin=RICE, name="大米", category="grain")
    assert "edible_farm_product" in str(exc.value.message) and "稀土产品" in str(exc.value.message)


def test_category_is_suggested_from_the_name_but_never_assigned(capturer):
    product = products.register(capturer, gtin=PILLS, name="阿莫西林胶囊 0.25g×24粒")
    assert product.category == ""
    assert products.suggest_category(product.name) == "drug"
    assert products.suggest_category("有机化肥 40kg") == "farm_input"
    assert products.suggest_category("农药 乐果") == "farm_input"     # not a drug: 农药 comes first
    assert products.suggest_category("手机壳") == ""


def test_a_subject_registers_only_its_own_products(farm):
    own = f.principal("subject_account", f.organisation("subject", "self_farm"), subject_id=farm.pk)
    product = products.register(own, gtin=RICE, name="大米")
    assert product.owner == farm
    other = registry.register({"uscc": f.uscc(8102), "name": "别家公司"}, Actor("test"))
    with pytest.raises(Forbidden):
        products.register(own, gtin=PILLS, name="别家的药", owner_id=other.pk)


def test_persons_are_not_named_as_owners(capturer):
    person = registry.register({"ric": f.ric(31), "name": "张三"}, Actor("test"))
    with pytest.raises(ValidationFailed) as exc:
        products.register(capturer, gtin=RICE, name="大米", owner_id=person.pk)
    assert exc.value.code == "owner_not_organisation"


def test_departments_without_capture_rights_cannot_register(officer):
    with pytest.raises(Forbidden):
        products.register(officer, gtin=RICE, name="大米")


def test_only_registrant_owner_or_credit_office_correct_a_product(capturer, farm, admin, db):
    products.register(capturer, gtin=RICE, name="大米", owner_id=farm.pk)
    other_platform = f.principal("platform_client", f.organisation("platform", "platform_other"))
    with pytest.raises(Forbidden):
        products.update(other_platform, RICE, name="改名")
    owner = f.principal("subject_account", f.organisation("subject", "self_farm2"), subject_id=farm.pk)
    assert products.update(owner, RICE, category="edible_farm_product", reason="补登类别").category == \
        "edible_farm_product"
    assert products.update(admin, RICE, name="稻香大米").name == "稻香大米"
    assert verify().ok


def test_api_register_and_read(platform_org):
    token = f.client_token(platform_org, "platform_client")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = client.post("/api/v1/trace/products", {"gtin": RICE, "name": "大米", "category": "edible_farm_product"},
                         content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["trace_page"] == f"/01/{RICE}"
    wrong = RICE[:-1] + str((int(RICE[-1]) + 3) % 10)
    refused = Client().get(f"/api/v1/trace/products/{wrong}")
    assert refused.status_code == 422 and refused.json()["field"] == "gtin"
    assert Client().get(f"/api/v1/trace/products/{PILLS}").status_code == 404
    listed = Client().get("/api/v1/trace/products?q=大米").json()
    assert [p["gtin"] for p in listed] == [RICE]
    categories = Client().get("/api/v1/trace/categories").json()
    assert [c["code"] for c in categories["categories"]] == [
        "edible_farm_product", "food", "drug", "farm_input", "special_equipment", "hazardous_goods", "rare_earth"]
