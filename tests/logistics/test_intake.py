"""Carriers' waybills and scans by the services: row-level reports, atomic batches, re-sends, derived state,
personal data at rest, and the change log."""

from __future__ import annotations

import pytest

from ecredit.audit.services import verify
from ecredit.kit.errors import Conflict, Forbidden, ValidationFailed
from ecredit.logistics import services
from ecredit.logistics.models import ParcelBatch, Scan, Waybill, WaybillOrder
from ecredit.logistics.services.common import open_consignee
from tests import factories as f

from .conftest import PHONE, PLATFORM_USCC, journey, waybill

pytestmark = pytest.mark.django_db


def test_good_rows_go_in_and_bad_rows_are_named(carrier):
    batch = services.submit_waybills([
        waybill("YT1000000001"),
        waybill("YT1000000002", destination="31010"),              # not a region code
        waybill("YT1000000003", created_at="2999-01-01T10:00:00"),  # in the future
        {"waybill_no": "YT1000000004"},                             # no creation time
        waybill("YT1000000001"),                                    # the same number twice
        waybill("YT1000000005", platform_uscc="91320602MA1XXXXXXX"),
    ], carrier.principal)
    assert (batch.status, batch.created, batch.rejected) == ("partial", 1, 5)
    assert [(e["index"], e["field"], e["code"]) for e in batch.errors] == [
        (1, "destination", "bad_region"), (2, "created_at", "future_time"), (3, "created_at", "required"),
        (4, "waybill_no", "duplicate_in_batch"), (5, "platform_uscc", "bad_check_digit")]
    assert batch.ids[0] == Waybill.objects.get(waybill_no="YT1000000001").pk and batch.ids[1] is None


def test_atomic_batch_keeps_nothing_when_a_row_is_refused(carrier):
    batch = services.submit_waybills([waybill("YT2000000001"), waybill("YT2000000002", weight_kg="-1")],
                                     carrier.principal, atomic=True)
    assert batch.status == "rejected" and batch.created == 0 and batch.errors[0]["code"] == "bad_weight"
    assert not Waybill.objects.exists()


def test_resent_waybill_is_unchanged_and_a_changed_one_updated(carrier):
    services.submit_waybills([waybill("YT3000000001"), waybill("YT3000000002")], carrier.principal)
    again = services.submit_waybills([waybill("YT3000000001"), waybill("YT3000000002", scanned_weight_kg="1.4",
                                                                       orders=[{"platform_uscc": PLATFORM_USCC,
                                                                                "order_no": "O-OTHER"}])],
                                     carrier.principal)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    second = Waybill.objects.get(waybill_no="YT3000000002")
    assert str(second.scanned_weight_kg) == "1.400"
    assert sorted(second.orders.values_list("order_no", flat=True)) == ["O-OTHER", "O-YT3000000002"]
    assert Waybill.objects.count() == 2


def test_batch_id_replays_the_first_answer_and_refuses_other_rows(carrier):
    first = services.submit_waybills([waybill("YT4000000001")], carrier.principal, client_batch_id="B-1")
    again = services.submit_waybills([waybill("YT4000000001")], carrier.principal, client_batch_id="B-1")
    assert again.pk == first.pk and again.replayed
    with pytest.raises(Conflict):
        services.submit_waybills([waybill("YT4000000002")], carrier.principal, client_batch_id="B-1")


def test_consignee_is_encrypted_and_masked(carrier):
    services.submit_waybills([waybill("YT5000000001")], carrier.principal)
    item = Waybill.objects.get()
    assert (item.consignee_name_masked, item.consignee_phone_masked) == ("王**", "139****5678")
    assert item.consignee_address_masked == "上海市黄浦区****"
    assert PHONE.encode() not in bytes(item.consignee_cipher) and "王小明".encode() not in bytes(item.consignee_cipher)
    assert open_consignee(item) == {"name": "王小明", "phone": PHONE, "address": "上海市黄浦区南京东路100号3楼"}
    batch = ParcelBatch.objects.get()
    assert PHONE not in str(batch.errors) and len(batch.content_hash) == 64


def test_scans_derive_the_waybill_state_and_resent_scans_are_not_duplicated(carrier):
    services.submit_waybills([waybill("YT6000000001")], carrier.principal)
    scans = journey("YT6000000001", hours=30)
    batch = services.submit_scans(scans, carrier.principal)
    assert batch.created == len(scans) and not batch.errors
    item = Waybill.objects.get()
    assert item.state == "signed" and item.scans_count == len(scans)
    assert item.accepted_region == "320613" and item.signed_region == "310101"
    assert (item.signed_at - item.accepted_at).total_seconds() == 30 * 3600
    again = services.submit_scans(scans + scans[:2], carrier.principal)
    assert (again.created, again.unchanged) == (0, len(scans) + 2)
    assert Scan.objects.count() == len(scans)


