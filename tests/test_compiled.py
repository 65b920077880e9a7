"""The optional compiled build (`REARM_COMPILE=1`, `sim/compiled.py`, `setup.py`): the modules it
compiles with mypyc give bit-identical records to the pure-Python ones, and really are compiled.
The test compiles them into a scratch copy of the package (about a minute). Guards read the
model's source for what would make the builds differ: an attribute re-declared in a subclass,
and the builtin `sum` (whose float rounding differs between the builds, and between Python
versions); and for what makes the compiled build slow: constants not `Final`, cached properties."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import FLAGSHIP, ROOT, SCENARIOS, records_in_fresh_process

from sim.compiled import MODULES, module_name


def cannot_compile() -> str | None:
    """Why mypyc cannot build extensions here, or None if it can."""
    if importlib.util.find_spec("mypyc") is None:
        return "mypyc (part of mypy) is not installed"
    if importlib.util.find_spec("setuptools") is None:
        return "setuptools is not installed (mypyc builds with it)"
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


def test_the_compiled_modules_give_bit_identical_records(compiled_copy: Path) -> None:
    compiled, pure = records_in_fresh_process(compiled_copy, SCENARIOS), records_in_fresh_process(ROOT, SCENARIOS)
    assert compiled["compiled"] == [module_name(m) for m in MODULES]  # it really ran compiled code
    assert pure["compiled"] == []
    assert compiled["records"].keys() == pure["records"].keys()
    for run, records in pure["records"].items():  # floats compared exactly, row for row
        assert compiled["records"][run] == records, run
    assert len(pure["records"][f"{FLAGSHIP} 0"]["deliveries"]) > 1000, "the comparison must cover a real run"


def test_the_compiled_reference_path_gives_bit_identical_records(compiled_copy: Path) -> None:
    """The step-by-step path (an event per lot, start interval and delivery) compiled too."""
    compiled, pure = (records_in_fresh_process(root, [FLAGSHIP], skip_events=False) for root in (compiled_copy, ROOT))
    assert compiled["records"] == pure["records"]
    optimised = records_in_fresh_process(ROOT, [FLAGSHIP])["records"][f"{FLAGSHIP} 0"]["events"]
    assert pure["records"][f"{FLAGSHIP} 0"]["events"] > 5 * optimised  # it really took the other path


def test_the_compiled_build_covers_the_whole_model_layer() -> None:
    """An interpreted class cannot subclass a compiled one, and a module left out would run
    slowly: `MODULES` is every module of `sim/model` and the records it writes, and nothing else."""
    model = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "sim" / "model").glob("*.py"))
    assert sorted(MODULES) == sorted([p for p in model if not p.endswith("__init__.py")] + ["sim/records.py"])


def test_no_model_class_re_declares_an_attribute_of_its_base() -> None:
    """A subclass re-declaring its base's attribute (`spec: ShipyardSpec` over `spec`) compiles
    under mypyc to a second visit of the same slot in the garbage collector's traverse, and the
    collector then empties objects still in use (stop 14's failed compiled build). Found by
    reading the classes of `sim/model`: what a class body declares or its methods set on `self`."""
    declared: dict[str, set[str]] = {}  # class -> names declared in its body
    assigned: dict[str, set[str]] = {}  # class -> names declared in its body or set on self
    bases: dict[str, list[str]] = {}
    for path in (ROOT / "sim" / "model").glob("*.py"):
        for cls in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(cls, ast.ClassDef):
                continue
            own = {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
            on_self = {
                t.attr
                for n in ast.walk(cls)
                if isinstance(n, ast.Assign | ast.AnnAssign)
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
            }
            declared[cls.name], assigned[cls.name] = own, own | on_self
            bases[cls.name] = [b.id for b in cls.bases if isinstance(b, ast.Name)]

    def ancestors(name: str) -> list[str]:
        return [a for b in bases.get(name, []) if b in bases for a in (b, *ancestors(b))]

    assert {"Facility", "RatedFacility", "Shipyard", "VehicleLine", "MunitionsFactory"} <= bases.keys()
    clashes = {
        (name, attr, base) for name in bases for base in ancestors(name) for attr in declared[name] & assigned[base]
    }
    assert not clashes


def test_the_model_adds_floats_in_order_never_with_builtin_sum() -> None:
    """From Python 3.12 `sum` compensates the rounding of floats (and the compiled build's `sum`
    does not): a model summing with it gives other records on 3.11 than on 3.12, and compiled
    than pure, by a rounding that can move a lot's cut. The model adds in plain loops, the same
    float on every Python (`test_another_python_version_gives_the_same_records` compares them
    where a second Python is at hand, as in `.ci/run`); this keeps `sum` from coming back."""
    files = [*sorted((ROOT / "sim" / "model").glob("*.py")), ROOT / "sim" / "language" / "values.py"]
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in files
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sum"
    ]
    assert len(files) > 20 and not calls, calls


def test_the_compiled_modules_mark_constants_final_and_cache_no_property() -> None:
    """Two habits that cost the compiled build dearly and pure Python nothing (found in the
    generated C at the first stop of 29 November): a module constant not marked `Final` is looked
    up in the module's dictionary at every use instead of inlined, and a `cached_property` is
    computed again at every ask (a compiled class has no instance dictionary to keep it in)."""
    found = []
    for module in MODULES:
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        found += [
            f"{module}:{node.lineno}: {ast.unparse(node)} (not Final)"
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, (ast.Constant, ast.Call))  # (a number, a name, a frozenset)
            and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)
        ]
        found += [
            f"{module}:{node.lineno}: cached_property {node.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef)
            and any(ast.unparse(d).endswith("cached_property") for d in node.decorator_list)
        ]
    assert len(MODULES) > 20 and not found, found
