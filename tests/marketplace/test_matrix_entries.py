"""The marketplace's lines for MATRIX in tests/api/test_authorisation.py, run here against the same world
(with the order, rating and shop the world fixture is to add) until they are merged there."""

from __future__ import annotations

import pytest

from ecredit.marketplace import services as marketplace
from ecredit.registry.models import Subject
from tests.api.conftest import CALLERS, _module_world, world  # noqa: F401  (the fixture)

from .conftest import order, rating

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.marketplace.urls")]

ALL_OK = {c: 200 for c in CALLERS} | {"badtoken": 401}

# --- to add to MATRIX in tests/api/test_authorisation.py
#     (with `from tests.marketplace.conftest import order, rating`)
ENTRIES = {
    "push_orders": ("post", "/api/v1/marketplace/orders", lambda w: {"orders": [order("M2")]},
                    {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200}),
    "push_ratings": ("post", "/api/v1/marketplace/ratings", lambda w: {"ratings": [rating("M1")]},
                     {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200}),
    "append_review": ("post", "/api/v1/marketplace/ratings/{rating}/appended", {"text": "用了一个月，依然满意"},
                      {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200}),
    "shield_review": ("post", "/api/v1/marketplace/ratings/{rating}/shield", {"ground": "off_topic"},
                      {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200,
                                                   "admin": 200}),
    "shop_reputation": ("get", "/api/v1/marketplace/shops/{shop}/reputation", None, ALL_OK),
}


def add_trades(w) -> None:
    """The lines for the end of the `world` fixture in tests/api/conftest.py."""
    from ecredit.access.models import Organisation
    from tests import factories as f

    platform_principal = f.principal("platform_client", Organisation.objects.get(code="platform_1"))
    # --- to add to tests/api/conftest.py `world` (platform_principal is already there) ---
    marketplace.submit_orders([order("M1")], platform_principal)
    w.ids["rating"] = marketplace.submit_ratings([rating("M1")], platform_principal).ids[0]
    w.ids["shop"] = Subject.objects.get(platform__uscc=w.platform_uscc, shop_id="S1").pk


CASES = [(name, caller) for name in ENTRIES for caller in CALLERS]


@pytest.mark.parametrize("name, caller", CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_marketplace_matrix_entries(world, name, caller):  # noqa: F811
    add_trades(world)
    method, template, body, expected = ENTRIES[name]
    path = template.format(**world.ids)
    client = world.client(caller)
    if method == "get":
        response = client.get(path)
    else:
        payload = body(world) if callable(body) else body
        response = client.post(path, payload, content_type="application/json")
    assert response.status_code == expected[caller], response.content.decode()[:300]
    if response.status_code >= 400:
        assert response.json()["code"]
