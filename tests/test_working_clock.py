"""The analytic working clock (`sim.model.breakdowns.WorkClock`): an item's end is known when
it begins, as its days plus the repairs within it; overlapping items pause together; idle time
does not count down to a failure; and over many runs the up fraction of busy time is
mtbf/(mtbf+mttr)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import simpy

from sim.language.schema import Breakdowns
from sim.model.breakdowns import WorkClock
from sim.model.streams import Streams


def breakdowns(mtbf: float, mttr: float) -> Breakdowns:
    """Exponential times to failure and repair of these means (in days)."""
    return Breakdowns.model_validate({"mtbf": f"{mtbf:g} days", "mttr": f"{mttr:g} days"})


class Scripted(WorkClock):
    """A clock whose times to failure and repair are given in order (then none: inf, 0)."""

    def __init__(self, env: simpy.Environment, ttf: list[float], repairs: list[float]) -> None:
        self.script = {"mtbf": list(ttf), "mttr": list(repairs)}
        super().__init__(env, breakdowns(1.0, 1.0), Streams(np.random.SeedSequence(0), {}), "x")

    def _draw(self, value: Any, rng: Any) -> float:  # type: ignore[override]
        which = "mtbf" if rng is self.failures else "mttr"
        left = self.script[which]
        return left.pop(0) if left else (math.inf if which == "mtbf" else 0.0)


def at(env: simpy.Environment, day: float) -> None:
    """Move the clock's environment to `day`."""
    env.run(until=day)


@pytest.mark.parametrize(("d", "t", "r"), [(10.0, 3.0, 2.0), (100.0, 99.5, 40.0), (7.0, 0.25, 0.5)])
def test_one_item_across_one_failure_ends_after_its_days_and_the_repair(d: float, t: float, r: float) -> None:
    env = simpy.Environment()
    clock = Scripted(env, [t], [r])
    assert clock.next_failure() == t  # idle: counted from now
    assert clock.begin(d) == pytest.approx(d + r, rel=1e-12)
    assert clock.next_failure() == t
    at(env, t + r / 2)
    assert clock.down and clock.down_since == t and clock.effective() == pytest.approx(t)
    at(env, t + r)
    assert not clock.down and clock.down_periods == [(t, t + r)]


def test_two_failures_within_one_item_add_both_repairs() -> None:
    env = simpy.Environment()
    clock = Scripted(env, [4.0, 3.0, 50.0], [2.0, 5.0])
    assert clock.begin(10.0) == pytest.approx(10.0 + 2.0 + 5.0)
    # failures at working days 4 and 4+3: real days 4 and 4+2+3
    at(env, 100.0)
    assert clock.down_periods == [(4.0, 6.0), (9.0, 14.0)]
    assert clock.effective(100.0) == pytest.approx(100.0 - 7.0)


def test_overlapping_items_pause_together() -> None:
    """Each item ends at its begin + days + the repairs within it, whoever began it."""
    env = simpy.Environment()
    clock = Scripted(env, [6.0, 10.0], [3.0, 4.0])
    first = clock.begin(8.0)  # failure at 6, repaired at 9: ends at 11
    assert first == pytest.approx(11.0)
    at(env, 2.0)
    second = clock.begin(20.0)  # from 2: the first repair (3 days) and the one at 9+10 = 19 (4 days)
    assert second == pytest.approx(2.0 + 20.0 + 3.0 + 4.0)
    at(env, 7.0)  # under repair: a third item begins with it and starts working when it ends
    third = clock.begin(5.0)
    assert third == pytest.approx(9.0 + 5.0)
    at(env, 12.0)
    short = clock.begin(1.0)  # within the known work, before the next failure
    assert short == pytest.approx(13.0)
    at(env, 30.0)
    assert clock.down_periods == [(6.0, 9.0), (19.0, 23.0)]
    assert [w.end for w in clock.in_progress] == []


def test_work_done_at_the_instant_of_a_failure_is_done_before_the_repair() -> None:
    env = simpy.Environment()
    clock = Scripted(env, [5.0, 100.0], [3.0])
    assert clock.begin(5.0) == 5.0  # ends as it fails
    assert clock.next_failure() == 5.0
    at(env, 5.0)
    assert clock.down
    assert clock.begin(2.0) == pytest.approx(8.0 + 2.0)  # begun under repair: works from its end


def test_idle_time_does_not_count_down() -> None:
    env = simpy.Environment()
    clock = Scripted(env, [8.0, 100.0], [2.0])
    assert clock.begin(5.0) == 5.0  # 3 working days left to the failure
    at(env, 105.0)  # idle for 100 days
    assert clock.next_failure() == pytest.approx(108.0)
    assert clock.begin(10.0) == pytest.approx(105.0 + 10.0 + 2.0)
    at(env, 200.0)
    assert clock.down_periods == [(108.0, 110.0)]


def test_the_repaired_event_fires_at_the_repairs_end() -> None:
    env = simpy.Environment()
    clock = Scripted(env, [1.0], [4.0])
    clock.begin(3.0)
    at(env, 2.0)
    done = clock.repaired()
    assert clock.repaired() is done  # one event per repair
    env.run(until=done)
    assert env.now == 5.0 and not clock.down


def test_breakdown_free_clock_is_real_time() -> None:
    env = simpy.Environment()
    clock = WorkClock(env, None, Streams(np.random.SeedSequence(0), {}), "x")
    assert clock.begin(7.5) == 7.5 and clock.next_failure() == math.inf and not clock.down


MTBF, MTTR, WORK, LOT, RUNS = 20.0, 5.0, 2000.0, 4.0, 300


def test_busy_time_is_up_mtbf_over_mtbf_plus_mttr_of_the_time() -> None:
    """Lots back to back for WORK working days: failures come as a Poisson process of rate
    1/MTBF in working time, so the time down R has mean WORK·MTTR/MTBF (Wald) and variance
    (WORK/MTBF)·E[r²] = (WORK/MTBF)·2·MTTR² (exponential repairs); the up fraction of the
    expected real time WORK+E[R] is MTBF/(MTBF+MTTR). Tolerance: 4 sd of the mean over RUNS
    (sqrt(100·50)/sqrt(300) = 4.1 days, 16.3 of 500), plus one lot (a failure at the last lot's
    end instant is not counted)."""
    down = []
    for seed in range(RUNS):
        clock = WorkClock(simpy.Environment(), breakdowns(MTBF, MTTR), Streams(np.random.SeedSequence(seed), {}), "p")
        end = 0.0
        for _ in range(int(WORK / LOT)):
            end = clock.begin(LOT, end)
        down.append(end - WORK)
    sd = math.sqrt(WORK / MTBF * 2 * MTTR**2) / math.sqrt(RUNS)
    assert float(np.mean(down)) == pytest.approx(WORK * MTTR / MTBF, abs=4 * sd + LOT)
    assert WORK / (WORK + float(np.mean(down))) == pytest.approx(MTBF / (MTBF + MTTR), abs=0.01)
    assert float(np.std(down)) > 0
