"""rearm's Python API under a name no file of yours shadows: `import rearm`.

The source package is `sim`, a name a notebook folder may well hold a `sim.py` of its own;
Python would then import that file instead. `import rearm` loads rearm's `sim` package from
beside this file (wherever Python's path points first) and gives the functions of `sim.api`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent / "sim"


def _load_sim() -> None:
    """Make `sim` in `sys.modules` rearm's package, or say clearly why it cannot be."""
    present = sys.modules.get("sim")
    if present is not None:
        where = getattr(present, "__file__", None)
        if where is not None and Path(where).resolve().parent == _PACKAGE:
            return
        raise ImportError(
            f"a module named 'sim' is already imported from {where or 'somewhere else'}, not rearm's "
            f"package {_PACKAGE}: rename your sim.py, or import rearm before it"
        )
    spec = importlib.util.spec_from_file_location(
        "sim", _PACKAGE / "__init__.py", submodule_search_locations=[str(_PACKAGE)]
    )
    if spec is None or spec.loader is None:  # pragma: no cover - the package is installed beside rearm
        raise ImportError(f"rearm's package is missing: {_PACKAGE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["sim"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["sim"]
        raise


_load_sim()

from sim import __version__  # noqa: E402
from sim.api import *  # noqa: E402,F403
from sim.api import __all__ as _api_all  # noqa: E402

__all__ = ["__version__", *_api_all]
