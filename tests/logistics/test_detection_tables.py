"""The columns logistics hands the empty-parcel rules (contract `detection_tables`), checked against
`ecredit.detection.find_empty_parcels` with a planted empty parcel and a reused waybill."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from ecredit.detection import find_empty_parcels
from ecredit.logistics import services

from .conftest import PLATFORM_USCC, journey, waybill

pytestmark = pytest.mark.django_db


def _orders(numbers: list[str], days_ago: int) -> dict:
    """The orders table the findings app builds from the marketplace (here by hand): paid a day before."""
    paid = np.datetime64(timezone.now().replace(tzinfo=None) - dt.timedelta(days=days_ago + 1), "s")
    ids = [f"{PLATFORM_USCC}/O-{n}" for n in numbers] + [f"{PLATFORM_USCC}/O-SECOND"]
    return {"order_id": np.array(ids), "shop": np.array([1] * len(numbers) + [2]),
            "paid_at": np.array([paid] * len(ids)), "goods_weight": np.full(len(ids), 1.0),
            "city": np.array(["310100"] * len(numbers) + ["440300"])}


def test_tables_follow_the_contract_and_feed_the_rules(carrier):
    days_ago = 4
    normal = [f"YT77000000{n:02d}" for n in range(1, 4)]
    rows = [waybill(n, days_ago=days_ago) for n in normal]
    rows.append(waybill("YT7700000050", days_ago=days_ago))                       # the empty parcel
    rows.append(waybill("YT7700000060", days_ago=days_ago,                        # one waybill, two orders
                        orders=[{"platform_uscc": PLATFORM_USCC, "order_no": "O-SECOND"}]))
    rows.append(waybill("YT7700000070", days_ago=days_ago, platform_uscc="", order_no=""))   # no order
    rows.append(waybill("YT7700000080", days_ago=40))                             # before the window
    assert not services.submit_waybills(rows, carrier.principal).errors
    scans = [s for n in normal + ["YT7700000060", "YT7700000070"] for s in journey(n, days_ago=days_ago)]
    scans += journey("YT7700000050", days_ago=days_ago, hours=3, hub=False)
    scans += journey("YT7700000080", days_ago=40, hours=40)
    assert not services.submit_scans(scans, carrier.principal).errors

    today = timezone.localdate()
    waybills, scan_table, history = services.detection_tables(today - dt.timedelta(days=10), today)

    assert sorted(waybills) == ["carrier", "created_at", "destination", "order_id", "origin", "scanned_weight",
                                "waybill_no", "weight"]
    assert list(waybills["waybill_no"]) == [*normal, "YT7700000050", "YT7700000060", "YT7700000060"]
    assert f"{PLATFORM_USCC}/O-SECOND" in set(waybills["order_id"])
    assert waybills["created_at"].dtype == np.dtype("datetime64[s]")
    assert set(waybills["origin"]) == {"320600"} and set(waybills["destination"]) == {"310100"}
    assert np.all(waybills["weight"] == 1.2) and np.all(np.isnan(waybills["scanned_weight"]))
    assert set(waybills["carrier"]) == {carrier.subject.pk}
    assert sorted(scan_table) == ["city", "kind", "time", "waybill_no"]
    assert "YT7700000070" in set(scan_table["waybill_no"]) and "YT7700000080" not in set(scan_table["waybill_no"])
    assert {"accepted", "hub", "out_for_delivery", "signed"} <= set(scan_table["kind"])
    assert not np.any(scan_table["kind"][scan_table["waybill_no"] == "YT7700000050"] == "hub")
    assert scan_table["time"].dtype == np.dtype("datetime64[s]")
    assert list(history["transit"]) == [40 * 3600.0] and list(history["origin"]) == ["320600"]

    hits = find_empty_parcels(_orders(normal + ["YT7700000050", "YT7700000060"], days_ago), waybills, scan_table,
                              history=history, rules=("no_hub_scan", "reused_waybill", "created_before_payment"))
    found = {(h.rule, h.waybill_no, h.order_id) for h in hits}
    assert found == {("no_hub_scan", "YT7700000050", f"{PLATFORM_USCC}/O-YT7700000050"),
                     ("reused_waybill", "YT7700000060", f"{PLATFORM_USCC}/O-SECOND")}


def test_no_waybills_gives_empty_columns(db):
    today = timezone.localdate()
    waybills, scans, history = services.detection_tables(today, today)
    assert all(len(v) == 0 for v in (*waybills.values(), *scans.values(), *history.values()))
    assert waybills["created_at"].dtype == np.dtype("datetime64[s]") and scans["time"].dtype.kind == "M"
