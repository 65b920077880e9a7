"""One of each: the ramp mathematics and the calendar exist once.

The vectorised ramps over recorded rows (`ramp_values`, `ramps_integral`) give the model's
`Ramp` values to the last bit, and no module but the calendar turns dates into days or back."""

from __future__ import annotations

import ast
import datetime as dt

import numpy as np
import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.language.calendar import Clock
from sim.present.plots.sweep import reader
from sim.records import Ramp, ramp_values, ramps_integral

times = st.floats(-100.0, 5000.0, allow_nan=False)
ramps = st.lists(
    st.tuples(times, st.one_of(st.just(0.0), st.floats(0.0, 2000.0)), st.floats(-1e6, 1e6, allow_nan=False)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(ramps, st.lists(times, min_size=1, max_size=20))
def test_recorded_ramps_are_the_model_ramp_to_the_bit(rows: list[tuple[float, float, float]], ts: list[float]) -> None:
    model = [Ramp(t0, t0 + span, delta) for t0, span, delta in rows]
    t0, t1, delta = (np.array([getattr(r, f) for r in model]) for f in ("t0", "t1", "delta"))
    t = np.array(ts)
    values = ramp_values(t0, t1, delta, t)
    assert values.tolist() == [[r.value(x) for x in ts] for r in model]
    want = []
    for x in ts:
        total = 0.0
        for r in model:  # (a loop, ramp after ramp, as the model adds)
            total += r.integral_to(x)
        want.append(total)
    assert ramps_integral(t0, t1, delta, t).tolist() == want


@settings(max_examples=100, deadline=None)
@given(st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)), st.floats(-5000.0, 20000.0, allow_nan=False))
def test_a_day_falls_on_the_date_it_began(start: dt.date, day: float) -> None:
    clock = Clock(start)
    date = clock.date_of(day)
    assert clock.day_of(date) <= day < clock.day_of(date) + 1
    assert clock.datetimes_of([day])[0] >= np.datetime64(date.isoformat(), "s")


#: what turns a date into a day number or back: `timedelta`, `toordinal`/`fromordinal`, a
#: date difference's `.days`, numpy's calendar units
DATE_ARITHMETIC = ("timedelta", "toordinal", "fromordinal", "timedelta64")


def test_only_the_calendar_turns_dates_into_days() -> None:
    calendar = ROOT / "sim" / "language" / "calendar.py"
    found = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        if path == calendar:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
            is_days = isinstance(node, ast.Attribute) and node.attr == "days" and isinstance(node.value, ast.BinOp)
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
            if name in DATE_ARITHMETIC or is_days or (text is not None and text.startswith("timedelta64")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")  # type: ignore[attr-defined]
    assert found == []


def test_sweep_plots_read_swept_values_with_the_language() -> None:
    """Swept text is read once by the language's `in_base_units` and shown in report units;
    values of mixed units, dates and names stay categories."""
    cases = {
        ("2%", "4.5%"): ([2.0, 4.5], "%"),
        ("18 months", "2 years"): ([1.5, 2.0], "years"),
        ("80k per year", "100k/year"): ([80000.0, 100000.0], "per year"),
        ("1.5bn", "3M"): ([1.5e9, 3e6], ""),
    }
    for values, (numbers, unit) in cases.items():
        found = reader(list(values))
        assert found is not None and found[1] == unit
        assert [found[0](v) for v in values] == pytest.approx(numbers, rel=1e-12)
    for values in (["2030-01-01", "2031-01-01"], ["when_funded", "2030-01-01"], ["5%", "3 years"]):
        assert reader(values) is None
