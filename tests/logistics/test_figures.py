"""Courier firms' monthly figures against the service standards, and the record a failed month becomes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from ecredit.archive.models import CreditRecord
from ecredit.audit.services import verify as verify_log
from ecredit.logistics import services
from ecredit.logistics.models import CarrierFigures
from ecredit.logistics.services import figures

from .conftest import console_client, journey, waybill

pytestmark = pytest.mark.django_db


def _month_back(months: int) -> tuple[dt.date, int]:
    """The first day of the month `months` back, and how many days ago its 3rd was."""
    first = timezone.localdate().replace(day=1)
    for _ in range(months):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, (timezone.localdate() - first).days - 2


def _send(carrier, days_ago: int, plan: dict[str, int], prefix: str) -> list[str]:
    """Waybills picked up `days_ago` days back: `plan` counts of on_time, late, lost, reported_lost, refused,
    same_city (signed in 20 hours within the city)."""
    rows, scans, numbers = [], [], []
    n = 0
    for kind, count in plan.items():
        for _ in range(count):
            n += 1
            no = f"{prefix}{n:08d}"
            numbers.append(no)
            city = kind == "same_city"
            rows.append(waybill(no, days_ago=days_ago, destination="320612" if city else "310101"))
            if kind in ("on_time", "same_city"):
                scans += journey(no, days_ago=days_ago, hours=20 if city else 30,
                                 destination="320612" if city else "310101")
            elif kind == "late":
                scans += journey(no, days_ago=days_ago, hours=100)
            elif kind == "lost":
                scans += journey(no, days_ago=days_ago, end="")
            elif kind == "reported_lost":
                scans += journey(no, days_ago=days_ago, end="")
                scans.append({**scans[-1], "time": scans[-1]["time"][:10] + "T23:00:00+08:00", "state": "problem",
                              "text": "快件在中转过程中丢失，已登记理赔"})
            elif kind == "refused":
                scans += journey(no, days_ago=days_ago, hours=30, end="refused")
    assert not services.submit_waybills(rows, carrier.principal).errors
    assert not services.submit_scans(scans, carrier.principal).errors
    return numbers


def _feedback(number: str, satisfaction: int, complaint: bool, days_ago: int) -> None:
    when = timezone.now() - dt.timedelta(days=days_ago - 3)
    item = services.find(number)[0]
    proof = services.verify(item, "5678", "10.2.2.2", now=when)
    services.give_feedback(proof, satisfaction=satisfaction, complaint=complaint, now=when)


def test_a_month_of_a_carrier(carrier, other_department):
    first, days_ago = _month_back(2)
    numbers = _send(carrier, days_ago, {"on_time": 40, "same_city": 5, "late": 8, "lost": 3, "reported_lost": 1,
                                        "refused": 3}, "FG")
    _feedback(numbers[0], 5, False, days_ago)
    _feedback(numbers[1], 1, True, days_ago)
    assert figures.refresh_figures([first]) == 1
    row = CarrierFigures.objects.get(carrier=carrier.subject, month=first)
    assert (row.waybills, row.delivered, row.refused) == (60, 53, 3)
    assert (row.on_time, row.late, row.lost) == (45, 12, 4)       # late: 8 signed late + 4 never signed
    assert row.on_time_rate == pytest.approx(45 / 57, abs=1e-6)
    assert row.loss_rate == pytest.approx(4 / 60, abs=1e-6)
    assert (row.complaints, row.feedback_count, row.feedback_average) == (1, 2, 3.0)
    assert row.complaints_per_million == pytest.approx(1e6 / 60, abs=0.01)
    assert row.judged and row.final and row.passed is False

    ids = figures.write_quality_records()
    record = CreditRecord.objects.get(pk=ids[0])
    assert record.record_type_id == "logistics_service_quality" and record.subject_id == carrier.subject.pk
    assert record.source.code == "postal" and record.details["grade"] == "未达标"
    assert record.details["on_time_rate"] == pytest.approx(78.9, abs=0.05)
    assert "时限准时率" in record.summary and "丢失率" in record.summary
    assert figures.write_quality_records() == []                  # once per month
    figures.refresh_figures([first])
    assert CarrierFigures.objects.get(pk=row.pk).record_id == record.pk
    assert verify_log().ok


def test_a_good_month_writes_no_record_and_a_small_one_is_not_judged(carrier, other_carrier, other_department):
    first, days_ago = _month_back(2)
    _send(carrier, days_ago, {"on_time": 55}, "GD")
    _send(other_carrier, days_ago, {"late": 10}, "SM")
    figures.refresh_figures([first])
    good = CarrierFigures.objects.get(carrier=carrier.subject)
    small = CarrierFigures.objects.get(carrier=other_carrier.subject)
    assert good.passed is True and good.on_time_rate == 1.0 and good.loss_rate == 0
    assert not small.judged and small.passed is None and small.on_time_rate == 0
    assert figures.write_quality_records() == []


def test_the_current_month_is_not_final_and_parcels_on_their_way_are_not_late_yet(carrier):
    picked_up = timezone.localtime() - dt.timedelta(hours=1)
    services.submit_waybills([waybill("NW00000001", days_ago=0, created_at=picked_up.isoformat())],
                             carrier.principal)
    services.submit_scans([{"waybill_no": "NW00000001", "time": picked_up.isoformat(), "state": "accepted"}],
                          carrier.principal)
    figures.refresh_figures([picked_up.date()])
    row = CarrierFigures.objects.get()
    assert not row.final and (row.late, row.lost) == (0, 0) and row.on_time_rate is None


def test_figures_are_public_by_api_and_shown_in_the_console(carrier, other_department):
    first, days_ago = _month_back(2)
    _send(carrier, days_ago, {"on_time": 50, "late": 10}, "PB")
    figures.refresh_figures([first])
    answer = Client().get("/api/v1/parcels/figures", {"month": first.strftime("%Y-%m")}).json()
    assert answer[0]["carrier"] == carrier.subject.name and answer[0]["waybills"] == 60
    assert answer[0]["on_time_rate"] == pytest.approx(50 / 60, abs=1e-6)
    assert Client().get("/api/v1/parcels/figures", {"month": "2026-13"}).status_code == 422
    html = console_client("department_officer", other_department).get(
        "/console/parcels/", {"month": first.strftime("%Y-%m")}).content.decode()
    assert carrier.subject.name in html and "83%" in html and "未达标" in html


def test_the_command_refreshes_and_writes_records(carrier, other_department, capsys):
    from django.core.management import call_command

    first, days_ago = _month_back(2)
    _send(carrier, days_ago, {"on_time": 30, "late": 30}, "CM")
    call_command("parcel-figures", month=[first.strftime("%Y-%m")], records=True)
    out = capsys.readouterr().out
    assert "1 carrier-months" in out and "records written: 1" in out
