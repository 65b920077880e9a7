"""How far a shared stock — a budget's money, a material's stock — covers the most that all
its users could draw: while it does, none of them can cut another's work, so each may run its
work ahead (`sim.model.fast.path.Runner.run_ahead_until`). Here too: the most they could draw
(`spend_bound`, `take_bound`), and how far a budget's money covers its spenders
(`money_until`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model.budget import Budget
    from sim.model.fast.path import Runner
    from sim.model.material import Material

#: secant steps in search of the last day covered (a longer search costs more than the runs it
#: lengthens)
SEARCH_STEPS = 2
RETRY_DAYS = 30.0  # after the stock fell short, it is not asked again for this long
#: days: work starting this close to an appropriation, capex or expansion is left to the step-by-step path
RUN_AHEAD_TOL = 1e-9


class Cover:
    """The last day a stock was found to cover its users, kept until then (their draws up to
    then were all counted) or until the stock's `stamp` changes (money arrived, capex paid);
    after it fell short, not asked again for `RETRY_DAYS` (a guess at when it may cover again:
    correctness never depends on it)."""

    def __init__(self) -> None:
        self.until = -math.inf
        self.retry_at = -math.inf
        self.stamp: Hashable = None

    def ask(
        self,
        now: float,
        until: float,
        have: float,
        need: Callable[[float], float],
        first: float | None = None,
        stamp: Hashable = None,
    ) -> float:
        """The last day up to `until` that `have` covers `need` (the most all users could draw
        from now to a day, growing with the day); now if none. `first`, a day tried before
        the search, is the answer's floor when covered."""
        if stamp != self.stamp:  # the stock changed otherwise than by its users' draws: ask again
            self.until = self.retry_at = -math.inf
            self.stamp = stamp
        if self.until > now:
            return min(self.until, until)
        if now < self.retry_at:
            return now
        self.until = covered_until(now, until, have, need, first)
        if self.until <= now:
            self.retry_at = now + RETRY_DAYS
        return self.until


def fits(have: float, need: float) -> bool:
    """Whether `have` covers `need`, with room for rounding."""
    return have >= need * (1 + 1e-9) + 1e-6


def covered_until(
    now: float, until: float, have: float, need: Callable[[float], float], first: float | None = None
) -> float:
    """About the latest day t in [now, until] for which `need(t)` (growing with t) fits in
    `have` (now if none): a few steps of the secant method, keeping the last t that fits. A day
    `first` in between, if given, is tried first and, when it fits, the search starts there
    (the answer is then at least `first`)."""
    lo, hi, hi_need = now, until, math.nan
    if first is not None and now < first < until:
        first_need = need(first)
        if fits(have, first_need):
            lo, lo_need = first, first_need
        else:  # searched below as if asked up to `first`
            hi, hi_need = first, first_need
    if hi == until:
        hi_need = need(until)
        if fits(have, hi_need):
            return until
    if lo == now:
        lo_need = need(now)
        if not fits(have, lo_need):
            return now
    for _ in range(SEARCH_STEPS):
        # aim a little short of the straight line's crossing, so a nearly straight need fits
        t = lo + (hi - lo) * 0.98 * (have - lo_need) / (hi_need - lo_need) if hi_need > lo_need else lo
        t = min(max(t, lo), hi)
        if hi - lo < 1.0 or t in (lo, hi):
            break
        t_need = need(t)
        if fits(have, t_need):
            lo, lo_need = t, t_need
        else:
            hi, hi_need = t, t_need
    return lo


def spend_bound(budget: Budget, spenders: list[Runner], now: float, until: float) -> float:
    """The most `spenders` could commit from `budget` for work starting from their next start
    up to `until`."""
    most = 0.0
    for r in spenders:
        a = r.ahead_until if r.ahead_until > now else now
        most += r.max_spend(a, until, r.max_units(a, until), budget)
    return most


def take_bound(material: Material, takers: list[Runner], now: float, until: float) -> float:
    """The most `takers` of `material` could take for work starting from their next start up
    to `until`."""
    name, most = material.name, 0.0
    for r in takers:
        a = r.ahead_until if r.ahead_until > now else now
        most += r.takes[name] * r.max_units(a, until)
    return most


def money_until(budget: Budget, spenders: list[Runner], cover: Cover, now: float, horizon: float) -> float:
    """How far no facility can cut another's work on `budget` (now if not at all): nobody
    waits for money; before the horizon and any capex on it that can be committed; before the
    next appropriation if unspent money lapses there; and while the money on hand covers the
    most all its `spenders` could commit up to then (`cover`). Money that carries over only
    grows at an appropriation, so work paid from what is on hand now (at each day's prices:
    `sim.model.fast.runs.run_costs`) may run across it."""
    if budget.has_waiters:
        return now
    year_end = min(budget.next_appropriation(now), horizon)
    until = horizon if budget.carry_over else year_end  # (no work starts after the horizon)
    if budget.capex_due:
        until = min(until, min(budget.capex_due.values()))
    until -= RUN_AHEAD_TOL
    if until > now and len(spenders) > 1:
        need = partial(spend_bound, budget, spenders, now)
        stamp = (budget.received, len(budget.capex_due))
        until = min(until, cover.ask(now, until, budget.balance, need, year_end - RUN_AHEAD_TOL, stamp))
    return max(now, until)
