"""A courier's broken or hostile file is refused whole, naming why, and writes nothing (ecredit.uploads guards it)."""

from __future__ import annotations

import pytest

from ecredit.audit.models import ChangeLogEntry
from ecredit.kit.errors import ValidationFailed
from ecredit.logistics.files import import_parcels
from ecredit.logistics.models import Scan, Waybill
from tests.test_uploads import bomb, xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name, data, code", [
    ("scans.xlsx", bomb(30), "too_large"),
    ("scans.xlsx", xlsx([["运单号", "时间", "状态"], ["YT1", "2026-11-01 10:00", "揽收" * 20_000]]), "cell_too_long"),
    ("scans.csv", bytes(range(128, 256)) * 40, "bad_encoding"),
], ids=["bomb", "huge-cell", "undecodable"])
def test_refused_whole_and_nothing_written(carrier, name, data, code):
    before = (Waybill.objects.count(), Scan.objects.count(), ChangeLogEntry.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        import_parcels(data, name, "carrier_scans", carrier.principal)
    assert caught.value.code == code
    assert (Waybill.objects.count(), Scan.objects.count(), ChangeLogEntry.objects.count()) == before
