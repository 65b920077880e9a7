"""Samplers: parameters in, a design table out (one row per design point).

The design table holds one number per parameter per point (see `Parameter.numeric`); NaN means
"as the scenario is written" (the one-at-a-time baseline). Sampling is delegated to
`scipy.stats.qmc` (Latin hypercube) and SALib (Saltelli's Sobol design, Morris trajectories).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import UsageError
from sim.studies.parameters import Parameter

METHODS = ("grid", "lhs", "oat", "morris", "sobol")
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Design:
    """The design table: `matrix[i, j]` is parameter j's number at point i (NaN: as written)."""

    method: str
    parameters: tuple[Parameter, ...]
    matrix: np.ndarray

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def paths(self) -> list[str]:
        """The parameters' dotted paths, in order (the design table's columns)."""
        return [p.path for p in self.parameters]

    def assignments(self, point: int) -> dict[str, Any]:
        """The values to write into the scenario for `point` (parameters left as written omitted)."""
        return {
            p.path: p.data_value(float(x))
            for p, x in zip(self.parameters, self.matrix[point], strict=True)
            if not np.isnan(x)
        }


def salib_problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem dictionary of numeric ranges."""
    for p in parameters:
        if not p.is_range:
            raise UsageError(f"{p.path}: this method needs a range LO:HI, not a list of values")
    return {
        "num_vars": len(parameters),
        "names": [p.path for p in parameters],
        "bounds": [list(p.bounds) for p in parameters],
    }


def _finish(method: str, parameters: Sequence[Parameter], raw: np.ndarray) -> Design:
    matrix = np.array(
        [[p.numeric(x) if not np.isnan(x) else np.nan for p, x in zip(parameters, row, strict=True)] for row in raw]
    )
    return Design(method, tuple(parameters), matrix.reshape(len(raw), len(parameters)))


def grid(parameters: Sequence[Parameter]) -> Design:
    """Every combination of every parameter's levels (the last parameter varies fastest)."""
    rows = list(itertools.product(*(p.grid_levels() for p in parameters)))
    return _finish("grid", parameters, np.array(rows, dtype=float))


def latin_hypercube(parameters: Sequence[Parameter], samples: int, seed: int) -> Design:
    """`samples` points spread over the ranges by a Latin hypercube."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(parameters), rng=np.random.default_rng(seed)).random(samples)
    lows, highs = np.array([p.bounds for p in parameters]).T
    return _finish("lhs", parameters, qmc.scale(unit, lows, highs) if len(parameters) else unit)


def one_at_a_time(parameters: Sequence[Parameter]) -> Design:
    """Point 0 is the scenario as written; then each parameter at its low end, then its high end."""
    salib_problem(parameters)
    rows = [np.full(len(parameters), np.nan)]
    for j, p in enumerate(parameters):
        for end in p.bounds:
            row = np.full(len(parameters), np.nan)
            row[j] = end
            rows.append(row)
    return _finish("oat", parameters, np.array(rows))


def sobol(parameters: Sequence[Parameter], samples: int, seed: int) -> Design:
    """Saltelli's design for first- and total-order Sobol indices: samples × (D + 2) points."""
    from SALib.sample import sobol as salib_sobol

    if samples & (samples - 1):
        raise UsageError(f"--samples for sobol must be a power of 2 (such as 64 or 256), got {samples}")
    raw = salib_sobol.sample(salib_problem(parameters), samples, calc_second_order=False, seed=seed)
    return _finish("sobol", parameters, raw)


def morris(parameters: Sequence[Parameter], samples: int, seed: int) -> Design:
    """`samples` Morris trajectories on a 4-level grid: samples × (D + 1) points."""
    from SALib.sample import morris as salib_morris

    raw = salib_morris.sample(salib_problem(parameters), samples, num_levels=MORRIS_LEVELS, seed=seed)
    return _finish("morris", parameters, raw)


DEFAULT_SAMPLES = {"lhs": 20, "sobol": 64, "morris": 10}


def design_size(method: str, parameters: Sequence[Parameter], samples: int | None) -> int:
    """How many points `make_design` would draw, counted without drawing them (so that a study
    too large for the limits is refused before its design is allocated)."""
    d = len(parameters)
    n = samples if samples is not None else DEFAULT_SAMPLES.get(method, 0)
    if method == "grid":
        return math.prod(p.levels or 1 if p.is_range else len(p.values) for p in parameters)
    if method == "oat":
        return 1 + 2 * d
    if method == "sobol":
        return n * (d + 2)
    if method == "morris":
        return n * (d + 1)
    return n


def make_design(method: str, parameters: Sequence[Parameter], samples: int | None, seed: int) -> Design:
    """The design table for `method` (samples: LHS points, Sobol base samples, Morris trajectories)."""
    if not parameters:
        raise UsageError("give at least one parameter to vary")
    paths = [p.path for p in parameters]
    duplicate = next((p for p in paths if paths.count(p) > 1), None)
    if duplicate:
        raise UsageError(f"{duplicate}: varied twice; give each parameter once")
    if method == "grid":
        return grid(parameters)
    if method == "oat":
        return one_at_a_time(parameters)
    if method not in DEFAULT_SAMPLES:
        raise UsageError(f"unknown method {method!r}; methods are {', '.join(METHODS)}")
    n = samples if samples is not None else DEFAULT_SAMPLES[method]
    if method == "lhs":
        return latin_hypercube(parameters, n, seed)
    if method == "sobol":
        return sobol(parameters, n, seed)
    return morris(parameters, n, seed)
