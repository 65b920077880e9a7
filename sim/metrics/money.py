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


#: per nation and path, its spending on the path, then the `MONEY_MEASURES` of what it gave
NATIONAL_MEASURES = ("spending", *MONEY_MEASURES)


def money_measures(totals: np.ndarray) -> np.ndarray:
    """(appropriated, spent, lapsed) rows as `MONEY_MEASURES` rows: the model commits money as
    work starts, so what is committed is spent; what is neither spent nor lapsed is unspent."""
    appropriated, spent, lapsed = totals[..., 0], totals[..., 1], totals[..., 2]
    return np.stack((appropriated, spent, spent, lapsed, appropriated - spent - lapsed), axis=-1)


def national_money(records: Records, budgets: np.ndarray) -> np.ndarray:
    """Per nation and path (nations × paths × `NATIONAL_MEASURES`): its spending over the
    horizon, and the money of the budgets drawing on it, each budget's shared among the
    nations' paths that fill it in proportion to what each gave. `budgets`: budgets ×
    (appropriated, spent, lapsed), as `budget_totals` gives them."""
    paths = len(NATION_PATHS)
    out = np.zeros((len(records.nations), paths, len(NATIONAL_MEASURES)))
    for nation, path, _, amount in records.national:
        out[nation, NATION_PATHS.index(path), 0] += amount
    out[:, :, 1:] = np.einsum("bnp,bm->npm", contribution_shares(records), money_measures(budgets))
    return out


def contribution_shares(records: Records) -> np.ndarray:
    """Budgets × nations × paths: each nation's path's share of what a budget received over the
    horizon (a budget filled by no nation: zeros). What a joint budget commits, and what is
    delivered to it, counts for each nation in these shares."""
    paths = len(NATION_PATHS)
    given = np.zeros((len(records.budgets), len(records.nations), paths))
    for budget, nation, path, amount in records.contributions:
        given[budget, nation, NATION_PATHS.index(path)] += amount
    totals = given.sum(axis=(1, 2), keepdims=True)
    return np.divide(given, totals, out=np.zeros_like(given), where=totals > 0)


def _rounded(values: np.ndarray) -> dict[str, float]:
    return {m: round(float(v), 2) for m, v in zip(MONEY_MEASURES, values.tolist(), strict=True)}


def nation_money(scenario: Scenario, national: np.ndarray) -> dict[str, Any]:
    """Per nation, means over replications (`national`: replications × nations × paths ×
    `NATIONAL_MEASURES`): its spending on each path, the money of the budgets drawing on it
    (`MONEY_MEASURES`, in the scenario's currency) and the share of each path's spending
    committed to the modelled industrial base."""
    means = national.mean(axis=0) if national.size else np.zeros((len(scenario.nations), len(NATION_PATHS), 6))
    out: dict[str, Any] = {}
    for n, (name, nation) in enumerate(scenario.nations.items()):
        entry: dict[str, Any] = {
            "currency": nation.currency or scenario.currency,
            "exchange_rate": nation.exchange_rate,  # scenario currency per unit of its own
            "amounts_in": scenario.currency,
        }
        for p, path in enumerate(NATION_PATHS):
            total, money = float(means[n, p, 0]), means[n, p, 1:]
            committed = float(money[MONEY_MEASURES.index("committed")])
            entry[path] = {
                "spending": round(total, 2),
                **_rounded(money),
                "reached_share": round(committed / total, 6) if total > 0 else None,
            }
        entry.update(_rounded(means[n, :, 1:].sum(axis=0)))
        out[name] = entry
    return out


def budget_money(scenario: Scenario, budgets: np.ndarray) -> dict[str, dict[str, Any]]:
    """Per budget, means over replications (`budgets`: replications × budgets × (appropriated,
    spent, lapsed)): committed and unspent beside appropriated, spent and lapsed, and the
    nations' paths it draws on, if any."""
    measures = money_measures(budgets).mean(axis=0)
    out: dict[str, dict[str, Any]] = {}
    for b, (name, spec) in enumerate(scenario.budgets.items()):
        extra: dict[str, Any] = {
            m: round(float(measures[b, k]), 2) for k, m in enumerate(MONEY_MEASURES) if m in ("committed", "unspent")
        }
        if spec.sources:
            extra["from"] = [{"nation": s.nation, "path": s.path} for s in spec.sources]
        out[name] = extra
    return out