def test_scan_of_an_unknown_waybill_makes_a_bare_one_filled_in_later(carrier):
    services.submit_scans(journey("YT7000000001", end=""), carrier.principal)
    bare = Waybill.objects.get()
    assert bare.state == "arrived" and bare.order_no == "" and bare.origin_region == "320613"
    update = services.submit_waybills([waybill("YT7000000001")], carrier.principal)
    assert update.updated == 1
    bare.refresh_from_db()
    assert bare.order_no == "O-YT7000000001" and bare.state == "arrived"


def test_station_types_are_taken_guessed_or_refused(carrier):
    batch = services.submit_scans([
        {"waybill_no": "YT8000000001", "time": "2026-01-02T10:00:00", "state": "arrived", "station": "杭州转运中心"},
        {"waybill_no": "YT8000000001", "time": "2026-01-02T11:00:00", "state": "arrived", "station": "某某点",
         "station_type": "分拨中心"},
        {"waybill_no": "YT8000000001", "time": "2026-01-02T12:00:00", "state": "in_transit",
         "text": "快件已到达【上海分拨中心】"},
        {"waybill_no": "YT8000000001", "time": "2026-01-02T13:00:00", "state": "arrived", "station": "X",
         "station_type": "warehouse"},
    ], carrier.principal)
    assert [e["code"] for e in batch.errors] == ["bad_station_type"]
    assert list(Scan.objects.order_by("at").values_list("station_type", flat=True)) == [
        "transit_centre", "hub", "hub"]


def test_couriers_and_free_text_keep_no_phone_numbers(carrier):
    services.submit_scans(journey("YT9000000001"), carrier.principal)
    delivering = Scan.objects.get(state="out_for_delivery")
    assert delivering.courier_name_masked == "赵*" and delivering.courier_phone_masked == "137****2222"
    assert "13700002222" not in delivering.text and "137****2222" in delivering.text


def test_people_named_in_the_text_are_masked(carrier):
    services.submit_scans([
        {"waybill_no": "YT9100000001", "time": "2026-01-02T10:00:00", "state": "signed", "text": "已签收，签收人：李红梅。"},
        {"waybill_no": "YT9100000001", "time": "2026-01-02T09:00:00", "state": "arrived", "text": "取件人: 本人"},
        {"waybill_no": "YT9100000001", "time": "2026-01-02T08:00:00", "state": "out_for_delivery",
         "courier_name": "吴秀英", "text": "派件员吴秀英正在派件"},
        {"waybill_no": "YT9100000001", "time": "2026-01-02T07:00:00", "state": "arrived", "text": "快递员：Zhang 已到达"}],
        carrier.principal)
    assert list(Scan.objects.order_by("at").values_list("text", flat=True)) == [
        "快递员：Z**** 已到达", "派件员吴**正在派件", "取件人: 本人", "已签收，签收人：李**。"]


def test_only_courier_firms_report_parcels(carrier, officer, platform_org):
    with pytest.raises(Forbidden):
        services.submit_scans(journey("YT1100000001"), officer)
    with pytest.raises(Forbidden):
        services.submit_waybills([waybill("YT1100000001")], f.principal("platform_client", platform_org))
    unregistered = f.principal("logistics_client", f.organisation("logistics", "no_subject", uscc=f.uscc(5151)))
    with pytest.raises(Forbidden):
        services.submit_waybills([waybill("YT1100000001")], unregistered)


def test_a_waybill_number_is_per_carrier(carrier, other_carrier):
    services.submit_waybills([waybill("YT1200000001")], carrier.principal)
    services.submit_waybills([waybill("YT1200000001", order_no="O-X")], other_carrier.principal)
    assert Waybill.objects.filter(waybill_no="YT1200000001").count() == 2
    services.submit_scans(journey("YT1200000001"), other_carrier.principal)
    mine = Waybill.objects.get(waybill_no="YT1200000001", carrier=carrier.subject)
    assert mine.state == "created" and mine.scans_count == 0


def test_unknown_vocabulary_and_codes_are_refused(carrier):
    with pytest.raises(ValidationFailed) as refused:
        services.submit_scans(journey("YT1300000001"), carrier.principal, vocabulary="sf_express")
    assert refused.value.code == "unknown_vocabulary"
    batch = services.submit_scans([{"waybill_no": "YT1300000001", "time": "2026-01-01T10:00:00", "state": "99"}],
                                  carrier.principal, vocabulary="aggregator")
    assert batch.errors[0]["code"] == "bad_state"


def test_batches_are_change_logged_and_the_log_verifies(carrier):
    services.submit_waybills([waybill("YT1400000001")], carrier.principal)
    services.submit_scans(journey("YT1400000001"), carrier.principal)
    assert all(b.log_seq for b in ParcelBatch.objects.all())
    result = verify()
    assert result.ok, result.problem
    assert WaybillOrder.objects.count() == 1
