"""Calendar dates and simulation days (the clock runs in days from the scenario's start)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    """Converts between dates and days since `start`."""

    start: dt.date

    def day_of(self, date: dt.date) -> float:
        """Days from start to `date` (negative before start)."""
        return float((date - self.start).days)

    def date_of(self, day: float) -> dt.date:
        """The calendar date `day` days after start."""
        return self.start + dt.timedelta(days=int(day // 1))

    def fiscal_year_start(self, year: int, month_day: tuple[int, int]) -> float:
        """Day on which fiscal year `year` starts."""
        return self.day_of(dt.date(year, *month_day))

    def fiscal_year_of_start(self, month_day: tuple[int, int]) -> int:
        """The fiscal year that contains the start date."""
        year = self.start.year
        return year if self.start >= dt.date(year, *month_day) else year - 1
