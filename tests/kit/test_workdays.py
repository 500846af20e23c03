"""Deadlines in working days, across the State Council's holiday schedules."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from ecredit.kit.workdays import WorkingCalendar

D = dt.date


def test_national_day_2025_is_skipped_and_makeup_saturday_counts():
    cal = WorkingCalendar()
    # 2025: 1-8 October off; Sunday 28 September and Saturday 11 October are working days.
    assert cal.add_working_days(D(2025, 9, 30), 1).due == D(2025, 10, 9)
    assert cal.add_working_days(D(2025, 9, 30), 5).due == D(2025, 10, 14)  # 9, 10, 11 (Sat), 13, 14
    assert cal.add_working_days(D(2025, 9, 26), 1).due == D(2025, 9, 28)   # make-up Sunday


def test_spring_festival_2025():
    cal = WorkingCalendar()
    # 28 January - 4 February off; Sunday 26 January and Saturday 8 February are working days.
    assert cal.add_working_days(D(2025, 1, 27), 1).due == D(2025, 2, 5)
    assert cal.add_working_days(D(2025, 2, 5), 3).due == D(2025, 2, 8)


def test_unknown_year_counts_weekends_only_and_says_so():
    cal = WorkingCalendar()
    deadline = cal.add_working_days(D(2026, 12, 30), 5)
    assert deadline.estimated
    assert deadline.due == D(2027, 1, 6)  # 31 Dec, then 4-6 Jan 2027 (1 Jan is a Friday, not yet known)


def test_year_from_policy_file_overrides_estimate():
    cal = WorkingCalendar(extra_holidays={D(2027, 1, 1)}, extra_years={2027})
    deadline = cal.add_working_days(D(2026, 12, 30), 2)
    assert not deadline.estimated
    assert deadline.due == D(2027, 1, 4)


@given(st.dates(min_value=D(2005, 1, 1), max_value=D(2026, 6, 30)), st.integers(1, 30))
def test_deadline_lands_on_a_working_day_after_exactly_n_working_days(start, n):
    cal = WorkingCalendar()
    deadline = cal.add_working_days(start, n)
    assert cal.is_working_day(deadline.due)
    assert cal.working_days_between(start, deadline.due) == n
