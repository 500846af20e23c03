"""Who sees which case, and the complainant's personal data: encrypted at rest, masked when shown, withheld from
platforms, shown in full only to the handling department for a stated purpose, and every such read logged."""

from __future__ import annotations

import datetime as dt

import pytest

from ecredit.access.principal import anonymous
from ecredit.audit.models import AccessLogEntry, ChangeLogEntry
from ecredit.complaints import services
from ecredit.complaints.models import Complaint, Kind
from ecredit.kit.errors import Forbidden, NotFound, ValidationFailed
from tests import factories as f

from .conftest import on_day
from .samples import SAMPLES

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 10, 9)


@pytest.fixture
def cases(city):
    """A 12315 complaint about the platform's shop (market regulation), a 12358 report about the same shop
    (price), a 12345 complaint about a food company (food and drug)."""
    with on_day(DAY):
        for number in ("12315", "12358", "12345"):
            services.intake_hotline(number, [SAMPLES[number][0]], city.hotline(number))
    return {c.channel: c for c in Complaint.objects.all()}


def visible(principal) -> set[str]:
    return set(services.cases(principal).values_list("channel", flat=True))


def test_who_sees_which_case(city, cases):
    assert visible(city.principal("credit_office")) == {"12315", "12358", "12345"}
    assert visible(city.principal("market_regulation")) == {"12315"}
    assert visible(city.principal("price")) == {"12358"}
    assert visible(city.principal("postal")) == set()
    # the platform sees the complaint about its shop, not the report (art. 33), not the food company's case
    assert visible(city.principal("platform")) == {"12315"}
    assert visible(city.hotline("12345")) == {"12345"}
    with pytest.raises(NotFound):
        services.case_for(cases["12315"].pk, city.principal("postal"))
    for outsider in (anonymous(), f.principal("agency_client", f.organisation("agency", "agency_x"))):
        with pytest.raises(Forbidden):
            services.cases(outsider)


def test_the_complainant_is_masked_and_withheld_from_platforms(city, cases):
    case = cases["12315"]
    shown = services.present(case, city.principal("market_regulation"))
    assert shown["complainant"] == {"name": "王**", "phone": "138****5678", "address": "江苏省南通市****"}
    assert services.present(case, city.principal("platform"))["complainant"] is None
    assert services.detail(case.pk, city.hotline("12315"))["complainant"]["phone"] == "138****5678"


def test_the_complainant_in_full_only_for_the_handling_department_and_logged(city, cases):
    case = cases["12315"]
    officer = city.principal("market_regulation")
    with pytest.raises(ValidationFailed):
        services.reveal_complainant(case.pk, officer, purpose=" ", channel="test")
    person = services.reveal_complainant(case.pk, officer, purpose="联系投诉人组织调解", channel="test")
    assert person == {"name": "王小红", "phone": "13812345678", "address": "江苏省南通市崇川区人民路1号"}
    log = AccessLogEntry.objects.get(data=f"complainant:{case.case_no}")
    assert log.purpose == "联系投诉人组织调解" and log.organisation == "market_regulation"
    for other in (city.principal("price"), city.principal("postal")):
        with pytest.raises(NotFound):
            services.reveal_complainant(case.pk, other, purpose="查看", channel="test")
    for other in (city.principal("platform"), city.hotline("12315")):
        with pytest.raises(Forbidden):
            services.reveal_complainant(case.pk, other, purpose="查看", channel="test")
    assert AccessLogEntry.objects.count() == 1


def test_personal_data_is_not_stored_or_logged_in_clear(city, cases):
    case = Complaint.objects.get(pk=cases["12315"].pk)
    assert b"13812345678" not in bytes(case.complainant_cipher)
    states = " ".join(ChangeLogEntry.objects.filter(model="complaints.complaint").values_list("state", flat=True))
    assert "13812345678" not in states and "王小红" not in states and "人民路1号" not in states
    assert "138****5678" in states


def test_a_reporter_is_confidential(city, cases):
    report = cases["12358"]
    assert report.kind == Kind.REPORT
    with pytest.raises(NotFound):
        services.detail(report.pk, city.principal("platform"))


def test_a_platform_does_not_read_the_complainant_in_the_text_either(city):
    item = {**SAMPLES["12315"][0], "投诉单号": "T-TEXT",
            "投诉内容": "我是王小红，电话13812345678，住江苏省南通市崇川区人民路1号，买的耳机收到就坏了。"}
    with on_day(DAY):
        services.intake_hotline("12315", [item], city.hotline("12315"))
    case = Complaint.objects.get(channel_ticket="T-TEXT")
    seen = services.detail(case.pk, city.principal("platform"))
    assert "收到就坏了" in seen["content"]
    for personal in ("王小红", "13812345678", "人民路1号"):
        assert personal not in seen["content"]
    assert "王小红" in services.detail(case.pk, city.principal("market_regulation"))["content"]
