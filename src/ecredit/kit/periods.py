"""ISO 8601 durations of whole years, months and days (P3M, P3Y, P1Y6M, P45D) and date arithmetic."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_DURATION = re.compile(r"^P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period; ordered by its approximate length in days so the longest can be chosen."""

    approx_days: int
    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> "Period":
        """Parse `P3M`-style text; raises ValueError on anything else."""
        match = _DURATION.match(str(text).strip())
        if not match or not any(match.groupdict().values()):
            raise ValueError(f"not an ISO 8601 period of years/months/weeks/days: {text!r}")
        y, m = int(match["y"] or 0), int(match["m"] or 0)
        d = int(match["d"] or 0) + 7 * int(match["w"] or 0)
        return cls(approx_days=y * 365 + m * 30 + d, years=y, months=m, days=d)

    @classmethod
    def of_years(cls, years: float) -> "Period":
        """A period of (possibly fractional) years, rounded to whole months."""
        months = round(years * 12)
        return cls(approx_days=(months // 12) * 365 + (months % 12) * 30, years=months // 12,
                   months=months % 12)

    def after(self, start: dt.date) -> dt.date:
        """The date this period after `start` (month ends clamp: 31 Jan + P1M = 28/29 Feb)."""
        month_index = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day) + dt.timedelta(days=self.days)

    def before(self, end: dt.date) -> dt.date:
        """The date this period before `end` (month ends clamp like `after`)."""
        month_index = end.month - 1 - self.months - 12 * self.years
        year, month = end.year + month_index // 12, month_index % 12 + 1
        day = min(end.day, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day) - dt.timedelta(days=self.days)

    def __str__(self) -> str:
        parts = [f"{n}{u}" for n, u in ((self.years, "Y"), (self.months, "M"), (self.days, "D")) if n]
        return "P" + ("".join(parts) or "0D")
