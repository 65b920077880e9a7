"""Which modules an optional compiled build turns into C extensions, and whether this one did.

`REARM_COMPILE=1 pip install --no-build-isolation .` compiles `MODULES` with mypyc (see
`setup.py`): the model's numeric leaves (rate curves, learning curves, covers, stocks and
budgets), asked at every lot. The compiled code does the same float arithmetic in the same
order, so results are bit-identical (`tests/test_compiled.py`); only the speed differs. This
file imports nothing, so that `setup.py` can read it before anything is installed.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util

#: source files, relative to the project root, compiled by `REARM_COMPILE=1`
MODULES = (
    "sim/model/curves.py",
    "sim/model/learning.py",
    "sim/model/cover.py",
    "sim/model/material.py",
    "sim/model/budget.py",
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
