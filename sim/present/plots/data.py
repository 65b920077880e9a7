"""The result data plots draw from, read from an output directory or taken from a finished
run, in the same plain form either way so `rearm run` and `rearm plot` draw identical images.

`summary` is `summary.json`; `timeline` is `timeline.csv` as product -> measure -> columns;
`detail` is `replication0.json` (one replication's history), or None when absent.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UsageError
from sim.present.names import labels_of
from sim.present.text import from_spreadsheet_cell

Series = dict[str, np.ndarray]  # 'dates' (datetime64), 'p10', 'p50', 'p90', 'mean'


@dataclass
class RunData:
    """Everything the run figures need, as plain data."""

    summary: dict[str, Any]
    timeline: dict[str, dict[str, Series]]
    detail: dict[str, Any] | None = None
    #: product -> customer -> measure (`delivered`, `backlog`) -> columns: the timeline's
    #: customer rows (`customer_timeline`); empty without orders
    customers: dict[str, dict[str, dict[str, Series]]] | None = None
    #: name -> its `label:` in the scenario (facilities, products, budgets, materials)
    labels: dict[str, str] = field(default_factory=dict)
    #: product -> its programme (the budget paying for its first facility), for grouping
    programmes: dict[str, str] = field(default_factory=dict)

    def words(self, name: str) -> str:
        """`name` as a reader sees it: its label, else the code name in words."""
        from sim.present.plots.style import words

        return words(name, self.labels)

    @property
    def start(self) -> dt.date:
        """The scenario's start date (day 0)."""
        return dt.date.fromisoformat(self.summary["start"])

    @property
    def monte_carlo(self) -> bool:
        """More than one replication: percentiles mean something and fans are drawn."""
        return int(self.summary.get("replications", 1)) > 1

    def products(self) -> list[str]:
        """Products in the order of the timeline."""
        return list(self.timeline) or list(self.summary.get("products", {}))


def customer_timeline(rows: Iterable[Sequence[Any]]) -> dict[str, dict[str, dict[str, Series]]]:
    """The timeline's customer rows -> product -> customer -> measure -> columns."""
    grouped: dict[str, dict[str, list[Sequence[Any]]]] = {}
    for row in rows:
        if len(row) > 7 and row[7]:
            grouped.setdefault(str(row[1]), {}).setdefault(str(row[7]), []).append(row)
    return {
        product: {c: timeline_from_rows(r, customer=True)[product] for c, r in by.items()}
        for product, by in grouped.items()
    }


def timeline_from_rows(rows: Iterable[Sequence[Any]], customer: bool = False) -> dict[str, dict[str, Series]]:
    """Long rows (date, product, measure, p10, p50, p90, mean, customer) -> product -> measure ->
    columns, of the product's own rows (with `customer`, of one customer's rows)."""
    grouped: dict[str, dict[str, list[Sequence[Any]]]] = {}
    for row in rows:
        if (len(row) > 7 and bool(row[7])) != customer:
            continue
        grouped.setdefault(str(row[1]), {}).setdefault(str(row[2]), []).append(row)
    out: dict[str, dict[str, Series]] = {}
    for product, measures in grouped.items():
        out[product] = {}
        for measure, items in measures.items():
            columns: Series = {"dates": np.array([str(r[0]) for r in items], dtype="datetime64[s]")}
            for k, key in enumerate(("p10", "p50", "p90", "mean")):
                columns[key] = np.array([float(r[3 + k]) for r in items])
            out[product][measure] = columns
    return out


def read_json(path: Path) -> Any:
    """A JSON file, with a clean error when it is not one."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file (cells as rearm wrote them before neutralising formulas)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [[from_spreadsheet_cell(c) for c in row] for row in csv.reader(fh)]
    if not rows:
        raise UsageError(f"{path}: empty file")
    return rows[0], rows[1:]


def load_run(directory: Path) -> RunData | None:
    """The run results stored in `directory`, or None if it holds no run."""
    summary_path = directory / "summary.json"
    timeline_path = directory / "timeline.csv"
    if not summary_path.exists() or not timeline_path.exists():
        return None
    summary = read_json(summary_path)
    _, rows = read_csv(timeline_path)
    detail_path = directory / "replication0.json"
    detail = read_json(detail_path) if detail_path.exists() else None
    scenario = load_resolved(directory)
    return RunData(
        summary, timeline_from_rows(rows), detail, customer_timeline(rows), labels_of(scenario), programmes_of(scenario)
    )


def programmes_of(scenario: dict[str, Any]) -> dict[str, str]:
    """Product -> the budget that pays for the first facility making it (its programme)."""
    out: dict[str, str] = {}
    for spec in (scenario.get("facilities") or {}).values():
        if isinstance(spec, dict) and spec.get("product") is not None:
            out.setdefault(str(spec["product"]), str(spec.get("budget") or ""))
    return out


def load_resolved(directory: Path) -> dict[str, Any]:
    """The scenario stored in `directory` (`scenario.resolved.yaml`) as written, or {}."""
    path = directory / "scenario.resolved.yaml"
    if not path.exists():
        return {}
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def run_meta(directory: Path) -> dict[str, Any]:
    """Provenance for footers of study figures: summary.json, a study's own JSON, or the
    resolved scenario's header."""
    for name in ("summary.json", "study.json", "provenance.json"):
        path = directory / name
        if path.exists():
            data = read_json(path)
            if isinstance(data, dict) and "scenario" in data:
                return data
    resolved = directory / "scenario.resolved.yaml"
    meta: dict[str, Any] = {}
    if resolved.exists():
        import yaml

        text = resolved.read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.startswith("# resolved scenario:"):
                rest = line.split(":", 1)[1].strip()
                meta["file"] = rest.split(" (sha256 ")[0]
                if "(sha256 " in rest:
                    meta["sha256"] = rest.split("(sha256 ")[1].rstrip(")")
        data = yaml.safe_load(text) or {}
        if isinstance(data, dict):
            meta["scenario"] = data.get("scenario")
            meta["seed"] = data.get("seed")
    return meta
