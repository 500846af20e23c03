"""Bulk intake: what a department sees when it sends records, sends them again, or sends bad ones."""

from __future__ import annotations

import pytest

from ecredit.archive import services
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.audit.models import ChangeLogEntry
from ecredit.audit.services import verify
from ecredit.registry.models import Subject
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_batch_creates_records_subjects_and_log(officer):
    items = [f.penalty(f"P{i}") for i in range(5)]
    report = services.ingest(items, officer)
    assert (report.created, report.rejected) == (5, 0)
    assert CreditRecord.objects.count() == 5
    # unknown organisations are created, marked not yet verified
    assert Subject.objects.filter(verified=False).count() == 5
    assert ChangeLogEntry.objects.count() == 10  # 5 subjects + 5 records
    assert verify().ok


def test_resending_the_same_batch_changes_nothing(officer):
    items = [f.penalty(f"P{i}") for i in range(3)]
    services.ingest(items, officer)
    log_size = ChangeLogEntry.objects.count()
    again = services.ingest(items, officer)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert CreditRecord.objects.count() == 3
    assert ChangeLogEntry.objects.count() == log_size


def test_resending_with_new_content_updates_and_logs(officer):
    item = f.penalty("P1")
    services.ingest([item], officer)
    item["summary"] = "销售不合格商品（更正金额）"
    report = services.ingest([item], officer)
    assert (report.created, report.updated) == (0, 1)
    record = CreditRecord.objects.get()
    assert record.summary.endswith("（更正金额）")
    assert ChangeLogEntry.objects.filter(model="archive.creditrecord", object_id=record.pk).count() == 2
    assert verify().ok


def test_bad_rows_are_reported_and_good_rows_kept(officer):
    good = f.penalty("G1")
    code = f.uscc()
    bad_code = f.penalty("B1", {"uscc": code[:-1] + ("0" if code[-1] != "0" else "1"), "name": "x"})
    no_type = {**f.penalty("B2"), "type": "no_such_type"}
    future = {**f.penalty("B3"), "decided_on": "2999-01-01"}
    report = services.ingest([good, bad_code, no_type, future], officer)
    assert report.created == 1
    by_index = {e.index: e for e in report.errors}
    assert set(by_index) == {1, 2, 3}
    assert by_index[1].field == "subject.uscc"
    assert by_index[2].code == "unknown_type"
    assert by_index[3].code == "future_date"
    assert CreditRecord.objects.count() == 1


def test_atomic_batch_with_one_bad_row_writes_nothing(officer):
    items = [f.penalty("A1"), {**f.penalty("A2"), "decided_on": "not a date"}]
    report = services.ingest(items, officer, atomic=True)
    assert report.created == 0 and report.rejected == 2
    assert CreditRecord.objects.count() == 0 and ChangeLogEntry.objects.count() == 0


def test_duplicate_id_within_a_batch_is_refused(officer):
    report = services.ingest([f.penalty("D1"), f.penalty("D1")], officer)
    assert report.created == 1 and report.errors[0].code == "duplicate_in_batch"


def test_same_id_from_two_sources_is_two_records(officer, other_department):
    other = f.principal("department_officer", other_department)
    services.ingest([f.penalty("X1")], officer)
    services.ingest([f.penalty("X1")], other)
    assert CreditRecord.objects.count() == 2


def test_source_not_in_catalog_sources_is_refused(platform_org):
    platform = f.principal("platform_client", platform_org)
    report = services.ingest([f.penalty("P1")], platform)
    assert report.created == 0 and report.errors[0].code == "source_not_allowed"


def test_revoked_record_leaves_public_view(officer, public):
    report = services.ingest([f.penalty("R1", kinds=["fine"], fine=50)], officer)
    record_id = report.record_ids[0]
    assert CreditRecord.objects.visible_to(public).filter(pk=record_id).exists()
    services.revoke(record_id, officer, reason="行政复议撤销原处罚决定")
    assert CreditRecord.objects.get(pk=record_id).status == RecordStatus.REVOKED
    assert not CreditRecord.objects.visible_to(public).filter(pk=record_id).exists()
    assert verify().ok


def test_records_past_their_window_expire_and_are_logged(officer, public):
    report = services.ingest([f.penalty("OLD", decided_on="2020-01-10", fine=5),
                              f.penalty("NEW", decided_on="2025-01-10", fine=5)], officer)
    old, new = report.record_ids
    assert not CreditRecord.objects.visible_to(public).filter(pk=old).exists()  # by date already
    assert services.expire_due() == 1
    assert CreditRecord.objects.get(pk=old).status == RecordStatus.EXPIRED
    assert CreditRecord.objects.get(pk=new).status == RecordStatus.ACTIVE
    assert services.expire_due() == 0
    assert ChangeLogEntry.objects.filter(action="expire", object_id=old).count() == 1
    assert verify().ok
