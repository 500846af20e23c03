"""Working-day arithmetic for legal deadlines (工作日): weekends, public holidays and make-up days.

The chinese-calendar package knows the State Council's schedules up to its last release; later years
come from the policy file `calendar.yaml`. For a year that neither knows, weekends alone are counted
and the result says it is an estimate, so a deadline is never refused, only marked provisional.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    """A due date and whether it rests on a year whose holiday schedule is not yet known."""

    due: dt.date
    estimated: bool = False


@dataclass
class WorkingCalendar:
    """Working days = weekdays, minus public holidays, plus make-up working days (调休)."""

    extra_holidays: set[dt.date] = field(default_factory=set)
    extra_workdays: set[dt.date] = field(default_factory=set)
    extra_years: set[int] = field(default_factory=set)

    def knows_year(self, year: int) -> bool:
        """True when the holiday schedule of `year` is known."""
        return year in self.extra_years or self._package_knows(year)

    @staticmethod
    def _package_knows(year: int) -> bool:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
            return True
        except NotImplementedError:
            return False

    def is_working_day(self, day: dt.date) -> bool:
        """True when `day` is a working day (estimated from weekends for an unknown year)."""
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if day.year not in self.extra_years:
            try:
                return chinese_calendar.is_workday(day)
            except NotImplementedError:
                pass
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, count: int) -> Deadline:
        """The end of the `count`-th working day after `start` (the start day itself is not counted)."""
        day, remaining, estimated = start, count, not self.knows_year(start.year)
        while remaining > 0:
            day += dt.timedelta(days=1)
            if not self.knows_year(day.year):
                estimated = True
            if self.is_working_day(day):
                remaining -= 1
        return Deadline(day, estimated)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count
