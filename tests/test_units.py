"""Values with units read into base units (days, per day, fractions), and distributions."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.language import units
from sim.language.units import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    UnitError,
    parse_date,
    parse_duration,
    parse_month_day,
    parse_percentage,
    parse_quantity,
    parse_rate,
)
from sim.language.values import Uncertain, draw, mean_of, parse_value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (2_000_000, 2e6),
        ("2_000_000", 2e6),
        ("2,000,000", 2e6),
        ("40k", 4e4),
        ("2M", 2e6),
        ("1.5bn", 1.5e9),
        ("2.9tn", 2.9e12),
        ("1.5e9", 1.5e9),  # YAML reads this as a string
        ("1.5e+9", 1.5e9),
        (1.5e9, 1.5e9),
        ("€500M", 5e8),
        ("0", 0.0),
        (0, 0.0),
        ("3 million", 3e6),
    ],
)
def test_quantities(raw: object, expected: float) -> None:
    assert parse_quantity(raw) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (-5, "must not be negative, got -5"),
        ("-2M", "must not be negative, got '-2M'"),
        (math.nan, "must be a finite number, got nan"),
        (math.inf, "must be a finite number, got inf"),
        ("inf", "must be a finite number, got 'inf'"),
        (".nan", "must be a finite number, got '.nan'"),
        ("1e400", "must be a finite number, got '1e400'"),
        ("2 gazillion", "expected a number such as 2_000_000, 40k, 2M, 1.5bn, 2.9tn or 1.5e9, got '2 gazillion'"),
        (True, "expected a number such as"),
        ([1], "expected a number such as"),
    ],
)
def test_bad_quantities(raw: object, message: str) -> None:
    with pytest.raises(UnitError, match="^" + _escape(message)):
        parse_quantity(raw)


def _escape(text: str) -> str:
    import re

    return re.escape(text)


@pytest.mark.parametrize(
    ("raw", "per_day"),
    [
        ("80k per year", 80_000 / DAYS_PER_YEAR),
        ("12 per month", 12 / DAYS_PER_MONTH),
        ("300 per week", 300 / 7),
        ("5 per day", 5.0),
        ("2M/year", 2e6 / DAYS_PER_YEAR),
        ("1.5e3 per years", 1500 / DAYS_PER_YEAR),
    ],
)
def test_rates_are_per_day_with_a_365_25_day_year(raw: str, per_day: float) -> None:
    assert parse_rate(raw) == pytest.approx(per_day)


def test_a_year_is_365_25_days_and_a_month_a_twelfth_of_it() -> None:
    assert parse_duration("1 year") == 365.25
    assert parse_duration("12 months") == pytest.approx(365.25)
    assert parse_rate("100k per year") * 365.25 == pytest.approx(100_000)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("10 per fortnight", "unknown time unit 'fortnight'; use days, weeks, months or years, got '10 per fortnight'"),
        (100, "expected a rate such as '80k per year', '12 per month', '300 per week' or '5 per day', got 100"),
        ("-5 per day", "must not be negative, got '-5'"),
        ("lots per day", "expected a number such as"),
    ],
)
def test_bad_rates(raw: object, message: str) -> None:
    with pytest.raises(UnitError, match="^" + _escape(message)):
        parse_rate(raw)


@pytest.mark.parametrize(
    ("raw", "days"),
    [("18 months", 18 * DAYS_PER_MONTH), ("2.5 years", 2.5 * 365.25), ("90 days", 90), ("6 weeks", 42), ("1 day", 1)],
)
def test_durations(raw: str, days: float) -> None:
    assert parse_duration(raw) == pytest.approx(days)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            18,
            "expected a duration with its unit, such as '18 months', '2.5 years', '90 days' or '6 weeks' "
            "(the unit must be said), got 18",
        ),
        (2.5, "(the unit must be said), got 2.5"),
        ("18", "expected a duration with its unit"),
        ("3 fortnights", "unknown time unit 'fortnights'; use days, weeks, months or years, got '3 fortnights'"),
        ("-3 days", "must not be negative, got '-3 days'"),
    ],
)
def test_bad_durations(raw: object, message: str) -> None:
    with pytest.raises(UnitError, match=_escape(message)):
        parse_duration(raw)


def test_dates_and_bare_years() -> None:
    assert parse_date(2027) == dt.date(2027, 1, 1)
    assert parse_date("2027") == dt.date(2027, 1, 1)
    assert parse_date("2027-03-05") == dt.date(2027, 3, 5)
    assert parse_date(dt.date(2027, 3, 5)) == dt.date(2027, 3, 5)
    with pytest.raises(UnitError, match=r"^not a valid date \(month must be in 1\.\.12\), got '2027-13-01'$"):
        parse_date("2027-13-01")
    with pytest.raises(UnitError, match="^expected a date such as 2027-01-01 or a bare year such as 2027, got 'soon'$"):
        parse_date("soon")
    with pytest.raises(UnitError, match="^expected a year between 1800 and 2300, got 27$"):
        parse_date(27)


def test_percentages_and_fractions() -> None:
    assert parse_percentage("3%") == pytest.approx(0.03)
    assert parse_percentage(0.03) == pytest.approx(0.03)
    assert parse_percentage("0.03") == pytest.approx(0.03)
    assert parse_percentage("2.5 %") == pytest.approx(0.025)
    with pytest.raises(UnitError, match="^must not be negative, got '-3%'$"):
        parse_percentage("-3%")
    with pytest.raises(
        UnitError, match="^expected a percentage such as '3%' or a fraction below 1 such as 0.03, got 'three'$"
    ):
        parse_percentage("three")


def test_month_day() -> None:
    assert parse_month_day("10-01") == (10, 1)
    with pytest.raises(UnitError, match="^expected a month and day written MM-DD such as '04-01', got '02-30'$"):
        parse_month_day("02-30")


@given(st.floats(min_value=0, max_value=1e15, allow_nan=False), st.sampled_from(["", "k", "M", "bn", "tn"]))
def test_any_written_quantity_reads_back(x: float, scale: str) -> None:
    text = f"{x!r}{scale}"
    assert parse_quantity(text) == pytest.approx(x * units.SCALES[scale], rel=1e-12)


# -- distributions -------------------------------------------------------------------------


def test_distribution_items_carry_their_unit() -> None:
    value = parse_value({"triangular": ["6 years", "7 years", "9 years"]}, parse_duration)
    assert value == Uncertain("triangular", (6 * 365.25, 7 * 365.25, 9 * 365.25))
    assert mean_of(value) == pytest.approx(22 / 3 * 365.25)
    assert parse_value("2 years", parse_duration) == 730.5


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"triangular": ["9 years", "7 years", "6 years"]},
            "triangular needs low ≤ mode ≤ high, got ['9 years', '7 years', '6 years']",
        ),
        ({"pert": ["3 days", "1 day", "2 days"]}, "pert needs low ≤ mode ≤ high, got ['3 days', '1 day', '2 days']"),
        ({"uniform": ["2 years", "1 year"]}, "uniform needs low ≤ high, got ['2 years', '1 year']"),
        ({"normal": ["0 days", "0 days"]}, "normal needs a positive mean or a spread"),
        ({"lognormal": ["0 days", 0.3]}, "lognormal needs a positive median"),
        ({"lognormal": ["5 days", "0.3 days"]}, "sigma must be a plain number, got '0.3 days'"),
        ({"triangle": ["1 day", "2 days", "3 days"]}, "unknown distribution 'triangle'; did you mean 'triangular'?"),
        ({"uniform": ["1 day"]}, "uniform takes a list of 2 values, got ['1 day']"),
        ({"uniform": ["1 day"], "normal": ["1 day", "1 day"]}, "a distribution is a mapping with exactly one key"),
        ({"uniform": ["1 day", "-2 days"]}, "must not be negative, got '-2 days'"),
    ],
)
def test_bad_distributions(raw: dict[str, object], message: str) -> None:
    with pytest.raises(UnitError, match=_escape(message)):
        parse_value(raw, parse_duration)


@pytest.mark.parametrize(
    "dist",
    [
        Uncertain("triangular", (1.0, 2.0, 6.0)),
        Uncertain("pert", (1.0, 2.0, 6.0)),
        Uncertain("uniform", (1.0, 3.0)),
        Uncertain("normal", (5.0, 1.0)),
        Uncertain("lognormal", (5.0, 0.3)),
    ],
)
def test_draws_stay_in_range_and_match_the_mean(dist: Uncertain) -> None:
    rng = np.random.default_rng(7)
    samples = np.array([draw(dist, rng) for _ in range(20_000)])
    assert samples.min() >= dist.low and samples.max() <= dist.high
    # sampling error of the mean is well under 2% with 20,000 draws at these spreads
    assert samples.mean() == pytest.approx(dist.mean, rel=0.02)


def test_normal_is_truncated_at_zero() -> None:
    rng = np.random.default_rng(1)
    samples = [draw(Uncertain("normal", (0.5, 1.0)), rng) for _ in range(2000)]
    assert min(samples) >= 0
