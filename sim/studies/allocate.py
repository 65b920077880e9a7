"""`rearm allocate`: the split of extra money over budgets, lines and expansions that meets the
targets soonest, found by an optimiser over the simplex of shares.

**Objective** (minimised, stated in the output): `lateness` (default) is the sum over targets of
weight × years late against the deadline (years to reach for a target with none; a run that
never reaches a target counts the horizon); `on_time` is the mean, over targets with a deadline,
of the probability of being on time (maximised: its negative is minimised); `date:TARGET` is the
mean years to reach one target. Each candidate is run on the same replication streams (common
random numbers), so two candidates differ by the decision, not the noise.

**Optimiser**: Optuna's TPE sampler, seeded. A candidate is k numbers u in (0, 1]; the shares are
−log(u) normalised (uniform u gives shares uniform on the simplex). The first candidates are the
even split and each item alone (the corners), then TPE asks in batches of `BATCH` (fixed, so the
same seed gives the same candidates on any number of workers). A candidate asked again is not
re-run. Then the best `top` are run again at the final replication count, their objective given
with a 95% interval, so the winner is not a lucky draw.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.errors import UsageError

#: candidates asked of the optimiser at a time (independent of --jobs: the same seed gives the
#: same answer on any number of workers)
BATCH = 4
OBJECTIVES = ("lateness", "on_time", "date:TARGET")
#: what the optimiser is told of a candidate whose runs failed (worse than any real value)
FAILED = 1e300


@dataclass(frozen=True)
class Objective:
    """What `allocate` minimises, per run, from the targets' years to reach."""

    kind: str
    target: str | None = None
    weights: tuple[tuple[str, float], ...] = ()

    def describe(self) -> str:
        """The objective in words, for the outputs."""
        if self.kind == "on_time":
            return "the mean probability of reaching each target with a deadline by it (higher is better)"
        if self.kind == "date":
            return f"the mean years to reach {self.target!r} (unreached: the horizon; lower is better)"
        weighted = ", ".join(f"{t} ×{w:g}" for t, w in self.weights if w != 1)
        return (
            "the sum over targets of expected years late against the deadline (years to reach where there is "
            "none; unreached: the horizon)" + (f", weighted {weighted}" if weighted else "") + " (lower is better)"
        )

    @property
    def sign(self) -> float:
        """+1 where the reported value is minimised, −1 where it is maximised."""
        return -1.0 if self.kind == "on_time" else 1.0

    @property
    def bounds(self) -> tuple[float, float] | None:
        """The values the objective can take where they are bounded: a probability in [0, 1]."""
        return (0.0, 1.0) if self.kind == "on_time" else None

    @property
    def gain_bounds(self) -> tuple[float, float] | None:
        """The values a difference of two objectives can take: [−1, 1] for probabilities."""
        return (-1.0, 1.0) if self.kind == "on_time" else None

    def per_run(
        self,
        years: np.ndarray,
        failed: np.ndarray,
        targets: Sequence[str],
        deadlines: Sequence[float | None],
        horizon: float,
    ) -> np.ndarray:
        """Points × replications of the reported objective from points × replications × targets
        of years to reach (NaN: not reached) and points × replications of failed runs (NaN)."""
        reached = np.where(np.isnan(years), horizon, years)
        if self.kind == "date":
            out = reached[:, :, list(targets).index(str(self.target))]
        elif self.kind == "on_time":
            ks = [k for k, d in enumerate(deadlines) if d is not None]
            on = [(~np.isnan(years[:, :, k])) & (years[:, :, k] <= float(deadlines[k] or 0)) for k in ks]
            out = np.mean(on, axis=0).astype(float)
        else:
            weight = dict(self.weights)
            late = [
                weight.get(t, 1.0) * (reached[:, :, k] if d is None else np.maximum(0.0, reached[:, :, k] - d))
                for k, (t, d) in enumerate(zip(targets, deadlines, strict=True))
            ]
            out = np.sum(late, axis=0)
        return np.where(failed, np.nan, out)


