"""Which modules an optional compiled build turns into C extensions, and whether this one did.

`REARM_COMPILE=1 pip install --no-build-isolation .` compiles `MODULES` with mypyc (see
`setup.py`): the whole model layer (`sim/model`), where a replication spends its time — the
facility kinds, the lockstep, covers, stocks, budgets and curves — and the records it writes
at every lot (`sim/records.py`: a compiled model calls an interpreted log's methods through
the interpreter: 7% of a compiled replication's instructions). All of it or none: an
interpreted class cannot subclass a compiled one, so the facility kinds go together with their
base. The compiled code does the same float arithmetic in the same order, so results are
bit-identical (`tests/test_compiled.py`); only the speed differs. This file imports nothing, so
that `setup.py` can read it before anything is installed.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util

#: source files, relative to the project root, compiled by `REARM_COMPILE=1`: every module of
#: `sim/model`, and the records (`tests/test_compiled.py` checks that none is missing)
MODULES = (
    "sim/model/appropriations.py",
    "sim/model/breakdowns.py",
    "sim/model/budget.py",
    "sim/model/clock.py",
    "sim/model/cover.py",
    "sim/model/curves.py",
    "sim/model/docks.py",
    "sim/model/expansion.py",
    "sim/model/facility.py",
    "sim/model/invariants.py",
    "sim/model/kinds.py",
    "sim/model/learning.py",
    "sim/model/lockstep.py",
    "sim/model/material.py",
    "sim/model/munitions_factory.py",
    "sim/model/ranks.py",
    "sim/model/replication.py",
    "sim/model/shipyard.py",
    "sim/model/streams.py",
    "sim/model/vehicle_line.py",
    "sim/model/workforce.py",
    "sim/model/world.py",
    "sim/records.py",
)


def module_name(path: str) -> str:
    """`sim/model/curves.py` -> `sim.model.curves`."""
    return path.removesuffix(".py").replace("/", ".")


def compiled_modules() -> list[str]:
    """The modules of `MODULES` that this installation imports from a compiled extension."""
    found = []
    for path in MODULES:
        spec = importlib.util.find_spec(module_name(path))
        if spec is not None and isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            found.append(module_name(path))
    return found
