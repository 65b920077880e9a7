"""docs/notebook.ipynb runs as stored: every cell without error, the same kinds of output, small
outputs, the sweep's DataFrame holds the closed-form answer of its one-plant scenario, and the
model as f(X) -> Y through SALib meets its closed form too."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

pytest.importorskip("pandas", reason="the notebook's DataFrames need pandas")
pytest.importorskip("matplotlib", reason="the notebook plots with matplotlib")
pytest.importorskip("distributed", reason="the notebook sweeps on a Dask LocalCluster")

from notebook_runner import execute, output_kinds  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebook.ipynb"
MAX_OUTPUT_BYTES = 16_000  # a result shows a line and a table, never its data
MAX_NOTEBOOK_BYTES = 60_000


@pytest.fixture(scope="module")
def stored() -> dict:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def executed(stored: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("notebook"))  # its study writes ./outputs
        return execute(copy.deepcopy(stored))


def test_the_notebook_is_stored_executed_and_small(stored: dict) -> None:
    assert stored["nbformat"] == 4
    code = [c for c in stored["cells"] if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    assert all(c["outputs"] for c in code[:-1])  # every cell but the closing one shows something
    for cell in code:
        for output in cell["outputs"]:
            assert len(json.dumps(output)) < MAX_OUTPUT_BYTES
    assert NOTEBOOK.stat().st_size < MAX_NOTEBOOK_BYTES
    shown = [kind for cell in output_kinds(stored) for kind in cell]
    assert ("display_data", "image/png", "text/plain") in shown  # the figure, as a PNG
    assert sum(kind[0] == "execute_result" and "text/html" in kind for kind in shown) >= 3


def test_every_cell_runs_and_shows_what_is_stored(stored: dict, executed: tuple[dict, dict]) -> None:
    notebook, _ = executed
    assert output_kinds(notebook) == output_kinds(stored)


def test_the_sweep_frame_holds_the_closed_form(executed: tuple[dict, dict]) -> None:
    _, namespace = executed
    runs = namespace["runs"]
    capacity = runs["facilities.plant.capacity"]
    assert str(capacity.dtype) == "float64"  # numbers in base units, not "500 per day"
    assert set(runs["facilities.plant.capacity:unit"]) == {"per day"}
    assert sorted(set(runs["facilities.plant.capacity:written"])) == sorted(namespace["capacities"])
    assert sorted(set(capacity)) == [500.0, 1000.0, 2000.0, 4000.0]
    assert len(runs) == 4 * 3  # four points, three replications each
    for per_day, years in zip(capacity, runs["years_to_reach:100k delivered"], strict=True):
        lots = math.ceil(100_000 / (per_day * 7))  # lots of 7 days, each delivered at its end
        assert years == pytest.approx(lots * 7 / 365.25, abs=1e-9)
    spec = namespace["spec"]  # the model as f(X) -> Y through SALib: delivered is linear in capacity
    lots_by_horizon = math.floor(3 * 365.25 / 7)
    assert spec.results[:, 0] == pytest.approx(spec.samples[:, 0] * 7 * lots_by_horizon, rel=1e-12)
    assert len(set(spec.samples[:, 0])) > 4
    assert namespace["result"].summary["file"] == "<dict>"
    assert namespace["client"].status == "closed"
