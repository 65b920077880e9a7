"""How sure the dates are: each median date's 95% interval from order statistics, the warnings in
words when it is wide or the outcomes fall into separate clusters, `--precision` stopping on
clusters instead of running to its cap, and a terminal table no wider than 100 columns."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, write_yaml
from scipy import stats

from sim.metrics.confidence import MIN_CLUSTER_GAP_DAYS, clusters, median_bounds, straddles
from sim.present.certainty import date_warnings
from sim.present.table import WIDTH

#: deliveries come in lots of two years; a plant making at least 500 a year has 2,000 after two
#: lots (2029), one making less after three (2031): half the runs each, two clusters two years apart
BIMODAL = """\
scenario: two lots
start: 2025-01-01
horizon: 10 years
seed: 11
replications: 40
budgets:
  money:
    appropriations: {2025: 1bn}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {uniform: [480 per year, 520 per year]}
    lot: 2 years
    available_from: {uniform: [2025-01-01, 2025-03-01]}
    unit_cost: 1
targets:
  - {name: two thousand, product: shell, delivered: 2000, by: 2030-01-01}
"""

#: one steady line making 1,000 a year, give or take 1%: 1,000 delivered about a year in
UNIMODAL = (
    BIMODAL.replace("two lots", "one line")
    .replace(
        "capacity: {uniform: [480 per year, 520 per year]}\n    lot: 2 years\n"
        "    available_from: {uniform: [2025-01-01, 2025-03-01]}",
        "capacity: {uniform: [990 per year, 1010 per year]}\n    lot: 1 day",
    )
    .replace("delivered: 2000", "delivered: 1000")
)


def binomial_ranks(n: int) -> tuple[int, int]:
    """The 1-based ranks of the order statistics bounding a median at 95%, from Bin(n, ½) directly:
    the largest l with P(X < l) ≤ 2.5% and the smallest u with P(X ≥ u) ≤ 2.5%."""
    cdf = stats.binom(n, 0.5).cdf
    low = max(k for k in range(1, n + 1) if cdf(k - 1) <= 0.025)
    high = min(k for k in range(1, n + 1) if 1 - cdf(k - 1) <= 0.025)
    return low, high


@pytest.mark.parametrize("n", [6, 20, 41, 200])
def test_the_interval_is_the_order_statistics_at_the_binomial_ranks(n: int) -> None:
    sample = np.random.default_rng(n).permutation(np.arange(1, n + 1) * 10.0)  # the k-th smallest is 10k
    median, low, high = median_bounds(sample)
    first, last = binomial_ranks(n)
    assert (low, high) == (10.0 * first, 10.0 * last)
    assert median == np.median(sample) and low <= median <= high


def test_the_classic_ranks_of_twenty_and_what_too_few_gives() -> None:
    assert binomial_ranks(20) == (6, 15)  # the textbook table
    _, low, high = median_bounds(np.arange(1.0, 21.0))
    assert (low, high) == (6.0, 15.0)
    assert all(math.isnan(b) for b in median_bounds(np.arange(5.0))[1:])  # five runs: no 95% interval
    assert median_bounds(np.array([3.0] + [np.nan] * 9))[1:] == (np.inf, np.inf)  # surely not reached


def test_known_bimodal_samples_split_and_unimodal_ones_do_not() -> None:
    rng = np.random.default_rng(5)
    year = 365.25
    two = np.concatenate((rng.normal(4 * year, 0.3 * year, 60), rng.normal(8 * year, 0.3 * year, 40)))
    found = clusters(two)
    assert [round(c.fraction, 2) for c in found] == [0.6, 0.4]
    assert abs(found[0].median - 4 * year) < 0.2 * year and abs(found[1].median - 8 * year) < 0.2 * year
    assert found[0].high < found[1].low
    # never reaching it is a cluster of its own when as many runs never do
    half = np.concatenate((rng.normal(4 * year, 0.3 * year, 50), np.full(50, np.nan)))
    assert [c.median for c in clusters(half)][1] == math.inf
    # unimodal: normal, skewed, heavy-tailed and uniform samples of several sizes stay one cluster
    for n in (20, 50, 200):
        for sample in (
            rng.normal(10 * year, 2 * year, n),
            rng.lognormal(np.log(5 * year), 0.6, n),
            10 * year + year * rng.standard_t(3, n),
            rng.uniform(2 * year, 12 * year, n),
        ):
            assert len(clusters(sample)) == 1, n
    # a gap too narrow to matter to a plan splits nothing, however tight the two sides are
    near = np.concatenate((np.full(10, 100.0), np.full(10, 100.0 + MIN_CLUSTER_GAP_DAYS / 2)))
    assert len(clusters(near)) == 1
    # a median's interval across two clusters straddles them; one inside a cluster does not
    _, low, high = median_bounds(np.concatenate((np.full(10, 1000.0), np.full(10, 2000.0))))
    split = clusters(np.concatenate((np.full(10, 1000.0), np.full(10, 2000.0))))
    assert straddles(low, high, split) and not straddles(1000.0, 1000.0, split)


def run_summary(tmp_path: Path, rearm, text: str, *args: str) -> tuple[dict, str]:
    tmp_path.mkdir(exist_ok=True)
    scenario = write_yaml(tmp_path, text)
    result = rearm("run", scenario, "--no-plots", "--jobs", "1", "--out", tmp_path / "out", *args)
    assert result.code == 0, result.err
    return json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8")), result.out


def test_a_bimodal_outcome_is_warned_of_in_summary_terminal_and_report(tmp_path: Path, rearm) -> None:
    summary, out = run_summary(tmp_path, rearm, BIMODAL)
    (target,) = summary["targets"]
    years = [c["years_p50"] for c in target["clusters"]]
    assert len(years) == 2 and abs(years[0] - 4.0) < 0.2 and abs(years[1] - 6.0) < 0.2  # really bimodal
    low, high = target["years_p50_interval"]
    assert low < 4.2 and high > 5.9 and target["p50_across_clusters"]  # the median could be in either
    assert target["date_p50_interval"][0] <= target["date_reached"]["p50"] <= target["date_p50_interval"][1]
    assert "fall into 2 separate clusters" in out and "How sure the dates are" in out
    warnings = date_warnings(target)
    assert any("clusters" in w for w in warnings) and any("wider than 6 months" in w for w in warnings)
    from sim.present.report import render_report

    page = render_report(tmp_path / "out")
    assert "95% CI of median" in page and "separate clusters" in page


def test_a_unimodal_tight_outcome_is_not_warned_of(tmp_path: Path, rearm) -> None:
    summary, out = run_summary(tmp_path, rearm, UNIMODAL)
    (target,) = summary["targets"]
    assert target["clusters"] is None and target["p50_across_clusters"] is False
    low, high = target["years_p50_interval"]
    assert 0.98 < low <= target["years_to_reach"]["p50"] <= high < 1.02
    assert date_warnings(target) == [] and "How sure the dates are" not in out


def test_precision_stops_early_on_clusters_with_its_message(tmp_path: Path, rearm) -> None:
    summary, out = run_summary(tmp_path, rearm, BIMODAL, "--precision", "0.05", "--max-replications", "400")
    assert summary["replications"] < 400  # it stopped before its cap ...
    assert summary["precision"]["met"] is False
    assert summary["precision"]["stopped_on_clusters"] == ["two thousand"]
    assert "stopped: two thousand's outcomes fall into 2 clusters" in out.replace("\n    ", " ")
    # ... and the unimodal one still runs until it is met
    tight, _ = run_summary(tmp_path / "u", rearm, UNIMODAL, "--precision", "0.001", "--max-replications", "400")
    assert tight["precision"]["stopped_on_clusters"] == []


SHIPPED = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "scenarios").rglob("*.yaml"))


@pytest.mark.parametrize("scenario", SHIPPED)
def test_the_terminal_table_fits_100_columns(scenario: str, tmp_path: Path, rearm) -> None:
    result = rearm("run", ROOT / scenario, "--no-plots", "--replications", "20", "--out", tmp_path / "out")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) >= 3 and max(len(line) for line in lines) <= WIDTH  # a back-test may have no targets


def test_precision_stops_only_where_the_cap_cannot_settle_the_median() -> None:
    from sim.studies.precision import median_interval, split_targets

    year = 365.25
    even = median_interval("even", np.concatenate((np.full(10, 2 * year), np.full(10, 4 * year))), 0.05)
    assert even.split and even.to_settle == math.inf and split_targets([even], 10_000) == [even]
    # 7 of 20 in the early cluster: the median's interval still reaches across, but about
    # 1.96² · 0.35 · 0.65 / 0.15² ≈ 39 runs put it in the later one, well under the cap
    uneven = median_interval("uneven", np.concatenate((np.full(7, 2 * year), np.linspace(4, 4.2, 13) * year)), 0.05)
    assert uneven.split and uneven.to_settle == pytest.approx(1.959964**2 * 0.35 * 0.65 / 0.15**2)
    assert split_targets([uneven], 10_000) == [] and split_targets([uneven], 30) == [uneven]
