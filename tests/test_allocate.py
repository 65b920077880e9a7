"""`rearm allocate`: the optimiser's answers against closed forms, determinism, and `--resume`
after `kill -9` (the candidates finished before the kill are read, not run again)."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("optuna")

from sim.errors import UsageError  # noqa: E402
from sim.language.load import LoadedScenario  # noqa: E402
from sim.library.allocate import allocate  # noqa: E402
from sim.studies.funding import funded, parse_extra, parse_items  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

#: two lines paid from budgets of their own (no money of their own: the extra is all they get),
#: capacity far above what the money buys, so each is money-bound: a year's money is spent on
#: the fiscal year's first day and its shells delivered a week later
TWO_LINES = """
scenario: Two lines
start: 2025-01-01
horizon: 10 years
replications: 1
budgets:
  money_a: {{appropriations: {{2025: 0}}}}
  money_b: {{appropriations: {{2025: {b_money}}}}}
facilities:
  a:
    kind: munitions_factory
    product: shell_a
    budget: money_a
    capacity: 100M per year
    lot: 1 week
    unit_cost: {cost_a}
  b:
    kind: munitions_factory
    product: shell_b
    budget: money_b
    capacity: {b_capacity}
    lot: 1 week
    unit_cost: {cost_b}
targets:
  - {{name: a, product: shell_a, delivered: {n_a}}}
  - {{name: b, product: shell_b, delivered: {n_b}}}
"""


def _run(loaded: LoadedScenario, tmp_path: Path, name: str, **kw: object) -> dict:
    outcome = allocate(scenario=loaded, out=tmp_path / name, progress=False, **kw)  # type: ignore[arg-type]
    return outcome.found  # type: ignore[no-any-return]


def test_all_extra_money_goes_to_the_money_bound_line(load_yaml: Callable[..., LoadedScenario], tmp_path: Path) -> None:
    # a: 10M a year buys 10k shells; 40k take four years' money (reached in year 3). b: capacity-bound
    # (10k a year, money to spare): money given to b changes nothing. Any share below 100% for a
    # makes a need a fifth year: the optimum is 100% to a, and it is strictly better than the rest.
    text = TWO_LINES.format(b_money="1bn", cost_a=1000, cost_b=1000, b_capacity="10k per year", n_a="40k", n_b="30k")
    loaded = load_yaml(text)
    found = _run(loaded, tmp_path, "mb", budget="extra=10M EUR per year", over="facilities.a,facilities.b",
                 evaluations=12)  # fmt: skip
    # tolerance: none is needed here, since any share below 100% costs a whole year
    assert found["best"]["shares"]["facilities.a"] == pytest.approx(1.0, abs=1e-9)
    assert found["best"]["money"]["facilities.b"] == pytest.approx(0.0, abs=1e-2)
    # the answer rests on the funding: a reaches 40k a week after its fourth appropriation
    a = next(t for t in found["targets"] if t["target"] == "a")
    assert a["best_mean_years"] == pytest.approx(3 + 7 / 365.25, abs=2 / 365.25)
    assert found["gain_vs_even_split"]["mean"] > 0.9  # the even split needs 8 years' money: later by years


def test_two_money_bound_lines_split_as_the_closed_form(
    load_yaml: Callable[..., LoadedScenario], tmp_path: Path
) -> None:
    # E a year, split s : 1-s. Line i reaches its target in year ceil(N_i c_i / (s_i E)) - 1, so the
    # sum of years is least, in the continuous relaxation, where the marginal years per euro are
    # equal: N_a c_a / s² = N_b c_b / (1-s)², i.e. s* = √(N_a c_a) / (√(N_a c_a) + √(N_b c_b)).
    # With N_b c_b = 4 N_a c_a, s* = 1/3; with E = 1.05 N_a c_a the whole-year optimum (a in its
    # third year's money, b in its sixth) holds for s in [1/3.15, 1 - 4/6.3] around s*.
    need_a, need_b = 20e6, 80e6  # N_a c_a and N_b c_b
    text = TWO_LINES.format(b_money=0, cost_a=1000, cost_b=4000, b_capacity="100M per year", n_a="20k", n_b="20k")
    loaded = load_yaml(text)
    found = _run(loaded, tmp_path, "cf", budget="extra=21M EUR per year", over="budgets.money_a,budgets.money_b",
                 evaluations=40)  # fmt: skip
    s_closed = math.sqrt(need_a) / (math.sqrt(need_a) + math.sqrt(need_b))
    assert s_closed == pytest.approx(1 / 3)
    low, high = need_a / (3 * 21e6), 1 - need_b / (6 * 21e6)
    share = found["best"]["shares"]["budgets.money_a"]
    assert low <= share <= high, (share, low, high)
    assert abs(share - s_closed) <= max(s_closed - low, high - s_closed)
    # and its objective is the whole-year optimum: 2 + 5 years and a week each
    assert found["best"]["objective"] == pytest.approx(7 + 14 / 365.25, abs=3 / 365.25)


UNCERTAIN = """
scenario: Uncertain lines
start: 2025-01-01
horizon: 8 years
replications: 6
budgets:
  army: {appropriations: {2025: 20M}}
  navy: {appropriations: {2025: 20M}}
