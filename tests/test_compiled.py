"""The optional compiled build (`REARM_COMPILE=1`, `sim/compiled.py`, `setup.py`): the modules it
compiles with mypyc give bit-identical records to the pure-Python ones, and really are compiled.
The test compiles them into a scratch copy of the package (about half a minute)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from sim.compiled import MODULES, module_name

ROOT = Path(__file__).resolve().parents[1]

#: simulate shipped scenarios (argv[2:]) with the package found at argv[1]; print the modules
#: compiled and every record as JSON (floats round-trip exactly through repr)
DUMP = """
import json, sys
sys.path.insert(0, sys.argv[1])
from sim.compiled import compiled_modules
from sim.language.load import load_scenario
from sim.model.replication import simulate
from sim.studies.replications import replication_seed
out = {"compiled": compiled_modules(), "records": {}}
for path in sys.argv[2:]:
    scenario = load_scenario(path).scenario
    for seed in (0, 1):
        r = simulate(scenario, replication_seed(seed, 0))
        fields = ("deliveries", "starts", "appropriations", "lapses", "spending", "takes", "capacity", "supply")
        rows = {f: [list(row) for row in getattr(r, f)] for f in fields + ("stages",)}
        rows["time_use"] = {str(k): dict(v) for k, v in r.time_use.items()}
        rows["events"] = r.events
        out["records"][f"{path} {seed}"] = rows
print(json.dumps(out))
"""
SCENARIOS = [str(ROOT / "scenarios" / name) for name in ("nato_hague_2035.yaml", "european_155mm.yaml")]


def cannot_compile() -> str | None:
    """Why mypyc cannot build extensions here, or None if it can."""
    if importlib.util.find_spec("mypyc") is None:
        return "mypyc (part of mypy) is not installed"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "Python's C headers are not installed"
    return None


@pytest.fixture(scope="module")
def compiled_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the package with `MODULES` compiled in place."""
    reason = cannot_compile()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("compiled")
    shutil.copytree(ROOT / "sim", root / "sim", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    shutil.copy(ROOT / "pyproject.toml", root)  # mypy's settings
    build = subprocess.run(
        [sys.executable, "-m", "mypyc", *MODULES], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return root


def dump(package_root: Path) -> dict:
    """The modules compiled and the records of `SCENARIOS`, simulated in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", DUMP, str(package_root), *SCENARIOS], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_compiled_modules_give_bit_identical_records(compiled_copy: Path) -> None:
    compiled, pure = dump(compiled_copy), dump(ROOT)
    assert compiled["compiled"] == [module_name(m) for m in MODULES]  # it really ran compiled code
    assert pure["compiled"] == []
    assert compiled["records"] == pure["records"]  # floats compared exactly, row for row
    flagship = pure["records"][f"{SCENARIOS[0]} 0"]
    assert len(flagship["deliveries"]) > 1000, "the comparison must cover a real run"
