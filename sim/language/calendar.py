"""The calendar: dates and simulation days (the clock runs in days from the scenario's start),
fiscal years and the monthly grid of reports.

The one place that turns a date into a day number or back, for every layer (the model, the
metrics, the studies and the pictures): a day is a whole calendar day, a fractional day falls on
the date it began.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.language.units import DAYS_PER_YEAR

#: seconds in a day (the pictures place times to the second)
SECONDS_PER_DAY = 86400


def ordinal_of(date: dt.date) -> float:
    """A date as its day ordinal (1 January of year 1 is 1): the parameters of a distribution of
    dates."""
    return float(date.toordinal())


def date_of_ordinal(ordinal: float) -> dt.date:
    """The date of a (rounded) day ordinal."""
    return dt.date.fromordinal(round(ordinal))


@dataclass(frozen=True)
class Clock:
    """Converts between dates and days since `start`."""

    start: dt.date

    def day_of(self, date: dt.date) -> float:
        """Days from start to `date` (negative before start)."""
        return float((date - self.start).days)

    def date_of(self, day: float) -> dt.date:
        """The calendar date `day` days after start (the day it falls in)."""
        return self.start + dt.timedelta(days=int(day // 1))

    def date_after_years(self, years: float) -> dt.date:
        """The calendar date `years` (of 365.25 days) after start."""
        return self.date_of(years * DAYS_PER_YEAR)

    def iso_date_of(self, day: float | None) -> str | None:
        """`date_of` as ISO text; None stays None (a day never reached)."""
        return None if day is None else self.date_of(day).isoformat()

    def datetimes_of(self, days: Iterable[float]) -> np.ndarray:
        """Day numbers as numpy datetimes to the second (matplotlib draws them as dates)."""
        base = np.datetime64(self.start.isoformat(), "s")
        arr = np.asarray(list(days), dtype=float)
        return base + (arr * SECONDS_PER_DAY).round().astype("timedelta64[s]")

    def month_grid(self, horizon: float) -> tuple[list[dt.date], np.ndarray]:
        """Monthly dates from start to the horizon (the start's day of the month, or the
        month's last day), and their day numbers."""
        # (in explicit units: NumPy 2.5 deprecates adding bare integers to dates)
        months = np.arange(int(horizon // 28) + 2).astype("timedelta64[M]")  # more than the horizon can hold
        first = np.datetime64(self.start, "M") + months  # each month's first day, as a month
        length = (first + np.timedelta64(1, "M")).astype("datetime64[D]") - first.astype("datetime64[D]")
        day_of_month = np.minimum(self.start.day, length.astype(int)) - 1
        dates = first.astype("datetime64[D]") + day_of_month.astype("timedelta64[D]")
        days = (dates - np.datetime64(self.start, "D")).astype(float)
        within = days <= horizon + 1e-9
        return dates[within].tolist(), days[within]

    def fiscal_year_start(self, year: int, month_day: tuple[int, int]) -> float:
        """Day on which fiscal year `year` starts."""
        return self.day_of(dt.date(year, *month_day))

    def fiscal_year_of_start(self, month_day: tuple[int, int]) -> int:
        """The fiscal year that contains the start date."""
        year = self.start.year
        return year if self.start >= dt.date(year, *month_day) else year - 1


def monthly_dates(first: dt.date, until: dt.date) -> list[dt.date]:
    """`first` and the same day of each later month before `until` (the month's last day where
    it is shorter): the call-off dates of an order placed as a rate."""
    dates: list[dt.date] = []
    k = 0
    while True:
        year, month = divmod(first.month - 1 + k, 12)
        year += first.year
        month += 1
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        date = dt.date(year, month, min(first.day, last))
        if date >= until:
            return dates
        dates.append(date)
        k += 1
