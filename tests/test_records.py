"""The ledgers (`Log`): rows read back exactly as the list of tuples they stand for, row by row
or field by field, whatever was written, read or changed before."""

from __future__ import annotations

import copy
import pickle
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.records import Log, as_array, as_floats

WIDTH = 5  # as spending: (day, budget, facility, amount, what)

day = st.floats(-1e6, 1e6, allow_nan=False)
index = st.integers(-1, 50)
amount = st.floats(allow_nan=False, allow_infinity=True)
what = st.sampled_from(["lot", "vehicle", "capex: line 2", ""])
row = st.tuples(day, index, index, amount, what)


@st.composite
def run(draw: Any) -> tuple[list[float], list[Any]]:
    """`add_run`'s arguments: days, then per field either a list as long or one shared value."""
    n = draw(st.integers(0, 6))
    days = draw(st.lists(day, min_size=n, max_size=n))
    fields = [draw(st.one_of(s, st.lists(s, min_size=n, max_size=n))) for s in (index, index, amount, what)]
    return days, fields


def rows_of(days: list[float], fields: list[Any]) -> list[tuple[Any, ...]]:
    """The rows `add_run(days, *fields)` stands for."""
    return [(d, *(f[k] if isinstance(f, list) else f for f in fields)) for k, d in enumerate(days)]


operation = st.one_of(
    st.tuples(st.just("append"), row),
    st.tuples(st.just("extend"), st.lists(row, max_size=4)),
    st.tuples(st.just("run"), run()),
    st.tuples(st.just("convert"), st.sampled_from([(0,), (3,), (0, 1, 3)])),
)


@given(st.lists(operation, max_size=12), st.sampled_from(["", "fiif.", "f..f.", "ffff."]))
def test_a_log_reads_back_exactly_the_rows_appended_in_order(operations: list[tuple[str, Any]], kinds: str) -> None:
    """Whatever is appended, run or converted in between (a field of numbers converted is then
    held as its array only, and rebuilt when the log is read or changed), of the same types."""
    log, reference = Log(WIDTH, kinds=kinds), []
    for op, value in operations:
        if op == "convert":
            log.columns(*value)
        elif op == "append":
            log.append(value)
            reference.append(value)
        elif op == "extend":
            log.extend(value)
            reference.extend(value)
        else:
            log.add_run(value[0], *value[1])
            reference.extend(rows_of(*value))
    assert len(log) == len(reference)
    assert list(log) == reference and log == reference
    assert [tuple(map(type, r)) for r in log] == [tuple(map(type, r)) for r in reference]
    assert [log[k] for k in range(len(reference))] == reference and log[1:3] == reference[1:3]
    for k in (0, 1, 2, 3):
        want = np.array([r[k] for r in reference], dtype=float)
        np.testing.assert_array_equal(log.columns(k)[0], want)
    for again in (pickle.loads(pickle.dumps(log)), copy.deepcopy(log), copy.copy(log)):
        assert again == reference and again.kinds == log.kinds


def test_a_log_read_as_arrays_then_row_by_row_gives_back_the_rows_written() -> None:
    """The invariants read the fields as float arrays before the metrics read rows: the rows
    then come back as written (whole numbers of an `i` field as the same ints, a whole number
    written among floats as the equal float), and what is written after a read is read too."""
    log = Log(3, kinds="fif")
    log.add_run([float(k) for k in range(1000)], 1000, [0.5 * k for k in range(1000)])
    log.append((1000.0, 2000, 7))
    day, index, amount = log.columns(0, 1, 2)
    assert len(log) == 1001 and index.dtype == float and amount.dtype == float, "floats for the metrics"
    assert day.tolist() == [float(k) for k in range(1001)] and index.tolist() == [1000.0] * 1000 + [2000.0]
    assert log[1000] == (1000.0, 2000, 7.0) and tuple(map(type, log[1000])) == (float, int, float)
    assert list(log) == [(float(k), 1000, 0.5 * k) for k in range(1000)] + [(1000.0, 2000, 7.0)]
    log.columns(0, 1, 2)
    log.add_run([2000.0], 3, [1.5])
    assert log[-1] == (2000.0, 3, 1.5) and len(log) == 1002 and log.columns(0)[0][-2:].tolist() == [1000.0, 2000.0]
    mixed = Log(2, [(0.5, 1), (1.5, 2.5)], kinds="fi")
    assert mixed.columns(1)[0].tolist() == [1.0, 2.5]
    assert list(mixed) == [(0.5, 1), (1.5, 2.5)] and type(mixed[0][1]) is int, "an `i` field of any numbers, as written"
    with pytest.raises(ValueError, match="a log of 3 fields needs 3 kinds, got 'ff'"):
        Log(3, kinds="ff")


