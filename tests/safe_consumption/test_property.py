"""Properties of the complaints criterion and the daily re-check, over random histories of upheld complaints:
the criterion fails exactly when more than the limit fall inside the window, the re-check suspends exactly the
titles that fail it, and running the re-check again changes nothing."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecredit.audit.models import ChangeLogEntry
from ecredit.safe_consumption import criteria, tasks
from ecredit.safe_consumption.models import Enrolment, EnrolmentStatus

from .world import day

pytestmark = pytest.mark.django_db

LIMIT_CODE = "complaints_within_limit"


def _rule():
    test = criteria.scheme().criterion(LIMIT_CODE).check.records
    return test.within, test.at_most


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ages=st.lists(st.integers(min_value=0, max_value=500), max_size=5))
def test_complaints_criterion_and_recheck_follow_the_window(town, ages):
    within, limit = _rule()
    with transaction.atomic():
        company = town.merchant("南通性质测试商贸有限公司")
        enrolment = town.title(company)
        for age in ages:
            town.record(company, "complaint_upheld", f"-{age}d")
        inside = sum(1 for age in ages if day(f"-{age}d") >= within.before(day("today")))
        item = next(i for i in criteria.check(company, holding=True).items if i["code"] == LIMIT_CODE)
        assert item["count"] == inside and item["passed"] == (inside <= limit)
        tasks.daily()
        status = Enrolment.objects.get(pk=enrolment.pk).status
        assert status == (EnrolmentStatus.PUBLISHED if inside <= limit else EnrolmentStatus.SUSPENDED)
        before = ChangeLogEntry.objects.count()
        tasks.daily()
        assert ChangeLogEntry.objects.count() == before and Enrolment.objects.get(pk=enrolment.pk).status == status
        transaction.set_rollback(True)
