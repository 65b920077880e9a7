"""`rearm report DIR`: one self-contained HTML file that parses, fetches nothing, embeds one
PNG per figure, and states every target's median date, what binds it, the key inputs and
the provenance."""

from __future__ import annotations

import base64
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import write_yaml

from sim.cli.main import main
from sim.present.report import render_report
from sim.present.run_plots import figures_for

SCENARIO = """
scenario: Report test shells
description: Two shell plants sharing one explosive supply.
start: 2025-01-01
horizon: 8 years
seed: 11
currency: EUR
budgets:
  procurement:
    appropriations: {2025: 1bn, 2027: 1.5bn}
materials:
  fill:
    unit: t
    initial: 100
    supply: {rate: {triangular: [1.5k per year, 2k per year, 2.5k per year]}, lead_time: 1 month}
facilities:
  alpha:
    kind: munitions_factory
    product: shell
    budget: procurement
    capacity: 150k per year
    lot: 1 month
    unit_cost: 3000
    consumes: {fill: 0.01}
    expansions:
      - {name: second line, capacity: 100k per year, capex: 200M,
         construction: {triangular: [1 year, 18 months, 2 years]}, start: 2025-03-01, ramp_up: 6 months}
  beta:
    kind: munitions_factory
    product: shell
    budget: procurement
    capacity: 50k per year
    lot: 1 month
    unit_cost: 3500
    consumes: {fill: 0.01}
targets:
  - {name: first million, product: shell, delivered: 1M, by: 2030-01-01}
  - {name: quarter million a year, product: shell, rate: 250k per year, by: 2027-01-01}
"""


class Collect(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Collect:
    parser = Collect()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    scenario = write_yaml(root, SCENARIO, "shells.yaml")
    out = root / "out"
    assert main(["run", str(scenario), "--replications", "5", "--jobs", "1", "--out", str(out), "--no-plots"]) == 0
    assert main(["report", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def page(run_dir: Path) -> str:
    return (run_dir / "report.html").read_text(encoding="utf-8")


def test_report_parses_and_references_no_external_resource(page: str) -> None:
    doc = parse(page)
    names = [t for t, _ in doc.tags]
    assert names[0] == "html" and "body" in names
    assert not {"script", "link", "iframe", "object", "embed"} & set(names)
    for _, attrs in doc.tags:
        for key in ("src", "href", "data", "srcset", "poster", "action"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("data:", "#")), (key, value[:40])
    outside_images = re.sub(r'src="data:image/png;base64,[A-Za-z0-9+/=]*"', "", page)
    assert "http" not in outside_images.lower()  # (base64 can spell "http" by chance)
    assert "url(" not in outside_images and "@import" not in outside_images


def test_report_embeds_one_png_per_figure(run_dir: Path, page: str) -> None:
    images = [a for t, a in parse(page).tags if t == "img"]
    expected = [s.name for s in figures_for(run_dir)]
    assert expected == ["target_chart", "timeline", "capacity", "budget", "waiting"]
    assert len(images) == len(expected)
    assert page.index('id="fig-target_chart"') < page.index("<h2>Targets</h2>") < page.index('id="fig-timeline"')
    for attrs in images:
        src = attrs["src"] or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        assert attrs.get("alt")


def test_report_states_every_targets_name_and_median_date(run_dir: Path, page: str) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    text = " ".join(parse(page).text)
    assert len(summary["targets"]) == 2
    for target in summary["targets"]:
        assert target["name"] in text
        median = target["date_reached"]["p50"] or "not reached"
        row = text[text.index(target["name"]) :]
        assert median in row
    first = next(t for t in summary["targets"] if t["name"] == "first million")
    assert first["date_reached"]["p50"] is not None  # a real date is checked, not only "not reached"


def test_report_gives_key_inputs_and_provenance(run_dir: Path, page: str) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    text = " ".join(parse(page).text)
    for value in (summary["sha256"], summary["file"], summary["version"], "seed", "11"):
        assert str(value) in text
    assert "Two shell plants sharing one explosive supply." in text
    assert "second line" in text and "150k per year" in text  # key inputs from the resolved scenario


def test_binding_constraint_comes_from_bottlenecks_json_when_present(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "with_bottlenecks"
    shutil.copytree(run_dir, copy)
    gains = {
        "first million": [
            {"constraint": "material:fill", "months_earlier": 9.5},
            {"constraint": "budget:procurement", "months_earlier": 1.0},
        ]
    }
    (copy / "bottlenecks.json").write_text(json.dumps(gains))
    summary = json.loads((copy / "summary.json").read_text())  # the study was measured for this run's inputs
    study = {"command": "bottlenecks", "scenario": summary["scenario"], "sha256": summary["sha256"], "overrides": []}
    (copy / "study.json").write_text(json.dumps(study))
    html = render_report(copy)
    text = " ".join(parse(html).text)
    binding = text[text.index("What binds") : text.index("Targets")]
    assert "relaxing material:fill brings it 9.5 months earlier" in binding and "rearm bottlenecks" in binding
    assert "waited for" in binding  # the other target, not measured, says what its lines waited for
    assert len([a for t, a in parse(html).tags if t == "img"]) == len(figures_for(copy)) == 6  # + bottlenecks


def test_without_a_measurement_the_report_says_what_the_lines_waited_for_never_what_binds(page: str) -> None:
    binding = " ".join(parse(page).text)
    binding = binding[binding.index("What binds") : binding.index("Targets")]
    assert "Not measured" in binding and "--bottlenecks" in binding
    assert binding.count("waited for:") == 2 and "relaxing" not in binding and "binds: " not in binding


def test_report_of_a_study_directory_embeds_its_figures(tmp_path: Path) -> None:
    (tmp_path / "study.json").write_text(json.dumps({"scenario": "A study", "seed": 3, "replications": 2}))
    (tmp_path / "bottlenecks.json").write_text(json.dumps({"t": [{"constraint": "docks:y", "months_earlier": 4}]}))
    assert main(["report", str(tmp_path)]) == 0
    html = (tmp_path / "report.html").read_text()
    assert "A study" in html
    assert len([a for t, a in parse(html).tags if t == "img"]) == 1


def test_report_without_results_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert "no results to report" in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()
