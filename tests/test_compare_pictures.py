"""A comparison as pictures: `rearm compare` draws each target's dates in each scenario side by
side, `rearm plot` and `rearm report` accept its folder; and every study writes, without --out,
into the folder its --out help names."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import CliResult, write_yaml

from sim.present.plots.compare import plot_compare

PLANT = """
scenario: plant {name}
start: 2025-01-01
horizon: 6 years
seed: 4
replications: 3
budgets:
  money: {{appropriations: {{2025: 1tn}}}}
facilities:
  plant:
    kind: munitions_factory
    product: shell
    budget: money
    capacity: {capacity}
    lot: 30 days
targets:
  - {{name: million, product: shell, delivered: 1M}}
  - {{name: two million, product: shell, delivered: 2M}}
"""


def plants(folder: Path) -> tuple[Path, Path]:
    """Two small scenarios: the second's plant twice as fast."""
    a = write_yaml(folder, PLANT.format(name="A", capacity="250k per year"), "slow.yaml")
    b = write_yaml(folder, PLANT.format(name="B", capacity="500k per year"), "fast.yaml")
    return a, b


def test_compare_then_plot_and_report_on_its_folder(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    a, b = plants(tmp_path)
    out = tmp_path / "cmp"
    res = rearm("compare", a, b, "--out", out, "--jobs", "1", "--quiet")
    assert res.code == 0, res.err
    assert (out / "compare.png").stat().st_size > 0  # the study draws it itself
    (out / "compare.png").unlink()
    res = rearm("plot", out)
    assert res.code == 0, res.err
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    res = rearm("report", out)
    assert res.code == 0, res.err
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="fig-compare"' in page and "data:image/png;base64," in page
    assert "<h1>Comparison of slow, fast</h1>" in page


def test_the_comparison_figure_puts_each_median_at_its_date(tmp_path: Path, rearm: Callable[..., CliResult]) -> None:
    a, b = plants(tmp_path)
    out = tmp_path / "cmp"
    assert rearm("compare", a, b, "--out", out, "--jobs", "1", "--quiet", "--no-plots").code == 0
    compare = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    fig = plot_compare(compare, {})
    ax = fig.axes[0]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    medians = {
        (target, Path(scenario).stem): dt.date.fromisoformat(entry["date_reached"]["p50"])
        for target, t in compare["targets"].items()
        for scenario, entry in t["scenarios"].items()
        if entry["date_reached"]["p50"]
    }
    assert len(dots) == len(medians) == 3  # two million: only the fast plant within 6 years
    names = [t.get_text() for t in ax.get_yticklabels()]
    rows = dict(zip(ax.get_yticks().tolist(), names, strict=True))
    for line in dots:
        (x,), (y,) = line.get_xdata(), line.get_ydata()
        target, scenario = rows[y].split("\n")[0].split(" — ")
        assert x == np.datetime64(medians[(target, scenario)])
    # the slow plant's two million is named as not reached, beside its row
    assert any(n.startswith("two million — slow") and "no median" in n for n in names)
    assert np.isfinite(ax.get_xlim()).all()


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("sweep", ["--vary", "facilities.plant.capacity=250k per year,300k per year"]),
        ("sensitivity", ["--param", "facilities.plant.capacity=250k per year:300k per year", "--method", "oat"]),
        ("bottlenecks", []),
        ("audit", []),
        ("compare", []),
    ],
)
def test_each_study_writes_where_its_out_help_says(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rearm: Callable[..., CliResult],
    command: str,
    args: list[str],
) -> None:
    from sim.cli.main import build_parser

    monkeypatch.chdir(tmp_path)
    a, b = plants(tmp_path)
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    option = next(o for o in sub.choices[command]._actions if "--out" in o.option_strings)
    assert option.help is not None
    found = re.search(r"default: ([^)]*)\)", option.help)
    assert found, option.help
    folder = Path(found.group(1).replace("<scenario stem>", "slow"))
    files = [a.name, b.name] if command == "compare" else [a.name]
    res = rearm(command, *files, *args, "--replications", "2", "--jobs", "1", "--quiet", "--no-plots")
    assert res.code in (0, 1), res.err  # (audit exits 1 on an anomaly; its files are written all the same)
    assert (folder / "study.json").exists(), (option.help, sorted(str(p) for p in tmp_path.rglob("study.json")))
    written = sorted(p.parent for p in tmp_path.rglob("study.json"))
    assert written == [tmp_path / folder]
