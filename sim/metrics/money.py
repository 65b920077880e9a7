"""Money per budget and per nation: what was appropriated, committed, lapsed and left unspent
at the horizon, and the share of each nation's core and related spending that reached the
modelled industrial base (its budgets' commitments over all it spent on that path)."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.language.schema import NATION_PATHS, Scenario
from sim.records import Records

#: the money measures of a budget or a nation's path, in `summary.json` order
MONEY_MEASURES = ("appropriated", "committed", "spent", "lapsed", "unspent")


def national_totals(records: Records) -> np.ndarray:
    """Each nation's `core` and `related` spending over the horizon: nations × paths."""
    totals = np.zeros((len(records.nations), len(NATION_PATHS)))
    for nation, path, _, amount in records.national:
        totals[nation, NATION_PATHS.index(path)] += amount
    return totals


def money_measures(totals: np.ndarray) -> np.ndarray:
    """(appropriated, spent, lapsed) rows as `MONEY_MEASURES` rows: the model commits money as
    work starts, so what is committed is spent; what is neither spent nor lapsed is unspent."""
    appropriated, spent, lapsed = totals[..., 0], totals[..., 1], totals[..., 2]
    return np.stack((appropriated, spent, spent, lapsed, appropriated - spent - lapsed), axis=-1)


def _rounded(values: np.ndarray) -> dict[str, float]:
    return {m: round(float(v), 2) for m, v in zip(MONEY_MEASURES, values.tolist(), strict=True)}


def nation_money(scenario: Scenario, budgets: np.ndarray, national: np.ndarray) -> dict[str, Any]:
    """Per nation, means over replications: its spending on each path, the money of the
    budgets drawing on it (`MONEY_MEASURES`, in the scenario's currency) and the share of each
    path's spending committed to the modelled industrial base. `budgets`: replications ×
    budgets × (appropriated, spent, lapsed); `national`: replications × nations × paths."""
    measures = money_measures(budgets).mean(axis=0)  # budgets × MONEY_MEASURES
    spending = national.mean(axis=0) if national.size else np.zeros((len(scenario.nations), len(NATION_PATHS)))
    out: dict[str, Any] = {}
    for n, (name, nation) in enumerate(scenario.nations.items()):
        entry: dict[str, Any] = {
            "currency": nation.currency or scenario.currency,
            "exchange_rate": nation.exchange_rate,
        }
        whole = np.zeros(len(MONEY_MEASURES))
        for p, path in enumerate(NATION_PATHS):
            drawn = [
                b
                for b, spec in enumerate(scenario.budgets.values())
                if spec.from_ is not None and spec.from_.nation == name and spec.from_.path == path
            ]
            money = measures[drawn].sum(axis=0) if drawn else np.zeros(len(MONEY_MEASURES))
            whole += money
            total = float(spending[n, p])
            committed = float(money[MONEY_MEASURES.index("committed")])
            entry[path] = {
                "spending": round(total, 2),
                **_rounded(money),
                "reached_share": round(committed / total, 6) if total > 0 else None,
            }
        entry.update(_rounded(whole))
        out[name] = entry
    return out


def budget_money(scenario: Scenario, budgets: np.ndarray) -> dict[str, dict[str, Any]]:
    """Per budget, means over replications: committed and unspent beside appropriated, spent
    and lapsed, and the nation and path it draws on, if any."""
    measures = money_measures(budgets).mean(axis=0)
    out: dict[str, dict[str, Any]] = {}
    for b, (name, spec) in enumerate(scenario.budgets.items()):
        extra: dict[str, Any] = {
            m: round(float(measures[b, k]), 2) for k, m in enumerate(MONEY_MEASURES) if m in ("committed", "unspent")
        }
        if spec.from_ is not None:
            extra["nation"], extra["path"] = spec.from_.nation, spec.from_.path
        out[name] = extra
    return out