def test_fields_read_back_as_the_python_types_written() -> None:
    log = Log(WIDTH, [(1.5, 2, -1, 3.0, "lot")])
    ((d, b, f, a, w),) = log
    assert (type(d), type(b), type(f), type(a), type(w)) == (float, int, int, float, str)
    assert repr(log[0]) == "(1.5, 2, -1, 3.0, 'lot')", "a broken row is shown in messages as written"
    assert log + [(2.0, 0, 0, 1.0, "x")] == [(1.5, 2, -1, 3.0, "lot"), (2.0, 0, 0, 1.0, "x")]
    assert log != Log(WIDTH) and log == Log(WIDTH, list(log))


@given(st.lists(row, min_size=3, max_size=8), st.integers(0, 2), row, st.lists(row, max_size=3))
def test_tampering_edits_behave_as_a_lists(rows: list[Any], i: int, new: Any, spliced: list[Any]) -> None:
    """Tests of the invariants change rows in place; a log takes those edits as a list would."""
    log, reference = Log(WIDTH, rows), list(rows)
    for target in (log, reference):
        target[i] = new
        target.insert(i, new)
        target[-2:] = spliced
    assert list(log) == reference


def test_a_row_of_the_wrong_width_or_a_run_of_uneven_fields_is_refused() -> None:
    log = Log(3)
    log.append((1.0, 0))
    with pytest.raises(ValueError, match=r"needs 3 fields, got \(1\.0, 0\)"):
        len(list(log))
    with pytest.raises(ValueError, match=r"a run of 2 record rows got a field of 1 values"):
        Log(3).add_run([1.0, 2.0], 0, [1.0])
    kept = Log(3, [(0.5, 1, 2.0)])
    for fields in ([0], [0, [1.0, 1.0], "extra"]):  # one field short, one too many
        with pytest.raises(ValueError, match=rf"needs 3 fields, got {len(fields) + 1}"):
            kept.add_run([1.0, 2.0], *fields)
    assert kept == [(0.5, 1, 2.0)], "a refused run writes nothing"


def test_fields_read_as_arrays_follow_every_change() -> None:
    """The arrays a reader gets are shared with later readers, so nobody may write into them,
    and after any change the fields read are the rows as they are."""
    log = Log(3, [(1.0, 0, 2.5), (3.0, 0, 0.5)])
    day, amount = log.columns(0, 2)
    assert not amount.flags.writeable and not day.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        amount[0] = 0.0
    changes = [
        lambda: log.append((4.0, 0, 1.0)),
        lambda: log.extend([(5.0, 0, 1.0)]),
        lambda: log.add_run([6.0], 0, [1.0]),
        lambda: log.__setitem__(0, (0.5, 0, 2.5)),
        lambda: log.__setitem__(slice(-1, None), [(7.0, 0, 1.0)]),
        lambda: log.insert(0, (0.25, 0, 1.0)),
    ]
    for change in changes:
        log.columns(0, 2)
        change()
        after, amounts = log.columns(0, 2)
        assert after.tolist() == [r[0] for r in log] and amounts.tolist() == [r[2] for r in log]


@given(st.lists(st.one_of(st.integers(-(2**70), 2**70), st.floats(allow_nan=False)), max_size=6))
def test_fields_of_whole_numbers_or_any_numbers_convert_to_the_same_floats(values: list[Any]) -> None:
    got = as_floats(as_array(values))
    assert got.dtype == float and got.tolist() == [float(v) for v in values]


@pytest.mark.parametrize(
    "rows, bad",
    [
        ([(1.0, 0, 2.0), (2.0, 0)], (2.0, 0)),  # one short row among whole ones
        ([(1.0, 0, 2.0, 9.0), (2.0, 0, 1.0)], (1.0, 0, 2.0, 9.0)),  # one long row
        ([(1.0, 0), (2.0, 1)], (1.0, 0)),  # every row of the same wrong width
    ],
)
def test_a_row_of_the_wrong_width_is_named_when_the_log_is_read(rows: list[tuple[Any, ...]], bad: Any) -> None:
    log = Log(3, [(0.5, 1, 1.0)])
    assert log.columns(0)[0].tolist() == [0.5]
    for r in rows:
        log.append(r)
    with pytest.raises(ValueError, match=r"needs 3 fields, got " + re.escape(repr(bad))):
        log.columns(0)
    assert list(log) == [(0.5, 1, 1.0)], "rows stored before stay; the broken batch is dropped"