facilities:
  a:
    kind: munitions_factory
    product: shell
    budget: army
    capacity: {triangular: [10k per year, 20k per year, 40k per year]}
    lot: 1 month
    unit_cost: {triangular: [800, 1000, 1500]}
  b:
    kind: munitions_factory
    product: rocket
    budget: navy
    capacity: {triangular: [2k per year, 4k per year, 6k per year]}
    lot: 1 month
    unit_cost: {triangular: [4000, 5000, 8000]}
targets:
  - {name: shells, product: shell, delivered: 80k, by: 2028-01-01}
  - {name: rockets, product: rocket, delivered: 20k, by: 2029-01-01}
"""


def test_the_same_seed_gives_the_same_answer_on_any_number_of_workers(
    load_yaml: Callable[..., LoadedScenario], tmp_path: Path
) -> None:
    loaded = load_yaml(UNCERTAIN)
    kw = {"budget": "extra=30M per year", "evaluations": 10, "replications": 3, "final_replications": 6, "seed": 7}
    one = _run(loaded, tmp_path, "one", jobs=1, **kw)
    two = _run(loaded, tmp_path, "two", jobs=2, **kw)
    assert one["search"] == two["search"]
    assert one["best"] == two["best"]
    assert one["gain_vs_as_written"] == two["gain_vs_as_written"]
    other = _run(loaded, tmp_path, "other", jobs=1, **{**kw, "seed": 8})
    assert other["search"] != one["search"]  # the seed decides the candidates and the streams


def test_resume_after_kill_9_reads_the_finished_candidates(tmp_path: Path) -> None:
    scenario = tmp_path / "uncertain.yaml"
    scenario.write_text(UNCERTAIN.replace("lot: 1 month", "lot: 1 day"))
    out = tmp_path / "killed"
    args = [sys.executable, "-m", "sim", "allocate", str(scenario), "--budget", "extra=30M per year",
            "--evaluations", "24", "--replications", "4", "--final-replications", "6", "--seed", "3",
            "--out", str(out), "--quiet", "--no-plots"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    store = out / "results.sqlite"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if store.exists() and _count_or_zero(store, "SELECT COUNT(*) FROM design") >= 6:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the allocation finished before it could be killed: make it longer"
    before = _count(store, "SELECT COUNT(*) FROM runs")
    assert before >= 4 * 5  # the as-written point and four candidates at least were finished
    resumed = subprocess.run([*args, "--resume"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    # nothing finished before the kill was run again: session 1's runs are all kept, and the
    # second session ran only the rest
    assert _count(store, "SELECT COUNT(*) FROM runs WHERE session = 1") == before
    fresh = subprocess.run([*args[:-4], "--out", str(tmp_path / "fresh"), "--quiet", "--no-plots"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert fresh.returncode == 0, fresh.stderr
    total = _count(tmp_path / "fresh" / "results.sqlite", "SELECT COUNT(*) FROM runs")
    assert _count(store, "SELECT COUNT(*) FROM runs") == total
    assert _count(store, "SELECT COUNT(*) FROM runs WHERE session = 2") == total - before
    a, b = (json.loads((d / "allocation.json").read_text()) for d in (out, tmp_path / "fresh"))
    assert a["search"] == b["search"] and a["best"] == b["best"]


def _count_or_zero(path: Path, sql: str) -> int:
    """`_count` while the store may still be being created (no table yet: 0)."""
    try:
        return _count(path, sql)
    except sqlite3.OperationalError:
        return 0


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(sql).fetchone()[0])


def test_funding_adds_exactly_the_extra_money(load_yaml: Callable[..., LoadedScenario]) -> None:
    # a one-off sum and a yearly sum reach the budget whole, in the fiscal years they name, and no
    # other year changes (no extra leaks into a neighbour by interpolation)
    loaded = load_yaml(UNCERTAIN.replace("2025: 20M}", "2025: 20M, 2030: 40M}"))
    s = loaded.scenario
    once = parse_extra("x=5M", s, "2027-06-01")
    items = parse_items("budgets.army,budgets.navy", s, once)
    army = funded(s, once, items, [1.0, 0.0]).budgets["army"].appropriations
    assert army is not None
    assert army[2027] == pytest.approx(28e6 + 5e6)  # 2027 interpolated (20M → 40M) plus 5M
    assert army[2026] == pytest.approx(24e6) and army[2028] == pytest.approx(32e6)
    yearly = parse_extra("x=10M per year", s, "2031")
    navy = funded(s, yearly, items, [0.25, 0.75]).budgets["navy"].appropriations
    assert navy is not None and navy[2030] == pytest.approx(40e6) and navy[2032] == pytest.approx(47.5e6)


def test_extra_money_for_a_budget_drawn_from_a_nation_raises_its_allocation_by_the_extra(
    load_yaml: Callable[..., LoadedScenario],
) -> None:
    # GDP 1,000M, core 2%: the path spends 20M a year; the budget draws half (10M). Another 5M a
    # year from 2027 is an allocation of 0.5 + 5/20 = 75% from then, and 50% before
    nation = "nations:\n  a: {gdp: {2025: 1000M}, core: {2025: 2%}}\n"
    text = UNCERTAIN.replace("budgets:\n", nation + "budgets:\n").replace(
        "army: {appropriations: {2025: 20M}}", "army: {from: {nation: a, path: core}, allocation: 50%}"
    )
    s = load_yaml(text).scenario
    yearly = parse_extra("x=5M per year", s, "2027")
    allocation = funded(s, yearly, parse_items("budgets.army", s, yearly), [1.0]).budgets["army"].allocation
    assert isinstance(allocation, dict)
    assert allocation[2026] == pytest.approx(0.5) and allocation[2027] == pytest.approx(0.75)
    assert allocation[2032] == pytest.approx(0.75)
    uncertain = load_yaml(text.replace("allocation: 50%", "allocation: {triangular: [40%, 50%, 60%]}")).scenario
    with pytest.raises(UsageError, match="uncertain GDP or allocation"):
        funded(uncertain, yearly, parse_items("budgets.army", uncertain, yearly), [1.0])


def test_a_shared_budget_cannot_earmark_money_for_one_line(load_yaml: Callable[..., LoadedScenario]) -> None:
    loaded = load_yaml(UNCERTAIN.replace("budget: navy", "budget: army"))
    money = parse_extra("x=5M", loaded.scenario, None)
    with pytest.raises(UsageError, match="shares budget 'army'"):
        parse_items("facilities.a", loaded.scenario, money)
    with pytest.raises(UsageError, match="counts money in EUR"):
        parse_extra("x=5M GBP", loaded.scenario, None)


def test_a_probability_objective_has_its_interval_inside_0_and_1(
    load_yaml: Callable[..., LoadedScenario], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.studies.allocate import mean_interval

    # five runs on time and one late: the t-interval of the mean (5/6 ± 0.43) reaches above 1
    on_time = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    mean, low, high = mean_interval(on_time)
    assert high > 1.0  # unclipped, a probability's interval leaves [0, 1]
    assert mean_interval(on_time, (0.0, 1.0)) == (mean, low, 1.0)
    assert mean_interval(1.0 - on_time, (0.0, 1.0))[1] == 0.0
    found = allocate(scenario=load_yaml(UNCERTAIN), out=tmp_path / "p", objective="on_time",
                     budget="extra=30M per year", evaluations=4, replications=3, final_replications=6, seed=7, top=2,
                     progress=True).found  # fmt: skip
    for c in [found["best"], found["as_written"], found["even_split"], *found.get("runners_up", [])]:
        assert 0.0 <= c["interval"][0] <= c["objective"] <= c["interval"][1] <= 1.0, c
    for g in (found["gain_vs_as_written"], found["gain_vs_even_split"]):
        assert -1.0 <= g["interval"][0] <= g["interval"][1] <= 1.0, g
    # the progress counts candidates, not runs (each candidate is several runs)
    err = capsys.readouterr().err
    assert "rearm allocate: 4/4 candidates (100%)" in err and "candidates/s" in err and " runs" not in err
