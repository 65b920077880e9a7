"""The import graph of `sim/` follows the layers: no cycle, nothing imports a layer downstream
of its own, presentation never imports the model, and only the command line imports the
command line. Imports under `if TYPE_CHECKING:` are left out (they never run)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

#: the layers, upstream first; a module may import its own layer and those before it. The
#: records (`sim/records.py`) are the schema the model writes into: they import nothing of
#: `sim`, and the model imports them, so they sit just before the model. The library front door
#: is `sim/api.py` with `sim/library/` (the commands as functions); `sim/cli` stands on it.
LAYERS = ("base", "language", "records", "model", "metrics", "studies", "present", "api", "cli")


def module_name(path: Path, root: Path) -> str:
    """`sim/present/plots/sweep.py` -> `sim.present.plots.sweep`; a package is its `__init__`."""
    name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
    return name.removesuffix(".__init__")


def layer(module: str) -> str:
    """The layer a module of `sim` belongs to."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "errors":
        return "base"  # the version, the error types
    if parts[1] == "__main__":
        return "cli"  # `python -m sim` is the command line
    if parts[1] == "library":
        return "api"  # the commands as library functions, which sim.api and sim.cli stand on
    if parts[1] in LAYERS:
        return parts[1]
    raise AssertionError(f"{module}: a module outside every layer (add it to LAYERS)")


def run_time_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run (anywhere, functions included), not those under
    `if TYPE_CHECKING:`."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            skipped.update(id(n) for statement in node.body for n in ast.walk(statement))
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in skipped]


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (a name resolved to the longest module
    that exists: `from sim.present.plots import style` is `sim.present.plots.style`)."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in run_time_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                names = [base, *(f"{base}.{a.name}" for a in node.names)]
            for name in names:
                while name and name not in files:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    graph[module].add(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Each import that runs against the layers, as `importer imports imported (why)`."""
    out = []
    for module, imported in sorted(graph.items()):
        for other in sorted(imported):
            mine, theirs = layer(module), layer(other)
            if LAYERS.index(theirs) > LAYERS.index(mine):
                out.append(f"{module} imports {other} (the {theirs} layer is downstream of {mine})")
            elif mine == "present" and theirs == "model":
                out.append(f"{module} imports {other} (presentation never imports the model)")
            elif theirs == "cli" and mine != "cli":
                out.append(f"{module} imports {other} (only the command line imports the command line)")
    return out


def problems(root: Path) -> list[str]:
    """Every cycle and every import against the layers in the package at `root`."""
    graph = import_graph(root)
    return ["cycle " + " <-> ".join(c) for c in cycles(graph)] + layer_violations(graph)


def test_the_import_graph_has_no_cycle_and_follows_the_layers() -> None:
    assert problems(ROOT / "sim") == []


def test_the_check_finds_a_cycle_and_each_kind_of_import_against_the_layers(tmp_path: Path) -> None:
    root = tmp_path / "sim"
    files = {
        "__init__.py": "",
        "errors.py": "",
        "language/__init__.py": "",
        "language/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim.model import m\n",
        "model/__init__.py": "",
        "model/m.py": "from sim.model import n\n",
        "model/n.py": "def f():\n    from . import m\n",
        "present/__init__.py": "",
        "present/p.py": "from sim.model.m import x\n",
        "studies/__init__.py": "",
        "studies/s.py": "from ..present.p import y\n",
        "api.py": "import sim.cli.main\n",
        "cli/__init__.py": "",
        "cli/main.py": "from sim import errors\nfrom sim.present import p\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    assert problems(root) == [
        "cycle sim.model.m <-> sim.model.n",
        "sim.api imports sim.cli.main (the cli layer is downstream of api)",
        "sim.present.p imports sim.model.m (presentation never imports the model)",
        "sim.studies.s imports sim.present.p (the present layer is downstream of studies)",
    ]