def parse_objective(
    text: str, targets: Sequence[str], deadlines: Sequence[float | None], weights: Sequence[str]
) -> Objective:
    """`lateness`, `on_time` or `date:TARGET`, with `--weight TARGET=W` for lateness."""
    kind, _, target = text.partition(":")
    if kind == "date":
        if target not in targets:
            hint = f"; targets: {', '.join(targets)}"
            raise UsageError(f"--objective date:{target}: no target {target!r}{hint}")
        return Objective("date", target)
    if kind not in ("lateness", "on_time") or target:
        raise UsageError(f"--objective {text!r}: one of {', '.join(OBJECTIVES)}")
    if kind == "on_time" and not any(d is not None for d in deadlines):
        raise UsageError("--objective on_time: no target has a deadline (`by`)")
    parsed: list[tuple[str, float]] = []
    for w in weights:
        name, sep, value = w.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not sep or name not in targets or not number >= 0 or not math.isfinite(number):
            raise UsageError(f"--weight {w!r}: expected TARGET=WEIGHT (a number ≥ 0) for one of {', '.join(targets)}")
        parsed.append((name, number))
    if parsed and kind != "lateness":
        raise UsageError("--weight applies to --objective lateness only")
    return Objective(kind, None, tuple(parsed))


def shares_of(u: Sequence[float]) -> tuple[float, ...]:
    """The shares a candidate's numbers in (0, 1] stand for: −log(u) normalised (not rounded:
    an even split of a sum that exactly pays six capexes must pay each whole)."""
    w = [max(0.0, -math.log(max(x, 1e-12))) for x in u]
    total = sum(w)
    return tuple(x / total for x in w) if total > 0 else tuple(1 / len(w) for _ in w)


def first_candidates(k: int) -> list[list[float]]:
    """The even split, then each item alone (in the numbers `shares_of` reads)."""
    corner = math.exp(-1)
    return [[corner] * k] + [[corner if i == j else 1.0 for i in range(k)] for j in range(k)]


def mean_interval(values: np.ndarray, bounds: tuple[float, float] | None = None) -> tuple[float, float, float]:
    """Mean and its 95% t-interval over the finite values (the bounds equal the mean with
    fewer than two); with `bounds`, the interval clipped to the values the objective can take
    (a probability's t-interval would otherwise reach below 0 or above 1)."""
    x = values[np.isfinite(values)]
    if len(x) == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(np.mean(x))
    if len(x) < 2:
        return (mean, mean, mean)
    from scipy import stats

    half = float(stats.t.ppf(0.975, len(x) - 1) * np.std(x, ddof=1) / math.sqrt(len(x)))
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(bounds[0], low), min(bounds[1], high)
    return (mean, low, high)


def search(
    evaluate_batch: Callable[[list[tuple[float, ...]]], list[float]],
    k: int,
    evaluations: int,
    seed: int,
    on_batch: Callable[[int], None] | None = None,
) -> list[tuple[tuple[float, ...], float]]:
    """Run the optimiser for `evaluations` candidates (shares, value minimised); each batch is
    given to `evaluate_batch`, which returns the values (a candidate asked again is not passed
    on). Returns every candidate asked, in order, with its value."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if k == 1:
        (value,) = evaluate_batch([(1.0,)])
        return [((1.0,), value)]
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(10, 2 * k), multivariate=True)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    names = [f"u{i}" for i in range(k)]
    for u in first_candidates(k):
        study.enqueue_trial(dict(zip(names, u, strict=True)))
    seen: dict[tuple[float, ...], float] = {}
    asked: list[tuple[tuple[float, ...], float]] = []
    while len(asked) < evaluations:
        trials = [study.ask() for _ in range(min(BATCH, evaluations - len(asked)))]
        shares = [shares_of([t.suggest_float(n, 1e-6, 1.0) for n in names]) for t in trials]
        fresh = list(dict.fromkeys(s for s in shares if s not in seen))
        for s, v in zip(fresh, evaluate_batch(fresh) if fresh else [], strict=True):
            seen[s] = v
        for t, s in zip(trials, shares, strict=True):
            value = seen[s]
            study.tell(t, value if math.isfinite(value) else FAILED)
            asked.append((s, value))
        if on_batch:
            on_batch(len(asked))
    return asked
