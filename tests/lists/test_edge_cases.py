"""Grounds and exits at their edges: a red-list entry whose grade falls, the abnormal-operations record that
turns into a serious-list ground after three years, a list record corrected through the archive, a negative
record under objection."""

from __future__ import annotations

import datetime as dt

import pytest

from ecredit.archive import flows as archive_flows
from ecredit.archive.models import CreditRecord
from ecredit.audit.services import verify
from ecredit.lists import flows, services
from ecredit.lists import tasks as list_tasks
from ecredit.lists.models import EntryStatus, TaskStatus

from .world import World, background_tasks, on_day, set_grade

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with on_day(dt.date(2026, 3, 2)):
        return World()


def publish(world: World, list_type: str, subject, start: dt.date, decided: dt.date):
    """Scan, notice on `start`, decision and publication on `decided` (after the objection window)."""
    decider = world.principal(world.decider(list_type))
    with on_day(start):
        services.scan(subject_ids=[subject.pk], list_types=[list_type])
        entry = world.entry(list_type, subject)
        assert entry is not None, f"{subject.name} not proposed for {list_type}"
        flows.notify(entry.pk, decider, channel="in_system", reference="告1号")
    with on_day(decided):
        flows.decide(entry.pk, decider, list_subject=True, decision_no="列1号", text="决定列入")
        return flows.publish(entry.pk, decider)


def test_a_red_list_entry_is_revoked_when_the_grade_falls(world):
    """Exit ground grade_fell (grade C or D): the daily pass revokes the entry and its measures end."""
    with on_day(dt.date(2026, 3, 2)):
        subject = world.add_subject("南通守信电子商务有限公司")
        set_grade(subject, "A")
    entry = publish(world, "red_list", subject, dt.date(2026, 3, 2), dt.date(2026, 3, 10))
    assert entry.status == EntryStatus.PUBLISHED
    with on_day(dt.date(2026, 4, 1)):
        set_grade(subject, "B")                                  # B: still listed
        assert list_tasks.daily()["revoked"] == 0
        set_grade(subject, "C")
    with on_day(dt.date(2026, 4, 2)):
        assert list_tasks.daily()["revoked"] == 1
        assert world.shown_publicly("red_list", subject, dt.date(2026, 4, 2)) is False
    entry.refresh_from_db()
    assert (entry.status, entry.exited_on) == (EntryStatus.REVOKED, dt.date(2026, 4, 2))
    assert "grade_fell" in entry.exit_reason
    assert set(entry.tasks.values_list("status", flat=True)) == {TaskStatus.CANCELLED}
    assert verify().ok


def test_three_years_on_the_abnormal_operations_list_grounds_the_serious_list(world):
    """《企业信息公示暂行条例》第十七条: three years on the abnormal-operations list without fulfilling the duty
    leads to the serious list. The abnormal record's publicity ends exactly three years after its decision; the
    ground (lists.yaml: older than 2 years 11 months) proposes the subject a month before, so that the notice and
    objection window run by then, and the ground holds on every day of that month (a missed daily run is caught
    the next day)."""
    with on_day(dt.date(2026, 1, 20)):
        subject = world.add_subject("南通长期异常商贸有限公司")
        world.record({"type": "abnormal_operation_list", "date": dt.date(2023, 3, 10)}, subject)
        assert CreditRecord.objects.get(subject=subject).public_until == dt.date(2026, 3, 10)
    with on_day(dt.date(2026, 2, 9)):
        assert list_tasks.daily()["scan"]["proposed"]["serious_dishonesty"] == 0
    with on_day(dt.date(2026, 2, 12)):   # 2 years 11 months after 2023-03-10 is 2026-02-10
        assert list_tasks.daily()["scan"]["proposed"]["serious_dishonesty"] == 1
    entry = world.entry("serious_dishonesty", subject)
    assert [g["code"] for g in entry.grounds] == ["abnormal_three_years"]


# ---------------------------------------------------------------------------------------------- reported bugs


def test_a_contested_penalty_still_keeps_a_subject_off_the_red_list(world):
    with on_day(dt.date(2026, 3, 10)):
        subject = world.add_subject("南通异议中电子商务有限公司")
        set_grade(subject, "A")
        record_id = world.record({"type": "admin_penalty_general", "date": dt.date(2026, 2, 2)}, subject)
        archive_flows.file_objection(record_id, world.account(subject), reason="对处罚记录的金额有异议")
        assert CreditRecord.objects.get(pk=record_id).status == "objected"
        result = services.scan(subject_ids=[subject.pk], list_types=["red_list"])
    # The penalty stands while its record is contested (it still counts in the grade and is shown, marked).
    assert result.proposed["red_list"] == 0


def test_an_entry_follows_a_correction_of_its_list_record(world):
    with on_day(dt.date(2026, 3, 2)):
        subject = world.add_subject("南通更正日期商贸有限公司")
        world.record({"type": "admin_penalty_serious", "date": dt.date(2026, 3, 2)}, subject)
    entry = publish(world, "serious_dishonesty", subject, dt.date(2026, 3, 3), dt.date(2026, 3, 11))
    assert entry.ends_on == dt.date(2029, 3, 11)
    with on_day(dt.date(2026, 4, 1)), background_tasks():
        objection = archive_flows.file_objection(entry.record_id, world.account(subject),
                                                 reason="列入决定日期登记有误，应为2026年3月5日")
        archive_flows.decide_objection(objection.pk, world.principal("department"), upheld=True,
                                       decision="异议成立，更正决定日期", correction={"decided_on": "2026-03-05"})
    record = CreditRecord.objects.get(pk=entry.record_id)
    assert (record.public_until, record.repair_from) == (dt.date(2029, 3, 5), dt.date(2027, 3, 5))
    entry.refresh_from_db()
    assert (entry.ends_on, entry.repair_from) == (record.public_until, record.repair_from)
