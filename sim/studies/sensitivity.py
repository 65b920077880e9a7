"""Sensitivity indices from a study's results: one-at-a-time (tornado data), Morris elementary
effects and Sobol first/total-order indices, each per parameter and target.

A point's response for a target is the mean over replications of its years to reach, an
unreached replication counted at the horizon (a censored value: "not before the horizon").
SALib computes the Morris and Sobol indices; nothing here re-implements them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from sim.studies.samplers import MORRIS_LEVELS, Design, salib_problem

SENSITIVITY_HEADER = ("parameter", "target", "method", "index_name", "value", "confidence")
Index = tuple[str, str, str, str, float, float | None]
CONFIDENCE = 0.95


def censored(years: np.ndarray, failed: np.ndarray, horizon_years: float) -> np.ndarray:
    """Years to reach with unreached runs counted at the horizon and failed runs as NaN."""
    out = np.where(np.isnan(years), horizon_years, years)
    return np.where(failed[..., None], np.nan, out)


def responses(values: np.ndarray) -> np.ndarray:
    """Points × targets: the mean over replications (NaN where a point has no successful run)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=1)


def paired_halfwidth(differences: np.ndarray) -> float | None:
    """The 95% confidence half-width of a mean of paired differences (None with < 2 pairs)."""
    from scipy import stats

    d = differences[~np.isnan(differences)]
    if d.size < 2:
        return None
    sd = float(np.std(d, ddof=1))
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, d.size - 1) * sd / math.sqrt(d.size))


def one_at_a_time(design: Design, targets: Sequence[str], values: np.ndarray) -> list[Index]:
    """Per parameter and target: baseline, low, high, and the effects low − baseline and
    high − baseline in years, with confidence from the paired (common-random-number) runs."""
    rows: list[Index] = []
    y = responses(values)
    for j, path in enumerate(design.paths):
        low, high = 1 + 2 * j, 2 + 2 * j
        for k, target in enumerate(targets):
            base = float(y[0, k])
            rows += [
                (path, target, "oat", "baseline", base, None),
                (path, target, "oat", "low", float(y[low, k]), None),
                (path, target, "oat", "high", float(y[high, k]), None),
                (
                    path,
                    target,
                    "oat",
                    "low_effect",
                    float(y[low, k]) - base,
                    paired_halfwidth(values[low, :, k] - values[0, :, k]),
                ),
                (
                    path,
                    target,
                    "oat",
                    "high_effect",
                    float(y[high, k]) - base,
                    paired_halfwidth(values[high, :, k] - values[0, :, k]),
                ),
            ]
    return rows


def _complete_responses(targets: Sequence[str], values: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(target, response per design row) for each target every run reached; the index methods
    need a response at every design point, so a target with any unreached run is left out."""
    y = responses(values)
    return [(target, y[:, k]) for k, target in enumerate(targets) if not np.isnan(y[:, k]).any()]


def morris(design: Design, targets: Sequence[str], values: np.ndarray, seed: int) -> list[Index]:
    """Morris mu, mu* (with its confidence) and sigma per parameter and target, in years."""
    from SALib.analyze import morris as salib_morris

    problem = salib_problem(design.parameters)
    rows: list[Index] = []
    for target, y in _complete_responses(targets, values):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            res = salib_morris.analyze(
                problem, design.matrix, y, num_levels=MORRIS_LEVELS, conf_level=CONFIDENCE, seed=seed
            )
        for j, path in enumerate(design.paths):
            rows += [
                (path, target, "morris", "mu", float(res["mu"][j]), None),
                (path, target, "morris", "mu_star", float(res["mu_star"][j]), float(res["mu_star_conf"][j])),
                (path, target, "morris", "sigma", float(res["sigma"][j]), None),
            ]
    return rows


def sobol(design: Design, targets: Sequence[str], values: np.ndarray, seed: int) -> list[Index]:
    """Sobol first-order (S1) and total-order (ST) indices with bootstrap confidence."""
    from SALib.analyze import sobol as salib_sobol

    problem = salib_problem(design.parameters)
    rows: list[Index] = []
    for target, y in _complete_responses(targets, values):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            res = salib_sobol.analyze(problem, y, calc_second_order=False, conf_level=CONFIDENCE, seed=seed)
        for j, path in enumerate(design.paths):
            rows += [
                (path, target, "sobol", "S1", float(res["S1"][j]), float(res["S1_conf"][j])),
                (path, target, "sobol", "ST", float(res["ST"][j]), float(res["ST_conf"][j])),
            ]
    return rows


def indices(design: Design, targets: Sequence[str], values: np.ndarray, seed: int) -> list[Index]:
    """The indices of the design's method."""
    if design.method == "oat":
        return one_at_a_time(design, targets, values)
    if design.method == "morris":
        return morris(design, targets, values, seed)
    return sobol(design, targets, values, seed)


def skipped_targets(targets: Sequence[str], values: np.ndarray) -> list[str]:
    """Targets with no indices because some design point has no successful run."""
    y = responses(values)
    return [t for k, t in enumerate(targets) if np.isnan(y[:, k]).any()]
