"""A platform's broken or hostile trade file is refused whole, naming why, and writes nothing."""

from __future__ import annotations

import pytest

from ecredit.audit.models import ChangeLogEntry
from ecredit.kit.errors import ValidationFailed
from ecredit.marketplace import files
from ecredit.marketplace.models import Order, TradeBatch
from tests.test_uploads import bomb, xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name, data, code", [
    ("orders.xlsx", bomb(30), "too_large"),
    ("orders.xlsx", xlsx([["订单号", "网店编号", "买家"], ["M1", "S1", "买" * 40_000]]), "cell_too_long"),
    ("orders.csv", bytes(range(128, 256)) * 40, "bad_encoding"),
], ids=["bomb", "huge-cell", "undecodable"])
def test_refused_whole_and_nothing_written(market, name, data, code):
    before = (Order.objects.count(), TradeBatch.objects.count(), ChangeLogEntry.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        files.import_trades(data, name, "orders", market.principal)
    assert caught.value.code == code
    assert (Order.objects.count(), TradeBatch.objects.count(), ChangeLogEntry.objects.count()) == before
